//! Structure and length: the sections a draft kind must have, the bounds on its lists, no
//! empty or oversized field, and the rendered length limit from the compliance policy.

use super::facts::Facts;
use super::{Finding, FindingCategory};
use crate::coaching::drafts::{Draft, DraftKind};
use crate::config::CompliancePolicy;
use std::collections::BTreeSet;

/// Longest single field, in characters.
pub(super) const MAX_FIELD_CHARS: usize = 700;
pub(super) const MAX_LIST: usize = 5;

fn structure(findings: &mut Vec<Finding>, code: &str, field: &str, detail: String) {
    findings.push(Finding::new(FindingCategory::Structure, code, field, detail));
}

fn list_bounds(findings: &mut Vec<Finding>, field: &str, len: usize, min: usize, max: usize) {
    if len < min || len > max {
        structure(findings, "list_size", field, format!("{len} entries; {min} to {max} expected"));
    }
}

fn no_duplicates<'a>(findings: &mut Vec<Finding>, field: &str, ids: impl Iterator<Item = &'a str>) {
    let mut seen = BTreeSet::new();
    for id in ids {
        if !seen.insert(id.trim()) {
            structure(findings, "duplicate", field, format!("{id} appears twice"));
        }
    }
}

pub(super) fn check(
    draft: &Draft,
    rendered: &str,
    facts: &Facts,
    policy: &CompliancePolicy,
    findings: &mut Vec<Finding>,
) {
    for (field, text) in draft.texts() {
        if text.trim().is_empty() {
            structure(findings, "empty_section", &field, "is empty".to_owned());
        }
        let chars = text.chars().count();
        if chars > MAX_FIELD_CHARS {
            findings.push(Finding::new(
                FindingCategory::Length,
                "field_too_long",
                &field,
                format!("{chars} characters; at most {MAX_FIELD_CHARS}"),
            ));
        }
    }
    match draft {
        Draft::RepNudge(nudge) => {
            let min = usize::from(facts.flagged_deals > 0);
            list_bounds(findings, "deals", nudge.deals.len(), min, MAX_LIST);
            no_duplicates(findings, "deals", nudge.deals.iter().map(|d| d.deal_id.as_str()));
            for (i, deal) in nudge.deals.iter().enumerate() {
                if deal.evidence.is_empty() && facts.deals.get(deal.deal_id.trim()).is_some_and(|d| d.has_flags) {
                    structure(
                        findings,
                        "missing_evidence",
                        &format!("deals[{i}].evidence"),
                        "cites no evidence".to_owned(),
                    );
                }
            }
        }
        Draft::InterventionBrief(brief) => {
            let min = usize::from(!facts.ranks.is_empty());
            list_bounds(findings, "reps", brief.reps.len(), min, MAX_LIST);
            no_duplicates(findings, "reps", brief.reps.iter().map(|r| r.person_id.as_str()));
            for (i, rep) in brief.reps.iter().enumerate() {
                list_bounds(
                    findings,
                    &format!("reps[{i}].one_on_one_agenda"),
                    rep.one_on_one_agenda.len(),
                    1,
                    MAX_LIST,
                );
                list_bounds(findings, &format!("reps[{i}].deals_to_inspect"), rep.deals_to_inspect.len(), 0, MAX_LIST);
            }
            // The section is required when the team won something: a brief that skips the
            // week's wins reads as if there were none.
            let min_wins = usize::from(!facts.wins.is_empty());
            list_bounds(findings, "wins_this_week", brief.wins_this_week.len(), min_wins, MAX_LIST);
            let wins: Vec<String> = brief
                .wins_this_week
                .iter()
                .map(|w| format!("{} for {}", w.deal_id.trim(), w.person_id.trim()))
                .collect();
            no_duplicates(findings, "wins_this_week", wins.iter().map(String::as_str));
            let ranks: Vec<u32> = brief.reps.iter().map(|r| r.rank).collect();
            if ranks.windows(2).any(|w| w[0] >= w[1]) {
                structure(findings, "rank_order", "reps", "reps are not listed highest need first".to_owned());
            }
        }
        Draft::ForecastMemo(memo) => {
            list_bounds(findings, "mitigations", memo.mitigations.len(), 1, MAX_LIST);
            list_bounds(findings, "exposures", memo.exposures.len(), 0, MAX_LIST);
            list_bounds(findings, "downside_concentration", memo.downside_concentration.len(), 0, MAX_LIST);
            no_duplicates(findings, "exposures", memo.exposures.iter().map(|e| e.deal_id.as_str()));
            if !(memo.p10 <= memo.p50 && memo.p50 <= memo.p90) {
                structure(findings, "percentile_order", "p10", "P10, P50 and P90 are not in order".to_owned());
            }
        }
    }
    let limit = match draft.kind() {
        DraftKind::RepNudge => policy.max_chars_rep_nudge,
        DraftKind::InterventionBrief => policy.max_chars_intervention_brief,
        DraftKind::ForecastMemo => policy.max_chars_forecast_memo,
    };
    let chars = rendered.chars().count();
    if chars > limit {
        findings.push(Finding::new(
            FindingCategory::Length,
            "draft_too_long",
            "draft",
            format!("{chars} characters rendered; at most {limit}"),
        ));
    }
}
