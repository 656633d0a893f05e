//! A seeded synthetic financial-services sales organisation with hidden ground truth, for the
//! demo, tests, backtests and evals. Same seed and `as_of` → identical data.

mod accounts;
mod activities;
mod calendar;
mod deals;
#[cfg(test)]
mod engine_tests;
pub(crate) mod export;
mod names;
mod people;
mod plan;
mod quotas;
#[cfg(test)]
mod signal_tests;
#[cfg(test)]
mod tests;
mod text;

pub use accounts::is_high_commission;

use crate::config::{default_stages, Config};
use crate::domain::{
    Activity, Dataset, Deal, DealContactRole, DealHistory, DealId, FiscalCalendar, IdError, PersonId, SourceName,
    Stage, StageCatalogue,
};
use activities::ActivityContext;
use calendar::{business_time_near, days, sub_seed, uniform};
use chrono::{DateTime, Duration, Months, Utc};
use deals::{build_rows, deal_external_id, RowContext};
use people::OrgShape;
use plan::{Change, PlanContext};
use quotas::{Booking, QuotaWindow};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// What to generate. `as_of` is the "today" of the organisation: observable data stops there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimParams {
    pub seed: u64,
    pub leaders: u32,
    pub managers: u32,
    pub reps: u32,
    pub months_of_history: u32,
    pub as_of: DateTime<Utc>,
    /// The organisation's own email domain (internal mail).
    pub org_domain: String,
    pub fiscal_year_start_month: u32,
}

impl SimParams {
    /// A small organisation for tests: one leader, `managers` managers and `reps` reps, a year
    /// of history up to `as_of`, a calendar fiscal year.
    pub fn small(seed: u64, managers: u32, reps: u32, as_of: DateTime<Utc>) -> SimParams {
        SimParams {
            seed,
            leaders: 1,
            managers,
            reps,
            months_of_history: 12,
            as_of,
            org_domain: "northbridge-fs.example".to_owned(),
            fiscal_year_start_month: 1,
        }
    }
}

/// Simulation parameters from configuration (`[sim]`, `[org]`), with overrides: the rep count
/// (managers and leaders scale with it, keeping the configured span of control when it is not
/// overridden), the seed and the organisation's "today".
pub fn params_from_config(config: &Config, seed: Option<u64>, reps: Option<u32>, as_of: DateTime<Utc>) -> SimParams {
    let sim = &config.sim;
    let reps = reps.unwrap_or(sim.reps).clamp(1, 1_000);
    let managers = if reps == sim.reps { sim.managers } else { (reps / 6).clamp(1, reps) };
    let leaders = if reps == sim.reps { sim.leaders } else { (managers / 10).clamp(1, managers) };
    SimParams {
        seed: seed.unwrap_or(sim.seed),
        leaders,
        managers,
        reps,
        months_of_history: sim.months_of_history,
        as_of,
        org_domain: config.org.domains.first().cloned().unwrap_or_else(|| "candor-demo.example".to_owned()),
        fiscal_year_start_month: config.org.fiscal_year_start_month,
    }
}

pub use crate::domain::truth::{DealTruth, GroundTruth, TrueOutcome};

#[derive(Debug, Clone, PartialEq)]
pub struct SimOrg {
    pub params: SimParams,
    pub dataset: Dataset,
    pub truth: GroundTruth,
}

impl<'a> From<&'a SimOrg> for crate::store::Synthetic<'a> {
    fn from(org: &'a SimOrg) -> Self {
        crate::store::Synthetic {
            dataset: &org.dataset,
            truth: &org.truth,
            as_of: org.params.as_of,
            params: serde_json::to_value(&org.params).unwrap_or_default(),
        }
    }
}

/// Accounts in each rep's book.
const ACCOUNTS_PER_REP: usize = 25;
/// New deals per rep per week at average capacity: about 100 over 15 months plus warm-up.
const DEALS_PER_REP_WEEK: f64 = 1.2;
/// Deals start this long before the history window, so the window opens on a mature pipeline
/// and its first quarters book as much as its last.
const WARM_UP_DAYS: i64 = 120;
/// How far past `as_of` deal fates are played out for the ground truth.
const HORIZON_DAYS: i64 = 365;
const PLAN_SALT: u64 = 0x5EED_0001;

/// Builds the organisation and its history up to `params.as_of`. Deterministic: the same
/// parameters always give the same organisation, whatever the machine's thread count.
pub fn generate(params: &SimParams) -> SimOrg {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    build(params, workers).unwrap_or_else(|_| SimOrg {
        params: params.clone(),
        dataset: Dataset::default(),
        truth: GroundTruth::default(),
    })
}

/// The default pipeline as a stage catalogue.
fn stage_catalogue() -> StageCatalogue {
    StageCatalogue::new(
        default_stages()
            .into_iter()
            .map(|s| Stage {
                pipeline: s.pipeline,
                key: s.key,
                label: s.label,
                order: s.order,
                probability: s.probability,
                status: s.status,
            })
            .collect(),
    )
}

/// Everything shared read-only by the workers that generate deals.
struct Shared<'a> {
    params: &'a SimParams,
    source: &'a SourceName,
    plan_cx: PlanContext<'a>,
    row_cx: RowContext<'a>,
    act_cx: ActivityContext<'a>,
    schedule: &'a [(DateTime<Utc>, usize)],
}

#[derive(Default)]
struct Chunk {
    deals: Vec<Deal>,
    history: Vec<DealHistory>,
    roles: Vec<DealContactRole>,
    activities: Vec<Activity>,
    truths: Vec<DealTruth>,
    bookings: Vec<Booking>,
}

fn run_chunk(shared: &Shared<'_>, range: std::ops::Range<usize>) -> Result<Chunk, IdError> {
    let mut chunk = Chunk { activities: Vec::with_capacity(range.len() * 22), ..Chunk::default() };
    for index in range {
        let Some(&(created, rep)) = shared.schedule.get(index) else {
            break;
        };
        let no = index + 1;
        let mut rng = ChaCha8Rng::seed_from_u64(sub_seed(shared.params.seed, PLAN_SALT, no as u64));
        let plan = plan::plan_deal(&shared.plan_cx, rep, created, &mut rng);
        let external_id = deal_external_id(no);
        let id = DealId::from_source(shared.source, &external_id)?;
        let next_step =
            activities::deal_activities(&shared.act_cx, &plan, &id, &external_id, &mut rng, &mut chunk.activities)?;
        if let (true, Some(end)) = (plan.won(), plan.end) {
            let amount = plan.events.iter().rev().find_map(|e| match e.change {
                Change::Amount(a) => Some(a),
                _ => None,
            });
            chunk.bookings.push(Booking { rep, closed_on: end.date_naive(), amount_minor: amount.unwrap_or(0) });
        }
        let rows = build_rows(&shared.row_cx, no, &plan, id, external_id, next_step)?;
        chunk.deals.push(rows.deal);
        chunk.history.extend(rows.history);
        chunk.roles.extend(rows.roles);
        chunk.truths.extend(rows.truth);
    }
    Ok(chunk)
}

fn worker_failed() -> IdError {
    IdError { kind: "sim", value: String::new(), reason: "a generation worker stopped unexpectedly" }
}

fn build(params: &SimParams, workers: usize) -> Result<SimOrg, IdError> {
    let source = SourceName::parse("sim")?;
    let calendar = FiscalCalendar::new(params.fiscal_year_start_month).unwrap_or_default();
    let as_of = params.as_of;
    let start =
        as_of.checked_sub_months(Months::new(params.months_of_history.max(1))).unwrap_or(as_of - Duration::days(365));
    let horizon = as_of + Duration::days(HORIZON_DAYS);
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);

    let reps = params.reps as usize;
    let shape = OrgShape {
        leaders: params.leaders.max(1) as usize,
        managers: params.managers.max(1) as usize,
        reps,
        domain: &params.org_domain,
        accounts_per_rep: ACCOUNTS_PER_REP,
    };
    let org = people::build_org(&source, &shape, &mut rng)?;
    let book = accounts::build_book(&source, reps.max(1) * ACCOUNTS_PER_REP, &mut rng);

    // Each rep opens deals at a steady, slightly jittered pace over the whole window.
    let first_created = start - Duration::days(WARM_UP_DAYS);
    let mut schedule: Vec<(DateTime<Utc>, usize)> = Vec::new();
    for (r, rep) in org.reps.iter().enumerate() {
        let mean_gap = 7.0 / (DEALS_PER_REP_WEEK * rep.capacity);
        let mut t = first_created + days(uniform(&mut rng, 0.0, mean_gap));
        while t <= as_of {
            let at = business_time_near(t, rep.utc_offset_h, &mut rng);
            if at >= first_created && at <= as_of {
                schedule.push((at, r));
            }
            t += days(mean_gap * uniform(&mut rng, 0.5, 1.5));
        }
    }
    schedule.sort();

    let owner_ids: Vec<PersonId> =
        org.reps.iter().filter_map(|r| org.people.get(r.person).map(|p| p.id.clone())).collect();
    let shared = Shared {
        params,
        source: &source,
        plan_cx: PlanContext { org: &org, book: &book, calendar, horizon },
        row_cx: RowContext { source: &source, book: &book, owner_ids: &owner_ids, as_of, horizon },
        act_cx: ActivityContext { source: &source, org: &org, book: &book, as_of },
        schedule: &schedule,
    };
    let workers = workers.max(1);
    let total = schedule.len();
    let per_worker = total.div_ceil(workers).max(1);
    let chunks: Vec<Result<Chunk, IdError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let range = (w * per_worker).min(total)..((w + 1) * per_worker).min(total);
                let shared = &shared;
                scope.spawn(move || run_chunk(shared, range))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(worker_failed()))).collect()
    });

    let mut dataset =
        Dataset { stages: stage_catalogue(), products: accounts::product_catalogue(), ..Dataset::default() };
    let mut truth = GroundTruth::default();
    let mut bookings = Vec::new();
    let activity_count = chunks.iter().map(|c| c.as_ref().map_or(0, |c| c.activities.len())).sum();
    dataset.activities.reserve_exact(activity_count);
    for chunk in chunks {
        let chunk = chunk?;
        dataset.deals.extend(chunk.deals);
        dataset.history.extend(chunk.history);
        dataset.contact_roles.extend(chunk.roles);
        dataset.activities.extend(chunk.activities);
        truth.deals.extend(chunk.truths);
        bookings.extend(chunk.bookings);
    }
    let window = QuotaWindow { calendar, first_day: start.date_naive(), as_of: as_of.date_naive() };
    dataset.quotas = quotas::build_quotas(&org, &bookings, &window, &mut rng);
    truth.conduct_reps = org
        .reps
        .iter()
        .filter_map(|r| {
            let conduct = r.conduct?;
            let person = org.people.get(r.person)?;
            Some((person.id.clone(), conduct.describe().to_owned()))
        })
        .collect();
    dataset.people = org.people;
    dataset.accounts = book.accounts;
    dataset.contacts = book.contacts;
    Ok(SimOrg { params: params.clone(), dataset, truth })
}
