//! Subjects, snippets and next steps for generated activities. Warm deals talk about fees,
//! service levels and signatures; cooling deals carry the phrases a text rule can catch
//! (budget freeze, another provider, not a priority).

/// Outbound email topics by open stage (0..=4).
const OUTBOUND: [&[&str]; 5] = [
    &[
        "Introduction and a few questions about your current set-up",
        "Following our conversation — the operating model questions we discussed",
    ],
    &["Discovery notes and the data we would need from your team", "Agenda for the requirements workshop"],
    &["Draft solution outline and service model", "Operating model options and the migration approach"],
    &["Proposal and fee schedule attached", "Revised pricing reflecting the volumes you shared"],
    &["Updated contract mark-up and SLA schedule", "Final terms and the signature timetable"],
];

/// Outbound email bodies by open stage, paired by position with `OUTBOUND`.
const OUTBOUND_BODY: [&[&str]; 5] = [
    &[
        "thanks for your time today. Could you share how custody and fund accounting are organised today, and who else should join the next conversation?",
        "as promised, a short list of the operating model questions we discussed. Happy to walk through them on a call.",
    ],
    &[
        "attached are my notes from discovery. To size the solution we would need your fund list, asset classes and monthly transaction volumes.",
        "please find the agenda for the requirements workshop. It would help to have operations and fund accounting in the room.",
    ],
    &[
        "attached is the draft solution outline, including the service model and reporting calendar. Keen to hear your team's view.",
        "we have set out two operating model options and a phased migration plan. Could we review them with your COO?",
    ],
    &[
        "please find our proposal and fee schedule attached. The pricing assumes the volumes you shared; happy to go through it.",
        "attached is the revised pricing reflecting the updated volumes. We have also added the service level commitments.",
    ],
    &[
        "attached is our mark-up of the contract together with the SLA schedule. Can we agree a date for signature?",
        "here are the final terms and a proposed signature timetable. Let me know if your legal team needs anything else.",
    ],
];

/// Buyer replies while the deal is warm.
const REPLY_WARM: [&[&str]; 5] = [
    &[
        "Thanks — happy to continue. Our operations lead will join the next call.",
        "Good to speak. We are reviewing providers this year and would like to hear more.",
    ],
    &[
        "Attached are the volumes and fund list. Can we include our CIO next time?",
        "Thanks for the notes, they match our understanding. Let's book the workshop.",
    ],
    &[
        "The team liked the service model. Could you cover the reporting timelines in more detail?",
        "We are aligned on the approach; please send the pricing assumptions.",
    ],
    &[
        "We reviewed the fee schedule internally and have two questions on pricing tiers.",
        "The proposal went to our investment committee; feedback expected next week.",
    ],
    &[
        "Legal has returned the mark-up. We are targeting signature this month.",
        "Procurement approved the terms; the signatory is our COO.",
    ],
];

/// Buyer replies once the deal is cooling.
const REPLY_COOL: &[&str] = &[
    "Apologies for the delay. Budget for this has been frozen until next year.",
    "We are also speaking with another provider and need more time.",
    "This is not a priority this quarter; let's reconnect later.",
    "Our sponsor has moved roles, so the project is on hold for now.",
    "We need to pause while the board reviews its priorities.",
];

const FOLLOW_UP: &[&str] = &[
    "Just following up on my note below — do you have time for a short call?",
    "Checking in on the proposal; happy to adjust anything that does not work for you.",
    "Circling back on this. Is the project still moving on your side?",
];

const MEETING: [&[&str]; 5] = [
    &["Introductory meeting", "Qualification call"],
    &["Requirements workshop", "Discovery session with operations"],
    &["Solution walkthrough", "Operating model design session"],
    &["Proposal review", "Pricing and commercial discussion"],
    &["Contract and SLA negotiation", "Signature planning call"],
];

const CALL: [&[&str]; 5] = [
    &["Qualification call", "Intro call"],
    &["Discovery follow-up call", "Data request call"],
    &["Solution clarifications", "Technical questions call"],
    &["Pricing questions", "Proposal feedback call"],
    &["Legal and procurement check-in", "Close plan call"],
];

const INTERNAL: &[&str] = &[
    "Deal review before the forecast call",
    "Need help with pricing approval",
    "Resourcing for the solution workshop",
    "Account plan and next steps",
];

const NEXT_STEPS: [&[&str]; 6] = [
    &["Book discovery meeting", "Confirm budget owner"],
    &["Requirements workshop with operations", "Collect fund list and volumes"],
    &["Present solution design to CIO", "Agree operating model"],
    &["Walk through proposal and fees", "Answer pricing questions"],
    &["Finalise contract mark-up", "Agree signature date"],
    &["Hand over to onboarding"],
];

fn pick(options: &[&'static str], salt: usize) -> &'static str {
    options.get(salt % options.len().max(1)).copied().unwrap_or("")
}

fn stage_row<T: Copy>(rows: &[T; 5], stage: u8) -> T {
    rows[usize::from(stage).min(4)]
}

pub(crate) fn outbound(stage: u8, salt: usize) -> &'static str {
    pick(stage_row(&OUTBOUND, stage), salt)
}

pub(crate) fn outbound_body(stage: u8, salt: usize) -> &'static str {
    pick(stage_row(&OUTBOUND_BODY, stage), salt)
}

pub(crate) fn reply(stage: u8, warm: bool, salt: usize) -> &'static str {
    if warm {
        pick(stage_row(&REPLY_WARM, stage), salt)
    } else {
        pick(REPLY_COOL, salt)
    }
}

pub(crate) fn follow_up(salt: usize) -> &'static str {
    pick(FOLLOW_UP, salt)
}

pub(crate) fn meeting(stage: u8, salt: usize) -> &'static str {
    pick(stage_row(&MEETING, stage), salt)
}

pub(crate) fn call(stage: u8, salt: usize) -> &'static str {
    pick(stage_row(&CALL, stage), salt)
}

pub(crate) fn internal(salt: usize) -> &'static str {
    pick(INTERNAL, salt)
}

/// Next step for a deal in `stage` (5 = won, handing over).
pub(crate) fn next_step_text(stage: u8, salt: usize) -> &'static str {
    pick(NEXT_STEPS[usize::from(stage).min(5)], salt)
}

/// "Hi Anna, " + body, in one allocation.
pub(crate) fn greeting(first: &str, body: &str) -> String {
    let mut text = String::with_capacity(first.len() + body.len() + 6);
    text.push_str("Hi ");
    text.push_str(first);
    text.push_str(", ");
    text.push_str(body);
    text
}

/// "Product: topic", in one allocation.
pub(crate) fn titled(product: &str, topic: &str) -> String {
    let mut text = String::with_capacity(product.len() + topic.len() + 2);
    text.push_str(product);
    text.push_str(": ");
    text.push_str(topic);
    text
}
