//! A deal's page: what the engine says about it in the latest snapshot (amount, stage,
//! probabilities and what moved them), each flag with its reason, measure and threshold, and
//! the evidence behind the flags — the activities and history rows they cite, highlighted in the
//! deal's timeline. Outside the caller's scope it is the same 404 as a missing deal.

use super::drafts::anchor;
use super::html::{self, escape, href, Section};
use super::{charts, page, PageResult, PathId, Viewer};
use crate::domain::{money_text, MoneyStyle};
use crate::http::api::insight::deal_detail;
use crate::http::AppState;
use crate::store::{ActivityLine, HistoryLine};
use axum::extract::State;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// The parts of the engine's `DealRisk` the page shows.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DealView {
    deal_id: String,
    name: String,
    owner_id: String,
    account: Option<String>,
    segment: Option<String>,
    stage: String,
    days_in_stage: f64,
    amount_minor: i64,
    currency: String,
    amount_estimated: bool,
    close_date: Option<String>,
    forecast_category: serde_json::Value,
    win_probability: f64,
    slip_probability: f64,
    in_period_probability: f64,
    win_explanation: WinView,
    flags: Vec<FlagView>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WinView {
    method: String,
    stage_conversion: Option<f64>,
    stage_snapshots: u32,
    drivers: Vec<Driver>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Driver {
    input: String,
    log_odds: f64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FlagView {
    signal: String,
    severity: String,
    reason: String,
    measure: f64,
    threshold: f64,
    evidence: EvidenceView,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EvidenceView {
    activity_ids: Vec<String>,
    history_ids: Vec<String>,
}

pub(super) async fn page_for(State(state): State<AppState>, Viewer(viewer): Viewer, PathId(id): PathId) -> PageResult {
    let detail = deal_detail(&state, &viewer, &id).await?;
    let deal: DealView = serde_json::from_value(detail.deal).unwrap_or_default();
    let owner = state.directory.name_of(&state.store, &deal.owner_id).await?.unwrap_or_else(|| deal.owner_id.clone());
    let name = if deal.name.is_empty() { deal.deal_id.clone() } else { deal.name.clone() };
    let mut body = format!(
        "<div class=\"crumbs\"><a href=\"{}\">{}</a> / Deal</div><div class=\"page-head\"><div><h1 id=\"deal-name\">{}</h1><p>{}</p></div>\
         <p class=\"muted small\">As of {} · ruleset {}</p></div>",
        escape(&href("reps", &deal.owner_id)),
        escape(&owner),
        escape(&name),
        escape(&facts(&deal)),
        escape(&html::date(&detail.snapshot.as_of)),
        escape(&detail.snapshot.ruleset_version)
    );
    body.push_str(&stats(&deal));
    let cited_activities: BTreeSet<&str> =
        deal.flags.iter().flat_map(|f| f.evidence.activity_ids.iter().map(String::as_str)).collect();
    let cited_history: BTreeSet<&str> =
        deal.flags.iter().flat_map(|f| f.evidence.history_ids.iter().map(String::as_str)).collect();
    body.push_str("<div class=\"split\"><div>");
    body.push_str(&flags(&deal.flags, &detail.activities));
    body.push_str(&activities(&detail.activities, &cited_activities));
    body.push_str("</div><aside class=\"side\">");
    body.push_str(&explanation(&deal));
    body.push_str(&history(&detail.history, &cited_history, &deal.currency));
    body.push_str("</aside></div>");
    Ok(page(&viewer, &name, Section::Other, &body))
}

fn facts(deal: &DealView) -> String {
    let mut parts = Vec::new();
    if let Some(account) = &deal.account {
        parts.push(account.clone());
    }
    if let Some(segment) = &deal.segment {
        parts.push(html::label(segment));
    }
    parts.push(format!("{} for {:.0} days", html::label(&deal.stage), deal.days_in_stage.max(0.0)));
    if let Some(close) = &deal.close_date {
        parts.push(format!("closes {}", html::date(close)));
    }
    if let Some(category) = deal.forecast_category.as_str() {
        parts.push(format!("{} category", html::label(category)));
    }
    parts.join(" · ")
}

fn stats(deal: &DealView) -> String {
    let estimated = if deal.amount_estimated { "<div class=\"h\">Estimated from list prices</div>" } else { "" };
    format!(
        "<div class=\"stats\">\
         <div class=\"stat\"><div class=\"k\">Amount</div><div class=\"v\">{}</div>{estimated}</div>\
         <div class=\"stat\"><div class=\"k\">Win by close date</div><div class=\"v\" id=\"win-probability\">{}</div>{}</div>\
         <div class=\"stat\"><div class=\"k\">Won this period</div><div class=\"v\">{}</div>{}</div>\
         <div class=\"stat\"><div class=\"k\">Slips past close</div><div class=\"v\">{}</div>{}</div></div>",
        escape(&money_text(deal.amount_minor, &deal.currency, MoneyStyle::Compact)),
        html::percent(deal.win_probability),
        charts::meter(deal.win_probability, None, "win"),
        html::percent(deal.in_period_probability),
        charts::meter(deal.in_period_probability, None, "in-period"),
        html::percent(deal.slip_probability),
        charts::meter(deal.slip_probability, None, "slip"),
    )
}

fn flags(flags: &[FlagView], activities: &[ActivityLine]) -> String {
    let mut out = String::from("<section class=\"card\" id=\"flags\"><h2>Flags</h2>");
    if flags.is_empty() {
        out.push_str("<p class=\"muted\">Nothing is flagged on this deal.</p>");
    }
    for flag in flags {
        let _ = write!(
            out,
            "<article class=\"evidence-deal flag\" id=\"flag-{}\"><h3>{} {}</h3><p>{}</p>\
             <p class=\"muted small\">Measured {} against a threshold of {}.</p>",
            anchor(&flag.signal),
            html::severity_pill(&flag.severity),
            escape(&html::label(&flag.signal)),
            escape(&flag.reason),
            number(flag.measure),
            number(flag.threshold)
        );
        let links: Vec<String> = flag
            .evidence
            .activity_ids
            .iter()
            .map(|id| {
                let text = match activities.iter().find(|a| &a.id == id) {
                    Some(line) => {
                        format!("{} {}", html::label(&line.kind).to_lowercase(), html::date(&line.occurred_at))
                    }
                    None => "activity".to_owned(),
                };
                format!("<a href=\"#activity-{}\">{}</a>", anchor(id), escape(&text))
            })
            .chain(flag.evidence.history_ids.iter().map(|id| format!("<a href=\"#history-{}\">change</a>", anchor(id))))
            .collect();
        if !links.is_empty() {
            let _ = write!(out, "<p class=\"small\">Evidence: {}</p>", links.join(", "));
        }
        out.push_str("</article>");
    }
    out.push_str("</section>");
    out
}

/// Measures and thresholds: whole when whole, else up to two decimals.
fn number(value: f64) -> String {
    if !value.is_finite() {
        "–".to_owned()
    } else if value.fract().abs() < 1e-9 {
        format!("{value:.0}")
    } else {
        let text = format!("{value:.2}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

fn explanation(deal: &DealView) -> String {
    let win = &deal.win_explanation;
    let method = if win.method == "fitted" {
        "fitted on this organisation's own history"
    } else {
        "the stage's default probability (too little history to fit)"
    };
    let mut out = format!(
        "<section class=\"card\" id=\"why\"><h2>Why {} to win</h2><p class=\"small muted\">From {}.",
        html::percent(deal.win_probability),
        method
    );
    if let Some(conversion) = win.stage_conversion {
        let _ = write!(
            out,
            " {} of {} past snapshots at this stage were won by their close date.",
            html::percent(conversion),
            win.stage_snapshots
        );
    }
    out.push_str("</p>");
    if !win.drivers.is_empty() {
        let rows: Vec<(String, f64, String)> = win
            .drivers
            .iter()
            .map(|d| {
                let sign = if d.log_odds >= 0.0 { "+" } else { "−" };
                (html::label(&d.input), d.log_odds, format!("{sign}{:.2}", d.log_odds.abs()))
            })
            .collect();
        out.push_str(&charts::diverging_bars("win-drivers", "What moved the win probability", &rows));
        out.push_str(
            "<p class=\"small muted\">Log-odds against the average deal: right raises the chance, left lowers it.</p>",
        );
    }
    out.push_str("</section>");
    out
}

fn activities(lines: &[ActivityLine], cited: &BTreeSet<&str>) -> String {
    let mut out = String::from("<section class=\"card\" id=\"activities\"><h2>Activities</h2>");
    if lines.is_empty() {
        out.push_str("<p class=\"muted\">No activities recorded on this deal.</p>");
    } else {
        out.push_str("<p class=\"small muted\">Highlighted ones are cited by a flag.</p><ul class=\"timeline\">");
    }
    for line in lines {
        let class = if cited.contains(line.id.as_str()) { " class=\"cited\"" } else { "" };
        let subject = line.subject.as_deref().filter(|s| !s.trim().is_empty()).unwrap_or("(no subject)");
        let _ = write!(
            out,
            "<li id=\"activity-{}\"{class}><span class=\"when\">{}</span><span><span class=\"tag\">{}</span>\
             <span class=\"tag\">{}</span>{}</span></li>",
            anchor(&line.id),
            escape(&html::date(&line.occurred_at)),
            escape(&html::label(&line.kind)),
            escape(&html::label(&line.direction)),
            escape(subject)
        );
    }
    if !lines.is_empty() {
        out.push_str("</ul>");
    }
    out.push_str("</section>");
    out
}

/// A history value as people read it: amounts (stored in minor units) as money.
fn history_value(field: &str, value: Option<&str>, currency: &str) -> String {
    match value {
        None => "–".to_owned(),
        Some(text) if field.contains("amount") => match text.trim().parse::<i64>() {
            Ok(minor) => money_text(minor, currency, MoneyStyle::Compact),
            Err(_) => text.chars().take(120).collect(),
        },
        Some(text) if field.contains("date") => html::date(text),
        // Keys such as stages read better as words; free text stays as written.
        Some(text) if text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') => {
            html::label(text)
        }
        Some(text) => text.chars().take(120).collect(),
    }
}

fn history(lines: &[HistoryLine], cited: &BTreeSet<&str>, currency: &str) -> String {
    let mut out = String::from("<section class=\"card\" id=\"history\"><h2>History</h2>");
    if lines.is_empty() {
        out.push_str("<p class=\"muted\">No recorded changes.</p>");
    } else {
        out.push_str("<ul class=\"timeline\">");
    }
    for line in lines {
        let class = if cited.contains(line.id.as_str()) { " class=\"cited\"" } else { "" };
        let _ = write!(
            out,
            "<li id=\"history-{}\"{class}><span class=\"when\">{}</span><span><strong>{}</strong>: {} → {}</span></li>",
            anchor(&line.id),
            escape(&html::date(&line.changed_at)),
            escape(&html::label(&line.field)),
            escape(&history_value(&line.field, line.old_value.as_deref(), currency)),
            escape(&history_value(&line.field, line.new_value.as_deref(), currency))
        );
    }
    if !lines.is_empty() {
        out.push_str("</ul>");
    }
    out.push_str("</section>");
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn numbers_drop_needless_decimals() {
        assert_eq!(number(14.0), "14");
        assert_eq!(number(1.5), "1.5");
        assert_eq!(number(0.333_333), "0.33");
        assert_eq!(number(f64::INFINITY), "–");
    }

    #[test]
    fn flags_escape_their_reasons_and_anchor_their_evidence() {
        let flag = FlagView {
            signal: "no_recent_activity".to_owned(),
            severity: "high".to_owned(),
            reason: "<img src=x>".to_owned(),
            measure: 30.0,
            threshold: 14.0,
            evidence: EvidenceView { activity_ids: vec!["act:1".to_owned()], history_ids: vec![] },
        };
        let html = flags(&[flag], &[]);
        assert!(html.contains("id=\"flag-no_recent_activity\""));
        assert!(html.contains("&lt;img src=x&gt;") && !html.contains("<img"));
        assert!(html.contains("href=\"#activity-act1\">activity</a>"));
        assert_eq!(history_value("amount", Some("59100000"), "USD"), "$591,000");
        assert_eq!(history_value("close_date", Some("2026-11-25"), "USD"), "25 Nov 2026");
        assert_eq!(history_value("stage", None, "USD"), "–");
    }
}
