//! The inbox of drafts (to review, or all the caller may read, filtered by state and kind) and
//! a draft's page: its text beside the evidence it cites (each deal and flag links to the deal's
//! page), provenance, edits with their diffs, deliveries, and the review and feedback forms.
//! Every post checks the session's CSRF token, goes through the API's review functions (scope
//! and policy included), and answers with a redirect back to the draft.

use super::html::{self, escape, href, Section};
use super::{markdown, page, see_other, PageError, PageForm, PageResult, PathId, Viewer};
use crate::domain::{money_text, DraftKind, DraftState, MoneyStyle};
use crate::http::api::drafts::{self as api, Decision, DraftDetail, DraftFilter, Rating};
use crate::http::api::insight::deal_summary;
use crate::http::auth::{AccessRole, Principal};
use crate::http::error::ApiError;
use crate::http::AppState;
use crate::store::DraftRecord;
use crate::workflow;
use axum::extract::{Query, State};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// How many drafts one inbox page lists.
const INBOX_LIMIT: usize = 200;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct InboxQuery {
    view: Option<String>,
    state: Option<String>,
    kind: Option<String>,
}

/// Only known values filter; anything else (an empty "any" option included) is no filter.
fn known<T>(value: Option<&str>, parse: fn(&str) -> Option<T>) -> Option<T> {
    value.and_then(parse)
}

pub(super) async fn inbox(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    Query(query): Query<InboxQuery>,
) -> PageResult {
    let to_review = match query.view.as_deref() {
        Some("review") => true,
        Some("all") => false,
        _ => viewer.role != AccessRole::Rep,
    };
    let filter = DraftFilter {
        state: if to_review { None } else { known(query.state.as_deref(), DraftState::parse) },
        kind: known(query.kind.as_deref(), DraftKind::parse),
        to_review: Some(to_review),
        ..DraftFilter::default()
    };
    let records = api::visible_drafts(&state, &viewer, &filter).await?;
    let mut body = String::from("<div class=\"page-head\"><div><h1>Inbox</h1>");
    let _ = write!(
        body,
        "<p>{}</p></div></div>",
        if to_review {
            "Drafts waiting for your decision, newest first."
        } else {
            "Every draft you may read, newest first."
        }
    );
    let tab = |view: &str, label: &str, current: bool| {
        let class = if current { " class=\"current\" aria-current=\"page\"" } else { "" };
        format!("<a href=\"/inbox?view={view}\"{class}>{label}</a>")
    };
    let _ = write!(
        body,
        "<nav class=\"tabs\" aria-label=\"Inbox views\">{}{}</nav>",
        tab("review", "To review", to_review),
        tab("all", "All drafts", !to_review)
    );
    body.push_str(&filters(to_review, filter.state, filter.kind));
    body.push_str("<section class=\"card\">");
    if records.is_empty() {
        let text = if to_review {
            "Nothing is waiting for you. <a href=\"/inbox?view=all\">See all drafts</a>."
        } else {
            "No drafts match. They appear here after the weekly run."
        };
        let _ = write!(body, "<p class=\"empty\">{text}</p>");
    } else {
        body.push_str("<ul class=\"inbox\" id=\"inbox\">");
        for record in records.iter().take(INBOX_LIMIT) {
            body.push_str(&inbox_item(record));
        }
        body.push_str("</ul>");
        if records.len() > INBOX_LIMIT {
            let _ = write!(
                body,
                "<p class=\"muted small\">Showing the newest {INBOX_LIMIT} of {}; filter to narrow it down.</p>",
                records.len()
            );
        }
    }
    body.push_str("</section>");
    Ok(page(&viewer, "Inbox", Section::Inbox, &body))
}

/// `<option>`s for `values` (value, label), `chosen` selected, after an empty "any" option.
fn options(values: impl Iterator<Item = (&'static str, String)>, chosen: Option<&str>) -> String {
    let mut out = String::from("<option value=\"\">Any</option>");
    for (value, name) in values {
        let selected = if chosen == Some(value) { " selected" } else { "" };
        let _ = write!(out, "<option value=\"{value}\"{selected}>{}</option>", escape(&name));
    }
    out
}

fn filters(to_review: bool, state: Option<DraftState>, kind: Option<DraftKind>) -> String {
    let mut out = format!(
        "<form method=\"get\" action=\"/inbox\" class=\"filters\"><input type=\"hidden\" name=\"view\" value=\"{}\">",
        if to_review { "review" } else { "all" }
    );
    if !to_review {
        let states = DraftState::ALL.into_iter().map(|s| (s.as_str(), html::label(s.as_str())));
        let _ = write!(
            out,
            "<label>State<select name=\"state\">{}</select></label>",
            options(states, state.map(DraftState::as_str))
        );
    }
    let kinds = DraftKind::ALL.into_iter().map(|k| (k.as_str(), html::kind_label(k)));
    let _ = write!(
        out,
        "<label>Kind<select name=\"kind\">{}</select></label>\
         <button type=\"submit\" class=\"btn btn-quiet\">Apply</button></form>",
        options(kinds, kind.map(DraftKind::as_str))
    );
    out
}

fn inbox_item(record: &DraftRecord) -> String {
    format!(
        "<li><a class=\"item\" href=\"{}\"><span class=\"item-subject\">{}</span>\
         <span class=\"item-meta\">{} for {} · {} · {}</span><span class=\"item-state\">{}</span></a></li>",
        escape(&href("drafts", &record.id)),
        escape(&record.subject),
        escape(&html::kind_label(record.kind)),
        escape(&record.recipient_name),
        escape(&record.week),
        escape(&html::date(&record.created_at)),
        html::state_pill(record.state)
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct DoneQuery {
    done: Option<String>,
}

async fn render_draft(state: &AppState, viewer: &Principal, id: &str, done: Option<&str>) -> PageResult {
    let record = api::visible_draft(state, viewer, id).await?;
    let may_decide = record.state == DraftState::Drafted
        && workflow::may_review(&state.store, &state.config, &record, viewer.reviewer()).await.unwrap_or(false);
    let run_id = record.run_id.clone();
    let detail = api::detail(state, viewer, record).await?;
    let deal_ids: Vec<String> = detail.cited_deals.iter().map(|c| c.deal_id.clone()).collect();
    let summary = &detail.summary;
    let mut body = format!(
        "<div class=\"crumbs\"><a href=\"/inbox\">Inbox</a> / {}</div><div class=\"page-head\"><div>\
         <h1 id=\"draft-subject\">{}</h1><p>For {} · {} · <span id=\"draft-state\">{}</span></p></div></div>",
        escape(&html::kind_label(summary.kind)),
        escape(&summary.subject),
        escape(&summary.recipient_name),
        escape(&summary.week),
        html::state_pill(summary.state)
    );
    if let Some(text) = done_notice(done) {
        let _ = write!(body, "<p class=\"notice\" role=\"status\" id=\"done\">{text}</p>");
    }
    // Reviewers are recorded by person id; show their names.
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for id in summary.decided_by.iter().chain(detail.edits.iter().map(|e| &e.editor)) {
        if !names.contains_key(id) {
            let name = state.directory.name_of(&state.store, id).await?.unwrap_or_else(|| id.clone());
            names.insert(id.clone(), name);
        }
    }
    if let Some(by) = &summary.decided_by {
        let who = names.get(by).unwrap_or(by);
        match &detail.decision_reason {
            Some(reason) => {
                let _ = write!(body, "<p class=\"notice\">Decided by {}: “{}”</p>", escape(who), escape(reason));
            }
            None => {
                let _ = write!(body, "<p class=\"notice\">Decided by {}.</p>", escape(who));
            }
        }
    }
    body.push_str(&gate_notice(&detail));
    body.push_str("<div class=\"split\"><div>");
    let _ = write!(
        body,
        "<article class=\"card draft-text\" id=\"draft-body\">{}</article>",
        markdown::render(&detail.body, &deal_ids)
    );
    if may_decide {
        body.push_str(&review_forms(viewer, summary.id.as_str(), &detail.body));
    } else if summary.state == DraftState::Drafted {
        let _ = write!(
            body,
            "<p class=\"muted small\" id=\"review\">Waiting for review under the “{}” policy.</p>",
            escape(&html::label(&summary.policy))
        );
    }
    body.push_str(&refused_model_draft(&detail));
    body.push_str(&history(&detail, &names));
    body.push_str(&feedback(viewer, &detail));
    body.push_str("</div><aside class=\"side\">");
    body.push_str(&evidence(state, &run_id, &detail).await?);
    body.push_str(&provenance(&detail.provenance));
    body.push_str("</aside></div>");
    Ok(page(viewer, &summary.subject, Section::Inbox, &body))
}

/// Why the review gate held the draft, and what the validator found against it.
fn gate_notice(detail: &DraftDetail) -> String {
    let mut out = String::new();
    if let Some(reason) = &detail.hold_reason {
        let _ = write!(out, "<p class=\"notice\" id=\"held\">Held for a person to review: {}.</p>", escape(reason));
    }
    if !detail.findings.is_empty() {
        out.push_str("<section class=\"card\" id=\"findings\"><h2>What the validator found</h2><ul>");
        for finding in &detail.findings {
            let _ = write!(out, "<li>{}</li>", escape(finding));
        }
        out.push_str("</ul></section>");
    }
    out
}

/// The model's draft the validator refused, shown as plain text beside the fallback.
fn refused_model_draft(detail: &DraftDetail) -> String {
    let Some(refused) = &detail.refused_model_draft else { return String::new() };
    let mut out = String::from(
        "<section class=\"card\" id=\"refused-draft\"><h2>The model's refused draft</h2>\
         <p class=\"muted small\">The validator refused this; the text above is the deterministic drafter's. \
         Kept for review only: it is never sent.</p><ul>",
    );
    for finding in &refused.findings {
        let _ = write!(out, "<li>{}</li>", escape(finding));
    }
    let _ = write!(out, "</ul><pre class=\"refused\">{}</pre></section>", escape(&refused.text));
    out
}

fn done_notice(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "approved" => Some("Approved. It goes out with the next delivery."),
        "edited" => Some("Your edit was saved and approved. The diff is kept below."),
        "rejected" => Some("Rejected. It will not be sent."),
        "feedback" => Some("Thank you: your feedback was recorded."),
        _ => None,
    }
}

pub(super) async fn show(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    PathId(id): PathId,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    render_draft(&state, &viewer, &id, query.done.as_deref()).await
}

fn review_forms(viewer: &Principal, id: &str, text: &str) -> String {
    let csrf = html::csrf_field(viewer);
    let base = escape(&href("drafts", id));
    format!(
        "<section class=\"card\" id=\"review\"><h2>Your decision</h2><div class=\"actions\">\
         <form method=\"post\" action=\"{base}/approve\" class=\"approve\">{csrf}\
         <label class=\"field\"><span>Note (optional)</span><input type=\"text\" name=\"reason\" maxlength=\"2000\"></label>\
         <div class=\"row\"><button type=\"submit\" class=\"btn btn-primary\">Approve as drafted</button></div></form>\
         <details class=\"action\" id=\"edit\"><summary>Edit, then approve</summary>\
         <form method=\"post\" action=\"{base}/edit\" class=\"edit\">{csrf}\
         <label class=\"field\"><span>Text to send</span><textarea name=\"body\" class=\"body-editor\" required>\n{}</textarea></label>\
         <label class=\"field\"><span>Why you changed it</span><input type=\"text\" name=\"reason\" required maxlength=\"2000\"></label>\
         <button type=\"submit\" class=\"btn btn-primary\">Save edit and approve</button></form></details>\
         <details class=\"action\" id=\"reject\"><summary>Reject</summary>\
         <form method=\"post\" action=\"{base}/reject\" class=\"reject\">{csrf}\
         <label class=\"field\"><span>Why it should not be sent</span><input type=\"text\" name=\"reason\" required maxlength=\"2000\"></label>\
         <button type=\"submit\" class=\"btn btn-danger\">Reject</button></form></details></div></section>",
        escape(text)
    )
}

/// The cited deals with their names and flags; each links to its page and flag.
async fn evidence(state: &AppState, run_id: &str, detail: &DraftDetail) -> Result<String, ApiError> {
    let mut out = String::from("<section class=\"card\" id=\"evidence\"><h2>Evidence</h2>");
    let mut seen: Vec<&str> = Vec::new();
    for cited in &detail.cited_deals {
        if seen.contains(&cited.deal_id.as_str()) {
            continue;
        }
        seen.push(&cited.deal_id);
        let deal_href = href("deals", &cited.deal_id);
        let (name, facts) = match state.store.snapshot_deal(run_id, &cited.deal_id).await? {
            Some(deal) => {
                let head = deal_summary(&deal);
                let facts = format!(
                    "{} · {} · {} to win",
                    html::label(&head.stage),
                    money_text(head.amount_minor, &head.currency, MoneyStyle::Compact),
                    html::percent(head.win_probability)
                );
                (if head.name.is_empty() { cited.deal_id.clone() } else { head.name }, facts)
            }
            None => (cited.deal_id.clone(), "Not in this run's snapshot".to_owned()),
        };
        let _ = write!(
            out,
            "<div class=\"evidence-deal\"><h3><a class=\"cited-deal\" href=\"{}\">{}</a></h3><p class=\"muted small\">{}</p>",
            escape(&deal_href),
            escape(&name),
            escape(&facts)
        );
        if cited.flags.is_empty() {
            out.push_str("<p class=\"small muted\">No flags on this deal.</p>");
        } else {
            out.push_str("<ul class=\"flags\">");
            for flag in &cited.flags {
                let _ = write!(
                    out,
                    "<li>{}<a class=\"flag-link\" href=\"{}#flag-{}\">{}</a></li>",
                    html::severity_pill(&flag.severity),
                    escape(&deal_href),
                    anchor(&flag.signal),
                    escape(&flag.reason)
                );
            }
            out.push_str("</ul>");
        }
        if !cited.evidence.is_empty() {
            let cited: Vec<String> = cited.evidence.iter().map(|e| html::label(e)).collect();
            let _ = write!(out, "<p class=\"small muted\">The draft cites: {}</p>", escape(&cited.join(", ")));
        }
        out.push_str("</div>");
    }
    if seen.is_empty() {
        out.push_str("<p class=\"muted\">This draft cites no deals.</p>");
    }
    out.push_str("</section>");
    Ok(out)
}

/// A fragment id made only of safe characters.
pub(super) fn anchor(key: &str) -> String {
    key.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')).collect()
}

fn provenance(value: &serde_json::Value) -> String {
    let mut out =
        String::from("<section class=\"card\" id=\"provenance\"><h2>How it was drafted</h2><dl class=\"provenance\">");
    if let Some(fields) = value.as_object() {
        for (key, value) in fields {
            let text = match value {
                serde_json::Value::String(text) => text.clone(),
                serde_json::Value::Null => continue,
                other => other.to_string(),
            };
            let text: String = text.chars().take(300).collect();
            let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", escape(&html::label(key)), escape(&text));
        }
    }
    out.push_str("</dl></section>");
    out
}

fn history(detail: &DraftDetail, names: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    if !detail.edits.is_empty() {
        out.push_str("<section class=\"card\" id=\"edits\"><h2>Edits</h2>");
        for edit in &detail.edits {
            let _ = write!(
                out,
                "<p><strong>{}</strong> · {} · “{}”</p><pre class=\"diff\">",
                escape(names.get(&edit.editor).unwrap_or(&edit.editor)),
                escape(&html::datetime(&edit.edited_at)),
                escape(&edit.reason)
            );
            for line in edit.diff.lines() {
                let class = match line.as_bytes().first() {
                    Some(b'+') if !line.starts_with("+++") => " class=\"add\"",
                    Some(b'-') if !line.starts_with("---") => " class=\"del\"",
                    _ => "",
                };
                let _ = writeln!(out, "<span{class}>{}</span>", escape(line));
            }
            out.push_str("</pre>");
        }
        out.push_str("</section>");
    }
    if !detail.deliveries.is_empty() {
        out.push_str("<section class=\"card\" id=\"deliveries\"><h2>Deliveries</h2><ul class=\"timeline\">");
        for delivery in &detail.deliveries {
            let _ = write!(
                out,
                "<li><span class=\"when\">{}</span><span>{} · {} · {} attempt{}</span></li>",
                escape(&html::datetime(&delivery.updated_at)),
                escape(&html::label(&delivery.channel)),
                escape(&html::label(delivery.state.as_str())),
                delivery.attempts,
                if delivery.attempts == 1 { "" } else { "s" }
            );
        }
        out.push_str("</ul></section>");
    }
    out
}

fn feedback(viewer: &Principal, detail: &DraftDetail) -> String {
    let mut out = String::from("<section class=\"card\" id=\"feedback\"><h2>Was this useful?</h2>");
    for given in detail.feedback.iter().filter(|f| f.user_id == viewer.user_id) {
        let rating = if given.rating == "useful" { "useful" } else { "not useful" };
        let _ = write!(
            out,
            "<p class=\"feedback-given\">You found this {rating} ({}).</p>",
            escape(&html::date(&given.created_at))
        );
    }
    let others = detail.feedback.iter().filter(|f| f.user_id != viewer.user_id).count();
    if others > 0 {
        let _ = write!(
            out,
            "<p class=\"muted small\">{others} other opinion{} recorded.</p>",
            if others == 1 { "" } else { "s" }
        );
    }
    let _ = write!(
        out,
        "<form method=\"post\" action=\"{}/feedback\" class=\"feedback\">{}\
         <label class=\"field\"><span>Comment (optional)</span><textarea name=\"comment\" maxlength=\"2000\"></textarea></label>\
         <div class=\"row\"><button type=\"submit\" name=\"rating\" value=\"useful\" class=\"btn btn-quiet\">Useful</button>\
         <button type=\"submit\" name=\"rating\" value=\"not_useful\" class=\"btn btn-quiet\">Not useful</button></div></form></section>",
        escape(&href("drafts", &detail.summary.id)),
        html::csrf_field(viewer)
    );
    out
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ReviewForm {
    csrf: String,
    reason: String,
    body: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct FeedbackForm {
    csrf: String,
    rating: String,
    comment: String,
}

fn back(id: &str, done: &str) -> axum::response::Response {
    see_other(&format!("{}?done={done}", href("drafts", id)))
}

async fn decide(state: &AppState, viewer: &Principal, id: &str, form: &ReviewForm, decision: Decision) -> PageResult {
    viewer.check_csrf(Some(&form.csrf))?;
    let record = api::decide(state, viewer, id, decision).await?;
    Ok(back(id, record.state.as_str()))
}

pub(super) async fn approve(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    PathId(id): PathId,
    PageForm(form): PageForm<ReviewForm>,
) -> PageResult {
    let reason = Some(form.reason.trim().to_owned()).filter(|r| !r.is_empty());
    decide(&state, &viewer, &id, &form, Decision::Approve { reason }).await
}

pub(super) async fn edit(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    PathId(id): PathId,
    PageForm(form): PageForm<ReviewForm>,
) -> PageResult {
    // Browsers send a textarea's lines ending in CR LF; the drafts use LF.
    let body = form.body.replace("\r\n", "\n");
    let decision = Decision::Edit { body, reason: form.reason.trim().to_owned() };
    decide(&state, &viewer, &id, &form, decision).await
}

pub(super) async fn reject(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    PathId(id): PathId,
    PageForm(form): PageForm<ReviewForm>,
) -> PageResult {
    let decision = Decision::Reject { reason: form.reason.trim().to_owned() };
    decide(&state, &viewer, &id, &form, decision).await
}

pub(super) async fn feedback_post(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    PathId(id): PathId,
    PageForm(form): PageForm<FeedbackForm>,
) -> PageResult {
    viewer.check_csrf(Some(&form.csrf))?;
    let rating = match form.rating.as_str() {
        "useful" => Rating::Useful,
        "not_useful" => Rating::NotUseful,
        _ => return Err(PageError(ApiError::bad_request("invalid_rating", "choose useful or not useful"))),
    };
    let comment = Some(form.comment.replace("\r\n", "\n")).filter(|c| !c.trim().is_empty());
    api::save_feedback(&state, &viewer, &id, rating, comment).await?;
    Ok(back(&id, "feedback"))
}
