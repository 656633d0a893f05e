//! Drafts of quarterly performance reviews and coaching notes, built from the scorecard, the
//! quarter-by-quarter history, the cause analysis, any improvement plan and the coaching
//! already sent. Every sentence is a [`Claim`] carrying the figures it states, and
//! [`ground_claims`] refuses a draft with a number or date its figures do not hold.
//!
//! Integration point: when reviews become a drafted kind in the agent, its validator
//! (`agent::validator::Validator::check_text`) runs over [`ReviewDraft::render`] with the facts
//! from [`ReviewDraft::figures`]; the deterministic text here is then its fallback.

use super::card::{team_median, MetricKey};
use super::history::PeriodResult;
use super::pip::{Cause, CheckIn, ImprovementPlan, Verdict};
use super::recognition::Achievements;
use crate::domain::{Currency, Money};
use crate::engine::pay::arith::bp_pct;
use crate::engine::pay::check_pay_talk;
use crate::engine::risk::Scorecard;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Figure {
    pub name: String,
    pub value: String,
    /// Where the figure comes from: a scorecard metric and its method, a period, a plan.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Claim {
    pub text: String,
    pub figures: Vec<Figure>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ReviewSection {
    pub title: String,
    pub claims: Vec<Claim>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ReviewKind {
    QuarterlyReview,
    CoachingNotes,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ReviewDraft {
    pub kind: ReviewKind,
    pub person_id: String,
    pub name: String,
    pub period: String,
    pub as_of: NaiveDate,
    pub sections: Vec<ReviewSection>,
}

/// A coaching message already sent to the person (a nudge or a note).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PriorNote {
    pub id: String,
    pub date: NaiveDate,
    pub summary: String,
}

/// Everything a review is drafted from.
pub(crate) struct ReviewInput<'a> {
    pub card: &'a Scorecard,
    pub team: &'a [&'a Scorecard],
    /// Completed quarters, oldest first.
    pub history: &'a [PeriodResult],
    pub achievements: Option<&'a Achievements>,
    pub causes: &'a [Cause],
    pub plan: Option<(&'a ImprovementPlan, Option<&'a CheckIn>)>,
    pub notes: &'a [PriorNote],
    pub currency: Currency,
    pub as_of: NaiveDate,
}

fn figure(name: &str, value: impl Into<String>, source: impl Into<String>) -> Figure {
    Figure { name: name.to_owned(), value: value.into(), source: source.into() }
}

fn metric_claim(card: &Scorecard, team: &[&Scorecard], key: MetricKey) -> Claim {
    let (value, how) = key.read(card);
    let mut figures = vec![figure(key.as_str(), key.format(value), format!("scorecard {}: {how}", card.period))];
    let text = match team_median(team, key) {
        Some(median) => {
            figures.push(figure(
                &format!("team median {}", key.as_str()),
                key.format(median),
                "median of the team's scorecards",
            ));
            let side = if key.meets(value, median) { "at or better than" } else { "behind" };
            format!(
                "{} is {}, {side} the team median of {}.",
                capitalise(key.label()),
                key.format(value),
                key.format(median)
            )
        }
        None => format!("{} is {}.", capitalise(key.label()), key.format(value)),
    };
    Claim { text, figures }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().collect::<String>() + chars.as_str()).unwrap_or_default()
}

/// The quarterly performance review draft.
pub(crate) fn draft_quarterly_review(input: &ReviewInput<'_>) -> ReviewDraft {
    let card = input.card;
    let money = |v: i64| Money::new(v, input.currency).to_string();
    let mut results = vec![Claim {
        text: format!(
            "In {} {} booked {} against a quota of {} ({}).",
            card.period,
            card.name,
            money(card.booked_minor),
            money(card.quota_minor),
            MetricKey::Attainment.format(card.attainment.value)
        ),
        figures: vec![
            figure("name", card.name.clone(), "people directory"),
            figure("period", card.period.clone(), "scorecard period"),
            figure("booked", money(card.booked_minor), card.attainment.how.clone()),
            figure("quota", money(card.quota_minor), "recorded quota"),
            figure("attainment", MetricKey::Attainment.format(card.attainment.value), card.attainment.how.clone()),
        ],
    }];
    let with_quota: Vec<&PeriodResult> = input.history.iter().filter(|r| r.attainment_bp().is_some()).collect();
    if !with_quota.is_empty() {
        let parts: Vec<String> =
            with_quota.iter().map(|r| format!("{} {}", r.period, bp_pct(r.attainment_bp().unwrap_or(0)))).collect();
        results.push(Claim {
            text: format!("Attainment in the quarters before: {}.", parts.join(", ")),
            figures: with_quota
                .iter()
                .map(|r| {
                    figure(
                        &format!("attainment {}", r.period),
                        format!("{} {}", r.period, bp_pct(r.attainment_bp().unwrap_or(0))),
                        format!("booked {} over quota {}", money(r.booked_minor), money(r.quota_minor.unwrap_or(0))),
                    )
                })
                .collect(),
        });
    }
    if let Some(feats) = input.achievements {
        if feats.quota_streak >= 2 {
            results.push(Claim {
                text: format!("{} quarters in a row at or above quota.", feats.quota_streak),
                figures: vec![figure(
                    "quota streak",
                    feats.quota_streak.to_string(),
                    "completed quarters at or above 100%",
                )],
            });
        }
        if let Some((deal, amount)) = &feats.largest_deal {
            results.push(Claim {
                text: format!("Largest deal to date: {deal} at {}.", money(*amount)),
                figures: vec![figure(
                    "largest deal",
                    format!("{deal} {}", money(*amount)),
                    "won deals at credit share",
                )],
            });
        }
    }
    let work: Vec<Claim> = [MetricKey::WinRate, MetricKey::CycleDays, MetricKey::Coverage, MetricKey::HighRiskShare]
        .iter()
        .map(|k| metric_claim(card, input.team, *k))
        .collect();
    let mut sections = vec![
        ReviewSection { title: "Results".to_owned(), claims: results },
        ReviewSection { title: "How the quarter was worked".to_owned(), claims: work },
    ];
    let causes: Vec<Claim> = input
        .causes
        .iter()
        .filter(|c| c.verdict >= Verdict::Possible)
        .map(|c| Claim {
            text: format!(
                "{} is a {} cause: {}",
                c.key.label(),
                if c.verdict == Verdict::Likely { "likely" } else { "possible" },
                c.findings.join(" ")
            ),
            figures: c
                .findings
                .iter()
                .map(|f| figure("finding", f.clone(), "cause analysis on the scorecard"))
                .collect(),
        })
        .collect();
    if !causes.is_empty() {
        sections.push(ReviewSection { title: "What may be holding results back".to_owned(), claims: causes });
    }
    if let Some((plan, check)) = input.plan {
        let mut claims = vec![Claim {
            text: format!(
                "An improvement plan ran from {} to {} with {} measure(s).",
                plan.created_on,
                plan.ends_on,
                plan.measures.len()
            ),
            figures: vec![
                figure("plan start", plan.created_on.to_string(), plan.id.clone()),
                figure("plan end", plan.ends_on.to_string(), plan.id.clone()),
                figure("measures", plan.measures.len().to_string(), plan.id.clone()),
            ],
        }];
        if let Some(check) = check {
            claims.push(Claim {
                text: check.summary.clone(),
                figures: vec![figure("check-in", check.summary.clone(), format!("{} on {}", plan.id, check.as_of))],
            });
        }
        sections.push(ReviewSection { title: "Improvement plan".to_owned(), claims });
    }
    if let (Some(first), Some(last)) =
        (input.notes.iter().map(|n| n.date).min(), input.notes.iter().map(|n| n.date).max())
    {
        sections.push(ReviewSection {
            title: "Coaching this quarter".to_owned(),
            claims: vec![Claim {
                text: format!("{} coaching message(s) between {first} and {last}.", input.notes.len()),
                figures: vec![
                    figure(
                        "messages",
                        input.notes.len().to_string(),
                        input.notes.iter().map(|n| n.id.as_str()).collect::<Vec<_>>().join(", "),
                    ),
                    figure("first", first.to_string(), "coaching history"),
                    figure("last", last.to_string(), "coaching history"),
                ],
            }],
        });
    }
    sections.push(ReviewSection { title: "Focus for next quarter".to_owned(), claims: focus(card, input.team) });
    ReviewDraft {
        kind: ReviewKind::QuarterlyReview,
        person_id: card.person_id.clone(),
        name: card.name.clone(),
        period: card.period.clone(),
        as_of: input.as_of,
        sections,
    }
}

/// The two metrics furthest behind the team, as things to work on.
fn focus(card: &Scorecard, team: &[&Scorecard]) -> Vec<Claim> {
    let mut gaps: Vec<(f64, MetricKey)> =
        [MetricKey::WinRate, MetricKey::Coverage, MetricKey::HighRiskShare, MetricKey::CycleDays]
            .iter()
            .filter_map(|key| {
                let median = team_median(team, *key)?;
                let value = key.value(card);
                let gap = if key.higher_is_better() { median - value } else { value - median };
                (gap > 0.0 && median.abs() > f64::EPSILON).then_some((gap / median.abs(), *key))
            })
            .collect();
    gaps.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut claims: Vec<Claim> = gaps
        .iter()
        .take(2)
        .map(|(_, key)| {
            let mut claim = metric_claim(card, team, *key);
            claim.text = format!("Work on {}: {}", key.label(), claim.text.to_lowercase());
            claim
        })
        .collect();
    if claims.is_empty() {
        claims.push(Claim {
            text: "No scorecard metric is behind the team median; keep the same habits.".to_owned(),
            figures: Vec::new(),
        });
    }
    claims
}

/// Short coaching notes for a manager's 1:1: one strength, the gaps, and the next step per cause.
pub(crate) fn draft_coaching_notes(
    card: &Scorecard,
    team: &[&Scorecard],
    causes: &[Cause],
    as_of: NaiveDate,
) -> ReviewDraft {
    let keys = [MetricKey::WinRate, MetricKey::Coverage, MetricKey::CycleDays, MetricKey::HighRiskShare];
    let strengths: Vec<Claim> = keys
        .iter()
        .filter(|k| team_median(team, **k).is_some_and(|m| k.meets(k.value(card), m)))
        .take(1)
        .map(|k| metric_claim(card, team, *k))
        .collect();
    let mut steps = Vec::new();
    for cause in causes.iter().filter(|c| c.verdict == Verdict::Likely) {
        let step = match cause.key {
            super::pip::CauseKey::Ramp => "pair on two live deals a week and review each call afterwards",
            super::pip::CauseKey::Territory => {
                "agree with the manager which accounts to open next and book first meetings"
            }
            super::pip::CauseKey::PipelineQuality => {
                "confirm close dates and next steps with each buyer before the forecast call"
            }
            super::pip::CauseKey::Skill => {
                "review the last three losses together and rehearse discovery on the next deal"
            }
        };
        steps.push(Claim {
            text: format!("{}: {step}.", cause.key.label()),
            figures: cause
                .findings
                .iter()
                .map(|f| figure("finding", f.clone(), "cause analysis on the scorecard"))
                .collect(),
        });
    }
    let mut sections = vec![
        ReviewSection { title: "Strength".to_owned(), claims: strengths },
        ReviewSection { title: "Gaps".to_owned(), claims: focus(card, team) },
    ];
    if !steps.is_empty() {
        sections.push(ReviewSection { title: "Next steps".to_owned(), claims: steps });
    }
    ReviewDraft {
        kind: ReviewKind::CoachingNotes,
        person_id: card.person_id.clone(),
        name: card.name.clone(),
        period: card.period.clone(),
        as_of,
        sections,
    }
}

/// Number-like tokens: digit runs with inner `,` or `.` (`1,250.50`, `2026-03-31` gives three).
fn numbers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let inner = matches!(c, ',' | '.') && !current.is_empty() && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if c.is_ascii_digit() || inner {
            current.push(*c);
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out.into_iter().map(|n| n.replace(',', "")).collect()
}

impl ReviewDraft {
    pub(crate) fn render(&self) -> String {
        let title = match self.kind {
            ReviewKind::QuarterlyReview => "Quarterly performance review (draft)",
            ReviewKind::CoachingNotes => "Coaching notes (draft)",
        };
        let mut out = format!("{title}: {} — {}, as of {}\n", self.name, self.period, self.as_of);
        for section in &self.sections {
            out.push_str(&format!("\n{}\n", section.title));
            for claim in &section.claims {
                out.push_str(&format!("- {}\n", claim.text));
            }
        }
        out
    }
}

/// Every problem with the draft: a number or date in a claim that none of its figures holds,
/// a figure without a source, or pay talk that ties a product push to a bonus.
pub(crate) fn ground_claims(draft: &ReviewDraft) -> Vec<String> {
    let mut issues = Vec::new();
    for section in &draft.sections {
        for claim in &section.claims {
            let known: Vec<String> = claim.figures.iter().flat_map(|f| numbers(&f.value)).collect();
            for number in numbers(&claim.text) {
                if !known.contains(&number) {
                    issues.push(format!("{}: {number:?} in {:?} is not in its figures", section.title, claim.text));
                }
            }
            for figure in claim.figures.iter().filter(|f| f.source.trim().is_empty()) {
                issues.push(format!("{}: figure {} has no source", section.title, figure.name));
            }
        }
    }
    for finding in check_pay_talk(&draft.render(), &[]) {
        issues.push(format!("pay talk: {}", finding.reason));
    }
    issues
}

#[cfg(test)]
#[path = "review_tests.rs"]
mod tests;
