//! Grounding and scope: every id, name, number and date a draft states must be in the
//! recipient's snapshot. A fact that exists elsewhere in the organisation is a scope finding;
//! one that exists nowhere is a grounding finding.

use super::facts::{Directory, Facts};
use super::names::NameKind;
use super::numbers::{extract_dates, extract_numbers, fixed_regex, NumberKind};
use super::{Finding, FindingCategory};
use crate::coaching::drafts::{Draft, WinNote};
use regex::Regex;
use std::sync::LazyLock;

/// Record ids look like `source:external-id`.
static ID: LazyLock<Option<Regex>> =
    LazyLock::new(|| fixed_regex(r"\b[a-z][a-z0-9_-]*:[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]"));

fn grounding(findings: &mut Vec<Finding>, code: &str, field: &str, detail: String) {
    findings.push(Finding::new(FindingCategory::Grounding, code, field, detail));
}

fn scope(findings: &mut Vec<Finding>, code: &str, field: &str, detail: String) {
    findings.push(Finding::new(FindingCategory::Scope, code, field, detail));
}

fn same_text(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

fn check_deal_id(field: &str, id: &str, facts: &Facts, directory: &Directory, findings: &mut Vec<Finding>) {
    let id = id.trim();
    if facts.deals.contains_key(id) {
        return;
    }
    if directory.deals.contains_key(id) {
        scope(findings, "out_of_scope_deal", field, format!("deal {id} is not in the recipient's scope"));
    } else {
        grounding(findings, "unknown_deal", field, format!("deal {id} does not exist in the snapshot"));
    }
}

fn check_deal_name(field: &str, id: &str, name: &str, facts: &Facts, findings: &mut Vec<Finding>) {
    if let Some(deal) = facts.deals.get(id.trim()) {
        if !same_text(&deal.name, name) {
            grounding(
                findings,
                "deal_name_mismatch",
                field,
                format!("deal {id} is named {:?}, not {name:?}", deal.name),
            );
        }
    }
}

/// The typed fields, then every free-text field.
pub(super) fn check(draft: &Draft, facts: &Facts, directory: &Directory, findings: &mut Vec<Finding>) {
    for (field, id) in draft.deal_ids() {
        check_deal_id(&field, id, facts, directory, findings);
    }
    match draft {
        Draft::RepNudge(nudge) => {
            for (i, deal) in nudge.deals.iter().enumerate() {
                check_deal_name(&format!("deals[{i}].deal_name"), &deal.deal_id, &deal.deal_name, facts, findings);
                let Some(known) = facts.deals.get(deal.deal_id.trim()) else { continue };
                for (j, item) in deal.evidence.iter().enumerate() {
                    if !known.evidence.contains(item.trim()) {
                        grounding(
                            findings,
                            "unknown_evidence",
                            &format!("deals[{i}].evidence[{j}]"),
                            format!("{item:?} is neither a flag nor an evidence id of deal {}", deal.deal_id),
                        );
                    }
                }
            }
        }
        Draft::InterventionBrief(brief) => {
            check_wins(&brief.wins_this_week, facts, directory, findings);
            for (i, rep) in brief.reps.iter().enumerate() {
                let field = format!("reps[{i}].person_id");
                let id = rep.person_id.trim();
                match facts.ranks.get(id) {
                    Some(rank) => {
                        if *rank != rep.rank {
                            grounding(
                                findings,
                                "wrong_rank",
                                &format!("reps[{i}].rank"),
                                format!("{id} ranks {rank}, not {}", rep.rank),
                            );
                        }
                        if facts.people.get(id).is_some_and(|name| !same_text(name, &rep.name)) {
                            grounding(
                                findings,
                                "person_name_mismatch",
                                &format!("reps[{i}].name"),
                                format!("{id} is not named {:?}", rep.name),
                            );
                        }
                    }
                    None if directory.people.contains_key(id) => {
                        scope(findings, "out_of_scope_person", &field, format!("{id} is not in the manager's team"))
                    }
                    None => grounding(findings, "unknown_person", &field, format!("person {id} does not exist")),
                }
                for (j, deal) in rep.deals_to_inspect.iter().enumerate() {
                    check_deal_name(
                        &format!("reps[{i}].deals_to_inspect[{j}].deal_name"),
                        &deal.deal_id,
                        &deal.deal_name,
                        facts,
                        findings,
                    );
                    if facts.deals.get(deal.deal_id.trim()).is_some_and(|d| d.owner_id != id) {
                        grounding(
                            findings,
                            "deal_not_of_rep",
                            &format!("reps[{i}].deals_to_inspect[{j}].deal_id"),
                            format!("deal {} is not owned by {id}", deal.deal_id),
                        );
                    }
                }
            }
        }
        Draft::ForecastMemo(memo) => {
            if !same_text(&memo.period, &facts.period) {
                grounding(
                    findings,
                    "wrong_period",
                    "period",
                    format!("the period is {}, not {}", facts.period, memo.period),
                );
            }
            if !same_text(&memo.currency, &facts.currency) {
                grounding(
                    findings,
                    "wrong_currency",
                    "currency",
                    format!("the currency is {}, not {}", facts.currency, memo.currency),
                );
            }
            if let Some(figures) = facts.forecast {
                let typed = [
                    ("p10", memo.p10, figures.p10),
                    ("p50", memo.p50, figures.p50),
                    ("p90", memo.p90, figures.p90),
                    ("target", memo.target, figures.target),
                    ("commit", memo.commit, figures.commit),
                ];
                for (field, stated, actual) in typed {
                    if (stated - actual).abs() > 1 {
                        grounding(findings, "wrong_figure", field, format!("{field} is {actual}, not {stated}"));
                    }
                }
            }
            for (i, note) in memo.downside_concentration.iter().enumerate() {
                if !facts.concentration_keys.contains(note.key.trim()) {
                    grounding(
                        findings,
                        "unknown_concentration",
                        &format!("downside_concentration[{i}].key"),
                        format!("{:?} is not an account or segment in the forecast breakdown", note.key),
                    );
                }
            }
            for (i, exposure) in memo.exposures.iter().enumerate() {
                check_deal_name(
                    &format!("exposures[{i}].deal_name"),
                    &exposure.deal_id,
                    &exposure.deal_name,
                    facts,
                    findings,
                );
            }
        }
    }
    let counts = draft.list_sizes();
    for (field, text) in draft.texts() {
        check_text_with(&field, text, facts, directory, &counts, findings);
    }
}

/// Each win must be one of the team's wins of the week, named as it is, for a rep it credits.
fn check_wins(wins: &[WinNote], facts: &Facts, directory: &Directory, findings: &mut Vec<Finding>) {
    for (i, win) in wins.iter().enumerate() {
        let field = format!("wins_this_week[{i}].deal_id");
        let id = win.deal_id.trim();
        let Some(known) = facts.wins.get(id) else {
            if facts.deals.contains_key(id) {
                grounding(findings, "not_a_win", &field, format!("deal {id} is open, not won this week"));
            } else if directory.deals.contains_key(id) {
                scope(findings, "out_of_scope_deal", &field, format!("deal {id} is not a win of the team this week"));
            } else {
                grounding(findings, "unknown_deal", &field, format!("deal {id} does not exist in the snapshot"));
            }
            continue;
        };
        if !same_text(&known.name, &win.deal_name) {
            grounding(
                findings,
                "deal_name_mismatch",
                &format!("wins_this_week[{i}].deal_name"),
                format!("deal {id} is named {:?}, not {:?}", known.name, win.deal_name),
            );
        }
        if !known.person_ids.contains(win.person_id.trim()) {
            grounding(
                findings,
                "win_not_of_rep",
                &format!("wins_this_week[{i}].person_id"),
                format!("{} is not credited with deal {id}", win.person_id),
            );
        }
    }
}

/// Free text on its own (the eval graders read rendered drafts this way).
pub(super) fn check_text(field: &str, text: &str, facts: &Facts, directory: &Directory, findings: &mut Vec<Finding>) {
    check_text_with(field, text, facts, directory, &[], findings);
}

/// Blanks every occurrence of `name` that stands as a whole word or phrase.
fn blank_name(text: &mut String, name: &str) -> bool {
    if name.trim().is_empty() {
        return false;
    }
    let mut found = false;
    let mut from = 0;
    while let Some(offset) = text[from..].find(name) {
        let start = from + offset;
        let end = start + name.len();
        let before_ok = text[..start].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let after_ok = text[end..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        if before_ok && after_ok {
            text.replace_range(start..end, &" ".repeat(name.len()));
            found = true;
        }
        from = end.min(text.len());
    }
    found
}

fn check_text_with(
    field: &str,
    text: &str,
    facts: &Facts,
    directory: &Directory,
    counts: &[usize],
    findings: &mut Vec<Finding>,
) {
    let mut remaining = text.to_owned();
    if let Some(pattern) = ID.as_ref() {
        for found in pattern.find_iter(text) {
            let id = found.as_str();
            if facts.ids.contains(id) {
                continue;
            }
            if directory.knows(id) {
                scope(findings, "out_of_scope_id", field, format!("{id} is outside the recipient's scope"));
            } else {
                grounding(findings, "unknown_id", field, format!("{id} does not exist in the snapshot"));
            }
        }
        remaining = pattern.replace_all(&remaining, " ").into_owned();
    }
    // In-scope names go first so a longer in-scope name never reads as a shorter one outside.
    // Blanking only removes words, so names ruled out before it stay ruled out after.
    for name in facts.in_scope_names().candidates(&remaining) {
        blank_name(&mut remaining, name);
    }
    // Only the names whose leading word is still in the text can be found in it.
    for entry in directory.names().candidates(&remaining) {
        if !blank_name(&mut remaining, &entry.name) {
            continue;
        }
        let (code, detail) = match entry.kind {
            NameKind::Deal => {
                ("out_of_scope_deal", format!("deal {:?} ({}) is outside the recipient's scope", entry.name, entry.id))
            }
            NameKind::Account => {
                ("out_of_scope_account", format!("account {:?} is outside the recipient's scope", entry.name))
            }
            NameKind::Person => {
                ("out_of_scope_person", format!("{} ({}) is outside the recipient's scope", entry.name, entry.id))
            }
        };
        scope(findings, code, field, detail);
    }
    for mask in &facts.masks {
        if remaining.contains(mask.as_str()) {
            remaining = remaining.replace(mask.as_str(), " ");
        }
    }
    let (dates, rest) = extract_dates(&remaining);
    for (written, date) in dates {
        match date {
            Some(date) if facts.pool.supports_date(date) => {}
            Some(_) => {
                grounding(findings, "unsupported_date", field, format!("{written} is not a date in the snapshot"))
            }
            None => grounding(findings, "invalid_date", field, format!("{written} is not a valid date")),
        }
    }
    for stated in extract_numbers(&rest) {
        let own_count =
            stated.kind == NumberKind::Plain && stated.unit >= 1.0 && counts.iter().any(|c| *c as f64 == stated.value);
        if !own_count && !facts.pool.supports(&stated) {
            grounding(findings, "unsupported_number", field, format!("{} is not in the snapshot", stated.text));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn names_blank_only_as_whole_words() {
        let mut text = "Harbor Trust and Harborview".to_owned();
        assert!(blank_name(&mut text, "Harbor"));
        assert!(text.contains("Trust") && text.contains("Harborview"));
        let mut text = "Harborview".to_owned();
        assert!(!blank_name(&mut text, "Harbor"));
        assert!(ID.is_some());
    }
}
