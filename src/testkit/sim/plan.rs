//! Each deal's hidden fate and the whole timeline that follows from it, past and future:
//! stage entries, close-date pushes, amount and forecast changes, the buyer group, and the
//! engagement level ("health") that drives how much buyers respond. Observable records are cut
//! from this timeline at `as_of`; the part after it becomes the ground truth.

use super::accounts::{Book, PRODUCTS, SECTORS, SEGMENT_AMOUNT, SEGMENT_CYCLE};
use super::calendar::{business_time, chance, days, days_between, month_end, quarter_end, spread, uniform, weighted};
use super::people::Org;
use crate::domain::{ContactRole, FiscalCalendar, ForecastCategory};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use rand::seq::SliceRandom;
use rand::Rng;

/// Stage keys of the default pipeline, by index; 0..=4 are open.
pub(crate) const STAGE_KEYS: [&str; 7] =
    ["qualify", "discover", "solution", "proposal", "negotiate", "closed_won", "closed_lost"];
pub(crate) const STAGE_WON: u8 = 5;
pub(crate) const STAGE_LOST: u8 = 6;

/// Decided when the deal is created; everything observable follows from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fate {
    /// Engaged buyers, closes won by its date.
    Won,
    /// Closes won, but well after the date first set: procurement, legal, a board cycle.
    Slip,
    /// Goes quiet and is closed lost.
    Lost,
    /// Drifts for months with no decision; cleaned out as lost or left open.
    Stall,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Change {
    Stage(u8),
    Amount(i64),
    CloseDate(NaiveDate),
    Forecast(ForecastCategory),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Event {
    pub at: DateTime<Utc>,
    pub change: Change,
}

pub(crate) struct DealPlan {
    pub rep: usize,
    pub account: usize,
    pub product: usize,
    pub fate: Fate,
    /// A healthy deal with a wobble (a push, a quiet spell), or a dying deal that looks fine
    /// for a long while: the noise that keeps the signal honest.
    pub looks_off: bool,
    pub created: DateTime<Utc>,
    /// When it closes (won or lost); `None` if it never does.
    pub end: Option<DateTime<Utc>>,
    pub planned_close: NaiveDate,
    /// Buyer engagement at creation, 0..1.
    pub h0: f64,
    pub decay_start: Option<DateTime<Utc>>,
    pub decay_end: DateTime<Utc>,
    pub slip_from: Option<DateTime<Utc>>,
    /// Every change over the deal's life, sorted by time; the first four set initial values.
    pub events: Vec<Event>,
    /// Buyer contacts (indices into the contact list): champion first, then the senior sponsor
    /// when there is one, then the rest.
    pub group: Vec<usize>,
    pub senior_in_group: bool,
    pub roles: Vec<(usize, ContactRole)>,
    /// Second rep (index into reps) and the owner's share in basis points.
    pub split: Option<(usize, u16)>,
}

impl DealPlan {
    /// Buyer engagement at `t`: constant for healthy deals, sliding toward nothing once a dying
    /// deal's decay starts, dipping while a slipping deal waits on procurement.
    pub(super) fn health(&self, t: DateTime<Utc>) -> f64 {
        let mut h = self.h0;
        if let Some(start) = self.decay_start {
            if t > start {
                let span = days_between(start, self.decay_end).max(1.0);
                let frac = (days_between(start, t) / span).clamp(0.0, 1.0);
                h *= 1.0 - 0.85 * frac.sqrt();
            }
        }
        if let Some(from) = self.slip_from {
            if t > from {
                h *= 0.65;
            }
        }
        h
    }

    pub(super) fn stage_at(&self, t: DateTime<Utc>) -> u8 {
        let mut stage = 0;
        for event in &self.events {
            if event.at > t {
                break;
            }
            if let Change::Stage(s) = event.change {
                stage = s;
            }
        }
        stage
    }

    pub(super) fn won(&self) -> bool {
        matches!(self.fate, Fate::Won | Fate::Slip)
    }
}

pub(crate) struct PlanContext<'a> {
    pub org: &'a Org,
    pub book: &'a Book,
    pub calendar: FiscalCalendar,
    pub horizon: DateTime<Utc>,
}

fn round_amount(minor: f64) -> i64 {
    let step = 100_000.0; // whole thousands of dollars
    ((minor / step).round() * step).max(step) as i64
}

fn forecast_for(stage: u8, h: f64, optimistic: bool, rng: &mut impl Rng) -> ForecastCategory {
    use ForecastCategory::*;
    match stage {
        0 | 1 => Pipeline,
        2 if optimistic || h > 0.7 => BestCase,
        2 => Pipeline,
        3 if optimistic || (h > 0.75 && chance(rng, 0.5)) => Commit,
        3 if h > 0.35 => BestCase,
        3 => Pipeline,
        _ if optimistic || h > 0.45 => Commit,
        _ => BestCase,
    }
}

fn weekday_on_or_before(day: NaiveDate) -> NaiveDate {
    match day.weekday() {
        Weekday::Sat => day - Duration::days(1),
        Weekday::Sun => day - Duration::days(2),
        _ => day,
    }
}

/// Plans one deal created at `created` by rep `rep`.
pub(crate) fn plan_deal(
    cx: &PlanContext<'_>,
    rep_index: usize,
    created: DateTime<Utc>,
    rng: &mut impl Rng,
) -> DealPlan {
    let rep = &cx.org.reps[rep_index];
    let off = rep.utc_offset_h;
    let conduct = rep.conduct;
    let last_account = cx.book.account_info.len().saturating_sub(1);
    let account = rng.gen_range(rep.accounts.clone()).min(last_account);
    let info = &cx.book.account_info[account];
    let mut weights = SECTORS[info.sector].product_weights;
    if conduct.is_some_and(|c| c.skews_mix()) {
        for (w, p) in weights.iter_mut().zip(PRODUCTS) {
            if p.high_commission {
                *w *= 8.0;
            }
        }
    }
    let product = weighted(rng, &weights);
    let spec = &PRODUCTS[product];

    let est = (spec.cycle_days * SEGMENT_CYCLE[info.segment] * spread(rng, 0.2)).clamp(20.0, 300.0);
    let mut planned = (created + days(est)).date_naive();
    if conduct.is_some_and(|c| c.bunches()) {
        planned = quarter_end(&cx.calendar, planned);
    } else if chance(rng, 0.4) {
        planned = month_end(planned);
    }
    let est = days_between(created, business_time(planned, off, rng)).max(10.0);
    let amount0 = round_amount(spec.list_price_usd as f64 * 100.0 * SEGMENT_AMOUNT[info.segment] * spread(rng, 0.3));

    let p_won = 0.36 * rep.skill;
    let fate = match weighted(rng, &[p_won, 0.10, 0.09, (0.81 - p_won).max(0.1)]) {
        0 => Fate::Won,
        1 => Fate::Slip,
        2 => Fate::Stall,
        _ => Fate::Lost,
    };

    let mut w: Vec<f64> = [0.18, 0.2, 0.24, 0.2, 0.18].iter().map(|x| x * uniform(rng, 0.6, 1.4)).collect();
    let total: f64 = w.iter().sum();
    w.iter_mut().for_each(|x| *x /= total);
    let cum: Vec<f64> = (0..5).map(|i| w[..i].iter().sum()).collect();

    let mut looks_off = false;
    let mut decay_start = None;
    let mut slip_from = None;
    let mut stage_entries: Vec<(DateTime<Utc>, u8)> = Vec::with_capacity(6);
    let h0;
    let end: Option<DateTime<Utc>>;
    match fate {
        Fate::Won => {
            looks_off = chance(rng, 0.15);
            h0 = if looks_off { uniform(rng, 0.4, 0.62) } else { uniform(rng, 0.6, 1.0) };
            let actual = if looks_off { est * uniform(rng, 1.05, 1.3) } else { est * uniform(rng, 0.72, 1.0) };
            for (i, c) in cum.iter().enumerate().skip(1) {
                stage_entries.push((created + days(actual * c), i as u8));
            }
            end = Some(created + days(actual));
        }
        Fate::Slip => {
            h0 = uniform(rng, 0.4, 0.8);
            let close = created + days(est + uniform(rng, 20.0, 110.0));
            for (i, c) in cum.iter().enumerate().skip(1).take(3) {
                stage_entries.push((created + days(est * c), i as u8));
            }
            let negotiate =
                if chance(rng, 0.4) { close - days(uniform(rng, 5.0, 20.0)) } else { created + days(est * cum[4]) };
            stage_entries.push((negotiate, 4));
            slip_from = Some(created + days(est * uniform(rng, 0.7, 0.95)));
            end = Some(close);
        }
        Fate::Lost => {
            looks_off = chance(rng, 0.2);
            h0 = if looks_off { uniform(rng, 0.6, 0.9) } else { uniform(rng, 0.15, 0.55) };
            let reached = weighted(rng, &[0.22, 0.3, 0.26, 0.14, 0.08]);
            let slow = uniform(rng, 1.1, 1.8);
            for (i, c) in cum.iter().enumerate().skip(1).take(reached) {
                stage_entries.push((created + days(est * slow * c), i as u8));
            }
            let last = stage_entries.last().map_or(created, |e| e.0);
            let close = last + days(est * uniform(rng, 0.2, 0.8) + 7.0);
            let life = days_between(created, close);
            let at = if looks_off { uniform(rng, 0.6, 0.85) } else { uniform(rng, 0.2, 0.55) };
            decay_start = Some(created + days(life * at));
            end = Some(close);
        }
        Fate::Stall => {
            h0 = uniform(rng, 0.15, 0.5);
            let reached = weighted(rng, &[0.3, 0.35, 0.25, 0.1]);
            let slow = uniform(rng, 1.5, 2.5);
            for (i, c) in cum.iter().enumerate().skip(1).take(reached) {
                stage_entries.push((created + days(est * slow * c), i as u8));
            }
            decay_start = Some(created + days(uniform(rng, 20.0, 60.0)));
            end = (!chance(rng, 0.2)).then(|| created + days(uniform(rng, 150.0, 330.0)));
        }
    }
    let mut end = end.map(|e| business_time(e.date_naive(), off, rng).max(created + Duration::days(3)));
    if let (Some(close), true) = (end, matches!(fate, Fate::Won | Fate::Slip) && conduct.is_some_and(|c| c.bunches())) {
        let day = close.date_naive();
        let q_end = quarter_end(&cx.calendar, day);
        if (q_end - day).num_days() > 13 {
            let target = weekday_on_or_before(q_end - Duration::days(rng.gen_range(0..10)));
            end = Some(business_time(target, off, rng));
        }
    }
    let decay_end = end.unwrap_or(created + Duration::days(400));
    let latest = end.map_or(cx.horizon, |e| e - Duration::hours(1));
    let fit = |t: DateTime<Utc>| t.max(created + Duration::hours(1)).min(latest);

    let mut plan = DealPlan {
        rep: rep_index,
        account,
        product,
        fate,
        looks_off,
        created,
        end,
        planned_close: planned,
        h0,
        decay_start,
        decay_end,
        slip_from,
        events: Vec::with_capacity(16),
        group: Vec::new(),
        senior_in_group: false,
        roles: Vec::new(),
        split: None,
    };
    let ev = |at, change| Event { at, change };
    plan.events.push(ev(created, Change::Stage(0)));
    plan.events.push(ev(created, Change::Amount(amount0)));
    plan.events.push(ev(created, Change::CloseDate(planned)));
    plan.events.push(ev(created, Change::Forecast(ForecastCategory::Pipeline)));

    // Stage entries (monotone in time), then a possible regression for dying deals.
    let mut previous = created;
    let mut timed_stages = Vec::with_capacity(stage_entries.len() + 1);
    for (at, stage) in stage_entries {
        let at = fit(business_time(at.date_naive(), off, rng)).max(previous + Duration::hours(1));
        if at >= latest {
            break;
        }
        timed_stages.push((at, stage));
        previous = at;
    }
    let top = timed_stages.last().map_or(0, |s| s.1);
    let regress_p = match fate {
        Fate::Lost => 0.3,
        Fate::Stall => 0.2,
        _ => 0.0,
    };
    if top >= 2 && chance(rng, regress_p) {
        let span = days_between(previous, decay_end);
        let at = fit(previous + days(span * uniform(rng, 0.3, 0.7)));
        if at > previous {
            timed_stages.push((at, top - 1));
        }
    }
    for (at, stage) in &timed_stages {
        plan.events.push(ev(*at, Change::Stage(*stage)));
    }

    // Amount changes: scope grows on healthy deals, shrinks on deals in trouble.
    let amount_change = match fate {
        Fate::Won if chance(rng, 0.2) => {
            let at = timed_stages.get(2).map_or(created + days(est * 0.5), |s| s.0);
            Some((at, uniform(rng, 0.9, 1.2)))
        }
        Fate::Slip if chance(rng, 0.25) => {
            slip_from.map(|f| (f + days(uniform(rng, 5.0, 20.0)), uniform(rng, 0.8, 0.95)))
        }
        Fate::Lost | Fate::Stall if chance(rng, 0.35) => {
            decay_start.map(|d| (d + days(days_between(d, decay_end) * uniform(rng, 0.2, 0.6)), uniform(rng, 0.6, 0.9)))
        }
        _ => None,
    };
    if let Some((at, factor)) = amount_change {
        let at = fit(business_time(at.date_naive(), off, rng));
        let new = round_amount(amount0 as f64 * factor);
        if new != amount0 && at < latest {
            plan.events.push(ev(at, Change::Amount(new)));
        }
    }

    // Forecast calls at each stage entry, and a downgrade once a dying deal visibly cools
    // (optimistic reps never downgrade).
    let mut forecast = ForecastCategory::Pipeline;
    // `None` marks the review point rather than a stage entry.
    let mut calls: Vec<(DateTime<Utc>, Option<u8>)> = timed_stages.iter().map(|(at, s)| (*at, Some(*s))).collect();
    if let (Some(start), false) = (decay_start, rep.optimistic) {
        let at = fit(start + days(days_between(start, decay_end) * uniform(rng, 0.3, 0.6)));
        calls.push((at, None));
    }
    calls.sort_by_key(|c| c.0);
    let mut stage = 0u8;
    for (at, entered) in calls {
        stage = entered.unwrap_or(stage);
        let next = forecast_for(stage, plan.health(at), rep.optimistic, rng);
        if next != forecast && (entered.is_some() || next < forecast) {
            plan.events.push(ev(at, Change::Forecast(next)));
            forecast = next;
        }
    }

    push_close_dates(&mut plan, off, latest, rng);

    if let Some(close) = end {
        let current_close = plan
            .events
            .iter()
            .rev()
            .find_map(|e| match e.change {
                Change::CloseDate(d) => Some(d),
                _ => None,
            })
            .unwrap_or(planned);
        let won = plan.won();
        plan.events.push(ev(close, Change::Stage(if won { STAGE_WON } else { STAGE_LOST })));
        let final_call = if won { ForecastCategory::Closed } else { ForecastCategory::Omitted };
        plan.events.push(ev(close, Change::Forecast(final_call)));
        if current_close != close.date_naive() {
            plan.events.push(ev(close, Change::CloseDate(close.date_naive())));
        }
    }
    plan.events.sort_by_key(|e| e.at);

    choose_buyers(cx, &mut plan, rng);
    if chance(rng, 0.1) {
        if let Some(peer) = rep.peers.choose(rng) {
            let share = [7000u16, 6000, 5000].choose(rng).copied().unwrap_or(7000);
            plan.split = Some((*peer, share));
        }
    }
    plan
}

/// Reps move the close date when it is about to pass (or, on neglected deals, some time after
/// it has), until it lies beyond the real closing moment.
fn push_close_dates(plan: &mut DealPlan, off: i32, latest: DateTime<Utc>, rng: &mut impl Rng) {
    let dying = matches!(plan.fate, Fate::Lost | Fate::Stall);
    let mut close = plan.planned_close;
    let mut last_at = plan.created;
    for _ in 0..10 {
        if plan.end.is_some_and(|e| e.date_naive() <= close) {
            break;
        }
        let lazy = chance(rng, if dying { 0.45 } else { 0.12 });
        let day = if lazy {
            close + Duration::days(rng.gen_range(1..25))
        } else {
            close - Duration::days(rng.gen_range(0..8))
        };
        let at = business_time(day, off, rng).max(last_at + Duration::hours(2));
        if at >= latest {
            break;
        }
        let step = if plan.fate == Fate::Slip { uniform(rng, 14.0, 40.0) } else { uniform(rng, 14.0, 50.0) };
        let mut new = (close + Duration::days(step as i64)).max(at.date_naive() + Duration::days(7));
        if chance(rng, 0.4) {
            new = month_end(new);
        }
        plan.events.push(Event { at, change: Change::CloseDate(new) });
        close = new;
        last_at = at;
    }
}

/// The buyer group: engaged deals reach more people and a senior sponsor; weak deals hang on
/// one or two contacts.
fn choose_buyers(cx: &PlanContext<'_>, plan: &mut DealPlan, rng: &mut impl Rng) {
    let contacts = &cx.book.account_info[plan.account].contacts;
    let (seniors, others): (Vec<usize>, Vec<usize>) =
        contacts.iter().partition(|c| cx.book.contact_info.get(**c).is_some_and(|i| i.senior));
    let middles: Vec<usize> = others
        .iter()
        .copied()
        .filter(|c| cx.book.contacts.get(*c).is_some_and(|k| k.seniority <= crate::domain::Seniority::Manager))
        .collect();
    let Some(champion) = middles.choose(rng).or_else(|| others.choose(rng)).or_else(|| seniors.choose(rng)).copied()
    else {
        return;
    };
    let h0 = plan.h0;
    let size = (2.0 + (h0 * 3.5).round()) as usize;
    plan.group.push(champion);
    if h0 > 0.5 || chance(rng, 0.3) {
        if let Some(senior) = seniors.choose(rng) {
            if *senior != champion {
                plan.group.push(*senior);
                plan.senior_in_group = true;
            }
        }
    }
    let mut rest: Vec<usize> =
        contacts.iter().copied().filter(|c| !plan.group.contains(c) && !seniors.contains(c)).collect();
    rest.shuffle(rng);
    for c in rest {
        if plan.group.len() >= size {
            break;
        }
        plan.group.push(c);
    }
    if h0 > 0.3 || chance(rng, 0.5) {
        plan.roles.push((champion, ContactRole::Champion));
    }
    for (position, contact) in plan.group.iter().enumerate().skip(1) {
        let role = if position == 1 && plan.senior_in_group {
            if h0 > 0.5 || chance(rng, 0.4) {
                ContactRole::EconomicBuyer
            } else {
                ContactRole::Influencer
            }
        } else if position == 2 && h0 > 0.6 && chance(rng, 0.5) {
            ContactRole::DecisionMaker
        } else if position % 2 == 0 {
            ContactRole::Influencer
        } else {
            ContactRole::Other
        };
        plan.roles.push((*contact, role));
    }
}
