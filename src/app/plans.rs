//! Improvement plans as use cases: a cause analysis first, then a plan with measures, targets
//! and dates from the rep's scorecard; weekly check-ins against the live scorecard; the plans a
//! rep has with their check-ins; and grounded drafts of a quarterly review and coaching notes.

use super::insight::{card_and_team, find_person, report_at};
use super::AppError;
use crate::config::Config;
use crate::engine::pay::won_deals;
use crate::engine::performance::history::{first_seen, months_between, quarters_before, results_by_period};
use crate::engine::performance::pip::Cause;
use crate::engine::performance::review::{PriorNote, ReviewDraft};
use crate::engine::performance::{
    achievements, analyse_causes, check_in, draft_coaching_notes, draft_quarterly_review, ground_claims, propose,
};
use crate::engine::performance::{CheckIn, ImprovementPlan, PipSettings, ReviewInput};
use crate::store::{instant, Store, StoredImprovementPlan};
use chrono::{NaiveDate, Utc};

/// The plan settings from configuration, `weeks` overriding how long a plan runs.
pub(crate) fn settings(config: &Config, weeks: Option<u32>) -> PipSettings {
    PipSettings {
        weeks: weeks.unwrap_or(config.comp.plan_weeks),
        ramp_months: config.comp.ramp_months,
        target_coverage: config.risk.scorecard.target_coverage,
    }
}

/// What creating a plan found and did.
pub(crate) struct Created {
    pub causes: Vec<Cause>,
    /// `None` when every measure is already at its target.
    pub plan: Option<ImprovementPlan>,
    /// False when the same plan was already stored (it is left as it was).
    pub new: bool,
}

/// Analyses `rep`'s causes at `as_of` and, when a measure is off target, stores a plan
/// created `by` someone.
pub(crate) async fn create(
    store: &Store,
    config: &Config,
    rep: &str,
    as_of: NaiveDate,
    weeks: Option<u32>,
    by: &str,
) -> Result<Created, AppError> {
    let data = store.load_dataset().await?;
    let person = find_person(&data, rep)?.id.to_string();
    let report = report_at(store, config, as_of).await?;
    let (card, team) = card_and_team(&report, &person)?;
    let tenure = first_seen(&data, &person).map(|s| months_between(s, as_of)).unwrap_or(0);
    let settings = settings(config, weeks);
    let causes = analyse_causes(card, &team, tenure, &settings);
    let plan = propose(card, &team, &causes, as_of, &settings);
    if plan.measures.is_empty() {
        return Ok(Created { causes, plan: None, new: false });
    }
    let record = StoredImprovementPlan {
        id: plan.id.clone(),
        person_id: plan.person_id.clone(),
        created_on: plan.created_on.to_string(),
        ends_on: plan.ends_on.to_string(),
        status: "active".to_owned(),
        plan: serde_json::to_string(&plan).map_err(AppError::json("the plan"))?,
        created_by: by.to_owned(),
        created_at: instant(&Utc::now()),
    };
    let new = store.save_improvement_plan(&record).await?;
    Ok(Created { causes, plan: Some(plan), new })
}

fn parse_plan(record: &StoredImprovementPlan) -> Result<ImprovementPlan, AppError> {
    serde_json::from_str(&record.plan).map_err(AppError::json(format!("stored plan {}", record.id)))
}

/// A stored plan, its status and its check-ins, oldest first.
pub(crate) struct PlanWithCheckIns {
    pub status: String,
    pub plan: ImprovementPlan,
    pub check_ins: Vec<CheckIn>,
}

async fn with_check_ins(store: &Store, record: &StoredImprovementPlan) -> Result<PlanWithCheckIns, AppError> {
    let mut check_ins = Vec::new();
    for (_, json) in store.list_checkins(&record.id).await? {
        check_ins.push(serde_json::from_str(&json).map_err(AppError::json(format!("a check-in of {}", record.id)))?);
    }
    Ok(PlanWithCheckIns { status: record.status.clone(), plan: parse_plan(record)?, check_ins })
}

/// Plan `id`, with its check-ins.
pub(crate) async fn plan(store: &Store, id: &str) -> Result<PlanWithCheckIns, AppError> {
    let record = store.load_improvement_plan(id).await?;
    let record = record.ok_or_else(|| AppError::NotFound(format!("no improvement plan {id:?}")))?;
    with_check_ins(store, &record).await
}

/// Every plan `rep` has, newest first, with their check-ins.
pub(crate) async fn plans_of(store: &Store, rep: &str) -> Result<Vec<PlanWithCheckIns>, AppError> {
    let data = store.load_dataset().await?;
    let person = find_person(&data, rep)?.id.to_string();
    let mut plans = Vec::new();
    for record in store.list_improvement_plans(&person).await? {
        plans.push(with_check_ins(store, &record).await?);
    }
    Ok(plans)
}

/// Checks plan `id` against the live scorecard at `as_of`, stores the check-in, and ends the
/// plan once its end date is reached.
pub(crate) async fn check(store: &Store, config: &Config, id: &str, as_of: NaiveDate) -> Result<CheckIn, AppError> {
    let record = store.load_improvement_plan(id).await?;
    let record = record.ok_or_else(|| AppError::NotFound(format!("no improvement plan {id:?}")))?;
    let plan = parse_plan(&record)?;
    let report = report_at(store, config, as_of).await?;
    let (card, _) = card_and_team(&report, &plan.person_id)?;
    let check = check_in(&plan, card, as_of);
    let json = serde_json::to_string(&check).map_err(AppError::json("the check-in"))?;
    store.save_checkin(&plan.id, &as_of.to_string(), &json, &instant(&Utc::now())).await?;
    if as_of >= plan.ends_on {
        store.set_improvement_plan_status(&plan.id, "ended").await?;
    }
    Ok(check)
}

/// A quarterly review and coaching notes for a rep, and every claim that is not backed by its
/// figures (empty when all are).
pub(crate) struct ReviewDrafts {
    pub drafts: [ReviewDraft; 2],
    pub grounding_issues: Vec<String>,
}

/// Drafts `rep`'s quarterly review and coaching notes at `as_of` from their scorecard, last four
/// quarters, achievements, causes, latest plan and earlier coaching.
pub(crate) async fn review(
    store: &Store,
    config: &Config,
    rep: &str,
    as_of: NaiveDate,
) -> Result<ReviewDrafts, AppError> {
    let data = store.load_dataset().await?;
    let person = find_person(&data, rep)?.id.to_string();
    let notes: Vec<PriorNote> = store
        .coaching_history(&person)
        .await?
        .into_iter()
        .filter_map(|(id, day, kind, _)| Some(PriorNote { id, date: day.get(..10)?.parse().ok()?, summary: kind }))
        .collect();
    let latest = match store.list_improvement_plans(&person).await?.first() {
        Some(record) => Some(with_check_ins(store, record).await?),
        None => None,
    };
    let report = report_at(store, config, as_of).await?;
    let (card, team) = card_and_team(&report, &person)?;
    let (calendar, currency) = (config.fiscal_calendar(), config.currency());
    let won = won_deals(&data, as_of);
    let current = calendar.quarter_of(as_of);
    let history_periods = quarters_before(current, 4);
    let results = results_by_period(&data, &won, calendar, currency, &history_periods);
    let history: Vec<_> =
        history_periods.iter().filter_map(|p| results.get(&person).and_then(|r| r.get(p)).cloned()).collect();
    let mut with_current = history_periods.clone();
    with_current.push(current);
    let feats = achievements(&data, &won, calendar, currency, &person, &with_current);
    let settings = settings(config, None);
    let tenure = first_seen(&data, &person).map(|s| months_between(s, as_of)).unwrap_or(0);
    let causes = analyse_causes(card, &team, tenure, &settings);
    let input = ReviewInput {
        card,
        team: &team,
        history: &history,
        achievements: Some(&feats),
        causes: &causes,
        plan: latest.as_ref().map(|p| (&p.plan, p.check_ins.last())),
        notes: &notes,
        currency,
        as_of,
    };
    let drafts = [draft_quarterly_review(&input), draft_coaching_notes(card, &team, &causes, as_of)];
    let grounding_issues = drafts.iter().flat_map(ground_claims).collect();
    Ok(ReviewDrafts { drafts, grounding_issues })
}
