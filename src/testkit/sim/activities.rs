//! Emails, meetings and calls for one deal, from creation until it closes or `as_of`. Their
//! cadence, reply rate and breadth of buyer contacts follow the deal's engagement over time, so
//! a deal that will die visibly goes quiet, one-sided and single-threaded.

use super::accounts::{Book, PRODUCTS};
use super::calendar::{business_time_near, chance, days, exponential, uniform};
use super::people::Org;
use super::plan::{Change, DealPlan, STAGE_WON};
use super::text;
use crate::domain::{
    bounded_snippet, Activity, ActivityId, ActivityKind, Contact, DealId, DealLink, Direction, IdError, Participant,
    ParticipantRole, Party, Person, SourceName,
};
use chrono::{DateTime, Duration, Utc};
use rand::Rng;

/// Mean days between touches on a fully engaged deal, divided by (0.2 + engagement).
const BASE_GAP_DAYS: f64 = 4.1;

pub(crate) struct ActivityContext<'a> {
    pub source: &'a SourceName,
    pub org: &'a Org,
    pub book: &'a Book,
    pub as_of: DateTime<Utc>,
}

struct Draft {
    kind: ActivityKind,
    direction: Direction,
    at: DateTime<Utc>,
    duration_minutes: Option<u32>,
    subject: String,
    snippet: String,
    thread_id: Option<String>,
    participants: Vec<Participant>,
}

fn person(p: &Person, role: ParticipantRole) -> Participant {
    Participant {
        address: p.emails.first().cloned().unwrap_or_default(),
        name: Some(p.name.clone()),
        role,
        party: Some(Party::Person(p.id.clone())),
    }
}

fn contact(c: &Contact, role: ParticipantRole) -> Participant {
    Participant {
        address: c.email.clone().unwrap_or_default(),
        name: Some(c.name.clone()),
        role,
        party: Some(Party::Contact(c.id.clone())),
    }
}

struct Writer<'a> {
    cx: &'a ActivityContext<'a>,
    deal_id: &'a DealId,
    deal_ext: &'a str,
    count: usize,
    out: &'a mut Vec<Activity>,
}

impl Writer<'_> {
    fn emit(&mut self, draft: Draft) -> Result<(), IdError> {
        self.count += 1;
        let external_id = format!("{}-a{:03}", self.deal_ext, self.count);
        self.out.push(Activity {
            id: ActivityId::from_source(self.cx.source, &external_id)?,
            source: self.cx.source.clone(),
            external_id,
            kind: draft.kind,
            direction: draft.direction,
            occurred_at: draft.at,
            duration_minutes: draft.duration_minutes,
            subject: Some(draft.subject),
            snippet: Some(bounded_snippet(&draft.snippet)),
            thread_id: draft.thread_id,
            participants: draft.participants,
            deals: vec![DealLink { deal_id: self.deal_id.clone(), rule: "sim".to_owned(), confidence: 1.0 }],
        });
        Ok(())
    }
}

/// Buyer contacts engaged at this moment: more of the group as engagement and stage rise;
/// the senior sponsor drops out once engagement falls.
fn fill_active(plan: &DealPlan, h: f64, stage: u8, active: &mut Vec<usize>) {
    active.clear();
    let Some(first) = plan.group.first() else {
        return;
    };
    let stage_factor = [0.5, 0.75, 1.0, 1.0, 1.0][usize::from(stage.min(4))];
    let extra = (plan.group.len() - 1) as f64 * h.min(1.0) * stage_factor * 1.3;
    let wanted = 1 + extra.floor() as usize;
    active.push(*first);
    for (position, c) in plan.group.iter().enumerate().skip(1) {
        if active.len() >= wanted {
            break;
        }
        if position == 1 && plan.senior_in_group && h < 0.45 {
            continue;
        }
        active.push(*c);
    }
}

/// Writes the deal's activities up to `as_of` into `out`; returns when the next step was last
/// updated and at which stage.
pub(crate) fn deal_activities(
    cx: &ActivityContext<'_>,
    plan: &DealPlan,
    deal_id: &DealId,
    deal_ext: &str,
    rng: &mut impl Rng,
    out: &mut Vec<Activity>,
) -> Result<Option<(DateTime<Utc>, u8)>, IdError> {
    let rep = &cx.org.reps[plan.rep];
    let off = rep.utc_offset_h;
    let seller = &cx.org.people[rep.person];
    let manager = &cx.org.people[rep.manager];
    let partner = plan.split.and_then(|(r, _)| cx.org.reps.get(r)).and_then(|r| cx.org.people.get(r.person));
    let product = PRODUCTS[plan.product].name;
    let stop = plan.end.map_or(cx.as_of, |e| e.min(cx.as_of));
    let start = out.len();
    let mut w = Writer { cx, deal_id, deal_ext, count: 0, out };
    let mut next_step: Option<(DateTime<Utc>, u8)> = None;
    let mut active: Vec<usize> = Vec::with_capacity(8);
    let mut quiet_used = false;
    let mut threads = 0usize;
    let first_touch = plan.created + Duration::minutes(rng.gen_range(30..2_880));
    let mut t = business_time_near(first_touch, off, rng).max(plan.created);
    while t < stop {
        let h = plan.health(t);
        let stage = plan.stage_at(t).min(4);
        fill_active(plan, h, stage, &mut active);
        let cooling = plan.decay_start.is_some_and(|d| t > d && h < 0.45) || plan.slip_from.is_some_and(|s| t > s);
        let salt: usize = rng.gen();
        let p_meeting = (0.06 + 0.3 * h) * if stage == 0 { 0.6 } else { 1.0 };
        let roll: f64 = rng.gen();
        if active.is_empty() || roll < 0.06 {
            let colleague = partner.filter(|_| chance(rng, 0.5)).unwrap_or(manager);
            w.emit(Draft {
                kind: ActivityKind::Email,
                direction: Direction::Internal,
                at: t,
                duration_minutes: None,
                subject: text::titled("Internal", text::internal(salt)),
                snippet: text::greeting(
                    cx.org.people_first.get(rep.manager).copied().unwrap_or("team"),
                    "can we look at this deal together? Stage, close date and next step are up to date in the CRM.",
                ),
                thread_id: None,
                participants: vec![person(seller, ParticipantRole::From), person(colleague, ParticipantRole::To)],
            })?;
        } else if roll < 0.06 + p_meeting {
            let mut participants = Vec::with_capacity(active.len() + 2);
            participants.push(person(seller, ParticipantRole::Organizer));
            for c in active.iter().take(4) {
                participants.push(contact(&cx.book.contacts[*c], ParticipantRole::Attendee));
            }
            if stage >= 2 && chance(rng, 0.3) {
                participants.push(person(partner.unwrap_or(manager), ParticipantRole::Attendee));
            }
            let step = text::next_step_text(stage, salt);
            w.emit(Draft {
                kind: ActivityKind::Meeting,
                direction: Direction::Outbound,
                at: t,
                duration_minutes: Some([30, 45, 60, 60, 90][salt % 5]),
                subject: text::titled(product, text::meeting(stage, salt)),
                snippet: text::titled("Agreed next step", step),
                thread_id: None,
                participants,
            })?;
            if h > 0.4 {
                next_step = Some((t, stage));
            }
        } else if roll < 0.18 + p_meeting {
            let buyer = &cx.book.contacts[active[salt % active.len()]];
            let inbound = chance(rng, 0.3 * h);
            let (from, to) = if inbound {
                (contact(buyer, ParticipantRole::From), person(seller, ParticipantRole::To))
            } else {
                (person(seller, ParticipantRole::From), contact(buyer, ParticipantRole::To))
            };
            w.emit(Draft {
                kind: ActivityKind::Call,
                direction: if inbound { Direction::Inbound } else { Direction::Outbound },
                at: t,
                duration_minutes: Some(rng.gen_range(10..40)),
                subject: text::titled(product, text::call(stage, salt)),
                snippet: text::titled("Call notes", text::next_step_text(stage, salt / 7)),
                thread_id: None,
                participants: vec![from, to],
            })?;
        } else {
            threads += 1;
            let thread = format!("{deal_ext}-t{threads}");
            let primary = &cx.book.contacts[active[salt % active.len()]];
            let second = (active.len() > 1 && chance(rng, 0.35))
                .then(|| &cx.book.contacts[active[(salt / 3 + 1) % active.len()]])
                .filter(|c| c.id != primary.id);
            let subject = text::titled(product, text::outbound(stage, salt));
            let mut participants = vec![person(seller, ParticipantRole::From), contact(primary, ParticipantRole::To)];
            if let Some(c) = second {
                participants.push(contact(c, ParticipantRole::To));
            }
            if chance(rng, 0.05) {
                participants.push(person(manager, ParticipantRole::Cc));
            }
            let first = cx.book.contact_info.get(active[salt % active.len()]).map_or("there", |i| i.first);
            w.emit(Draft {
                kind: ActivityKind::Email,
                direction: Direction::Outbound,
                at: t,
                duration_minutes: None,
                subject: subject.clone(),
                snippet: text::greeting(first, text::outbound_body(stage, salt)),
                thread_id: Some(thread.clone()),
                participants,
            })?;
            let p_reply = 0.04 + 0.8 * h.powf(1.5);
            if chance(rng, p_reply) {
                let at = t + Duration::minutes(rng.gen_range(45..1_800));
                if at <= stop {
                    let mut participants =
                        vec![contact(primary, ParticipantRole::From), person(seller, ParticipantRole::To)];
                    if let Some(c) = second {
                        participants.push(contact(c, ParticipantRole::Cc));
                    }
                    let seller_first = cx.org.people_first.get(rep.person).copied().unwrap_or("there");
                    w.emit(Draft {
                        kind: ActivityKind::Email,
                        direction: Direction::Inbound,
                        at,
                        duration_minutes: None,
                        subject: text::titled("Re", &subject),
                        snippet: text::greeting(seller_first, text::reply(stage, !cooling, salt / 5)),
                        thread_id: Some(thread),
                        participants,
                    })?;
                }
            } else if chance(rng, 0.5) {
                let at = business_time_near(t + days(uniform(rng, 3.0, 6.0)), off, rng);
                if at <= stop {
                    w.emit(Draft {
                        kind: ActivityKind::Email,
                        direction: Direction::Outbound,
                        at,
                        duration_minutes: None,
                        subject: text::titled("Re", &subject),
                        snippet: text::greeting(first, text::follow_up(salt / 5)),
                        thread_id: Some(thread),
                        participants: vec![
                            person(seller, ParticipantRole::From),
                            contact(primary, ParticipantRole::To),
                        ],
                    })?;
                }
            }
        }
        let mut gap = exponential(rng, BASE_GAP_DAYS / (0.2 + h));
        if plan.looks_off && plan.won() && !quiet_used && chance(rng, 0.06) {
            gap += uniform(rng, 10.0, 18.0);
            quiet_used = true;
        }
        t = business_time_near(t + days(gap), off, rng).max(t + Duration::minutes(30));
    }
    if let Some(end) = plan.end.filter(|e| *e <= cx.as_of) {
        if let Some(buyer) = plan.group.first().and_then(|c| cx.book.contacts.get(*c)) {
            let won = plan.won();
            let seller_first = cx.org.people_first.get(rep.person).copied().unwrap_or("there");
            let body = if won {
                "please find the signed agreement attached. We look forward to working together."
            } else {
                "thank you for your time. We have decided not to proceed with a new provider at this stage."
            };
            w.emit(Draft {
                kind: ActivityKind::Email,
                direction: Direction::Inbound,
                at: end,
                duration_minutes: None,
                subject: text::titled(product, if won { "Signed agreement" } else { "Our decision" }),
                snippet: text::greeting(seller_first, body),
                thread_id: None,
                participants: vec![contact(buyer, ParticipantRole::From), person(seller, ParticipantRole::To)],
            })?;
        }
    }
    w.out[start..].sort_by_key(|a| a.occurred_at);
    for event in &plan.events {
        if event.at > stop {
            break;
        }
        if let Change::Stage(s) = event.change {
            if s < STAGE_WON && next_step.is_none_or(|(at, _)| at <= event.at) {
                next_step = Some((event.at, s));
            }
        }
    }
    Ok(next_step)
}
