//! What a deal's activities say at `as_of`, in one walk over that deal's activities up to
//! `as_of`: last touch, last word from the buyer, meetings, who on the buyer side took part,
//! and which keyword signals came up.

use super::index::Index;
use super::rules::RiskConfig;
use crate::domain::{ActivityKind, Direction, Seniority, SignalKind};
use chrono::{DateTime, Duration, Utc};

/// Most evidence ids kept per list: enough to inspect, bounded for large deals.
pub(super) const EVIDENCE_CAP: usize = 5;

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Engagement {
    /// Buyer-facing emails, meetings and calls at or before `as_of`.
    pub touches: u32,
    pub last_touch: Option<(u32, DateTime<Utc>)>,
    pub last_inbound: Option<(u32, DateTime<Utc>)>,
    pub outbound_since_inbound: u32,
    /// Most recent first.
    pub outbound_since_inbound_ids: Vec<u32>,
    pub meetings: Vec<(u32, DateTime<Utc>)>,
    pub window_outbound: u32,
    pub window_inbound: u32,
    /// Most recent first.
    pub window_outbound_ids: Vec<u32>,
    /// Distinct buyer contacts who took part recently, each with the latest activity showing it.
    pub engaged_contacts: Vec<(u32, u32)>,
    /// The most senior buyer contact who took part within the power lookback.
    pub most_senior: Option<(Seniority, u32)>,
    pub competitor_ids: Vec<u32>,
    pub red_flag_ids: Vec<u32>,
    pub pricing_discussed: bool,
    pub inbound_30d: u32,
    pub outbound_30d: u32,
    pub touches_prior_30d: u32,
    pub meetings_60d: u32,
}

fn push_recent(list: &mut Vec<u32>, id: u32) {
    list.insert(0, id);
    list.truncate(EVIDENCE_CAP);
}

/// Walks deal `position`'s activities at or before `as_of`.
pub(super) fn engagement_at(
    index: &Index<'_>,
    rules: &RiskConfig,
    position: usize,
    as_of: DateTime<Utc>,
) -> Engagement {
    let all = index.activities_of(position);
    let known = all.partition_point(|&a| index.activity(a).is_some_and(|x| x.occurred_at <= as_of));
    let days_ago = |days: u32| as_of - Duration::days(i64::from(days));
    let one_sided_from = days_ago(rules.one_sided.lookback_days);
    let contacts_from = days_ago(rules.not_multithreaded.lookback_days);
    let power_from = days_ago(rules.no_power.lookback_days);
    let content_from = days_ago(rules.content.lookback_days);
    let (from_30, from_60) = (days_ago(30), days_ago(60));

    let mut out = Engagement::default();
    for &position in all.iter().take(known) {
        let Some(activity) = index.activity(position) else { continue };
        let at = activity.occurred_at;
        let signals = index.signals_of(position);
        if signals.has(SignalKind::PricingDiscussed) {
            out.pricing_discussed = true;
        }
        if at >= content_from {
            if signals.has(SignalKind::CompetitorNamed) {
                push_recent(&mut out.competitor_ids, position);
            }
            if signals.has(SignalKind::RedFlag) {
                push_recent(&mut out.red_flag_ids, position);
            }
        }
        let buyer_facing = activity.direction != Direction::Internal
            && matches!(activity.kind, ActivityKind::Email | ActivityKind::Meeting | ActivityKind::Call);
        if !buyer_facing {
            continue;
        }
        out.touches += 1;
        out.last_touch = Some((position, at));
        if at >= from_30 {
            match activity.direction {
                Direction::Inbound => out.inbound_30d += 1,
                _ => out.outbound_30d += 1,
            }
        } else if at >= from_60 {
            out.touches_prior_30d += 1;
        }
        if activity.kind == ActivityKind::Meeting {
            out.meetings.push((position, at));
            if at >= from_60 {
                out.meetings_60d += 1;
            }
        }
        match activity.direction {
            Direction::Inbound => {
                out.last_inbound = Some((position, at));
                out.outbound_since_inbound = 0;
                out.outbound_since_inbound_ids.clear();
                if at >= one_sided_from {
                    out.window_inbound += 1;
                }
            }
            _ => {
                out.outbound_since_inbound += 1;
                push_recent(&mut out.outbound_since_inbound_ids, position);
                if at >= one_sided_from {
                    out.window_outbound += 1;
                    push_recent(&mut out.window_outbound_ids, position);
                }
            }
        }
        for &contact in index.participants_of(position) {
            if at >= contacts_from {
                match out.engaged_contacts.iter_mut().find(|(c, _)| *c == contact) {
                    Some(entry) => entry.1 = position,
                    None => out.engaged_contacts.push((contact, position)),
                }
            }
            if at >= power_from {
                let seniority = index.contact_seniority(contact);
                // Lower enum values are more senior.
                if out.most_senior.is_none_or(|(best, _)| seniority <= best) {
                    out.most_senior = Some((seniority, position));
                }
            }
        }
    }
    out.engaged_contacts.sort_unstable();
    out
}
