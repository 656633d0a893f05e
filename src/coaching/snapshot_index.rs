//! What recipient snapshots are cut from, computed once per dataset and report: the open deals
//! by owner, the last few activities of each open deal, and (on first use) the organisation's
//! won deals for a manager's wins of the week. Cutting one recipient's snapshot from it costs
//! what their scope holds, not a pass over every activity of the organisation, so a weekly run
//! builds it once and shares it across all its drafts.

use super::snapshot::{ActivityBrief, NextStepBrief, ACTIVITIES_PER_DEAL};
use crate::domain::{Activity, Dataset};
use crate::engine::pay::WonDeal;
use crate::engine::risk::input::ActivityRow;
use crate::engine::risk::{DealRisk, Index, RiskReport};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::OnceLock;

/// Built from one dataset and the engine's report on it; every method must be given those same
/// two, which is why [`crate::jobs::OrgSnapshot`] and the agent's weekly run keep them together.
#[derive(Debug, Default)]
pub struct SnapshotIndex {
    /// Positions in `report.deals` of each owner's open deals, in report order.
    deals_by_owner: HashMap<String, Vec<usize>>,
    /// The most recent activities (at or before the report's `as_of`) of each indexed deal.
    recent: HashMap<String, Vec<ActivityBrief>>,
    /// Won deals up to the report's day, computed by the first manager's snapshot.
    won: OnceLock<Vec<WonDeal>>,
    /// The CRM next step of each indexed deal that has one: free text from outside the engine.
    next_steps: HashMap<String, String>,
}

impl SnapshotIndex {
    /// Indexes every open deal of `report`: one pass over the activities.
    pub fn new(dataset: &Dataset, report: &RiskReport) -> SnapshotIndex {
        SnapshotIndex::over(dataset, report, report.deals.iter())
    }

    /// Indexes only `deals` (a single recipient's scope), with the same pass.
    pub(super) fn over<'r>(
        dataset: &Dataset,
        report: &'r RiskReport,
        deals: impl Iterator<Item = &'r DealRisk>,
    ) -> SnapshotIndex {
        let wanted: HashSet<&str> = deals.map(|d| d.deal_id.as_str()).collect();
        let mut index = SnapshotIndex {
            deals_by_owner: deals_by_owner(report, &wanted),
            recent: recent_activities(dataset, &wanted, report.as_of),
            won: OnceLock::new(),
            next_steps: HashMap::new(),
        };
        index.fill_next_steps(&dataset.deals);
        index
    }

    /// Keeps the CRM next step of every indexed deal among `deals` that has one.
    pub(crate) fn fill_next_steps(&mut self, deals: &[crate::domain::Deal]) {
        // Closed deals are never in a snapshot; their next steps are not kept.
        for deal in deals.iter().filter(|d| d.closed_at.is_none()) {
            if let Some(text) = deal.next_step.as_deref().filter(|t| !t.trim().is_empty()) {
                self.next_steps.insert(deal.id.to_string(), text.to_owned());
            }
        }
    }

    /// The CRM next steps of `deals` that have one, by deal id in ascending order.
    pub(super) fn next_steps(&self, deals: &[DealRisk]) -> Vec<NextStepBrief> {
        let ids: BTreeSet<&str> = deals.iter().map(|d| d.deal_id.as_str()).collect();
        ids.into_iter()
            .filter_map(|id| {
                self.next_steps.get(id).map(|text| NextStepBrief { deal_id: id.to_owned(), text: text.clone() })
            })
            .collect()
    }

    /// Indexes every open deal of `report` from the engine's own index (built from the same
    /// data), which knows each deal's activities but not their text: the subjects and snippets
    /// are empty until [`SnapshotIndex::fill_texts`] brings them from the store.
    pub fn from_engine_index(index: &Index<'_>, report: &RiskReport) -> SnapshotIndex {
        let wanted: HashSet<&str> = report.deals.iter().map(|d| d.deal_id.as_str()).collect();
        let mut recent = HashMap::with_capacity(report.deals.len());
        for deal in &report.deals {
            let Some(position) = index.deal_position(&deal.deal_id) else { continue };
            let mut seen: Vec<(ActivityRow, &str)> = index
                .activities_of(position)
                .iter()
                .filter_map(|&a| Some((index.activity(a)?, index.activity_id(a)?)))
                .filter(|(row, _)| row.occurred_at <= report.as_of)
                .collect();
            // Newest first, ties by id: the order `recent_activities` gives.
            seen.sort_by(|a, b| b.0.occurred_at.cmp(&a.0.occurred_at).then_with(|| a.1.cmp(b.1)));
            seen.dedup_by(|a, b| a.1 == b.1);
            let briefs: Vec<ActivityBrief> = seen
                .into_iter()
                .take(ACTIVITIES_PER_DEAL)
                .map(|(row, id)| ActivityBrief {
                    activity_id: id.to_owned(),
                    deal_id: deal.deal_id.clone(),
                    occurred_on: row.occurred_at.date_naive(),
                    kind: row.kind.as_str().to_owned(),
                    direction: row.direction.as_str().to_owned(),
                    subject: None,
                    snippet: None,
                })
                .collect();
            if !briefs.is_empty() {
                recent.insert(deal.deal_id.clone(), briefs);
            }
        }
        SnapshotIndex {
            deals_by_owner: deals_by_owner(report, &wanted),
            recent,
            won: OnceLock::new(),
            next_steps: HashMap::new(),
        }
    }

    /// Every activity id the index keeps, sorted and without repeats.
    pub fn activity_ids(&self) -> Vec<String> {
        let ids: BTreeSet<&str> = self.recent.values().flatten().map(|a| a.activity_id.as_str()).collect();
        ids.into_iter().map(str::to_owned).collect()
    }

    /// Sets each kept activity's subject and snippet from `text_of` (`None`: the activity is
    /// gone from the store, and keeps no text).
    pub fn fill_texts(&mut self, text_of: impl Fn(&str) -> Option<(Option<String>, Option<String>)>) {
        for brief in self.recent.values_mut().flatten() {
            if let Some((subject, snippet)) = text_of(&brief.activity_id) {
                brief.subject = subject;
                brief.snippet = snippet;
            }
        }
    }

    /// The open deals of the people `allows` lets through, in report order (by deal id).
    pub(super) fn deals(&self, report: &RiskReport, allows: impl Fn(&str) -> bool) -> Vec<DealRisk> {
        let mut positions: Vec<usize> = self
            .deals_by_owner
            .iter()
            .filter(|(owner, _)| allows(owner))
            .flat_map(|(_, positions)| positions.iter().copied())
            .collect();
        positions.sort_unstable();
        positions.iter().filter_map(|&p| report.deals.get(p)).cloned().collect()
    }

    /// The last few activities of each of `deals`, grouped by deal id in ascending order.
    pub(super) fn activities(&self, deals: &[DealRisk]) -> Vec<ActivityBrief> {
        let ids: BTreeSet<&str> = deals.iter().map(|d| d.deal_id.as_str()).collect();
        ids.into_iter().filter_map(|id| self.recent.get(id)).flatten().cloned().collect()
    }

    /// Won deals up to the end of the report's day, computed once.
    pub(super) fn won(&self, dataset: &Dataset, report: &RiskReport) -> &[WonDeal] {
        self.won.get_or_init(|| crate::engine::pay::won_deals(dataset, report.as_of.date_naive()))
    }
}

/// Positions in `report.deals` of the `wanted` deals, by owner.
fn deals_by_owner(report: &RiskReport, wanted: &HashSet<&str>) -> HashMap<String, Vec<usize>> {
    let mut by_owner: HashMap<String, Vec<usize>> = HashMap::new();
    for (position, deal) in report.deals.iter().enumerate() {
        if wanted.contains(deal.deal_id.as_str()) {
            by_owner.entry(deal.owner_id.clone()).or_default().push(position);
        }
    }
    by_owner
}

/// The last [`ACTIVITIES_PER_DEAL`] activities on each of `wanted`, newest first, one pass over
/// the activity table.
fn recent_activities(
    dataset: &Dataset,
    wanted: &HashSet<&str>,
    as_of: chrono::DateTime<chrono::Utc>,
) -> HashMap<String, Vec<ActivityBrief>> {
    let mut per_deal: HashMap<&str, Vec<&Activity>> = HashMap::new();
    for activity in dataset.activities.iter().filter(|a| a.occurred_at <= as_of) {
        for link in &activity.deals {
            if let Some(deal) = wanted.get(link.deal_id.as_str()) {
                per_deal.entry(deal).or_default().push(activity);
            }
        }
    }
    let mut out = HashMap::with_capacity(per_deal.len());
    for (deal_id, mut activities) in per_deal {
        activities.sort_by(|a, b| b.occurred_at.cmp(&a.occurred_at).then_with(|| a.id.cmp(&b.id)));
        let briefs = activities
            .into_iter()
            .take(ACTIVITIES_PER_DEAL)
            .map(|activity| ActivityBrief {
                activity_id: activity.id.to_string(),
                deal_id: deal_id.to_owned(),
                occurred_on: activity.occurred_at.date_naive(),
                kind: activity.kind.as_str().to_owned(),
                direction: activity.direction.as_str().to_owned(),
                subject: activity.subject.clone(),
                snippet: activity.snippet.clone(),
            })
            .collect();
        out.insert(deal_id.to_owned(), briefs);
    }
    out
}
