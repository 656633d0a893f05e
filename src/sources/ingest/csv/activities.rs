//! Row → activity for the CSV importer: kind, direction, time, a bounded snippet, participants
//! from address-list columns, and links to the deals the CRM itself recorded.

use super::table::{Row, RowError};
use super::{id_error, values, Env};
use crate::domain::{
    bounded_snippet, Activity, ActivityId, ActivityKind, DealId, DealLink, Direction, Participant, ParticipantRole,
};

/// Links a CRM states outright are certain; inferred links from identity resolution are not.
const CSV_LINK_RULE: &str = "csv";

const PARTICIPANT_COLUMNS: [(&str, ParticipantRole); 5] = [
    ("from", ParticipantRole::From),
    ("to", ParticipantRole::To),
    ("cc", ParticipantRole::Cc),
    ("organizer", ParticipantRole::Organizer),
    ("participants", ParticipantRole::Attendee),
];

pub(super) fn activity(env: &Env<'_>, row: &Row<'_>) -> Result<Activity, RowError> {
    let mapping = env.mapping;
    let source = &mapping.source;
    let external_id = row.required("id")?;
    let id = ActivityId::from_source(source, external_id).map_err(id_error(row, "id"))?;
    let kind = row.parse_required("kind", |t| t.parse::<ActivityKind>())?;
    let direction = row.parse_required("direction", |t| t.parse::<Direction>())?;
    let occurred_at = row.parse_required("occurred_at", |t| mapping.formats.datetime(t))?;
    let duration_minutes = row.parse("duration_minutes", |t| {
        t.parse::<u32>().map_err(|_| format!("invalid duration {t:?} (expected whole minutes)"))
    })?;
    let mut participants = Vec::new();
    for (field, role) in PARTICIPANT_COLUMNS {
        for part in values::list(row.get(field)?.unwrap_or(""), mapping.separator) {
            let (address, name) = values::address(part).map_err(|e| RowError::field(row.header(field), e))?;
            participants.push(Participant { address, name, role, party: None });
        }
    }
    let mut deals: Vec<DealLink> = Vec::new();
    for deal in values::list(row.get("deal_ids")?.unwrap_or(""), mapping.separator) {
        let deal_id = DealId::from_source(source, deal).map_err(id_error(row, "deal_ids"))?;
        if !deals.iter().any(|l| l.deal_id == deal_id) {
            deals.push(DealLink { deal_id, rule: CSV_LINK_RULE.to_owned(), confidence: 1.0 });
        }
    }
    Ok(Activity {
        id,
        source: source.clone(),
        external_id: external_id.to_owned(),
        kind,
        direction,
        occurred_at,
        duration_minutes,
        subject: row.get("subject")?.map(str::to_owned),
        snippet: row.get("snippet")?.map(bounded_snippet),
        thread_id: row.get("thread_id")?.map(str::to_owned),
        participants,
        deals,
    })
}
