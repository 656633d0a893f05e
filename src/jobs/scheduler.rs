//! The scheduler: each kind of message has a cron pattern evaluated in every time zone its
//! recipients live in. When a zone's slot arrives, a run for that kind and zone starts. After
//! downtime only the most recent missed slot fires, once. One process per deployment ticks it,
//! holding the `scheduler` lease; the per-slot record makes a double fire impossible even if
//! two ever overlapped.

use super::start::{start_run_in, RunRequest, Selection};
use super::JobError;
use crate::config::Config;
use crate::domain::DraftKind;
use crate::domain::IsoWeek;
use crate::domain::Role;
use crate::store::Store;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use croner::Cron;
use std::collections::BTreeMap;
use std::str::FromStr;

/// A slot that has arrived and not yet fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueSlot {
    pub kind: DraftKind,
    pub timezone: String,
    pub slot: DateTime<Utc>,
    /// Identifies the schedule and zone in `schedule_ticks`.
    pub key: String,
    /// True when this schedule and zone were never seen before: the slot is recorded as the
    /// starting point and not fired, so a new installation does not send last week's messages.
    pub baseline: bool,
}

pub(super) fn schedule_key(kind: DraftKind, timezone: &str) -> String {
    format!("{}@{timezone}", kind.as_str())
}

/// The zone a recipient's messages are scheduled in: their own, or the organisation's when
/// theirs is not a known zone.
pub(super) fn recipient_zone<'a>(person_zone: &'a str, org_zone: &'a str) -> &'a str {
    if person_zone.parse::<Tz>().is_ok() {
        person_zone
    } else {
        org_zone
    }
}

/// For each (kind, zone), the latest slot at or before `now` when it is later than the last
/// one fired. Pure, so it can be tested at any instant.
pub fn due_slots(
    patterns: &[(DraftKind, Cron)],
    zones: &[(DraftKind, String)],
    last_fired: &BTreeMap<String, DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Vec<DueSlot> {
    let mut due = Vec::new();
    for (kind, zone) in zones {
        let Some((_, cron)) = patterns.iter().find(|(k, _)| k == kind) else { continue };
        let Ok(tz) = zone.parse::<Tz>() else { continue };
        let Ok(latest) = cron.find_previous_occurrence(&now.with_timezone(&tz), true) else { continue };
        let slot = latest.with_timezone(&Utc);
        let key = schedule_key(*kind, zone);
        match last_fired.get(&key) {
            Some(last) if *last >= slot => {}
            last => due.push(DueSlot { kind: *kind, timezone: zone.clone(), slot, key, baseline: last.is_none() }),
        }
    }
    due
}

pub struct Scheduler {
    store: Store,
    config: std::sync::Arc<Config>,
    owner: String,
}

/// How long the scheduler lease lasts without renewal; a tick renews it.
const LEASE: Duration = Duration::seconds(90);

impl Scheduler {
    pub fn new(store: Store, config: std::sync::Arc<Config>, owner: String) -> Scheduler {
        Scheduler { store, config, owner }
    }

    /// One tick at `now`: takes or renews the lease and, while holding it, fires what is due.
    /// Returns the runs started.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<Vec<String>, JobError> {
        if !self.config.schedule.enabled
            || !self.store.acquire_lease("scheduler", &self.owner, now, now + LEASE).await?
        {
            return Ok(Vec::new());
        }
        let patterns = self.config.schedule.crons();
        let mut zones = Vec::new();
        for (role, zone) in self.store.role_timezones().await? {
            let kind = Role::from_str(&role).ok().and_then(DraftKind::for_role);
            if let Some(kind) = kind {
                let entry = (kind, recipient_zone(&zone, &self.config.org.timezone).to_owned());
                if !zones.contains(&entry) {
                    zones.push(entry);
                }
            }
        }
        let mut last_fired = BTreeMap::new();
        for (kind, zone) in &zones {
            let key = schedule_key(*kind, zone);
            if let Some(last) = self.store.last_schedule_tick(&key).await? {
                last_fired.insert(key, last);
            }
        }
        let mut started = Vec::new();
        for due in due_slots(&patterns, &zones, &last_fired, now) {
            let mut tx = self.store.begin().await?;
            if !self.store.advance_schedule_tick_in(&mut tx, &due.key, due.slot, now).await? || due.baseline {
                tx.commit().await?;
                continue;
            }
            let zone: Tz = due.timezone.parse().unwrap_or(Tz::UTC);
            let local_day = due.slot.with_timezone(&zone).date_naive();
            let request = RunRequest {
                week: IsoWeek::of(local_day),
                selection: Selection::Slot { kind: due.kind, timezone: due.timezone.clone() },
                as_of: due.slot.date_naive().and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
                trigger: "schedule".to_owned(),
            };
            let (run, created) = start_run_in(&self.store, &mut tx, &self.config, &request, now).await?;
            tx.commit().await?;
            if created {
                tracing::info!(run = %run.id, slot = %due.slot, "scheduled run started");
                started.push(run.id);
            }
        }
        Ok(started)
    }

    pub async fn release(&self) {
        let _ = self.store.release_lease("scheduler", &self.owner).await;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::config::parse_cron;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn slots_are_evaluated_in_each_recipients_zone() {
        let patterns = vec![(DraftKind::RepNudge, parse_cron("30 7 * * MON").unwrap())];
        let zones = vec![
            (DraftKind::RepNudge, "Europe/London".to_owned()),
            (DraftKind::RepNudge, "America/New_York".to_owned()),
            (DraftKind::RepNudge, "Asia/Tokyo".to_owned()),
        ];
        let mut last = BTreeMap::new();
        for (_, zone) in &zones {
            last.insert(schedule_key(DraftKind::RepNudge, zone), at("2026-11-10T00:00:00Z"));
        }
        // Monday 16 November 2026, 08:00 UTC: 07:30 has passed in London (UTC+0) and Tokyo
        // (the previous evening in UTC), not yet in New York (UTC-5).
        let due = due_slots(&patterns, &zones, &last, at("2026-11-16T08:00:00Z"));
        let fired: Vec<_> = due.iter().map(|d| (d.timezone.as_str(), d.slot)).collect();
        assert_eq!(
            fired,
            vec![("Europe/London", at("2026-11-16T07:30:00Z")), ("Asia/Tokyo", at("2026-11-15T22:30:00Z"))]
        );
        assert!(due.iter().all(|d| !d.baseline));
        let later = due_slots(&patterns, &zones, &last, at("2026-11-16T13:00:00Z"));
        assert!(later.iter().any(|d| d.timezone == "America/New_York" && d.slot == at("2026-11-16T12:30:00Z")));
    }

    #[test]
    fn missed_slots_fire_once_and_daylight_saving_is_honoured() {
        let patterns = vec![(DraftKind::ForecastMemo, parse_cron("0 16 * * FRI").unwrap())];
        let zones = vec![(DraftKind::ForecastMemo, "Europe/London".to_owned())];
        let key = schedule_key(DraftKind::ForecastMemo, "Europe/London");
        // Down for three Fridays: only the latest one is due, once.
        let last = BTreeMap::from([(key.clone(), at("2026-06-05T15:00:00Z"))]);
        let due = due_slots(&patterns, &zones, &last, at("2026-06-29T09:00:00Z"));
        assert_eq!(due.len(), 1);
        // 16:00 in London in June is 15:00 UTC (British Summer Time).
        assert_eq!(due[0].slot, at("2026-06-26T15:00:00Z"));
        let fired = BTreeMap::from([(key.clone(), due[0].slot)]);
        assert!(due_slots(&patterns, &zones, &fired, at("2026-06-29T09:00:00Z")).is_empty());
        // Never seen before: recorded as the starting point, not fired.
        let first = due_slots(&patterns, &zones, &BTreeMap::new(), at("2026-06-29T09:00:00Z"));
        assert!(first[0].baseline);
    }

    #[test]
    fn patterns_must_have_five_fields() {
        assert!(parse_cron("30 7 * * MON").is_ok());
        assert!(parse_cron("0 30 7 * * MON").is_err());
        assert!(parse_cron("61 7 * * MON").is_err());
        assert_eq!(recipient_zone("Mars/Base", "Europe/London"), "Europe/London");
    }
}
