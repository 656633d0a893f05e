//! Which deals an activity concerns. A deal is a candidate while it was live at the time of the
//! activity: created on or before it, and not more than the link window past its actual close
//! (or, while still open, its expected close date). Deals that are won or lost today still
//! receive the activity that happened while they were open, so history replays correctly.
//!
//! Rules, strongest first:
//! - `contact_on_deal` (0.9): a participant holds a role on the deal;
//! - `owner_and_account_contact` (0.8): the owner (or a credit-split member) took part together
//!   with a contact of the deal's account;
//! - `account_single_open_deal` (0.7): a contact of the account and someone from the
//!   organisation took part, and the account has exactly one live deal.
//!
//! Per account only the strongest rule's deals are linked. When several deals tie at the top,
//! every one of them is linked with the confidence divided equally among them and the rule
//! prefixed `ambiguous:`, and the case is listed in the report. Linking none would make every
//! account with two live deals look unengaged (false "no activity" flags); the lowered
//! confidence and the distinct rule let the engine and a reviewer discount the evidence.

use crate::domain::{AccountId, ActivityId, ContactId, Dataset, DealId, DealLink, PersonId};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use std::collections::{BTreeMap, HashMap};

pub(crate) const RULE_CONTACT_ON_DEAL: &str = "contact_on_deal";
pub(crate) const RULE_OWNER_AND_ACCOUNT_CONTACT: &str = "owner_and_account_contact";
pub(crate) const RULE_ACCOUNT_SINGLE_OPEN_DEAL: &str = "account_single_open_deal";
const AMBIGUOUS_PREFIX: &str = "ambiguous:";

/// Listed individually in the report up to this many; counted beyond.
const MAX_LISTED_AMBIGUITIES: usize = 10;

/// An activity that matched several deals of one account equally well.
#[derive(Debug, Clone, PartialEq)]
pub struct AmbiguousLink {
    pub activity_id: ActivityId,
    pub account_id: Option<AccountId>,
    pub deals: Vec<DealId>,
    pub rule: &'static str,
    /// The confidence each deal would have had alone.
    pub confidence: f64,
}

struct LiveSpan {
    id: DealId,
    account: Option<AccountId>,
    /// Owner first, then credit-split members.
    team: Vec<PersonId>,
    created_at: DateTime<Utc>,
    /// Last moment an activity still counts, the link window included; `None` = open-ended.
    last: Option<DateTime<Utc>>,
}

impl LiveSpan {
    fn covers(&self, at: DateTime<Utc>) -> bool {
        self.created_at <= at && self.last.is_none_or(|last| at <= last)
    }
}

pub(crate) struct DealLinker {
    deals: Vec<LiveSpan>,
    by_account: HashMap<AccountId, Vec<usize>>,
    by_contact: HashMap<ContactId, Vec<usize>>,
    ambiguous: Vec<AmbiguousLink>,
    ambiguous_count: u64,
}

impl DealLinker {
    pub(crate) fn new(known: &Dataset, window_days: u32) -> Self {
        let window = Duration::days(i64::from(window_days));
        let index: HashMap<&DealId, usize> = known.deals.iter().enumerate().map(|(i, d)| (&d.id, i)).collect();
        let deals: Vec<LiveSpan> = known
            .deals
            .iter()
            .map(|deal| {
                let expected_close = deal.close_date.map(|d| d.and_time(NaiveTime::MIN).and_utc() + Duration::days(1));
                let mut team = vec![deal.owner_id.clone()];
                team.extend(deal.splits.iter().map(|s| s.person_id.clone()).filter(|p| *p != deal.owner_id));
                LiveSpan {
                    id: deal.id.clone(),
                    account: deal.account_id.clone(),
                    team,
                    created_at: deal.created_at,
                    last: deal.closed_at.or(expected_close).map(|end| end + window),
                }
            })
            .collect();
        let mut by_account: HashMap<AccountId, Vec<usize>> = HashMap::new();
        for (at, deal) in deals.iter().enumerate() {
            if let Some(account) = &deal.account {
                by_account.entry(account.clone()).or_default().push(at);
            }
        }
        let mut by_contact: HashMap<ContactId, Vec<usize>> = HashMap::new();
        for role in &known.contact_roles {
            if let Some(&at) = index.get(&role.deal_id) {
                let list = by_contact.entry(role.contact_id.clone()).or_default();
                if !list.contains(&at) {
                    list.push(at);
                }
            }
        }
        Self { deals, by_account, by_contact, ambiguous: Vec::new(), ambiguous_count: 0 }
    }

    /// Links for one activity that happened `at`, given who took part: people of the
    /// organisation, and contacts with the account each belongs to.
    pub(crate) fn link(
        &mut self,
        activity: &ActivityId,
        at: DateTime<Utc>,
        people: &[PersonId],
        contacts: &[(ContactId, Option<AccountId>)],
    ) -> Vec<DealLink> {
        // deal index -> (rule, confidence); the strongest rule per deal wins.
        let mut best: BTreeMap<usize, (&'static str, f64)> = BTreeMap::new();
        let mut offer = |deal: usize, rule: &'static str, confidence: f64| {
            let entry = best.entry(deal).or_insert((rule, confidence));
            if confidence > entry.1 {
                *entry = (rule, confidence);
            }
        };
        for (contact, _) in contacts {
            for &deal in self.by_contact.get(contact).into_iter().flatten() {
                if self.deals[deal].covers(at) {
                    offer(deal, RULE_CONTACT_ON_DEAL, 0.9);
                }
            }
        }
        let mut accounts: Vec<&AccountId> = contacts.iter().filter_map(|(_, account)| account.as_ref()).collect();
        accounts.sort();
        accounts.dedup();
        for account in accounts {
            let live: Vec<usize> = self
                .by_account
                .get(account)
                .into_iter()
                .flatten()
                .copied()
                .filter(|&d| self.deals[d].covers(at))
                .collect();
            for &deal in &live {
                if self.deals[deal].team.iter().any(|member| people.contains(member)) {
                    offer(deal, RULE_OWNER_AND_ACCOUNT_CONTACT, 0.8);
                }
            }
            if let [only] = live.as_slice() {
                if !people.is_empty() {
                    offer(*only, RULE_ACCOUNT_SINGLE_OPEN_DEAL, 0.7);
                }
            }
        }
        self.choose(activity, best)
    }

    /// Keeps the strongest tier per account; splits a tie and records it.
    fn choose(&mut self, activity: &ActivityId, best: BTreeMap<usize, (&'static str, f64)>) -> Vec<DealLink> {
        let mut by_account: BTreeMap<Option<&AccountId>, Vec<(usize, &'static str, f64)>> = BTreeMap::new();
        for (deal, (rule, confidence)) in best {
            by_account.entry(self.deals[deal].account.as_ref()).or_default().push((deal, rule, confidence));
        }
        let mut links = Vec::new();
        let mut ambiguous = Vec::new();
        for (account, candidates) in by_account {
            let top = candidates.iter().map(|c| c.2).fold(f64::MIN, f64::max);
            let tied: Vec<&(usize, &'static str, f64)> = candidates.iter().filter(|c| c.2 >= top).collect();
            if let [(deal, rule, confidence)] = tied.as_slice() {
                links.push(DealLink {
                    deal_id: self.deals[*deal].id.clone(),
                    rule: (*rule).to_owned(),
                    confidence: *confidence,
                });
                continue;
            }
            let share = top / tied.len() as f64;
            let rule = tied.first().map(|c| c.1).unwrap_or(RULE_CONTACT_ON_DEAL);
            for (deal, rule, _) in &tied {
                links.push(DealLink {
                    deal_id: self.deals[*deal].id.clone(),
                    rule: format!("{AMBIGUOUS_PREFIX}{rule}"),
                    confidence: share,
                });
            }
            ambiguous.push(AmbiguousLink {
                activity_id: activity.clone(),
                account_id: account.cloned(),
                deals: tied.iter().map(|c| self.deals[c.0].id.clone()).collect(),
                rule,
                confidence: top,
            });
        }
        for case in ambiguous {
            self.ambiguous_count += 1;
            if self.ambiguous.len() < MAX_LISTED_AMBIGUITIES {
                self.ambiguous.push(case);
            }
        }
        links
    }

    /// The first ambiguous cases (all are counted in [`DealLinker::notes`]).
    pub(crate) fn ambiguities(&self) -> &[AmbiguousLink] {
        &self.ambiguous
    }

    pub(crate) fn notes(&self) -> Vec<String> {
        if self.ambiguous_count == 0 {
            return Vec::new();
        }
        let mut notes = vec![format!(
            "{} activities matched several deals of one account equally; each such activity is linked to all of them \
             with the confidence divided equally and the rule prefixed \"{AMBIGUOUS_PREFIX}\"",
            self.ambiguous_count
        )];
        for case in &self.ambiguous {
            let deals: Vec<&str> = case.deals.iter().map(DealId::as_str).collect();
            notes.push(format!(
                "ambiguous: activity {} matches deals {} equally by rule {} ({:.2})",
                case.activity_id,
                deals.join(", "),
                case.rule,
                case.confidence
            ));
        }
        notes
    }
}
