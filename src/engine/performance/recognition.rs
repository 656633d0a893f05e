//! Recognition on outcomes, never on activity counts: leaderboards of bookings, attainment,
//! new clients and deals won; streaks of quarters at or above quota and personal bests; and
//! the "wins this week" section of a manager's brief. Deals later cancelled are never
//! celebrated, and every line names the deals and figures behind it.

use super::history::{credit_of, results_by_period, results_of, PeriodResult};
use crate::domain::{Currency, Dataset, FiscalCalendar, Hierarchy, Money, Period, PersonId, Role};
use crate::engine::pay::arith::bp_pct;
use crate::engine::pay::WonDeal;
use chrono::{Duration, NaiveDate};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// What a leaderboard ranks. Activity counts (emails, calls, meetings) are deliberately absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Outcome {
    Bookings,
    Attainment,
    NewClients,
    DealsWon,
}

impl Outcome {
    pub(crate) const ALL: [Outcome; 4] =
        [Outcome::Bookings, Outcome::Attainment, Outcome::NewClients, Outcome::DealsWon];

    pub(crate) fn label(&self) -> &'static str {
        match self {
            Outcome::Bookings => "Bookings (credit share)",
            Outcome::Attainment => "Attainment of quota",
            Outcome::NewClients => "New clients won",
            Outcome::DealsWon => "Deals won",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct LeaderboardEntry {
    pub rank: u32,
    pub person_id: String,
    pub name: String,
    pub value: i64,
    pub shown: String,
    pub deal_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Leaderboard {
    pub outcome: Outcome,
    pub label: String,
    pub period: String,
    pub entries: Vec<LeaderboardEntry>,
}

/// A rep's run of quarters at or above quota and their bests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Achievements {
    pub person_id: String,
    /// Consecutive completed quarters at or above quota, ending with the latest one.
    pub quota_streak: u32,
    pub best_quarter: Option<(String, i64)>,
    pub largest_deal: Option<(String, i64)>,
    /// The current quarter so far beats every earlier quarter.
    pub current_quarter_is_best: bool,
}

fn names(data: &Dataset) -> BTreeMap<&str, &str> {
    data.people.iter().map(|p| (p.id.as_str(), p.name.as_str())).collect()
}

/// Leaderboards of `people` (reps) for `period`, ties broken by name then id.
pub(crate) fn leaderboards(
    data: &Dataset,
    won: &[WonDeal],
    calendar: FiscalCalendar,
    currency: Currency,
    period: Period,
    people: &[&str],
) -> Vec<Leaderboard> {
    let results = results_by_period(data, won, calendar, currency, &[period]);
    let names = names(data);
    let empty = PeriodResult::default();
    Outcome::ALL
        .iter()
        .map(|outcome| {
            let mut rows: Vec<(i64, &str, &PeriodResult)> = people
                .iter()
                .map(|id| {
                    let result = results.get(*id).and_then(|r| r.get(&period)).unwrap_or(&empty);
                    let value = match outcome {
                        Outcome::Bookings => Some(result.booked_minor),
                        Outcome::Attainment => result.attainment_bp(),
                        Outcome::NewClients => Some(i64::from(result.new_logos)),
                        Outcome::DealsWon => Some(i64::from(result.deals_won)),
                    };
                    (value, *id, result)
                })
                .filter_map(|(value, id, result)| value.map(|v| (v, id, result)))
                .collect();
            rows.sort_by(|a, b| {
                b.0.cmp(&a.0).then_with(|| names.get(a.1).cmp(&names.get(b.1))).then_with(|| a.1.cmp(b.1))
            });
            let mut entries = Vec::new();
            let mut rank = 0;
            let mut previous = None;
            for (position, (value, id, result)) in rows.into_iter().enumerate() {
                if previous != Some(value) {
                    rank = position as u32 + 1;
                    previous = Some(value);
                }
                let shown = match outcome {
                    Outcome::Bookings => Money::new(value, currency).to_string(),
                    Outcome::Attainment => bp_pct(value),
                    Outcome::NewClients | Outcome::DealsWon => value.to_string(),
                };
                entries.push(LeaderboardEntry {
                    rank,
                    person_id: id.to_owned(),
                    name: names.get(id).map(|n| (*n).to_owned()).unwrap_or_else(|| id.to_owned()),
                    value,
                    shown,
                    deal_ids: result.deal_ids.clone(),
                });
            }
            Leaderboard { outcome: *outcome, label: outcome.label().to_owned(), period: period.to_string(), entries }
        })
        .collect()
}

/// Streaks and personal bests over `history` quarters, oldest first, the last being the
/// current (possibly unfinished) quarter.
pub(crate) fn achievements(
    data: &Dataset,
    won: &[WonDeal],
    calendar: FiscalCalendar,
    currency: Currency,
    person: &str,
    history: &[Period],
) -> Achievements {
    let results = results_by_period(data, won, calendar, currency, history);
    achievements_from(&results, won, currency, person, history)
}

/// [`achievements`] from results already computed over `history` (by
/// [`results_by_period`]), so a report on many reps reads the deals once.
fn achievements_from(
    results: &BTreeMap<String, BTreeMap<Period, PeriodResult>>,
    won: &[WonDeal],
    currency: Currency,
    person: &str,
    history: &[Period],
) -> Achievements {
    let mine = results.get(person);
    let get = |p: &Period| mine.and_then(|m| m.get(p));
    let (current, completed) = match history.split_last() {
        Some((current, completed)) => (Some(current), completed),
        None => (None, &[][..]),
    };
    let mut streak = 0;
    for period in completed.iter().rev() {
        match get(period).and_then(|r| r.attainment_bp()) {
            Some(bp) if bp >= 10_000 => streak += 1,
            _ => break,
        }
    }
    let best_quarter = completed
        .iter()
        .filter_map(|p| get(p).map(|r| (p.to_string(), r.booked_minor)))
        .filter(|(_, v)| *v > 0)
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)));
    let largest_deal = won
        .iter()
        .filter(|d| d.cancelled_on.is_none() && d.amount.currency == currency && d.share_of(person).is_some())
        .map(|d| (d.deal_id.clone(), credit_of(d, person)))
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)));
    let current_booked = current.and_then(get).map(|r| r.booked_minor).unwrap_or(0);
    Achievements {
        person_id: person.to_owned(),
        quota_streak: streak,
        current_quarter_is_best: current_booked > 0 && best_quarter.as_ref().is_none_or(|(_, v)| current_booked > *v),
        best_quarter,
        largest_deal,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Win {
    pub person_id: String,
    pub name: String,
    pub deal_id: String,
    pub deal_name: String,
    pub won_on: NaiveDate,
    pub credit_minor: i64,
    /// What makes it notable: a new client, the rep's largest deal, a quota streak.
    pub notes: Vec<String>,
    pub text: String,
}

/// The "wins this week" section of a manager brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WinsThisWeek {
    pub manager_id: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub wins: Vec<Win>,
    pub total_minor: i64,
    pub lines: Vec<String>,
}

/// Deals won by the manager's reps in the seven days ending `as_of`, still standing as wins.
pub(crate) fn wins_this_week(
    data: &Dataset,
    won: &[WonDeal],
    calendar: FiscalCalendar,
    currency: Currency,
    manager: &str,
    as_of: NaiveDate,
) -> WinsThisWeek {
    let from = as_of - Duration::days(6);
    let hierarchy = Hierarchy::new(&data.people);
    let team: HashSet<String> = PersonId::parse(manager)
        .map(|m| hierarchy.subtree(&m).into_iter().map(|p| p.to_string()).collect())
        .unwrap_or_default();
    let reps: Vec<&str> = data
        .people
        .iter()
        .filter(|p| p.role == Role::Rep && team.contains(p.id.as_str()))
        .map(|p| p.id.as_str())
        .collect();
    let names = names(data);
    let current = calendar.quarter_of(as_of);
    let mut history = super::history::quarters_before(current, 8);
    history.push(current);
    let mut wins = Vec::new();
    let mut results = None;
    for deal in won.iter().filter(|d| d.won_on >= from && d.won_on <= as_of && d.cancelled_on.is_none()) {
        if deal.amount.currency != currency {
            continue;
        }
        for rep in reps.iter().filter(|r| deal.share_of(r).is_some()) {
            let credit = credit_of(deal, rep);
            let results = results
                .get_or_insert_with(|| results_of(data, won, calendar, currency, &history, |id| reps.contains(&id)));
            let feats = achievements_from(results, won, currency, rep, &history);
            let mut notes = Vec::new();
            if deal.new_logo {
                notes.push("a new client".to_owned());
            }
            if feats.largest_deal.as_ref().is_some_and(|(id, _)| id == &deal.deal_id) {
                notes.push("their largest deal to date".to_owned());
            }
            if feats.quota_streak >= 2 {
                notes.push(format!("{} quarters in a row at or above quota", feats.quota_streak));
            }
            if feats.current_quarter_is_best {
                notes.push(format!("{current} is already their best quarter"));
            }
            let name = names.get(rep).map(|n| (*n).to_owned()).unwrap_or_else(|| (*rep).to_owned());
            let share = deal.share_of(rep).unwrap_or(0);
            let text = format!(
                "{name} won {} ({}) on {}: {}{}{}",
                deal.name,
                deal.deal_id,
                deal.won_on,
                Money::new(credit, currency),
                if share < 10_000 { format!(" ({} credit share)", bp_pct(i64::from(share))) } else { String::new() },
                if notes.is_empty() { String::new() } else { format!(" — {}", notes.join("; ")) }
            );
            wins.push(Win {
                person_id: (*rep).to_owned(),
                name,
                deal_id: deal.deal_id.clone(),
                deal_name: deal.name.clone(),
                won_on: deal.won_on,
                credit_minor: credit,
                notes,
                text,
            });
        }
    }
    wins.sort_by(|a, b| b.credit_minor.cmp(&a.credit_minor).then_with(|| a.deal_id.cmp(&b.deal_id)));
    let total: i64 = wins.iter().map(|w| w.credit_minor).sum();
    let mut lines = vec![if wins.is_empty() {
        format!("No deals won by the team from {from} to {as_of}.")
    } else {
        format!("{} win(s) from {from} to {as_of}, {} at credit share.", wins.len(), Money::new(total, currency))
    }];
    lines.extend(wins.iter().map(|w| w.text.clone()));
    WinsThisWeek { manager_id: manager.to_owned(), from, to: as_of, wins, total_minor: total, lines }
}

/// A rep's streak and bests with their name, as the recognition report shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct RepRecognition {
    pub name: String,
    #[serde(flatten)]
    pub achievements: Achievements,
    /// The achievements in words; empty when there is nothing to celebrate yet.
    pub lines: Vec<String>,
}

/// Everything `candor recognition` prints: leaderboards for one period, each rep's streak and
/// bests, and each manager's wins of the seven days ending `as_of`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct RecognitionReport {
    pub period: String,
    pub as_of: NaiveDate,
    pub currency: String,
    pub leaderboards: Vec<Leaderboard>,
    pub reps: Vec<RepRecognition>,
    pub wins_this_week: Vec<WinsThisWeek>,
}

/// How many completed quarters before the report's period streaks and bests look back on.
const HISTORY_QUARTERS: usize = 8;

fn achievement_lines(feats: &Achievements, currency: Currency, current: Period) -> Vec<String> {
    let mut lines = Vec::new();
    if feats.quota_streak > 0 {
        lines.push(format!("{} quarter(s) in a row at or above quota", feats.quota_streak));
    }
    if let Some((period, booked)) = &feats.best_quarter {
        lines.push(format!("best quarter {period}: {}", Money::new(*booked, currency)));
    }
    if let Some((deal, credit)) = &feats.largest_deal {
        lines.push(format!("largest deal {deal}: {} at credit share", Money::new(*credit, currency)));
    }
    if feats.current_quarter_is_best {
        lines.push(format!("{current} so far is their best quarter"));
    }
    lines
}

/// The recognition report for `period` (default: the quarter of `as_of`), for the reps under
/// `manager` (default: every rep) and the wins of that manager (default: every manager).
pub(crate) fn recognition_report(
    data: &Dataset,
    won: &[WonDeal],
    calendar: FiscalCalendar,
    currency: Currency,
    as_of: NaiveDate,
    period: Option<Period>,
    manager: Option<&str>,
) -> RecognitionReport {
    let period = period.unwrap_or_else(|| calendar.quarter_of(as_of));
    let hierarchy = Hierarchy::new(&data.people);
    let team: Option<HashSet<String>> = manager.map(|m| {
        PersonId::parse(m)
            .map(|m| hierarchy.subtree(&m).into_iter().map(|p| p.to_string()).collect())
            .unwrap_or_default()
    });
    let in_scope = |id: &str| team.as_ref().is_none_or(|t| t.contains(id));
    let reps: Vec<&str> =
        data.people.iter().filter(|p| p.role == Role::Rep && in_scope(p.id.as_str())).map(|p| p.id.as_str()).collect();
    let mut history = super::history::quarters_before(period, HISTORY_QUARTERS);
    history.push(period);
    let names = names(data);
    let results = results_by_period(data, won, calendar, currency, &history);
    let rep_views = reps
        .iter()
        .map(|rep| {
            let feats = achievements_from(&results, won, currency, rep, &history);
            RepRecognition {
                name: names.get(rep).map(|n| (*n).to_owned()).unwrap_or_else(|| (*rep).to_owned()),
                lines: achievement_lines(&feats, currency, period),
                achievements: feats,
            }
        })
        .collect();
    let managers: Vec<&str> = match manager {
        Some(m) => vec![m],
        None => data.people.iter().filter(|p| p.role == Role::Manager).map(|p| p.id.as_str()).collect(),
    };
    RecognitionReport {
        period: period.to_string(),
        as_of,
        currency: currency.to_string(),
        leaderboards: leaderboards(data, won, calendar, currency, period, &reps),
        reps: rep_views,
        wins_this_week: managers.iter().map(|m| wins_this_week(data, won, calendar, currency, m, as_of)).collect(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::engine::pay::test_data::{dataset, day, deal, quota, stage_change};
    use crate::engine::pay::won_deals;

    fn data() -> Dataset {
        let mut data = dataset();
        for (period, amount) in [("FY2025-Q3", 100), ("FY2025-Q4", 100), ("FY2026-Q1", 100)] {
            data.quotas.push(quota("rep1", period, amount * 100));
            data.quotas.push(quota("rep2", period, amount * 100));
        }
        data.deals.push(deal("a1", "rep1", "acme", "closed_won", 12_000, Some("2025-08-01")));
        data.deals.push(deal("a2", "rep1", "bolt", "closed_won", 15_000, Some("2025-11-01")));
        data.deals.push(deal("a3", "rep1", "acme", "closed_won", 20_000, Some("2026-03-25")));
        data.deals.push(deal("b1", "rep2", "cora", "closed_won", 9_000, Some("2026-03-27")));
        data.deals.push(deal("b2", "rep2", "dune", "closed_lost", 50_000, None));
        data.history.push(stage_change("h1", "b2", "negotiate", "closed_won", "2026-03-26"));
        data.history.push(stage_change("h2", "b2", "closed_won", "closed_lost", "2026-03-28"));
        data
    }

    #[test]
    fn leaderboards_rank_outcomes_and_ignore_cancelled_deals() {
        let data = data();
        let won = won_deals(&data, day("2026-03-31"));
        let boards = leaderboards(
            &data,
            &won,
            FiscalCalendar::default(),
            Currency::USD,
            "FY2026-Q1".parse().unwrap(),
            &["rep1", "rep2"],
        );
        let bookings = &boards[0];
        assert_eq!(bookings.outcome, Outcome::Bookings);
        assert_eq!(
            bookings.entries.iter().map(|e| (e.person_id.as_str(), e.value)).collect::<Vec<_>>(),
            vec![("rep1", 20_000), ("rep2", 9_000)]
        );
        // rep1 200%, rep2 90%: b2 was won then cancelled and does not count.
        assert_eq!(boards[1].entries[0].shown, "200%");
        assert_eq!(boards[1].entries[1].value, 9_000);
        // New clients: rep2's cora is new; rep1's acme was already a client. A tie shares the rank.
        let logos = &boards[2];
        assert_eq!(logos.entries[0].person_id, "rep2");
        let deals = &boards[3];
        assert_eq!((deals.entries[0].rank, deals.entries[1].rank), (1, 1));
    }

    #[test]
    fn streaks_bests_and_wins_this_week() {
        let data = data();
        let won = won_deals(&data, day("2026-03-31"));
        let history: Vec<Period> = ["FY2025-Q3", "FY2025-Q4", "FY2026-Q1"].iter().map(|p| p.parse().unwrap()).collect();
        let feats = achievements(&data, &won, FiscalCalendar::default(), Currency::USD, "rep1", &history);
        assert_eq!(feats.quota_streak, 2);
        assert_eq!(feats.best_quarter, Some(("FY2025-Q4".to_owned(), 15_000)));
        assert_eq!(feats.largest_deal, Some(("a3".to_owned(), 20_000)));
        assert!(feats.current_quarter_is_best);

        let section = wins_this_week(&data, &won, FiscalCalendar::default(), Currency::USD, "mgr", day("2026-03-31"));
        assert_eq!(section.wins.iter().map(|w| w.deal_id.as_str()).collect::<Vec<_>>(), vec!["a3", "b1"]);
        assert_eq!(section.total_minor, 29_000);
        assert!(section.wins[0].notes.contains(&"their largest deal to date".to_owned()));
        assert!(section.wins[0].notes.iter().any(|n| n.contains("2 quarters in a row")));
        assert!(section.wins[1].notes.contains(&"a new client".to_owned()));
        assert!(section.lines[0].contains("2 win(s)"));
        let nobody = wins_this_week(&data, &won, FiscalCalendar::default(), Currency::USD, "rep1", day("2026-03-31"));
        assert!(nobody.wins.is_empty());
    }

    #[test]
    fn the_report_scopes_to_a_manager_and_says_what_each_rep_achieved() {
        let data = data();
        let won = won_deals(&data, day("2026-03-31"));
        let calendar = FiscalCalendar::default();
        let report = recognition_report(&data, &won, calendar, Currency::USD, day("2026-03-31"), None, Some("mgr"));
        assert_eq!(report.period, "FY2026-Q1");
        assert_eq!(report.leaderboards.len(), 4);
        assert_eq!(report.wins_this_week.len(), 1);
        assert_eq!(report.wins_this_week[0].wins.len(), 2);
        let rep1 = report.reps.iter().find(|r| r.achievements.person_id == "rep1").unwrap();
        assert!(rep1.lines.contains(&"2 quarter(s) in a row at or above quota".to_owned()), "{:?}", rep1.lines);
        assert!(rep1.lines.contains(&"FY2026-Q1 so far is their best quarter".to_owned()));
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["reps"][0]["quota_streak"], serde_json::json!(rep1.achievements.quota_streak));
        // A past period: its own quarter is the one whose streak and bests are shown.
        let past = "FY2025-Q4".parse().unwrap();
        let earlier = recognition_report(&data, &won, calendar, Currency::USD, day("2026-03-31"), Some(past), None);
        let rep1 = earlier.reps.iter().find(|r| r.achievements.person_id == "rep1").unwrap();
        assert_eq!(rep1.achievements.quota_streak, 1);
        assert_eq!(earlier.leaderboards[0].entries[0].value, 15_000);
    }
}
