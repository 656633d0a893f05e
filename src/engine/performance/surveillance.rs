//! Conduct-risk surveillance per rep and team: spikes in individual sales, closes bunched at
//! quarter end, a product mix shifting toward products that pay more, cancellations and
//! complaints after the sale, and the pay-plan features regulators flag.
//!
//! The report is for the compliance role only. It can be built only with a
//! [`ComplianceViewer`], which [`authorise`] grants to listed compliance members; nothing that
//! drafts a rep's nudge holds one, so these findings never reach a rep as a reason to sell.

use super::history::credit_of;
use super::indicators::{self, bunched, high_paying_share, Sale, Window};
use super::plan_review::{review_plan, PlanFeature};
use crate::domain::{Currency, Dataset, FiscalCalendar, Role};
use crate::engine::pay::arith::{bp_pct, ratio_bp_floor};
use crate::engine::pay::plan::MeasureKind;
use crate::engine::pay::{ComplianceEvent, PlanBook, WonDeal};
use chrono::{Duration, NaiveDate};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Severity {
    Medium,
    High,
}

/// Proof that the reader is a member of the compliance role. Only [`authorise`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ComplianceViewer {
    id: String,
}

impl ComplianceViewer {
    pub(crate) fn id(&self) -> &str {
        &self.id
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AccessError {
    #[error("conduct surveillance is for the {role} role; {who} is not a member")]
    NotCompliance { who: String, role: String },
    #[error("the {0} role has no members; list them before running conduct surveillance")]
    NoMembers(String),
}

/// Grants a viewer when `who` (an email or person id) is one of `members` of `role`; a
/// person's other addresses count when the organisation knows them.
pub(crate) fn authorise(
    data: &Dataset,
    who: &str,
    role: &str,
    members: &[String],
) -> Result<ComplianceViewer, AccessError> {
    if members.is_empty() {
        return Err(AccessError::NoMembers(role.to_owned()));
    }
    let wanted = who.trim().to_lowercase();
    let person =
        data.people.iter().find(|p| p.id.as_str() == who.trim() || p.emails.iter().any(|e| e.to_lowercase() == wanted));
    let mut identities: BTreeSet<String> = BTreeSet::from([wanted]);
    if let Some(person) = person {
        identities.insert(person.id.as_str().to_lowercase());
        identities.extend(person.emails.iter().map(|e| e.to_lowercase()));
    }
    if members.iter().any(|m| identities.contains(&m.trim().to_lowercase())) {
        Ok(ComplianceViewer { id: person.map(|p| p.id.to_string()).unwrap_or_else(|| who.trim().to_owned()) })
    } else {
        Err(AccessError::NotCompliance { who: who.to_owned(), role: role.to_owned() })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SurveillanceSettings {
    pub lookback_days: u32,
    /// The recent window whose product mix is compared with the one before it.
    pub recent_days: u32,
    /// A quarter at least this multiple of the rep's median quarter is a spike (basis points).
    pub quarter_spike_bp: i64,
    /// A sale at least this multiple of the rep's median sale is a spike (basis points).
    pub deal_spike_bp: i64,
    pub bunching_days: u32,
    pub bunching_warn_bp: i64,
    pub mix_shift_warn_bp: i64,
    pub cancellation_warn_bp: i64,
    /// Fewest won deals that can show a pattern rather than chance.
    pub min_deals: usize,
    /// Products known to pay more; the plans add the ones they pay more for.
    pub high_paying_products: Vec<String>,
}

impl Default for SurveillanceSettings {
    fn default() -> Self {
        Self {
            lookback_days: 365,
            recent_days: 180,
            quarter_spike_bp: 20_000,
            deal_spike_bp: 50_000,
            bunching_days: 7,
            bunching_warn_bp: 5_000,
            mix_shift_warn_bp: 2_000,
            cancellation_warn_bp: 1_000,
            min_deals: 4,
            high_paying_products: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Indicator {
    pub key: &'static str,
    pub severity: Severity,
    pub text: String,
    pub deal_ids: Vec<String>,
    pub event_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct RepSurveillance {
    pub person_id: String,
    pub name: String,
    pub manager_id: Option<String>,
    pub won_deals: usize,
    pub won_minor: i64,
    pub indicators: Vec<Indicator>,
    pub highest: Option<Severity>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct TeamSurveillance {
    pub manager_id: String,
    pub name: String,
    pub reps: usize,
    pub reps_flagged: usize,
    pub bunched_bp: i64,
    pub cancelled_bp: i64,
    pub high_paying_bp: Option<i64>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ComplianceReport {
    pub audience: &'static str,
    pub prepared_for: String,
    pub as_of: NaiveDate,
    pub from: NaiveDate,
    pub currency: Currency,
    pub high_paying_products: Vec<String>,
    pub reps: Vec<RepSurveillance>,
    pub teams: Vec<TeamSurveillance>,
    pub plan_features: Vec<PlanFeature>,
    pub method: Vec<String>,
}

/// Products the plans pay more for: named in a product-specific measure, or credited a margin
/// above the default by a margin measure.
pub(crate) fn plan_high_paying_products(book: &PlanBook) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for plan in book.plans() {
        for measure in &plan.measures {
            out.extend(measure.products.iter().cloned());
            if measure.kind == MeasureKind::Margin {
                out.extend(
                    plan.margins
                        .products
                        .iter()
                        .filter(|(_, bp)| **bp > plan.margins.default_bp)
                        .map(|(p, _)| p.clone()),
                );
            }
        }
    }
    out
}

/// The compliance report at `as_of`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn surveil(
    viewer: &ComplianceViewer,
    data: &Dataset,
    won: &[WonDeal],
    events: &[ComplianceEvent],
    book: &PlanBook,
    calendar: FiscalCalendar,
    currency: Currency,
    as_of: NaiveDate,
    settings: &SurveillanceSettings,
) -> ComplianceReport {
    let from = as_of - Duration::days(i64::from(settings.lookback_days));
    let recent_from = as_of - Duration::days(i64::from(settings.recent_days));
    let earlier_from = recent_from - Duration::days(i64::from(settings.recent_days));
    let mut products: BTreeSet<String> = settings.high_paying_products.iter().cloned().collect();
    products.extend(plan_high_paying_products(book));
    let in_window = |d: &&WonDeal| d.won_on > from && d.won_on <= as_of && d.amount.currency == currency;
    let org_sales: Vec<Sale<'_>> =
        won.iter().filter(in_window).map(|d| Sale { deal: d, credit: d.amount.minor }).collect();
    let org_total: i64 = org_sales.iter().map(|s| s.credit).sum();
    let org_bunched = ratio_bp_floor(
        org_sales.iter().filter(|s| bunched(calendar, s.deal.won_on, settings.bunching_days)).map(|s| s.credit).sum(),
        org_total,
    );
    let org_recent: Vec<&Sale<'_>> = org_sales.iter().filter(|s| s.deal.won_on > recent_from).collect();
    let org_mix = high_paying_share(&org_recent, &products);

    let window = Window { calendar, currency, from, as_of, recent_from, earlier_from };
    let mut reps = Vec::new();
    for person in data.people.iter().filter(|p| p.role == Role::Rep) {
        let id = person.id.as_str();
        // A rep's usual reaches back a second window so one big year does not hide itself.
        let baseline_from = from - Duration::days(i64::from(settings.lookback_days));
        let all: Vec<Sale<'_>> = won
            .iter()
            .filter(|d| {
                d.share_of(id).is_some()
                    && d.amount.currency == currency
                    && d.won_on > baseline_from
                    && d.won_on <= as_of
            })
            .map(|d| Sale { deal: d, credit: credit_of(d, id) })
            .collect();
        let mine: Vec<&Sale<'_>> = all.iter().filter(|s| s.deal.won_on > from).collect();
        let total: i64 = mine.iter().map(|s| s.credit).sum();
        let indicators: Vec<Indicator> = [
            indicators::sales_spike(&all, &window, settings),
            indicators::period_end_bunching(&mine, org_bunched, &window, settings),
            indicators::product_mix(&all, org_mix, &products, &window, settings),
            indicators::cancellations(&mine, settings),
            indicators::complaints(events, id, &window),
        ]
        .into_iter()
        .flatten()
        .collect();
        reps.push(RepSurveillance {
            person_id: id.to_owned(),
            name: person.name.clone(),
            manager_id: person.manager_id.as_ref().map(|m| m.to_string()),
            won_deals: mine.len(),
            won_minor: total,
            highest: indicators.iter().map(|i| i.severity).max(),
            indicators,
        });
    }
    reps.sort_by(|a, b| {
        b.highest.cmp(&a.highest).then(b.indicators.len().cmp(&a.indicators.len())).then(a.person_id.cmp(&b.person_id))
    });
    let teams = teams(data, &reps, won, calendar, currency, from, as_of, settings, &products);
    let mut plan_features = Vec::new();
    for plan in book.plans().iter().filter(|p| p.effective_to.is_none_or(|to| to >= from)) {
        plan_features.extend(review_plan(plan));
    }
    ComplianceReport {
        audience: "compliance",
        prepared_for: viewer.id().to_owned(),
        as_of,
        from,
        currency,
        high_paying_products: products.into_iter().collect(),
        reps,
        teams,
        plan_features,
        method: vec![
            format!("Window: sales won after {from} up to {as_of}, at each rep's credit share, in {currency}."),
            format!(
                "Spike: a quarter at or above {} of the median of the rep's other quarters (at least 3), or a sale at or above {} \
                 of the rep's median sale (at least {} sales), over the window and the one before it.",
                crate::engine::pay::arith::bp_times(settings.quarter_spike_bp),
                crate::engine::pay::arith::bp_times(settings.deal_spike_bp),
                settings.min_deals
            ),
            format!(
                "Bunching: share of won amount in the last {} days of a quarter, flagged at {} when above the organisation's.",
                settings.bunching_days,
                bp_pct(settings.bunching_warn_bp)
            ),
            format!(
                "Product mix: share of the last {} days' sales (by number) in higher-paying products against the {} days before and the organisation, flagged at a {} point rise.",
                settings.recent_days,
                settings.recent_days,
                settings.mix_shift_warn_bp / 100
            ),
            format!("Cancellations: sales later moved out of won, flagged at {} of sales.", bp_pct(settings.cancellation_warn_bp)),
            "Complaints and breaches: as recorded by compliance.".to_owned(),
        ],
    }
}

#[allow(clippy::too_many_arguments)]
fn teams(
    data: &Dataset,
    reps: &[RepSurveillance],
    won: &[WonDeal],
    calendar: FiscalCalendar,
    currency: Currency,
    from: NaiveDate,
    as_of: NaiveDate,
    settings: &SurveillanceSettings,
    products: &BTreeSet<String>,
) -> Vec<TeamSurveillance> {
    let mut by_manager: BTreeMap<&str, Vec<&RepSurveillance>> = BTreeMap::new();
    for rep in reps {
        if let Some(manager) = &rep.manager_id {
            by_manager.entry(manager.as_str()).or_default().push(rep);
        }
    }
    by_manager
        .into_iter()
        .map(|(manager, members)| {
            let ids: BTreeSet<&str> = members.iter().map(|r| r.person_id.as_str()).collect();
            let sales: Vec<Sale<'_>> = won
                .iter()
                .filter(|d| d.won_on > from && d.won_on <= as_of && d.amount.currency == currency)
                .filter(|d| d.splits.iter().any(|s| ids.contains(s.person_id.as_str())))
                .map(|d| Sale { deal: d, credit: d.amount.minor })
                .collect();
            let total: i64 = sales.iter().map(|s| s.credit).sum();
            let bunched_bp = ratio_bp_floor(sales.iter().filter(|s| bunched(calendar, s.deal.won_on, settings.bunching_days)).map(|s| s.credit).sum(), total);
            let cancelled_bp = ratio_bp_floor(sales.iter().filter(|s| s.deal.cancelled_on.is_some()).count() as i64, sales.len() as i64);
            let refs: Vec<&Sale<'_>> = sales.iter().collect();
            let high_paying_bp = if products.is_empty() { None } else { high_paying_share(&refs, products) };
            let flagged = members.iter().filter(|r| r.highest.is_some()).count();
            let name = data.people.iter().find(|p| p.id.as_str() == manager).map(|p| p.name.clone()).unwrap_or_else(|| manager.to_owned());
            let text = format!(
                "{name}'s team: {flagged} of {} reps flagged; {} of won amount bunched at quarter end; {} of sales cancelled afterwards{}.",
                members.len(),
                bp_pct(bunched_bp),
                bp_pct(cancelled_bp),
                high_paying_bp.map(|h| format!("; {} in higher-paying products", bp_pct(h))).unwrap_or_default()
            );
            TeamSurveillance { manager_id: manager.to_owned(), name, reps: members.len(), reps_flagged: flagged, bunched_bp, cancelled_bp, high_paying_bp, text }
        })
        .collect()
}

#[cfg(test)]
#[path = "surveillance_tests.rs"]
mod tests;
