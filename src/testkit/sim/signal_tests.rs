//! Tests that the hidden fate shows in observable behaviour strongly enough for a deal-risk
//! model, that bookings are steady per quarter, and a timing run for the large organisation.
#![allow(clippy::unwrap_used)]

use super::tests::{history_by_deal, params, replay};
use super::*;
use crate::domain::{ActivityKind, DealField, Direction, Party, Period};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What a simple deal-risk rule could see about a deal at `at`.
struct Seen {
    inbound_30: f64,
    contacts_30: f64,
    senior_30: bool,
    idle_days: f64,
    pushes: f64,
    stage: f64,
}

fn seen_at(org: &SimOrg, deal: &Deal, history: &[&DealHistory], activities: &[&Activity], at: DateTime<Utc>) -> Seen {
    let recent = at - Duration::days(30);
    let seniors: BTreeSet<_> = org.dataset.contacts.iter().filter(|c| c.seniority.is_senior()).map(|c| &c.id).collect();
    let mut contacts = BTreeSet::new();
    let (mut inbound, mut senior, mut last) = (0.0, false, deal.created_at);
    for a in activities.iter().filter(|a| a.occurred_at <= at) {
        last = last.max(a.occurred_at);
        if a.occurred_at < recent {
            continue;
        }
        if a.direction == Direction::Inbound && a.kind == ActivityKind::Email {
            inbound += 1.0;
        }
        for p in &a.participants {
            if let Some(Party::Contact(id)) = &p.party {
                contacts.insert(id);
                senior |= seniors.contains(id);
            }
        }
    }
    let pushes = history
        .iter()
        .filter(|h| {
            h.changed_at <= at && h.field == DealField::CloseDate && h.old_value.is_some() && h.new_value > h.old_value
        })
        .count() as f64;
    let stage = replay(history, at)[0].clone().unwrap_or_default();
    Seen {
        inbound_30: inbound,
        contacts_30: contacts.len() as f64,
        senior_30: senior,
        idle_days: (at - last).num_days() as f64,
        pushes,
        stage: plan::STAGE_KEYS.iter().position(|k| *k == stage).unwrap_or(0) as f64,
    }
}

fn auc(scored: &[(f64, bool)]) -> f64 {
    let (mut pairs, mut good) = (0.0f64, 0.0f64);
    for (a, _) in scored.iter().filter(|s| s.1) {
        for (b, _) in scored.iter().filter(|s| !s.1) {
            pairs += 1.0;
            good += if a > b {
                1.0
            } else if a == b {
                0.5
            } else {
                0.0
            };
        }
    }
    good / pairs.max(1.0)
}

/// Backtest at a past cut-off: deals open then, scored only from what was visible then,
/// against what actually happened (won by the close date then vs lost or slipped).
#[test]
fn observable_behaviour_predicts_the_hidden_fate() {
    let org = generate(&params(24, 3));
    let d = &org.dataset;
    let by_deal = history_by_deal(d);
    let mut acts: HashMap<&DealId, Vec<&Activity>> = HashMap::new();
    for a in &d.activities {
        acts.entry(&a.deals[0].deal_id).or_default().push(a);
    }
    let mut scored = Vec::new();
    for months_back in [3u32, 5, 7] {
        let cut = org.params.as_of.checked_sub_months(Months::new(months_back)).unwrap();
        for deal in d.deals.iter().filter(|x| x.created_at <= cut && x.closed_at.is_some_and(|c| c > cut)) {
            let history = &by_deal[&deal.id];
            let close_then = replay(history, cut)[2].clone().unwrap();
            let won_on_time =
                deal.stage == "closed_won" && deal.closed_at.unwrap().date_naive().to_string() <= close_then;
            let empty = Vec::new();
            let s = seen_at(&org, deal, history, acts.get(&deal.id).unwrap_or(&empty), cut);
            let score = 0.6 * s.inbound_30 + 0.5 * s.contacts_30 + if s.senior_30 { 1.0 } else { 0.0 }
                - 0.08 * s.idle_days
                - 0.7 * s.pushes
                + 0.3 * s.stage;
            scored.push((score, won_on_time));
        }
    }
    let value = auc(&scored);
    println!("backtest deals {} auc {value:.3}", scored.len());
    assert!(scored.len() > 300);
    assert!(value > 0.78, "auc {value}");
}

/// Bookings per steady quarter should not swing wildly.
#[test]
fn bookings_are_steady_across_quarters() {
    let org = generate(&params(24, 9));
    let calendar = FiscalCalendar::new(1).unwrap();
    let mut per_quarter: BTreeMap<Period, i64> = BTreeMap::new();
    for deal in org.dataset.deals.iter().filter(|x| x.stage == "closed_won") {
        *per_quarter.entry(calendar.quarter_of(deal.close_date.unwrap())).or_default() += deal.amount.minor;
    }
    let steady: Vec<f64> = per_quarter
        .iter()
        .filter(|(q, _)| {
            calendar.start(**q) >= NaiveDate::from_ymd_opt(2025, 4, 1).unwrap()
                && calendar.end_exclusive(**q) <= org.params.as_of.date_naive()
        })
        .map(|(_, v)| *v as f64)
        .collect();
    println!("bookings per quarter {per_quarter:?}");
    assert!(steady.len() >= 4);
    let mean = steady.iter().sum::<f64>() / steady.len() as f64;
    assert!(steady.iter().all(|v| (v / mean - 1.0).abs() < 0.2), "{steady:?}");
}

/// Prints counts and timing for the default and the 1,000-rep organisation:
/// `cargo test --release --lib sim:: -- --ignored --nocapture`.
#[test]
#[ignore]
fn timing_and_counts() {
    for (leaders, managers, reps) in [(1, 4, 24), (10, 100, 1000)] {
        let mut p = params(reps, 42);
        p.leaders = leaders;
        p.managers = managers;
        let started = std::time::Instant::now();
        let org = generate(&p);
        let elapsed = started.elapsed();
        let mut outcomes: BTreeMap<&str, usize> = BTreeMap::new();
        for t in &org.truth.deals {
            *outcomes.entry(t.outcome.as_str()).or_default() += 1;
        }
        println!("{reps} reps in {elapsed:.2?}: {:?} open outcomes {outcomes:?}", org.dataset.counts());
    }
}
