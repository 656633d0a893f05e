//! What Candor drafts, as plain types every layer shares: the three kinds of draft (one spelling
//! each), a draft's id (one key scheme: week, kind, recipient), how a draft came to be written
//! (validated, repaired, fallback) and where it stands in review and delivery.

use super::org::Role;
use super::week::IsoWeek;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The three kinds of message Candor drafts, decided by the recipient's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DraftKind {
    /// A rep's weekly coaching nudge.
    RepNudge,
    /// A manager's weekly intervention brief (spelled `manager_brief` before drafts and
    /// reviews shared one model; that spelling is still read).
    #[serde(alias = "manager_brief")]
    InterventionBrief,
    /// The leadership forecast-risk memo.
    ForecastMemo,
}

impl DraftKind {
    pub const ALL: [DraftKind; 3] = [DraftKind::RepNudge, DraftKind::InterventionBrief, DraftKind::ForecastMemo];

    pub fn as_str(self) -> &'static str {
        match self {
            DraftKind::RepNudge => "rep_nudge",
            DraftKind::InterventionBrief => "intervention_brief",
            DraftKind::ForecastMemo => "forecast_memo",
        }
    }

    /// The kind `text` names; the former spelling `manager_brief` is read as the brief.
    pub fn parse(text: &str) -> Option<DraftKind> {
        match text.trim() {
            "manager_brief" => Some(DraftKind::InterventionBrief),
            other => Self::ALL.into_iter().find(|k| k.as_str() == other),
        }
    }

    /// Reps get a nudge, managers a brief, leaders the forecast memo; admins nothing.
    pub fn for_role(role: Role) -> Option<DraftKind> {
        match role {
            Role::Rep => Some(DraftKind::RepNudge),
            Role::Manager => Some(DraftKind::InterventionBrief),
            Role::Leader => Some(DraftKind::ForecastMemo),
            Role::Admin => None,
        }
    }

    pub fn role(self) -> Role {
        match self {
            DraftKind::RepNudge => Role::Rep,
            DraftKind::InterventionBrief => Role::Manager,
            DraftKind::ForecastMemo => Role::Leader,
        }
    }

    /// What a reader calls it.
    pub fn label(self) -> &'static str {
        match self {
            DraftKind::RepNudge => "coaching nudge",
            DraftKind::InterventionBrief => "intervention brief",
            DraftKind::ForecastMemo => "forecast-risk memo",
        }
    }

    /// The terminal tool whose arguments are this kind of draft.
    pub fn submit_tool(self) -> &'static str {
        match self {
            DraftKind::RepNudge => "submit_rep_nudge",
            DraftKind::InterventionBrief => "submit_intervention_brief",
            DraftKind::ForecastMemo => "submit_forecast_memo",
        }
    }
}

impl fmt::Display for DraftKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DraftKind {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        DraftKind::parse(text).ok_or_else(|| {
            format!("unknown draft kind {text:?} (expected rep_nudge, intervention_brief or forecast_memo)")
        })
    }
}

/// A draft's id: unique per (week, kind, recipient), readable in listings and file names, e.g.
/// `2026-W47.rep_nudge.sim:rep-00001`. Ids are kept as issued: the audit log refers to them.
pub fn draft_id(week: IsoWeek, kind: DraftKind, recipient_id: &str) -> String {
    format!("{week}.{}.{recipient_id}", kind.as_str())
}

/// How a draft came to be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DraftStatus {
    /// The model's draft passed the validator on its first submission.
    Validated,
    /// The model's draft passed after the repair turn.
    Repaired,
    /// The deterministic drafter wrote it.
    Fallback,
}

impl DraftStatus {
    pub const ALL: [DraftStatus; 3] = [DraftStatus::Validated, DraftStatus::Repaired, DraftStatus::Fallback];

    pub fn as_str(self) -> &'static str {
        match self {
            DraftStatus::Validated => "validated",
            DraftStatus::Repaired => "repaired",
            DraftStatus::Fallback => "fallback",
        }
    }

    pub fn parse(text: &str) -> Option<DraftStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Where a draft stands: `drafted` → `approved` | `edited` | `rejected` → `delivered` | `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DraftState {
    /// Waiting for its review policy: a reviewer, or nobody under automatic approval.
    Drafted,
    Approved,
    /// Approved with a reviewer's edit.
    Edited,
    Rejected,
    /// Every channel delivered it.
    Delivered,
    /// No channel is still trying and one failed for good.
    Failed,
}

impl DraftState {
    pub const ALL: [DraftState; 6] = [
        DraftState::Drafted,
        DraftState::Approved,
        DraftState::Edited,
        DraftState::Rejected,
        DraftState::Delivered,
        DraftState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DraftState::Drafted => "drafted",
            DraftState::Approved => "approved",
            DraftState::Edited => "edited",
            DraftState::Rejected => "rejected",
            DraftState::Delivered => "delivered",
            DraftState::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<DraftState> {
        Self::ALL.into_iter().find(|s| s.as_str() == text.trim())
    }

    /// Approved, with or without an edit: its text may be sent.
    pub fn may_send(self) -> bool {
        matches!(self, DraftState::Approved | DraftState::Edited)
    }
}

impl fmt::Display for DraftState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where one draft's delivery by one channel stands: `pending` (the outbox entry an approval
/// writes) → `queued` (a deliver job exists) → `delivered` | `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Pending,
    Queued,
    Delivered,
    /// Failed for good: the channel refused it, or the attempts ran out.
    Failed,
}

impl DeliveryState {
    pub const ALL: [DeliveryState; 4] =
        [DeliveryState::Pending, DeliveryState::Queued, DeliveryState::Delivered, DeliveryState::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Queued => "queued",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<DeliveryState> {
        Self::ALL.into_iter().find(|s| s.as_str() == text.trim())
    }

    /// Delivered or failed for good: nothing more will happen to it.
    pub fn is_settled(self) -> bool {
        matches!(self, DeliveryState::Delivered | DeliveryState::Failed)
    }
}

impl fmt::Display for DeliveryState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn kinds_have_one_spelling_and_read_the_former_one() {
        for kind in DraftKind::ALL {
            assert_eq!(DraftKind::parse(kind.as_str()), Some(kind));
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{}\"", kind.as_str()));
            assert_eq!(DraftKind::for_role(kind.role()), Some(kind));
        }
        assert_eq!(DraftKind::parse("manager_brief"), Some(DraftKind::InterventionBrief));
        assert_eq!(serde_json::from_str::<DraftKind>("\"manager_brief\"").unwrap(), DraftKind::InterventionBrief);
        assert_eq!(DraftKind::parse("memo"), None);
    }

    #[test]
    fn ids_name_week_kind_and_recipient() {
        let week: IsoWeek = "2026-W47".parse().unwrap();
        assert_eq!(draft_id(week, DraftKind::RepNudge, "sim:rep-00001"), "2026-W47.rep_nudge.sim:rep-00001");
    }

    #[test]
    fn states_round_trip() {
        for state in DraftState::ALL {
            assert_eq!(DraftState::parse(state.as_str()), Some(state));
        }
        assert!(DraftState::Edited.may_send() && !DraftState::Drafted.may_send());
        for state in DeliveryState::ALL {
            assert_eq!(DeliveryState::parse(state.as_str()), Some(state));
        }
    }
}
