//! A recipient's snapshot: the engine's output at one `as_of` cut down to the recipient's
//! scope, plus the few recent activities on their deals and, for a manager, the team's wins of
//! the week. Tools read only this, the validator checks drafts against it, and its hash keys
//! the draft cache.

use super::drafts::DraftKind;
use super::scope::Scope;
use super::snapshot_index::SnapshotIndex;
use crate::domain::{Dataset, Hierarchy, Person, Role};
use crate::engine::pay::WonDeal;
use crate::engine::performance::WinsThisWeek;
use crate::engine::risk::{DealRisk, ForecastRisk, RiskReport, Scorecard, TeamRollup};
use chrono::NaiveDate;
use serde::Serialize;
use std::sync::Arc;

/// Recent activities kept per deal for the deal-detail tool.
pub(crate) const ACTIVITIES_PER_DEAL: usize = 4;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonRef {
    pub person_id: String,
    pub name: String,
    pub role: Role,
}

/// One email, meeting or call on an in-scope deal. Subject and snippet are untrusted source
/// text: they reach a model only inside a tool result, marked as quoted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActivityBrief {
    pub activity_id: String,
    pub deal_id: String,
    pub occurred_on: NaiveDate,
    pub kind: String,
    pub direction: String,
    pub subject: Option<String>,
    pub snippet: Option<String>,
}

/// A deal's CRM next step: free text anyone with CRM access (or an integration) can write, so
/// untrusted like an email. Shown to a model only quoted, and only when configured to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NextStepBrief {
    pub deal_id: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    pub recipient: PersonRef,
    pub kind: DraftKind,
    pub as_of: NaiveDate,
    pub period: String,
    pub currency: String,
    pub ruleset_version: String,
    /// Open deals owned by people in scope, by deal id. The four lists are shared, not copied,
    /// between snapshots of one scope: every leader's holds the whole organisation's.
    pub deals: Arc<[DealRisk]>,
    /// Scorecards of the reps in scope.
    pub scorecards: Arc<[Scorecard]>,
    /// The manager's own roll-up.
    pub team: Option<TeamRollup>,
    /// The organisation's forecast, for leaders.
    pub forecast: Option<ForecastRisk>,
    pub people: Arc<[PersonRef]>,
    pub activities: Arc<[ActivityBrief]>,
    /// The CRM next steps of the open deals in scope that have one.
    pub next_steps: Arc<[NextStepBrief]>,
    /// A manager's team wins in the seven days ending `as_of` (deals won and not cancelled),
    /// for the brief's "wins this week" section; `None` for other roles.
    pub wins: Option<WinsThisWeek>,
    /// A rep's statement so far and what their urgent deals cost if they slip, when incentive
    /// plans are configured ([`super::pay::outlook`], attached after building); `None` otherwise.
    pub pay: Option<super::pay::PayOutlook>,
}

impl Snapshot {
    /// The snapshot for `person`, or `None` for a role that receives no draft. Indexes only the
    /// recipient's own deals; to cut many snapshots from one report, build a [`SnapshotIndex`]
    /// once and use [`Snapshot::cut`].
    pub fn build(dataset: &Dataset, report: &RiskReport, hierarchy: &Hierarchy, person: &Person) -> Option<Snapshot> {
        DraftKind::for_role(person.role)?;
        let scope = Scope::for_person(person, hierarchy);
        let in_scope = report.deals.iter().filter(|d| scope.allows_person(&d.owner_id));
        let index = SnapshotIndex::over(dataset, report, in_scope);
        Snapshot::cut(&index, dataset, report, hierarchy, person)
    }

    /// The snapshot for `person` from `index`, which was built from this `dataset` and `report`.
    pub fn cut(
        index: &SnapshotIndex,
        dataset: &Dataset,
        report: &RiskReport,
        hierarchy: &Hierarchy,
        person: &Person,
    ) -> Option<Snapshot> {
        let kind = DraftKind::for_role(person.role)?;
        let scope = Scope::for_person(person, hierarchy);
        let deals = index.deals(report, |owner| scope.allows_person(owner));
        let scorecards: Vec<Scorecard> =
            report.reps.iter().filter(|c| scope.allows_person(&c.person_id)).cloned().collect();
        let team = match person.role {
            Role::Manager => report.teams.iter().find(|t| t.manager_id == person.id.as_str()).cloned(),
            _ => None,
        };
        let forecast = (person.role == Role::Leader).then(|| report.forecast.clone());
        let people: Arc<[PersonRef]> = dataset
            .people
            .iter()
            .filter(|p| scope.allows_person(p.id.as_str()))
            .map(|p| PersonRef { person_id: p.id.to_string(), name: p.name.clone(), role: p.role })
            .collect();
        let activities = index.activities(&deals);
        let next_steps = index.next_steps(&deals);
        let wins = match person.role {
            Role::Manager => team_wins(dataset, report, index.won(dataset, report), person),
            _ => None,
        };
        Some(Snapshot {
            recipient: PersonRef { person_id: person.id.to_string(), name: person.name.clone(), role: person.role },
            kind,
            as_of: report.as_of.date_naive(),
            period: report.period.clone(),
            currency: report.currency.clone(),
            ruleset_version: report.ruleset_version.clone(),
            deals: deals.into(),
            scorecards: scorecards.into(),
            team,
            forecast,
            people,
            activities: activities.into(),
            next_steps: next_steps.into(),
            wins,
            pay: None,
        })
    }

    /// What the recipient's scope covers, in words.
    pub fn scope_text(&self) -> String {
        match self.recipient.role {
            Role::Leader => "the whole organisation".to_owned(),
            Role::Manager => format!("your team: {} people including you", self.people.len()),
            Role::Rep | Role::Admin => "your own deals only".to_owned(),
        }
    }

    pub fn deal(&self, deal_id: &str) -> Option<&DealRisk> {
        self.deals.iter().find(|d| d.deal_id == deal_id)
    }

    pub fn scorecard(&self, person_id: &str) -> Option<&Scorecard> {
        self.scorecards.iter().find(|c| c.person_id == person_id)
    }

    pub fn person_name(&self, person_id: &str) -> Option<&str> {
        self.people.iter().find(|p| p.person_id == person_id).map(|p| p.name.as_str())
    }

    pub fn next_step_of(&self, deal_id: &str) -> Option<&str> {
        self.next_steps.iter().find(|n| n.deal_id == deal_id).map(|n| n.text.as_str())
    }

    pub fn activities_of<'s>(&'s self, deal_id: &'s str) -> impl Iterator<Item = &'s ActivityBrief> + 's {
        self.activities.iter().filter(move |a| a.deal_id == deal_id)
    }

    /// Decimal places of the reporting currency.
    pub fn exponent(&self) -> u32 {
        crate::domain::exponent_of(&self.currency)
    }

    /// An amount in minor units as the drafts state it: whole units with separators.
    pub fn money(&self, minor: i64) -> String {
        crate::domain::money_text(minor, &self.currency, crate::domain::MoneyStyle::Whole)
    }

    /// Whole currency units, as the forecast memo's typed fields carry them: the number `money` prints.
    pub fn whole_units(&self, minor: i64) -> i64 {
        crate::domain::whole_units(minor, &self.currency)
    }

    /// Open deals ranked by how much they need action: highest severity, then amount at stake.
    pub fn deals_by_urgency(&self) -> Vec<&DealRisk> {
        let mut ranked: Vec<&DealRisk> = self.deals.iter().filter(|d| d.highest_severity.is_some()).collect();
        let at_stake = |d: &DealRisk| (d.amount_minor as f64 * (1.0 - d.win_probability)).round() as i64;
        ranked.sort_by(|a, b| {
            b.highest_severity
                .cmp(&a.highest_severity)
                .then_with(|| at_stake(b).cmp(&at_stake(a)))
                .then_with(|| a.deal_id.cmp(&b.deal_id))
        });
        ranked
    }
}

/// The week's wins of `manager`'s team in the reporting currency, from the deals `won` by the
/// end of the report's day; `None` when the report's currency is not a currency code.
fn team_wins(dataset: &Dataset, report: &RiskReport, won: &[WonDeal], manager: &Person) -> Option<WinsThisWeek> {
    let currency = crate::domain::Currency::parse(&report.currency).ok()?;
    let as_of = report.as_of.date_naive();
    Some(crate::engine::performance::wins_this_week(
        dataset,
        won,
        report.calendar,
        currency,
        manager.id.as_str(),
        as_of,
    ))
}

#[cfg(test)]
impl Snapshot {
    /// A snapshot for `name` in `role` that holds nothing yet, as of 2026-11-16 in FY2026-Q4.
    pub(crate) fn empty(kind: DraftKind, role: Role, name: &str) -> Snapshot {
        Snapshot {
            recipient: PersonRef { person_id: "sim:rep-00001".into(), name: name.into(), role },
            kind,
            as_of: NaiveDate::from_ymd_opt(2026, 11, 16).unwrap_or_default(),
            period: "FY2026-Q4".into(),
            currency: "USD".into(),
            ruleset_version: "risk-test".into(),
            deals: Arc::new([]),
            scorecards: Arc::new([]),
            team: None,
            forecast: None,
            people: Arc::new([]),
            activities: Arc::new([]),
            next_steps: Arc::new([]),
            wins: None,
            pay: None,
        }
    }
}
