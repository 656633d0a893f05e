//! Identity resolution and deal linking against a small known organisation, shared with the
//! calendar and mail importer tests.

use super::*;
use crate::config::Config;
use crate::domain::*;
use chrono::{DateTime, NaiveDate, Utc};

pub(crate) fn ts(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

pub(crate) const ORG_DOMAIN: &str = "northbridge-fs.example";

/// Two reps, three accounts (one sharing a domain with another), two contacts with deal roles,
/// and three live deals: one at Harbour, two at Meridian.
pub(crate) fn known() -> Dataset {
    let source = SourceName::parse("crm").unwrap();
    let person = |id: &str, emails: &[&str]| Person {
        id: PersonId::from_source(&source, id).unwrap(),
        source: source.clone(),
        external_id: id.into(),
        name: id.to_uppercase(),
        emails: emails.iter().map(|e| (*e).to_owned()).collect(),
        role: Role::Rep,
        manager_id: None,
        timezone: "Europe/London".into(),
        team: None,
        region: None,
    };
    let account = |id: &str, domains: &[&str]| Account {
        id: AccountId::from_source(&source, id).unwrap(),
        source: source.clone(),
        external_id: id.into(),
        name: id.into(),
        domains: domains.iter().map(|d| (*d).to_owned()).collect(),
        segment: None,
        sector: None,
    };
    let contact = |id: &str, email: &str, account: &str| Contact {
        id: ContactId::from_source(&source, id).unwrap(),
        source: source.clone(),
        external_id: id.into(),
        account_id: Some(AccountId::from_source(&source, account).unwrap()),
        name: id.into(),
        email: Some(email.into()),
        title: None,
        seniority: Seniority::Individual,
    };
    let deal = |id: &str, account: &str, owner: &str| Deal {
        id: DealId::from_source(&source, id).unwrap(),
        source: source.clone(),
        external_id: id.into(),
        name: id.into(),
        account_id: Some(AccountId::from_source(&source, account).unwrap()),
        owner_id: PersonId::from_source(&source, owner).unwrap(),
        pipeline: "default".into(),
        stage: "proposal".into(),
        amount: Money::new(10_000_000, Currency::USD),
        close_date: NaiveDate::from_ymd_opt(2026, 6, 30),
        forecast_category: ForecastCategory::Pipeline,
        next_step: None,
        next_step_updated_at: None,
        products: vec![],
        revenue: RevenueType::OneOff,
        created_at: ts("2026-01-01T00:00:00Z"),
        closed_at: None,
        splits: vec![],
    };
    let role = |deal: &str, contact: &str| DealContactRole {
        deal_id: DealId::from_source(&source, deal).unwrap(),
        contact_id: ContactId::from_source(&source, contact).unwrap(),
        role: ContactRole::Champion,
    };
    Dataset {
        people: vec![
            person("alice", &["Alice@northbridge-fs.example", "alice.w@northbridge-fs.example"]),
            person("bob", &["bob@northbridge-fs.example"]),
        ],
        accounts: vec![
            account("harbour", &["harbourpension.example"]),
            account("meridian", &["meridian.example"]),
            account("group-a", &["group.example"]),
            account("group-b", &["group.example"]),
        ],
        contacts: vec![
            contact("carol", "carol@harbourpension.example", "harbour"),
            contact("dan", "dan@meridian.example", "meridian"),
        ],
        deals: vec![
            deal("harbour-custody", "harbour", "alice"),
            deal("meridian-fx", "meridian", "bob"),
            deal("meridian-custody", "meridian", "alice"),
        ],
        contact_roles: vec![
            role("harbour-custody", "carol"),
            role("meridian-fx", "dan"),
            role("meridian-custody", "dan"),
        ],
        ..Dataset::default()
    }
}

pub(crate) fn settings() -> crate::sources::ingest::activities::ActivitySettings {
    let mut config = Config::default();
    config.org.domains = vec![ORG_DOMAIN.into()];
    crate::sources::ingest::activities::ActivitySettings::from_config(&config, ts("2026-03-01T00:00:00Z"))
}

fn resolver() -> IdentityResolver {
    IdentityResolver::new(&known(), &settings(), SourceName::parse("mail").unwrap())
}

fn participant(address: &str, role: ParticipantRole) -> Participant {
    Participant { address: address.into(), name: None, role, party: None }
}

fn activity(at: &str, participants: Vec<Participant>) -> Activity {
    let source = SourceName::parse("mail").unwrap();
    Activity {
        id: ActivityId::from_source(&source, "m1").unwrap(),
        source,
        external_id: "m1".into(),
        kind: ActivityKind::Email,
        direction: Direction::Outbound,
        occurred_at: ts(at),
        duration_minutes: None,
        subject: None,
        snippet: None,
        thread_id: None,
        participants,
        deals: vec![],
    }
}

#[test]
fn addresses_are_normalised() {
    assert_eq!(
        normalise_address(" <MAILTO:Carol@Harbourpension.Example> ").as_deref(),
        Some("carol@harbourpension.example")
    );
    assert_eq!(normalise_address("mailto:x@y.example").as_deref(), Some("x@y.example"));
    assert_eq!(normalise_address("no-at-sign"), None);
    assert_eq!(normalise_address("a@localhost"), None);
    assert_eq!(normalise_address("a b@c.example"), None);
}

#[test]
fn people_match_by_any_email_and_contacts_by_email() {
    let mut resolver = resolver();
    let mut participants = vec![
        participant("alice.w@northbridge-fs.example", ParticipantRole::From),
        participant("carol@harbourpension.example", ParticipantRole::To),
    ];
    resolver.resolve_participants(&mut participants);
    assert!(matches!(&participants[0].party, Some(Party::Person(p)) if p.as_str() == "crm:alice"));
    assert!(matches!(&participants[1].party, Some(Party::Contact(c)) if c.as_str() == "crm:carol"));
    assert!(resolver.take_new_contacts().is_empty());
}

#[test]
fn unknown_outside_addresses_become_contacts_placed_by_domain() {
    let mut resolver = resolver();
    let mut participants = vec![
        Participant { name: Some("Erin Fox".into()), ..participant("erin@uk.meridian.example", ParticipantRole::To) },
        participant("frank@gmail.com", ParticipantRole::Cc),
        participant("gail@group.example", ParticipantRole::Cc),
        participant("nobody@northbridge-fs.example", ParticipantRole::Cc),
    ];
    resolver.resolve_participants(&mut participants);
    let created = resolver.take_new_contacts();
    assert_eq!(created.len(), 3, "{created:?}");
    let erin = &created[0];
    assert_eq!(erin.id.as_str(), "mail:erin@uk.meridian.example");
    assert_eq!(erin.name, "Erin Fox");
    assert_eq!(erin.account_id.as_ref().map(AccountId::as_str), Some("crm:meridian"));
    assert_eq!(created[1].account_id, None, "free-mail never places a contact");
    assert_eq!(created[1].name, "frank");
    assert_eq!(created[2].account_id, None, "a domain two accounts share places nobody");
    assert_eq!(participants[3].party, None, "unknown internal addresses are not contacts");
    let notes = resolver.notes().join("\n");
    assert!(notes.contains("several accounts list their domain"), "{notes}");
    assert!(notes.contains("nobody@northbridge-fs.example"), "{notes}");
    // The same address later resolves to the contact already created.
    let mut again = vec![participant("erin@uk.meridian.example", ParticipantRole::From)];
    resolver.resolve_participants(&mut again);
    assert!(resolver.take_new_contacts().is_empty());
    assert!(matches!(&again[0].party, Some(Party::Contact(c)) if c.as_str() == "mail:erin@uk.meridian.example"));
}

#[test]
fn direction_follows_the_initiator() {
    let resolver = resolver();
    let internal = [
        participant("alice@northbridge-fs.example", ParticipantRole::From),
        participant("bob@northbridge-fs.example", ParticipantRole::To),
    ];
    assert_eq!(resolver.direction(&internal), Direction::Internal);
    let outbound = [
        participant("alice@northbridge-fs.example", ParticipantRole::From),
        participant("x@client.example", ParticipantRole::To),
    ];
    assert_eq!(resolver.direction(&outbound), Direction::Outbound);
    let inbound = [
        participant("x@client.example", ParticipantRole::Organizer),
        participant("bob@northbridge-fs.example", ParticipantRole::Attendee),
    ];
    assert_eq!(resolver.direction(&inbound), Direction::Inbound);
    assert_eq!(resolver.direction(&[]), Direction::Internal);
}

#[test]
fn a_deal_contact_links_with_the_contact_rule() {
    let mut resolver = resolver();
    let mut activity = activity(
        "2026-02-01T10:00:00Z",
        vec![
            participant("alice@northbridge-fs.example", ParticipantRole::From),
            participant("carol@harbourpension.example", ParticipantRole::To),
        ],
    );
    resolver.resolve_participants(&mut activity.participants);
    let links = resolver.link_deals(&activity);
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].deal_id.as_str(), "crm:harbour-custody");
    assert_eq!(links[0].rule, RULE_CONTACT_ON_DEAL);
    assert!((links[0].confidence - 0.9).abs() < 1e-9);
}

#[test]
fn activity_outside_the_deal_window_is_not_linked() {
    let mut resolver = resolver();
    for at in ["2025-12-31T23:00:00Z", "2026-08-15T00:00:00Z"] {
        let mut activity = activity(at, vec![participant("carol@harbourpension.example", ParticipantRole::From)]);
        resolver.resolve_participants(&mut activity.participants);
        assert!(resolver.link_deals(&activity).is_empty(), "{at}");
    }
    // Within the 30-day window after the close date still counts.
    let mut activity =
        activity("2026-07-20T00:00:00Z", vec![participant("carol@harbourpension.example", ParticipantRole::From)]);
    resolver.resolve_participants(&mut activity.participants);
    assert_eq!(resolver.link_deals(&activity).len(), 1);
}

#[test]
fn owner_with_an_account_contact_beats_a_tie() {
    let mut resolver = resolver();
    // A new Meridian contact (no deal role) with bob: only bob's deal qualifies by owner.
    let mut activity = activity(
        "2026-02-01T10:00:00Z",
        vec![
            participant("bob@northbridge-fs.example", ParticipantRole::From),
            participant("new@meridian.example", ParticipantRole::To),
        ],
    );
    resolver.resolve_participants(&mut activity.participants);
    let links = resolver.link_deals(&activity);
    assert_eq!(links.len(), 1, "{links:?}");
    assert_eq!(links[0].deal_id.as_str(), "crm:meridian-fx");
    assert_eq!(links[0].rule, RULE_OWNER_AND_ACCOUNT_CONTACT);
    assert!(resolver.ambiguities().is_empty());
}

#[test]
fn ties_link_every_deal_at_a_divided_confidence_and_are_reported() {
    let mut resolver = resolver();
    // dan holds a role on both Meridian deals: equal evidence for each.
    let mut activity =
        activity("2026-02-01T10:00:00Z", vec![participant("dan@meridian.example", ParticipantRole::From)]);
    resolver.resolve_participants(&mut activity.participants);
    let links = resolver.link_deals(&activity);
    assert_eq!(links.len(), 2, "{links:?}");
    for link in &links {
        assert_eq!(link.rule, "ambiguous:contact_on_deal");
        assert!((link.confidence - 0.45).abs() < 1e-9);
    }
    assert_eq!(resolver.ambiguities().len(), 1);
    assert_eq!(resolver.ambiguities()[0].deals.len(), 2);
    assert!(resolver.notes().iter().any(|n| n.contains("matched several deals")));
}

#[test]
fn a_single_live_deal_on_the_account_links_with_lower_confidence() {
    let mut resolver = resolver();
    // bob is not on the Harbour deal, the new contact holds no role: account rule only.
    let mut activity = activity(
        "2026-02-01T10:00:00Z",
        vec![
            participant("bob@northbridge-fs.example", ParticipantRole::From),
            participant("new@harbourpension.example", ParticipantRole::To),
        ],
    );
    resolver.resolve_participants(&mut activity.participants);
    let links = resolver.link_deals(&activity);
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].rule, RULE_ACCOUNT_SINGLE_OPEN_DEAL);
    assert!((links[0].confidence - 0.7).abs() < 1e-9);
}
