//! The conduct check on any text that talks about pay: a draft that ties pushing a product to a
//! bonus is blocked. Products are recommended for a client's needs, never because they pay the
//! seller more (MiFID II Art. 24(10), FCA SYSC 19F).
//!
//! A sentence (or two adjacent sentences) is blocked when it names pay, names a product or a
//! kind of product, and either urges selling it or says it pays better. Saying what a named
//! deal is worth to a seller's pay, as the what-if does, is not a product push and passes.
//!
//! Integration point: the agent's draft validator (`agent::validator::compliance`) calls
//! [`check_pay_talk`] on every text field bound for a rep, manager or leader, with the product
//! catalogue's keys and names, next to its own compiled phrase rules, and treats any finding as
//! a compliance refusal. [`check_with_policy`] is the same pair for callers without a validator.
//! The configured phrase rules alone miss most ways of tying a product to pay, which is why this
//! check exists.

use serde::Serialize;

/// Words that name the seller's pay. A trailing `*` matches any word starting with the stem.
const PAY_TERMS: &[&str] = &[
    "bonus*",
    "commission*",
    "payout*",
    "pay out",
    "incentive*",
    "accelerator*",
    "kicker*",
    "spiff*",
    "variable pay",
    "your pay",
    "earn*",
    "ote",
    "paid more",
    "pays more",
    "multiplier*",
    "quota credit",
];

/// Words that urge selling something.
const PUSH_TERMS: &[&str] = &[
    "push*",
    "pitch*",
    "sell*",
    "cross sell*",
    "upsell*",
    "up sell*",
    "steer*",
    "switch*",
    "move them",
    "move the client*",
    "move clients",
    "recommend*",
    "prioriti*",
    "focus on",
    "lead with",
    "bundle*",
    "place more",
    "get them into",
    "put them into",
    "convert*",
];

/// Phrases that say a product pays the seller better.
const BETTER_PAY_TERMS: &[&str] = &[
    "higher commission*",
    "higher rate",
    "better rate",
    "pays more",
    "pays better",
    "paid more",
    "higher paying",
    "counts double",
    "double credit",
    "extra credit",
    "boost*",
    "maximi*",
    "bigger bonus",
    "more commission",
    "accelerat*",
];

/// Words for a kind of product when no product is named.
const PRODUCT_WORDS: &[&str] = &[
    "product*",
    "fund*",
    "share class*",
    "mandate*",
    "solution*",
    "portfolio*",
    "overlay*",
    "lending",
    "annuit*",
    "policy",
    "policies",
    "pension*",
    "service*",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PayTalkFinding {
    pub code: &'static str,
    pub text: String,
    pub pay_terms: Vec<String>,
    pub products: Vec<String>,
    pub push_terms: Vec<String>,
    pub reason: String,
}

fn normalise(text: &str) -> String {
    let mut out = String::from(" ");
    for c in text.chars().flat_map(char::to_lowercase) {
        out.push(if c.is_alphanumeric() { c } else { ' ' });
    }
    out.push(' ');
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The terms of `list` present in `normalised` (padded with spaces on both sides).
fn found(normalised: &str, list: &[&str]) -> Vec<String> {
    let padded = format!(" {normalised} ");
    list.iter()
        .filter(|term| match term.strip_suffix('*') {
            Some(stem) => padded.contains(&format!(" {stem}")),
            None => padded.contains(&format!(" {term} ")),
        })
        .map(|t| t.trim_end_matches('*').to_owned())
        .collect()
}

fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        current.push(*c);
        let ends =
            matches!(c, '!' | '?' | '\n' | ';') || (*c == '.' && chars.get(i + 1).is_none_or(|n| n.is_whitespace()));
        if ends {
            if !current.trim().is_empty() {
                out.push(current.trim().to_owned());
            }
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_owned());
    }
    out
}

/// Findings for `text`; `products` are catalogue keys or names (`fx_overlay`, `FX Overlay`).
pub fn check_pay_talk(text: &str, products: &[String]) -> Vec<PayTalkFinding> {
    let product_names: Vec<String> =
        products.iter().map(|p| normalise(&p.replace('_', " "))).filter(|p| !p.is_empty()).collect();
    let parts = sentences(text);
    let mut windows: Vec<String> = parts.clone();
    windows.extend(parts.windows(2).map(|w| format!("{} {}", w[0], w[1])));
    let mut findings: Vec<PayTalkFinding> = Vec::new();
    for window in windows {
        let norm = normalise(&window);
        let padded = format!(" {norm} ");
        let pay = found(&norm, PAY_TERMS);
        if pay.is_empty() {
            continue;
        }
        let mut named: Vec<String> =
            product_names.iter().filter(|p| padded.contains(&format!(" {p} "))).cloned().collect();
        named.extend(found(&norm, PRODUCT_WORDS));
        if named.is_empty() {
            continue;
        }
        let push = found(&norm, PUSH_TERMS);
        let better = found(&norm, BETTER_PAY_TERMS);
        if push.is_empty() && better.is_empty() {
            continue;
        }
        // One finding per offending sentence: skip a pair whose sentence was already caught.
        if findings.iter().any(|f| window.contains(&f.text) || f.text.contains(&window)) {
            continue;
        }
        let reason = if push.is_empty() {
            format!("says {} pays the seller better", named.join(", "))
        } else {
            format!("urges selling {} and ties it to {}", named.join(", "), pay.join(", "))
        };
        findings.push(PayTalkFinding {
            code: "product_push_tied_to_pay",
            text: window,
            pay_terms: pay,
            products: named,
            push_terms: [push, better].concat(),
            reason: format!("{reason}; products are recommended for the client's needs, never for the seller's pay"),
        });
    }
    findings
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::config::CompliancePolicy;

    /// The configured phrase rules and [`check_pay_talk`] together, as `code: reason` lines.
    fn check_with_policy(text: &str, policy: &CompliancePolicy, products: &[String]) -> Vec<String> {
        let mut findings = Vec::new();
        for rule in &policy.rules {
            let hit = rule.patterns.iter().any(|pattern| {
                // The policy is validated at load; a pattern that no longer compiles cannot match.
                regex::RegexBuilder::new(pattern).case_insensitive(true).build().is_ok_and(|r| r.is_match(text))
            });
            if hit {
                findings.push(format!("{}: {}", rule.id, rule.reason));
            }
        }
        findings.extend(check_pay_talk(text, products).into_iter().map(|f| format!("{}: {}", f.code, f.reason)));
        findings
    }

    fn catalogue() -> Vec<String> {
        ["fx_overlay", "FX Overlay", "securities_lending", "Securities Lending", "custody", "Global Custody"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    }

    #[test]
    fn blocks_a_product_push_tied_to_a_bonus() {
        let blocked = [
            "Pitch FX Overlay to Acme this week; it counts double toward your bonus.",
            "Sell more securities lending to reach your accelerator.",
            "Securities Lending pays a higher commission rate, so lead with it.",
            "Move the client into the higher-paying fund. That gets your bonus over the line.",
            "Focus on custody: it boosts your payout.",
        ];
        let policy = CompliancePolicy::default();
        let mut missed_by_phrase_rules = 0;
        for text in blocked {
            let findings = check_pay_talk(text, &catalogue());
            assert_eq!(findings.len(), 1, "{text}: {findings:?}");
            assert_eq!(findings[0].code, "product_push_tied_to_pay");
            let combined = check_with_policy(text, &policy, &catalogue());
            assert!(combined.iter().any(|f| f.starts_with("product_push_tied_to_pay")), "{text}: {combined:?}");
            missed_by_phrase_rules += usize::from(combined.len() == 1);
        }
        // The configured phrase rules alone let most of these through.
        assert!(missed_by_phrase_rules >= 3);
    }

    #[test]
    fn lets_pay_facts_and_client_led_advice_through() {
        let allowed = [
            "If D-17 (Acme – Global Custody) closes at 1,000,000.00 USD on 2026-06-30, your FY2026-Q2 variable pay changes by +4,160.00 USD.",
            "Your bonus is tracking at 85% of target.",
            "Recommend FX Overlay only where the client's currency exposure needs it.",
            "The payout rate is 1.5x above quota.",
            "",
        ];
        for text in allowed {
            assert!(check_pay_talk(text, &catalogue()).is_empty(), "{text}");
            assert!(check_with_policy(text, &CompliancePolicy::default(), &catalogue()).is_empty(), "{text}");
        }
    }

    #[test]
    fn decimals_do_not_split_sentences() {
        assert_eq!(sentences("Rate 1.5x applies. Next one"), vec!["Rate 1.5x applies.", "Next one"]);
    }
}
