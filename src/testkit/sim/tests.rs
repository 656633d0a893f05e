//! Tests of the generated organisation: determinism, history that replays to the current
//! fields, the `as_of` cut, ground-truth coverage, quotas, conduct patterns, scaling, and a
//! backtest showing that observable behaviour predicts the hidden fate.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::domain::{DealField, ForecastCategory, Party, Period, Role};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

pub(super) fn params(reps: u32, seed: u64) -> SimParams {
    SimParams {
        seed,
        leaders: 1,
        managers: (reps / 6).max(1),
        reps,
        months_of_history: 15,
        as_of: NaiveDate::from_ymd_opt(2026, 5, 15).unwrap().and_hms_opt(12, 0, 0).unwrap().and_utc(),
        org_domain: "northbridge-fs.example".to_owned(),
        fiscal_year_start_month: 1,
    }
}

fn small() -> &'static SimOrg {
    static ORG: OnceLock<SimOrg> = OnceLock::new();
    ORG.get_or_init(|| generate(&params(8, 7)))
}

#[test]
fn same_params_give_identical_output_and_seed_matters() {
    let a = generate(&params(4, 11));
    let b = generate(&params(4, 11));
    assert!(!a.dataset.deals.is_empty());
    assert_eq!(a, b);
    assert_eq!(a, build(&params(4, 11), 1).unwrap());
    assert_eq!(a, build(&params(4, 11), 3).unwrap());
    let c = generate(&params(4, 12));
    assert_ne!(a.dataset.deals, c.dataset.deals);
    assert_ne!(a.dataset.people, c.dataset.people);
}

/// Replays each deal's history up to `at`: (stage, amount, close date, forecast).
pub(super) fn replay(history: &[&DealHistory], at: DateTime<Utc>) -> [Option<String>; 4] {
    let mut values: [Option<String>; 4] = Default::default();
    for row in history.iter().filter(|h| h.changed_at <= at) {
        let slot = match row.field {
            DealField::Stage => 0,
            DealField::Amount => 1,
            DealField::CloseDate => 2,
            DealField::ForecastCategory => 3,
            _ => continue,
        };
        assert_eq!(values[slot], row.old_value, "old value chain broken in {}", row.id);
        values[slot].clone_from(&row.new_value);
    }
    values
}

pub(super) fn history_by_deal(dataset: &Dataset) -> BTreeMap<&DealId, Vec<&DealHistory>> {
    let mut map: BTreeMap<&DealId, Vec<&DealHistory>> = BTreeMap::new();
    for row in &dataset.history {
        map.entry(&row.deal_id).or_default().push(row);
    }
    map
}

#[test]
fn current_fields_equal_replayed_history() {
    let org = small();
    let by_deal = history_by_deal(&org.dataset);
    let ids: BTreeSet<_> = org.dataset.history.iter().map(|h| &h.id).collect();
    assert_eq!(ids.len(), org.dataset.history.len(), "history ids are unique");
    for deal in &org.dataset.deals {
        let rows = &by_deal[&deal.id];
        assert!(rows.windows(2).all(|w| w[0].changed_at <= w[1].changed_at));
        let [stage, amount, close, forecast] = replay(rows, org.params.as_of);
        assert_eq!(stage.as_deref(), Some(deal.stage.as_str()), "{}", deal.id);
        assert_eq!(amount, Some(deal.amount.minor.to_string()));
        assert_eq!(close, deal.close_date.map(|d| d.format("%Y-%m-%d").to_string()));
        assert_eq!(forecast.as_deref(), Some(deal.forecast_category.as_str()));
        let status = org.dataset.stages.get("default", &deal.stage).unwrap().status;
        match deal.closed_at {
            Some(closed) => {
                assert_ne!(status, crate::domain::StageStatus::Open);
                assert_eq!(deal.close_date, Some(closed.date_naive()));
                let last_stage = rows.iter().rev().find(|r| r.field == DealField::Stage).unwrap();
                assert_eq!(last_stage.changed_at, closed);
                let expected = if status == crate::domain::StageStatus::Won {
                    ForecastCategory::Closed
                } else {
                    ForecastCategory::Omitted
                };
                assert_eq!(deal.forecast_category, expected);
            }
            None => assert_eq!(status, crate::domain::StageStatus::Open),
        }
        assert!(deal.created_at <= org.params.as_of);
        assert!(deal.name.contains(" – "));
    }
}

#[test]
fn nothing_observable_happens_after_as_of() {
    let org = small();
    let as_of = org.params.as_of;
    assert!(org.dataset.activities.iter().all(|a| a.occurred_at <= as_of));
    assert!(org.dataset.history.iter().all(|h| h.changed_at <= as_of));
    assert!(org.dataset.deals.iter().all(|d| d.closed_at.is_none_or(|c| c <= as_of)));
    let closed: HashMap<&DealId, DateTime<Utc>> =
        org.dataset.deals.iter().filter_map(|d| d.closed_at.map(|c| (&d.id, c))).collect();
    for activity in &org.dataset.activities {
        let link = &activity.deals[0];
        if let Some(closed) = closed.get(&link.deal_id) {
            assert!(activity.occurred_at <= *closed, "activity after close");
        }
    }
}

#[test]
fn every_open_deal_has_exactly_one_truth() {
    let org = small();
    let open: BTreeSet<&DealId> = org.dataset.deals.iter().filter(|d| d.closed_at.is_none()).map(|d| &d.id).collect();
    let truth: BTreeSet<&DealId> = org.truth.deals.iter().map(|t| &t.deal_id).collect();
    assert_eq!(truth.len(), org.truth.deals.len());
    assert_eq!(open, truth);
    let deals: HashMap<&DealId, &Deal> = org.dataset.deals.iter().map(|d| (&d.id, d)).collect();
    for t in &org.truth.deals {
        let close = deals[&t.deal_id].close_date.unwrap();
        match t.outcome {
            TrueOutcome::Won => assert!(t.outcome_date.unwrap() <= close),
            TrueOutcome::WonLate => assert!(t.outcome_date.unwrap() > close),
            TrueOutcome::Lost => assert!(t.final_amount_minor.is_none()),
            TrueOutcome::Open => assert!(t.outcome_date.is_none()),
        }
        if matches!(t.outcome, TrueOutcome::Won | TrueOutcome::WonLate) {
            assert!(t.final_amount_minor.unwrap() > 0);
        }
        assert!(!t.detail.is_empty());
    }
    let outcomes: Vec<TrueOutcome> = org.truth.deals.iter().map(|t| t.outcome).collect();
    assert!(outcomes.contains(&TrueOutcome::Won) && outcomes.contains(&TrueOutcome::Lost));
}

#[test]
fn references_resolve_and_splits_are_valid() {
    let org = small();
    let d = &org.dataset;
    let people: BTreeSet<_> = d.people.iter().map(|p| &p.id).collect();
    let contacts: BTreeSet<_> = d.contacts.iter().map(|c| &c.id).collect();
    let accounts: BTreeSet<_> = d.accounts.iter().map(|a| &a.id).collect();
    let deals: BTreeSet<_> = d.deals.iter().map(|x| &x.id).collect();
    let products: BTreeSet<_> = d.products.iter().map(|p| p.key.as_str()).collect();
    let activity_ids: BTreeSet<_> = d.activities.iter().map(|a| &a.id).collect();
    assert_eq!(activity_ids.len(), d.activities.len());
    let mut split_deals = 0;
    for deal in &d.deals {
        assert!(people.contains(&deal.owner_id));
        assert!(accounts.contains(deal.account_id.as_ref().unwrap()));
        assert!(deal.products.iter().all(|p| products.contains(p.as_str())));
        Deal::validate_splits(&deal.splits).unwrap();
        if !deal.splits.is_empty() {
            split_deals += 1;
            assert_eq!(deal.splits[0].person_id, deal.owner_id);
            assert!(deal.splits.iter().all(|s| people.contains(&s.person_id)));
        }
    }
    assert!(split_deals > 0 && split_deals < d.deals.len() / 4);
    for activity in &d.activities {
        assert_eq!(activity.deals.len(), 1);
        assert!(deals.contains(&activity.deals[0].deal_id));
        assert!(activity.participants.len() >= 2);
        for p in &activity.participants {
            assert!(p.address.contains('@'));
            match p.party.as_ref().unwrap() {
                Party::Person(id) => assert!(people.contains(id)),
                Party::Contact(id) => assert!(contacts.contains(id)),
            }
        }
    }
    assert!(d.contact_roles.iter().all(|r| deals.contains(&r.deal_id) && contacts.contains(&r.contact_id)));
}

#[test]
fn people_accounts_and_contacts_look_real() {
    let org = small();
    let d = &org.dataset;
    let p = &org.params;
    assert_eq!(d.people.len() as u32, p.leaders + p.managers + p.reps);
    assert_eq!(d.people.iter().filter(|x| x.role == Role::Rep).count() as u32, p.reps);
    let names: BTreeSet<_> = d.people.iter().map(|x| &x.name).collect();
    assert_eq!(names.len(), d.people.len());
    let emails: BTreeSet<_> = d.people.iter().map(|x| x.primary_email().unwrap()).collect();
    assert_eq!(emails.len(), d.people.len());
    assert!(emails.iter().all(|e| e.ends_with("@northbridge-fs.example")));
    let hierarchy = crate::domain::Hierarchy::new(&d.people);
    for person in &d.people {
        assert!(person.timezone.parse::<chrono_tz::Tz>().is_ok(), "{}", person.timezone);
        let chain = hierarchy.chain_above(&person.id).len();
        let expected = match person.role {
            Role::Rep => 2,
            Role::Manager => 1,
            _ => 0,
        };
        assert_eq!(chain, expected);
    }
    let domains: BTreeSet<_> = d.accounts.iter().map(|a| &a.domains[0]).collect();
    assert_eq!(domains.len(), d.accounts.len());
    let mut per_account: BTreeMap<_, Vec<&crate::domain::Contact>> = BTreeMap::new();
    for c in &d.contacts {
        per_account.entry(c.account_id.as_ref().unwrap()).or_default().push(c);
    }
    for (account, contacts) in per_account {
        assert!((4..=8).contains(&contacts.len()));
        assert!(contacts.iter().any(|c| c.seniority.is_senior()));
        let domain = &d.accounts.iter().find(|a| &a.id == account).unwrap().domains[0];
        assert!(contacts.iter().all(|c| c.email.as_ref().unwrap().ends_with(domain.as_str())));
    }
    assert_eq!(d.stages.pipeline("default").count(), 7);
    for key in plan::STAGE_KEYS {
        assert!(d.stages.get("default", key).is_some());
    }
}

#[test]
fn quotas_cover_every_quarter_and_roll_up() {
    let org = small();
    let d = &org.dataset;
    let calendar = FiscalCalendar::new(org.params.fiscal_year_start_month).unwrap();
    let current = calendar.quarter_of(org.params.as_of.date_naive());
    let quarters: BTreeSet<Period> = d.quotas.iter().map(|q| q.period).collect();
    assert!(quarters.contains(&current) && quarters.contains(&current.next()));
    assert!(quarters.len() >= 7);
    let quota: HashMap<(&PersonId, Period), i64> =
        d.quotas.iter().map(|q| ((&q.person_id, q.period), q.amount.minor)).collect();
    let hierarchy = crate::domain::Hierarchy::new(&d.people);
    for manager in d.people.iter().filter(|p| p.role == Role::Manager) {
        let sum: i64 = hierarchy.direct_reports(&manager.id).iter().map(|r| quota[&(r, current)]).sum();
        assert_eq!(quota[&(&manager.id, current)], sum);
    }
    // Attainment in steady-state quarters that have fully passed.
    let mut booked: HashMap<(&PersonId, Period), i64> = HashMap::new();
    for deal in d.deals.iter().filter(|x| x.stage == "closed_won") {
        *booked.entry((&deal.owner_id, calendar.quarter_of(deal.close_date.unwrap()))).or_default() +=
            deal.amount.minor;
    }
    let mut ratios = Vec::new();
    for q in &quarters {
        if calendar.end_exclusive(*q) > org.params.as_of.date_naive()
            || calendar.start(*q) < NaiveDate::from_ymd_opt(2025, 7, 1).unwrap()
        {
            continue;
        }
        for rep in d.people.iter().filter(|p| p.role == Role::Rep) {
            ratios.push(booked.get(&(&rep.id, *q)).copied().unwrap_or(0) as f64 / quota[&(&rep.id, *q)] as f64);
        }
    }
    ratios.sort_by(f64::total_cmp);
    let median = ratios[ratios.len() / 2];
    assert!((0.6..=1.2).contains(&median), "median attainment {median}");
}

#[test]
fn conduct_reps_show_their_pattern() {
    let org = generate(&params(24, 5));
    let d = &org.dataset;
    assert_eq!(org.truth.conduct_reps.len(), 3);
    assert_eq!(generate(&params(8, 5)).truth.conduct_reps.len(), 2);
    assert_eq!(generate(&params(3, 5)).truth.conduct_reps.len(), 1);
    let calendar = FiscalCalendar::new(1).unwrap();
    let late_share = |rep: &PersonId| {
        let won: Vec<_> = d.deals.iter().filter(|x| &x.owner_id == rep && x.stage == "closed_won").collect();
        let late = won.iter().filter(|x| {
            let day = x.close_date.unwrap();
            (calendar::quarter_end(&calendar, day) - day).num_days() < 14
        });
        late.count() as f64 / won.len().max(1) as f64
    };
    let mix_share = |rep: &PersonId| {
        let all: Vec<_> = d.deals.iter().filter(|x| &x.owner_id == rep).collect();
        all.iter().filter(|x| is_high_commission(&x.products[0])).count() as f64 / all.len().max(1) as f64
    };
    let conduct: BTreeMap<&PersonId, &str> = org.truth.conduct_reps.iter().map(|(p, s)| (p, s.as_str())).collect();
    let others: Vec<&PersonId> =
        d.people.iter().filter(|p| p.role == Role::Rep && !conduct.contains_key(&p.id)).map(|p| &p.id).collect();
    let avg = |f: &dyn Fn(&PersonId) -> f64| others.iter().map(|p| f(p)).sum::<f64>() / others.len() as f64;
    let (base_late, base_mix) = (avg(&late_share), avg(&mix_share));
    for (rep, pattern) in conduct {
        if pattern.contains("bunching") {
            assert!(late_share(rep) > base_late + 0.3, "{pattern}: {} vs {base_late}", late_share(rep));
        }
        if pattern.contains("high_commission") {
            assert!(mix_share(rep) > base_mix + 0.3, "{pattern}: {} vs {base_mix}", mix_share(rep));
        }
    }
}

#[test]
fn sizes_scale_with_params() {
    let small = small();
    let double = generate(&params(16, 7));
    let ratio = double.dataset.deals.len() as f64 / small.dataset.deals.len() as f64;
    assert!((1.7..2.3).contains(&ratio), "deal ratio {ratio}");
    let per_rep = small.dataset.deals.len() as f64 / 8.0;
    assert!((80.0..120.0).contains(&per_rep), "deals per rep {per_rep}");
    let per_deal = small.dataset.activities.len() as f64 / small.dataset.deals.len() as f64;
    assert!((15.0..30.0).contains(&per_deal), "activities per deal {per_deal}");
    let mut shorter = params(8, 7);
    shorter.months_of_history = 12;
    let shorter = generate(&shorter);
    assert!(shorter.dataset.deals.len() < small.dataset.deals.len());
    let first = shorter.dataset.deals.iter().map(|x| x.created_at).min().unwrap();
    assert!(first >= shorter.params.as_of - Duration::days(370 + WARM_UP_DAYS));
    assert!(first < shorter.params.as_of - Duration::days(365));
}
