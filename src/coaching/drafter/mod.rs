//! The deterministic drafter: writes each draft kind from the snapshot alone, stating only
//! numbers the snapshot holds, in the words of the engine's own reasons. The offline provider
//! submits its drafts; the loop falls back to it when a model's draft cannot be validated.

mod leader;
mod manager;
mod rep;

use super::drafts::{Draft, DraftKind};
use super::snapshot::Snapshot;
use crate::engine::risk::SignalId;

pub fn draft(snapshot: &Snapshot) -> Draft {
    match snapshot.kind {
        DraftKind::RepNudge => Draft::RepNudge(rep::nudge(snapshot)),
        DraftKind::InterventionBrief => Draft::InterventionBrief(manager::brief(snapshot)),
        DraftKind::ForecastMemo => Draft::ForecastMemo(leader::memo(snapshot)),
    }
}

/// One concrete next step for a deal whose most severe flag is `signal`.
pub fn next_step_for(signal: SignalId) -> &'static str {
    match signal {
        SignalId::NoRecentActivity | SignalId::Ghosted => {
            "Call the champion this week and agree a date for the next meeting."
        }
        SignalId::OverdueCloseDate | SignalId::CloseDatePushed | SignalId::CloseDateTooSoon => {
            "Re-confirm the close date with the buyer and update it in the CRM."
        }
        SignalId::StalledInStage | SignalId::AgeingBeyondWonDeals => {
            "Agree the exit criteria for this stage with the buyer and book the meeting that meets them."
        }
        SignalId::StageRegression => "Ask the champion what changed and re-qualify the deal.",
        SignalId::NotMultithreaded | SignalId::MissingRoles | SignalId::NoPower => {
            "Ask the champion to introduce the economic buyer and one more stakeholder."
        }
        SignalId::NoNextMeeting | SignalId::MeetingCadenceWidening => {
            "Book the next meeting before the end of the week."
        }
        SignalId::OneSidedCommunication => {
            "Pause the follow-ups and ask the champion directly whether the project is still a priority."
        }
        SignalId::AmountDecreased => "Review the scope change with the buyer and confirm the new amount.",
        SignalId::NextStepStale => "Record a dated next step in the CRM after your next call.",
        SignalId::ForecastOverOptimistic => {
            "Set the forecast call to what the evidence supports, or gather the missing evidence first."
        }
        SignalId::CompetitorMentioned => {
            "Ask what the competitor offers and set out the differences that matter to this client."
        }
        SignalId::RedFlagRaised => "Take the concern raised in the last conversation to the decision maker.",
        SignalId::PricingNotDiscussed => "Walk the buyer through the fee schedule before the proposal goes out.",
    }
}
