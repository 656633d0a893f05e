//! Property tests of the risk engine on random organisations: it never panics, what happens
//! after `as_of` never changes its output, and more silence never lowers a silence signal.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod features_data;

use candor::domain::*;
use candor::engine::risk::{analyse, to_json, Index, RiskReport, Severity, SignalId};
use chrono::{DateTime, Duration, Utc};
use features_data::{settings, ts, Org};
use proptest::prelude::*;
use std::collections::BTreeMap;

const STAGES: [&str; 8] =
    ["qualify", "discover", "solution", "proposal", "negotiate", "closed_won", "closed_lost", "mystery"];
const CONTACTS: [&str; 3] = ["champ", "cfo", "analyst"];

fn base() -> DateTime<Utc> {
    ts("2026-01-01T00:00:00Z")
}

#[derive(Debug, Clone)]
struct DealSpec {
    stage: usize,
    amount: i64,
    created_day: i64,
    close_day: i64,
    changes: Vec<(u8, i64, String)>,
    activities: Vec<(u8, u8, i64, Vec<usize>)>,
    roles: Vec<(usize, u8)>,
}

fn deal_spec() -> impl Strategy<Value = DealSpec> {
    (
        0..STAGES.len(),
        0i64..5_000_000,
        0i64..300,
        0i64..400,
        prop::collection::vec((0u8..6, 0i64..330, "[a-z0-9_-]{0,12}"), 0..8),
        prop::collection::vec((0u8..5, 0u8..3, 0i64..360, prop::collection::vec(0..CONTACTS.len(), 0..3)), 0..14),
        prop::collection::vec((0..CONTACTS.len(), 0u8..5), 0..3),
    )
        .prop_map(|(stage, amount, created_day, close_day, changes, activities, roles)| DealSpec {
            stage,
            amount,
            created_day,
            close_day,
            changes,
            activities,
            roles,
        })
}

/// Turns random specs into a dataset; change values mix valid values with garbage.
fn build(specs: &[DealSpec]) -> Org {
    let mut org = Org::new();
    for (n, spec) in specs.iter().enumerate() {
        let created = base() + Duration::days(spec.created_day);
        let close = (base() + Duration::days(spec.close_day)).date_naive().to_string();
        let owner = if n % 2 == 0 { "rep1" } else { "rep2" };
        let id = org.deal(&format!("d{n}"), owner, STAGES[spec.stage], spec.amount, &close, &created.to_rfc3339());
        for (field, day, text) in &spec.changes {
            let at = (created + Duration::days(*day)).to_rfc3339();
            let (field, value) = match field {
                0 => (DealField::Stage, STAGES[text.len() % STAGES.len()].to_owned()),
                1 => (
                    DealField::Amount,
                    if text.len() % 3 == 0 { text.clone() } else { (text.len() as i64 * 99_000).to_string() },
                ),
                2 => (
                    DealField::CloseDate,
                    if text.len() % 4 == 0 {
                        text.clone()
                    } else {
                        (created + Duration::days(text.len() as i64 * 9)).date_naive().to_string()
                    },
                ),
                3 => (
                    DealField::ForecastCategory,
                    ["commit", "best_case", "pipeline", "omitted", "closed", "??"][text.len() % 6].to_owned(),
                ),
                4 => (DealField::Owner, text.clone()),
                _ => (DealField::NextStep, text.clone()),
            };
            let old = (text.len() % 2 == 0).then_some(text.as_str());
            org.change(&id, field, old, &value, &at);
        }
        for (kind, direction, day, contacts) in &spec.activities {
            let kind = [
                ActivityKind::Email,
                ActivityKind::Meeting,
                ActivityKind::Call,
                ActivityKind::Task,
                ActivityKind::Note,
            ][*kind as usize];
            let direction = [Direction::Inbound, Direction::Outbound, Direction::Internal][*direction as usize];
            let names: Vec<&str> = contacts.iter().map(|c| CONTACTS[*c]).collect();
            org.activity(&id, kind, direction, base() + Duration::days(*day), &names);
        }
        for (contact, role) in &spec.roles {
            let role = [
                ContactRole::Champion,
                ContactRole::EconomicBuyer,
                ContactRole::DecisionMaker,
                ContactRole::Influencer,
                ContactRole::Other,
            ][*role as usize];
            org.role(&id, CONTACTS[*contact], role);
        }
    }
    org
}

fn report(data: &Dataset, as_of: DateTime<Utc>) -> RiskReport {
    analyse(&Index::new(data), &settings(), as_of)
}

/// Severity of each silence signal per deal.
fn silence(report: &RiskReport) -> BTreeMap<(String, SignalId), Severity> {
    report
        .deals
        .iter()
        .flat_map(|d| {
            d.flags.iter().filter(|f| f.signal.is_silence()).map(move |f| ((d.deal_id.clone(), f.signal), f.severity))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_and_always_serialises(specs in prop::collection::vec(deal_spec(), 0..6), as_of_day in 0i64..420) {
        let org = build(&specs);
        let report = report(&org.data, base() + Duration::days(as_of_day));
        let text = to_json(&report).unwrap();
        prop_assert!(text.contains("\"ruleset_version\""));
        for deal in &report.deals {
            prop_assert!((0.0..=1.0).contains(&deal.win_probability));
            prop_assert!((0.0..=1.0).contains(&deal.slip_probability));
            prop_assert!((0.0..=1.0).contains(&deal.in_period_probability));
        }
        prop_assert!(report.forecast.p10_minor <= report.forecast.p50_minor);
        prop_assert!(report.forecast.p50_minor <= report.forecast.p90_minor);
    }

    #[test]
    fn an_activity_after_as_of_changes_nothing(
        specs in prop::collection::vec(deal_spec(), 1..5),
        as_of_day in 30i64..360,
        after in 0i64..60,
        kind in 0u8..3,
        direction in 0u8..2,
        deal in 0usize..5,
    ) {
        let org = build(&specs);
        let as_of = base() + Duration::days(as_of_day);
        let before = to_json(&report(&org.data, as_of)).unwrap();
        let mut later = org.clone();
        let id = DealId::parse(format!("d{}", deal % specs.len())).unwrap();
        let kind = [ActivityKind::Email, ActivityKind::Meeting, ActivityKind::Call][kind as usize];
        let direction = [Direction::Inbound, Direction::Outbound][direction as usize];
        later.activity(&id, kind, direction, as_of + Duration::seconds(1) + Duration::days(after), &["cfo", "champ"]);
        prop_assert_eq!(before, to_json(&report(&later.data, as_of)).unwrap());
    }

    #[test]
    fn more_silence_never_lowers_a_silence_signal(
        specs in prop::collection::vec(deal_spec(), 1..5),
        as_of_day in 30i64..300,
        more in 1i64..90,
    ) {
        let mut org = build(&specs);
        let as_of = base() + Duration::days(as_of_day);
        let later_as_of = as_of + Duration::days(more);
        // Nothing happens between the two dates: only the silence grows.
        org.data.activities.retain(|a| a.occurred_at <= as_of);
        org.data.history.retain(|h| h.changed_at <= as_of);
        org.data.deals.retain(|d| d.created_at <= as_of && d.closed_at.is_none_or(|c| c <= as_of || c > later_as_of));
        for deal in &mut org.data.deals {
            if deal.next_step_updated_at.is_some_and(|t| t > as_of) {
                deal.next_step_updated_at = None;
            }
        }
        let earlier = silence(&report(&org.data, as_of));
        let later = silence(&report(&org.data, later_as_of));
        for ((deal, signal), severity) in earlier {
            let now = later.get(&(deal.clone(), signal)).copied();
            prop_assert!(now >= Some(severity), "{deal} {signal:?}: {severity:?} became {now:?}");
        }
    }
}
