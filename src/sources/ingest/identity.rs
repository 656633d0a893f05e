//! Identity resolution for calendar and mail imports: an address becomes a person of the
//! organisation (by any of their emails) or a buyer-side contact (by email); an unknown
//! outside address becomes a new contact, placed on the account that owns its domain unless
//! the domain is a free-mail provider; and each activity is linked to the deals it concerns
//! (see [`deal_links`]).

mod deal_links;

pub(crate) use deal_links::{AmbiguousLink, DealLinker};
#[cfg(test)]
pub(crate) use deal_links::{RULE_ACCOUNT_SINGLE_OPEN_DEAL, RULE_CONTACT_ON_DEAL, RULE_OWNER_AND_ACCOUNT_CONTACT};

use super::activities::ActivitySettings;
use crate::domain::{
    normalise_domain, AccountId, Activity, Contact, ContactId, Dataset, DealLink, Direction, Participant,
    ParticipantRole, Party, PersonId, Seniority, SourceName,
};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Longest name kept for a contact created from a display name.
const MAX_NAME_CHARS: usize = 200;

/// Which account a web domain belongs to.
#[derive(Debug, Clone)]
enum DomainOwner {
    One(AccountId),
    /// Several accounts list the domain: no contact is placed by it.
    Shared(Vec<AccountId>),
}

/// Lowercased address without a `mailto:` prefix or angle brackets, when it looks like one.
pub(crate) fn normalise_address(text: &str) -> Option<String> {
    let trimmed = text.trim().trim_matches(|c| c == '<' || c == '>' || c == '"').trim();
    let bare = match trimmed.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("mailto:") => &trimmed[7..],
        _ => trimmed,
    };
    let lower = bare.trim().to_lowercase();
    let (local, domain) = lower.rsplit_once('@')?;
    let valid = !local.is_empty()
        && !domain.is_empty()
        && domain.contains('.')
        && !lower.chars().any(|c| c.is_whitespace() || c.is_control());
    valid.then_some(lower)
}

/// The domain part of a normalised address.
pub(crate) fn address_domain(address: &str) -> Option<&str> {
    address.rsplit_once('@').map(|(_, domain)| domain)
}

/// `domain` and each parent domain with at least two labels: `uk.bank.com`, `bank.com`.
fn domain_and_parents(domain: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(domain);
    std::iter::from_fn(move || {
        let current = rest?;
        rest = current.split_once('.').map(|(_, parent)| parent).filter(|parent| parent.contains('.'));
        Some(current)
    })
}

pub struct IdentityResolver {
    source: SourceName,
    org_domains: HashSet<String>,
    free_mail: HashSet<String>,
    people_by_email: HashMap<String, PersonId>,
    contacts_by_email: HashMap<String, (ContactId, Option<AccountId>)>,
    accounts_by_domain: HashMap<String, DomainOwner>,
    new_contacts: Vec<Contact>,
    linker: DealLinker,
    contacts_created: u64,
    free_mail_contacts: u64,
    shared_domain_contacts: BTreeSet<String>,
    unknown_internal: BTreeSet<String>,
}

impl IdentityResolver {
    /// A resolver over what the store already holds; contacts it creates carry `source`.
    pub fn new(known: &Dataset, settings: &ActivitySettings, source: SourceName) -> Self {
        let mut people_by_email = HashMap::new();
        for person in &known.people {
            for email in &person.emails {
                if let Some(address) = normalise_address(email) {
                    people_by_email.entry(address).or_insert_with(|| person.id.clone());
                }
            }
        }
        let mut contacts_by_email = HashMap::new();
        for contact in &known.contacts {
            if let Some(address) = contact.email.as_deref().and_then(normalise_address) {
                contacts_by_email.entry(address).or_insert_with(|| (contact.id.clone(), contact.account_id.clone()));
            }
        }
        let mut accounts_by_domain: HashMap<String, DomainOwner> = HashMap::new();
        for account in &known.accounts {
            for domain in account.domains.iter().filter_map(|d| normalise_domain(d)) {
                let owner = match accounts_by_domain.remove(&domain) {
                    None => DomainOwner::One(account.id.clone()),
                    Some(DomainOwner::One(first)) if first == account.id => DomainOwner::One(first),
                    Some(DomainOwner::One(first)) => DomainOwner::Shared(vec![first, account.id.clone()]),
                    Some(DomainOwner::Shared(mut all)) => {
                        all.push(account.id.clone());
                        DomainOwner::Shared(all)
                    }
                };
                accounts_by_domain.insert(domain, owner);
            }
        }
        Self {
            source,
            org_domains: settings.org_domains.iter().cloned().collect(),
            free_mail: settings.ingest.free_mail_domains.iter().filter_map(|d| normalise_domain(d)).collect(),
            people_by_email,
            contacts_by_email,
            accounts_by_domain,
            new_contacts: Vec::new(),
            linker: DealLinker::new(known, settings.ingest.deal_link_window_days),
            contacts_created: 0,
            free_mail_contacts: 0,
            shared_domain_contacts: BTreeSet::new(),
            unknown_internal: BTreeSet::new(),
        }
    }

    fn is_org_domain(&self, domain: &str) -> bool {
        domain_and_parents(domain).any(|d| self.org_domains.contains(d))
    }

    fn is_free_mail(&self, domain: &str) -> bool {
        self.free_mail.contains(domain)
    }

    /// Inside the organisation: a known person, or an address on one of its domains.
    pub fn is_internal(&self, address: &str) -> bool {
        self.people_by_email.contains_key(address) || address_domain(address).is_some_and(|d| self.is_org_domain(d))
    }

    /// The account that owns the address's domain (or a parent domain), if exactly one does.
    pub fn account_for_address(&self, address: &str) -> Option<AccountId> {
        let domain = address_domain(address)?;
        if self.is_free_mail(domain) {
            return None;
        }
        domain_and_parents(domain).find_map(|d| match self.accounts_by_domain.get(d) {
            Some(DomainOwner::One(account)) => Some(account.clone()),
            _ => None,
        })
    }

    fn is_shared_domain(&self, address: &str) -> bool {
        address_domain(address).is_some_and(|domain| {
            domain_and_parents(domain).any(|d| matches!(self.accounts_by_domain.get(d), Some(DomainOwner::Shared(_))))
        })
    }

    /// Seen from the organisation: internal when everyone is inside it, outbound when the
    /// sender or organizer is (or when nobody is named as either), inbound otherwise.
    pub fn direction(&self, participants: &[Participant]) -> Direction {
        if participants.iter().all(|p| self.is_internal(&p.address)) {
            return Direction::Internal;
        }
        let initiator =
            participants.iter().find(|p| matches!(p.role, ParticipantRole::From | ParticipantRole::Organizer));
        match initiator {
            Some(p) if !self.is_internal(&p.address) => Direction::Inbound,
            _ => Direction::Outbound,
        }
    }

    /// Fills in who each participant is, creating contacts for unknown outside addresses.
    pub fn resolve_participants(&mut self, participants: &mut [Participant]) {
        for participant in participants.iter_mut() {
            participant.party = self.resolve_address(&participant.address, participant.name.as_deref());
        }
    }

    fn resolve_address(&mut self, address: &str, display_name: Option<&str>) -> Option<Party> {
        if let Some(person) = self.people_by_email.get(address) {
            return Some(Party::Person(person.clone()));
        }
        if let Some((contact, _)) = self.contacts_by_email.get(address) {
            return Some(Party::Contact(contact.clone()));
        }
        if self.is_internal(address) {
            if self.unknown_internal.len() < 10_000 {
                self.unknown_internal.insert(address.to_owned());
            }
            return None;
        }
        let id = ContactId::from_source(&self.source, address).ok()?;
        let account_id = self.account_for_address(address);
        if address_domain(address).is_some_and(|d| self.is_free_mail(d)) {
            self.free_mail_contacts += 1;
        } else if account_id.is_none() && self.is_shared_domain(address) {
            self.shared_domain_contacts.insert(address.to_owned());
        }
        let contact = Contact {
            id: id.clone(),
            source: self.source.clone(),
            external_id: address.to_owned(),
            account_id: account_id.clone(),
            name: contact_name(address, display_name),
            email: Some(address.to_owned()),
            title: None,
            seniority: Seniority::Individual,
        };
        self.contacts_created += 1;
        self.contacts_by_email.insert(address.to_owned(), (id.clone(), account_id));
        self.new_contacts.push(contact);
        Some(Party::Contact(id))
    }

    /// The deals `activity` concerns, each with its rule and confidence.
    pub fn link_deals(&mut self, activity: &Activity) -> Vec<DealLink> {
        let mut people = Vec::new();
        let mut contacts = Vec::new();
        for participant in &activity.participants {
            match &participant.party {
                Some(Party::Person(person)) => people.push(person.clone()),
                Some(Party::Contact(contact)) => {
                    let account = self
                        .contacts_by_email
                        .get(&participant.address)
                        .and_then(|(_, account)| account.clone())
                        .or_else(|| self.account_for_address(&participant.address));
                    contacts.push((contact.clone(), account));
                }
                None => {}
            }
        }
        self.linker.link(&activity.id, activity.occurred_at, &people, &contacts)
    }

    /// Contacts created since the last call.
    pub fn take_new_contacts(&mut self) -> Vec<Contact> {
        std::mem::take(&mut self.new_contacts)
    }

    /// Ambiguous deal matches seen so far.
    pub fn ambiguities(&self) -> &[AmbiguousLink] {
        self.linker.ambiguities()
    }

    /// What resolution did, in words, for the import report.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.contacts_created > 0 {
            notes.push(format!(
                "{} new contacts created from unknown outside addresses ({} on free-mail domains, kept off any account)",
                self.contacts_created, self.free_mail_contacts
            ));
        }
        if !self.shared_domain_contacts.is_empty() {
            notes.push(format!(
                "{} new contacts left without an account because several accounts list their domain, e.g. {}",
                self.shared_domain_contacts.len(),
                examples(self.shared_domain_contacts.iter())
            ));
        }
        if !self.unknown_internal.is_empty() {
            notes.push(format!(
                "{} addresses on the organisation's domains match no person, e.g. {}",
                self.unknown_internal.len(),
                examples(self.unknown_internal.iter())
            ));
        }
        notes.extend(self.linker.notes());
        notes
    }
}

pub(crate) fn examples<'a>(items: impl Iterator<Item = &'a String>) -> String {
    items.take(5).map(String::as_str).collect::<Vec<_>>().join(", ")
}

/// A display name unless it is empty or just the address again; else the address's local part.
fn contact_name(address: &str, display_name: Option<&str>) -> String {
    let cleaned = display_name.map(|n| n.trim().trim_matches(|c| c == '"' || c == '\'').trim()).unwrap_or("");
    let usable = !cleaned.is_empty() && !cleaned.contains('@') && !cleaned.chars().any(char::is_control);
    let name = if usable { cleaned } else { address.split('@').next().unwrap_or(address) };
    name.chars().take(MAX_NAME_CHARS).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub(crate) mod tests;
