//! Salesforce events and tasks → activity records: the owner and the "name" (contact or lead)
//! as participants by their email addresses, and the opportunity the record is related to as
//! a stated deal link.

use super::super::activity::ActivityRecord;
use super::super::records::{self, boolean, text, Problem};
use super::mapping::Mapper;
use crate::domain::{ActivityKind, DealId, Participant, ParticipantRole};
use crate::sources::ingest::activities::ActivityDraft;
use crate::sources::ingest::identity::normalise_address;
use serde_json::Value;

/// Opportunity ids start with this key prefix.
const OPPORTUNITY_PREFIX: &str = "006";

/// What became of a page of events or tasks.
#[derive(Debug, Default)]
pub(crate) struct ActivityPage {
    pub records: Vec<ActivityRecord>,
    pub problems: Vec<Problem>,
    /// All-day events: calendar blocks, not meetings.
    pub skipped: u64,
}

fn participant(record: &Value, prefix: &str, role: ParticipantRole) -> Option<Participant> {
    let address = text(record, &format!("{prefix}.Email")).and_then(|e| normalise_address(&e))?;
    Some(Participant { address, name: text(record, &format!("{prefix}.Name")), role, party: None })
}

impl Mapper<'_> {
    fn stated_deals(&self, record: &Value) -> Vec<DealId> {
        text(record, "WhatId")
            .filter(|what| what.starts_with(OPPORTUNITY_PREFIX))
            .and_then(|what| self.deal_id(&what))
            .into_iter()
            .collect()
    }

    pub(crate) fn events(&self, records: &[Value], page: &mut ActivityPage) {
        for record in records {
            let Some(external) = text(record, "Id") else {
                page.problems.push(Problem::new(None, Some("Id"), "record has no Id"));
                continue;
            };
            if boolean(record, "IsAllDayEvent") == Some(true) {
                page.skipped += 1;
                continue;
            }
            let Some(start) = records::timestamp(record, "StartDateTime") else {
                page.problems.push(Problem::new(Some(&external), Some("StartDateTime"), "missing or not a timestamp"));
                continue;
            };
            let duration = text(record, "DurationInMinutes")
                .and_then(|d| d.parse::<f64>().ok())
                .map(|d| d.max(0.0) as u32)
                .or_else(|| {
                    let end = records::timestamp(record, "EndDateTime")?;
                    u32::try_from((end - start).num_minutes()).ok()
                });
            let kind = match text(record, "Type").as_deref() {
                Some("Call") => ActivityKind::Call,
                Some("Email") => ActivityKind::Email,
                _ => ActivityKind::Meeting,
            };
            let participants = [
                participant(record, "Owner", ParticipantRole::Organizer),
                participant(record, "Who", ParticipantRole::Attendee),
            ]
            .into_iter()
            .flatten()
            .collect();
            page.records.push(ActivityRecord {
                deals: self.stated_deals(record),
                draft: ActivityDraft {
                    source: self.source.clone(),
                    external_id: external,
                    kind,
                    occurred_at: start,
                    duration_minutes: duration,
                    subject: text(record, "Subject"),
                    body: text(record, "Description"),
                    thread_id: None,
                    participants,
                },
            });
        }
    }

    pub(crate) fn tasks(&self, records: &[Value], page: &mut ActivityPage) {
        for record in records {
            let Some(external) = text(record, "Id") else {
                page.problems.push(Problem::new(None, Some("Id"), "record has no Id"));
                continue;
            };
            let Some(occurred_at) =
                records::timestamp(record, "ActivityDate").or_else(|| records::timestamp(record, "CreatedDate"))
            else {
                page.problems.push(Problem::new(
                    Some(&external),
                    Some("ActivityDate"),
                    "no ActivityDate or CreatedDate",
                ));
                continue;
            };
            let kind = match text(record, "TaskSubtype").as_deref() {
                Some("Call") => ActivityKind::Call,
                Some("Email") | Some("ListEmail") => ActivityKind::Email,
                _ => ActivityKind::Task,
            };
            let (owner_role, who_role) = match kind {
                ActivityKind::Email => (ParticipantRole::From, ParticipantRole::To),
                _ => (ParticipantRole::Organizer, ParticipantRole::Attendee),
            };
            let participants = [participant(record, "Owner", owner_role), participant(record, "Who", who_role)]
                .into_iter()
                .flatten()
                .collect();
            page.records.push(ActivityRecord {
                deals: self.stated_deals(record),
                draft: ActivityDraft {
                    source: self.source.clone(),
                    external_id: external,
                    kind,
                    occurred_at,
                    duration_minutes: text(record, "CallDurationInSeconds")
                        .and_then(|s| s.parse::<f64>().ok())
                        .map(|s| (s.max(0.0) / 60.0).round() as u32),
                    subject: text(record, "Subject"),
                    body: text(record, "Description"),
                    thread_id: None,
                    participants,
                },
            });
        }
    }
}
