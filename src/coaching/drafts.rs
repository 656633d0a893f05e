//! The three typed drafts. Each is a structure first (its JSON Schema is the argument schema of
//! the matching `submit_*` tool) and rendered text second; the validator reads the structure.

pub use crate::domain::DraftKind;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A rep's weekly coaching nudge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RepNudge {
    /// One sentence saying what this week is about.
    pub headline: String,
    /// The one to five deals that most need action this week, most urgent first.
    pub deals: Vec<DealAction>,
    /// Progress to quota: attainment, pace and coverage, with the scorecard's numbers.
    pub quota_progress: String,
    /// How attainment feeds the bonus calculation; never a promise about pay.
    pub bonus_outlook: String,
    /// One thing going well, with the number or deal behind it.
    pub going_well: String,
}

/// One deal in a rep nudge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DealAction {
    /// The deal id exactly as a tool returned it.
    pub deal_id: String,
    pub deal_name: String,
    /// What is wrong, citing the flags' reasons.
    pub what_is_wrong: String,
    /// Signal ids of the deal's flags (e.g. `stalled_in_stage`) or ids of the activities and
    /// history rows behind them.
    pub evidence: Vec<String>,
    /// Why it matters: amount, timing, and the effect on attainment.
    pub why_it_matters: String,
    /// One concrete next step.
    pub next_step: String,
}

/// A manager's weekly intervention brief.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InterventionBrief {
    pub headline: String,
    /// The team's quota and bookings this period, in one or two sentences.
    pub team_summary: String,
    /// The team's wins of the last seven days from get_team_snapshot, largest first (none to
    /// five); empty when the team won nothing. Absent in briefs stored before the section
    /// existed, hence the default.
    #[serde(default)]
    pub wins_this_week: Vec<WinNote>,
    /// The reps needing the manager this week, highest need first (one to five).
    pub reps: Vec<RepIntervention>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RepIntervention {
    /// The rep's person id exactly as a tool returned it.
    pub person_id: String,
    pub name: String,
    /// The rep's rank in the team roll-up (1 needs the manager most).
    pub rank: u32,
    /// Why this rep needs the manager, with the roll-up's numbers.
    pub why: String,
    /// Deals to inspect together.
    pub deals_to_inspect: Vec<DealToInspectNote>,
    /// Two to four agenda points for the 1:1.
    pub one_on_one_agenda: Vec<String>,
}

/// One win in a manager's brief.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WinNote {
    /// The credited rep's person id exactly as a tool returned it.
    pub person_id: String,
    /// The won deal's id exactly as a tool returned it.
    pub deal_id: String,
    pub deal_name: String,
    /// Who won it, on which day, the credit, and what makes it notable, with the tool's figures.
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DealToInspectNote {
    pub deal_id: String,
    pub deal_name: String,
    /// What to check on the deal.
    pub what_to_check: String,
}

/// The leadership forecast-risk memo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ForecastMemo {
    pub headline: String,
    /// The forecast period, e.g. `FY2026-Q4`.
    pub period: String,
    /// The reporting currency, e.g. `USD`.
    pub currency: String,
    /// Simulated bookings percentiles, target and commit, in whole currency units.
    pub p10: i64,
    pub p50: i64,
    pub p90: i64,
    pub target: i64,
    pub commit: i64,
    /// P10/P50/P90 against target and commit, in words.
    pub outlook: String,
    /// Where the downside is concentrated (accounts or segments), largest first.
    pub downside_concentration: Vec<ConcentrationNote>,
    /// The biggest single-deal exposures, largest first.
    pub exposures: Vec<ExposureNote>,
    /// Mitigations for the quarter.
    pub mitigations: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConcentrationNote {
    /// The account or segment name exactly as a tool returned it.
    pub key: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExposureNote {
    pub deal_id: String,
    pub deal_name: String,
    /// Amount at risk and why.
    pub note: String,
    pub mitigation: String,
}

/// Any of the three drafts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "draft", rename_all = "snake_case")]
pub enum Draft {
    RepNudge(RepNudge),
    InterventionBrief(InterventionBrief),
    ForecastMemo(ForecastMemo),
}

impl Draft {
    pub fn kind(&self) -> DraftKind {
        match self {
            Draft::RepNudge(_) => DraftKind::RepNudge,
            Draft::InterventionBrief(_) => DraftKind::InterventionBrief,
            Draft::ForecastMemo(_) => DraftKind::ForecastMemo,
        }
    }

    /// Every free-text field with its path, for the validator.
    pub fn texts(&self) -> Vec<(String, &str)> {
        let mut out: Vec<(String, &str)> = Vec::new();
        match self {
            Draft::RepNudge(n) => {
                out.push(("headline".into(), &n.headline));
                for (i, d) in n.deals.iter().enumerate() {
                    out.push((format!("deals[{i}].deal_name"), &d.deal_name));
                    out.push((format!("deals[{i}].what_is_wrong"), &d.what_is_wrong));
                    out.push((format!("deals[{i}].why_it_matters"), &d.why_it_matters));
                    out.push((format!("deals[{i}].next_step"), &d.next_step));
                }
                out.push(("quota_progress".into(), &n.quota_progress));
                out.push(("bonus_outlook".into(), &n.bonus_outlook));
                out.push(("going_well".into(), &n.going_well));
            }
            Draft::InterventionBrief(b) => {
                out.push(("headline".into(), &b.headline));
                out.push(("team_summary".into(), &b.team_summary));
                for (i, w) in b.wins_this_week.iter().enumerate() {
                    out.push((format!("wins_this_week[{i}].deal_name"), &w.deal_name));
                    out.push((format!("wins_this_week[{i}].note"), &w.note));
                }
                for (i, r) in b.reps.iter().enumerate() {
                    out.push((format!("reps[{i}].name"), &r.name));
                    out.push((format!("reps[{i}].why"), &r.why));
                    for (j, d) in r.deals_to_inspect.iter().enumerate() {
                        out.push((format!("reps[{i}].deals_to_inspect[{j}].deal_name"), &d.deal_name));
                        out.push((format!("reps[{i}].deals_to_inspect[{j}].what_to_check"), &d.what_to_check));
                    }
                    for (j, a) in r.one_on_one_agenda.iter().enumerate() {
                        out.push((format!("reps[{i}].one_on_one_agenda[{j}]"), a));
                    }
                }
            }
            Draft::ForecastMemo(m) => {
                out.push(("headline".into(), &m.headline));
                out.push(("outlook".into(), &m.outlook));
                for (i, c) in m.downside_concentration.iter().enumerate() {
                    out.push((format!("downside_concentration[{i}].key"), &c.key));
                    out.push((format!("downside_concentration[{i}].note"), &c.note));
                }
                for (i, e) in m.exposures.iter().enumerate() {
                    out.push((format!("exposures[{i}].deal_name"), &e.deal_name));
                    out.push((format!("exposures[{i}].note"), &e.note));
                    out.push((format!("exposures[{i}].mitigation"), &e.mitigation));
                }
                for (i, t) in m.mitigations.iter().enumerate() {
                    out.push((format!("mitigations[{i}]"), t));
                }
            }
        }
        out
    }

    /// Open-deal ids the draft names in its structured fields (a brief's wins are won deals,
    /// which the validator checks against the snapshot's wins instead).
    pub fn deal_ids(&self) -> Vec<(String, &str)> {
        match self {
            Draft::RepNudge(n) => {
                n.deals.iter().enumerate().map(|(i, d)| (format!("deals[{i}].deal_id"), d.deal_id.as_str())).collect()
            }
            Draft::InterventionBrief(b) => b
                .reps
                .iter()
                .enumerate()
                .flat_map(|(i, r)| {
                    r.deals_to_inspect
                        .iter()
                        .enumerate()
                        .map(move |(j, d)| (format!("reps[{i}].deals_to_inspect[{j}].deal_id"), d.deal_id.as_str()))
                })
                .collect(),
            Draft::ForecastMemo(m) => m
                .exposures
                .iter()
                .enumerate()
                .map(|(i, e)| (format!("exposures[{i}].deal_id"), e.deal_id.as_str()))
                .collect(),
        }
    }

    /// Sizes of the draft's own lists: "these three deals" counts what the draft lists.
    pub fn list_sizes(&self) -> Vec<usize> {
        match self {
            Draft::RepNudge(n) => vec![n.deals.len()],
            Draft::InterventionBrief(b) => {
                let mut sizes = vec![b.reps.len(), b.wins_this_week.len()];
                sizes.extend(b.reps.iter().map(|r| r.deals_to_inspect.len()));
                sizes
            }
            Draft::ForecastMemo(m) => vec![m.exposures.len(), m.downside_concentration.len(), m.mitigations.len()],
        }
    }
}
