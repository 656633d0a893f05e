//! The plan book: every version of every plan, and the rule that picks the one that governs a
//! person's period. The plan in effect on the period's first day governs the whole period (a
//! plan that starts mid-period governs it only when none was in effect on its first day); a
//! plan naming the person beats one naming their team, which beats one naming their role; among
//! versions of one plan the highest in effect wins.

use super::plan::Plan;
use super::plan_file::{parse_plan, PlanError};
use super::CompError;
use crate::domain::Person;
use chrono::NaiveDate;
use std::collections::BTreeSet;

/// The plan every organisation starts with until it configures its own.
pub const DEFAULT_PLAN_TOML: &str = include_str!("default_plan.toml");

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanBook {
    plans: Vec<Plan>,
}

impl PlanBook {
    /// Validates each plan and the book as a whole: no two files with the same id and version.
    pub fn new(plans: Vec<Plan>) -> Result<Self, PlanError> {
        let mut seen = BTreeSet::new();
        for plan in &plans {
            if !seen.insert((plan.id.clone(), plan.version)) {
                return Err(PlanError {
                    plan: plan.id.clone(),
                    field: "version".to_owned(),
                    reason: format!("version {} appears in two files", plan.version),
                });
            }
        }
        let mut plans = plans;
        plans.sort_by(|a, b| (a.id.as_str(), a.version).cmp(&(b.id.as_str(), b.version)));
        Ok(Self { plans })
    }

    /// Parses plan texts (for example the contents of the configured plan files).
    pub fn from_texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> Result<Self, PlanError> {
        let plans = texts.into_iter().map(parse_plan).collect::<Result<Vec<_>, _>>()?;
        Self::new(plans)
    }

    /// The built-in plan alone.
    pub fn default_book() -> Result<Self, PlanError> {
        Self::from_texts([DEFAULT_PLAN_TOML])
    }

    pub fn plans(&self) -> &[Plan] {
        &self.plans
    }

    /// The plan that governs `person` for the period `[start, end)`.
    pub fn plan_for(&self, person: &Person, start: NaiveDate, end: NaiveDate) -> Result<&Plan, CompError> {
        let specificity = |plan: &Plan| -> u8 {
            let rules = &plan.eligibility;
            if rules.people.iter().any(|p| p == person.id.as_str()) {
                3
            } else if person.team.as_ref().is_some_and(|t| rules.teams.contains(t)) {
                2
            } else if rules.roles.contains(&person.role) {
                1
            } else {
                0
            }
        };
        let on_first_day: Vec<&Plan> =
            self.plans.iter().filter(|p| specificity(p) > 0 && p.in_effect_on(start)).collect();
        let candidates = if on_first_day.is_empty() {
            let starting_inside = self
                .plans
                .iter()
                .filter(|p| specificity(p) > 0 && p.effective_from > start && p.effective_from < end)
                .map(|p| p.effective_from)
                .min();
            match starting_inside {
                Some(first) => self.plans.iter().filter(|p| specificity(p) > 0 && p.effective_from == first).collect(),
                None => Vec::new(),
            }
        } else {
            on_first_day
        };
        let best = candidates.iter().map(|p| specificity(p)).max().unwrap_or(0);
        let mut winners: Vec<&Plan> = candidates.into_iter().filter(|p| specificity(p) == best).collect();
        winners.sort_by(|a, b| (a.id.as_str(), b.version).cmp(&(b.id.as_str(), a.version)));
        winners.dedup_by(|later, earlier| later.id == earlier.id);
        match winners.as_slice() {
            [] => Err(CompError::NoPlan { person: person.id.to_string(), from: start }),
            [plan] => Ok(plan),
            several => Err(CompError::AmbiguousPlan {
                person: person.id.to_string(),
                plans: several.iter().map(|p| format!("{} v{}", p.id, p.version)).collect::<Vec<_>>().join(", "),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::domain::{PersonId, Role, SourceName};

    fn person(id: &str, team: Option<&str>) -> Person {
        Person {
            id: PersonId::parse(id).unwrap(),
            source: SourceName::parse("test").unwrap(),
            external_id: id.into(),
            name: id.into(),
            emails: vec![],
            role: Role::Rep,
            manager_id: None,
            timezone: "UTC".into(),
            team: team.map(str::to_owned),
            region: None,
        }
    }

    fn plan(id: &str, version: u32, from: &str, to: Option<&str>, eligibility: &str) -> Plan {
        let to = to.map(|t| format!("effective_to = \"{t}\"\n")).unwrap_or_default();
        let text = format!(
            "id = \"{id}\"\nversion = {version}\nname = \"{id}\"\ncurrency = \"USD\"\neffective_from = \"{from}\"\n{to}\
             [eligibility]\n{eligibility}\n[pay]\nbase_salary = 100000\ntarget_incentive = 40000\n\
             [[measures]]\nkey = \"bookings\"\nkind = \"bookings\"\nweight_pct = 100\ntarget = {{ quota_pct = 100 }}\n\
             tiers = [{{ from_pct = 0, rate = 1 }}]\n"
        );
        parse_plan(&text).unwrap()
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn default_plan_parses() {
        let book = PlanBook::default_book().unwrap();
        assert_eq!(book.plans().len(), 1);
        let plan = &book.plans()[0];
        assert_eq!(plan.measures.iter().map(|m| m.weight_bp).sum::<i64>(), 10_000);
        assert!(!plan.gates.is_empty() && plan.clawback.is_some());
    }

    #[test]
    fn highest_version_in_effect_on_the_first_day_governs() {
        let book = PlanBook::new(vec![
            plan("sales", 1, "2026-01-01", None, "roles = [\"rep\"]"),
            plan("sales", 2, "2026-07-01", None, "roles = [\"rep\"]"),
        ])
        .unwrap();
        let rep = person("r1", None);
        let q1 = book.plan_for(&rep, date("2026-01-01"), date("2026-04-01")).unwrap();
        assert_eq!(q1.version, 1);
        let q3 = book.plan_for(&rep, date("2026-07-01"), date("2026-10-01")).unwrap();
        assert_eq!(q3.version, 2);
        // Version 2 starts inside Q2 but version 1 was in effect on Q2's first day.
        let q2 = book.plan_for(&rep, date("2026-04-01"), date("2026-07-01")).unwrap();
        assert_eq!(q2.version, 1);
        assert!(matches!(book.plan_for(&rep, date("2025-10-01"), date("2025-12-01")), Err(CompError::NoPlan { .. })));
    }

    #[test]
    fn person_beats_team_beats_role_and_ties_are_refused() {
        let book = PlanBook::new(vec![
            plan("general", 1, "2026-01-01", None, "roles = [\"rep\"]"),
            plan("wealth", 1, "2026-01-01", None, "teams = [\"Wealth\"]"),
            plan("star", 1, "2026-01-01", Some("2026-12-31"), "people = [\"r9\"]"),
            plan("other", 1, "2026-01-01", None, "teams = [\"Wealth\"]"),
        ])
        .unwrap();
        let (start, end) = (date("2026-01-01"), date("2026-04-01"));
        assert_eq!(book.plan_for(&person("r1", None), start, end).unwrap().id, "general");
        assert_eq!(book.plan_for(&person("r9", Some("Wealth")), start, end).unwrap().id, "star");
        assert!(matches!(
            book.plan_for(&person("r2", Some("Wealth")), start, end),
            Err(CompError::AmbiguousPlan { .. })
        ));
        assert!(PlanBook::new(vec![plan("a", 1, "2026-01-01", None, "roles = [\"rep\"]"); 2]).is_err());
    }

    #[test]
    fn plan_that_starts_mid_period_governs_only_when_nothing_else_does() {
        let book = PlanBook::new(vec![plan("late", 1, "2026-02-15", None, "roles = [\"rep\"]")]).unwrap();
        let found = book.plan_for(&person("r1", None), date("2026-01-01"), date("2026-04-01")).unwrap();
        assert_eq!(found.id, "late");
    }
}
