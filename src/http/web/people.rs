//! People's pages: a rep's scorecard (each number with how it was computed) and their flagged
//! deals; a manager's team, reps ranked by how much they need the manager this week with the
//! reasons and the deals to inspect; and the list of teams the caller may open. All of it from
//! the latest snapshot, through the caller's scope.

use super::html::{self, escape, href, Section};
use super::{charts, page, PageError, PageResult, PathId, Viewer};
use crate::domain::{money_text, MoneyStyle};
use crate::http::api::insight::{deal_summary, rollup, scorecard, visible_deals, DealFilter};
use crate::http::error::ApiError;
use crate::http::AppState;
use axum::extract::State;
use serde::Deserialize;
use std::fmt::Write as _;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Metric {
    value: f64,
    how: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Hygiene {
    overdue_close_dates: u32,
    stale_next_steps: u32,
    missing_close_dates: u32,
    how: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Accuracy {
    period: String,
    committed_minor: i64,
    won_total_minor: i64,
    accuracy: f64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Conduct {
    indicators: Vec<String>,
}

/// The parts of the engine's `Scorecard` the page shows.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ScorecardView {
    person_id: String,
    name: String,
    manager_id: Option<String>,
    team: Option<String>,
    period: String,
    quota_minor: i64,
    booked_minor: i64,
    attainment: Metric,
    pace: Metric,
    coverage: Metric,
    win_rate: Metric,
    cycle_days: Metric,
    average_deal_minor: Metric,
    activity_trend: Metric,
    high_risk_share: Metric,
    open_deals: u32,
    hygiene: Hygiene,
    forecast_accuracy: Vec<Accuracy>,
    conduct: Conduct,
}

fn stat(key: &str, value: &str, how: &str, extra: &str) -> String {
    format!(
        "<div class=\"stat\"><div class=\"k\">{}</div><div class=\"v\">{}</div>{extra}<div class=\"h\">{}</div></div>",
        escape(key),
        escape(value),
        escape(how)
    )
}

/// `+12%` / `−30%` for a relative change.
fn change(value: f64) -> String {
    if value > 0.0 {
        format!("+{}", html::percent(value))
    } else {
        html::percent(value)
    }
}

pub(super) async fn rep(State(state): State<AppState>, Viewer(viewer): Viewer, PathId(id): PathId) -> PageResult {
    let id = if id == "me" { viewer.person_id.clone().ok_or(PageError(ApiError::NotFound))? } else { id };
    let detail = scorecard(&state, &viewer, &id).await?;
    let card: ScorecardView = serde_json::from_value(detail.scorecard).unwrap_or_default();
    let currency = detail.snapshot.currency.as_str();
    let money = |minor: i64| money_text(minor, currency, MoneyStyle::Compact);
    let name = if card.name.is_empty() { card.person_id.clone() } else { card.name.clone() };
    let mut body = String::new();
    let team = match &card.manager_id {
        Some(manager) if viewer.sees_person(manager) => format!(
            "<a href=\"{}\">{}</a> / ",
            escape(&href("teams", manager)),
            escape(card.team.as_deref().unwrap_or("Team"))
        ),
        _ => String::new(),
    };
    let _ = write!(
        body,
        "<div class=\"crumbs\">{team}Scorecard</div><div class=\"page-head\"><div><h1 id=\"rep-name\">{}</h1>\
         <p>{} · {} open deal{} · as of {}</p></div></div>",
        escape(&name),
        escape(&card.period),
        card.open_deals,
        if card.open_deals == 1 { "" } else { "s" },
        escape(&html::date(&detail.snapshot.as_of))
    );
    // Where attainment should be by now: attainment over pace is the share of the period gone.
    let elapsed = (card.pace.value > 0.0).then(|| card.attainment.value / card.pace.value);
    body.push_str("<div class=\"stats\" id=\"scorecard\">");
    body.push_str(&stat(
        "Attainment",
        &html::percent(card.attainment.value),
        &format!("{} of {}. {}", money(card.booked_minor), money(card.quota_minor), card.attainment.how),
        &charts::meter(card.attainment.value, elapsed, "attainment"),
    ));
    body.push_str(&stat("Pace", &html::times(card.pace.value), &card.pace.how, ""));
    body.push_str(&stat("Coverage", &html::times(card.coverage.value), &card.coverage.how, ""));
    body.push_str(&stat("Win rate", &html::percent(card.win_rate.value), &card.win_rate.how, ""));
    body.push_str(&stat("Cycle", &format!("{:.0} days", card.cycle_days.value.max(0.0)), &card.cycle_days.how, ""));
    body.push_str(&stat(
        "Average deal",
        &money(card.average_deal_minor.value.round() as i64),
        &card.average_deal_minor.how,
        "",
    ));
    body.push_str(&stat("Activity trend", &change(card.activity_trend.value), &card.activity_trend.how, ""));
    body.push_str(&stat(
        "Pipeline flagged high",
        &html::percent(card.high_risk_share.value),
        &card.high_risk_share.how,
        &charts::meter(card.high_risk_share.value, None, "need"),
    ));
    let hygiene = card.hygiene.overdue_close_dates + card.hygiene.stale_next_steps + card.hygiene.missing_close_dates;
    body.push_str(&stat(
        "Hygiene",
        &format!("{hygiene} to tidy"),
        &format!(
            "{} overdue close dates, {} stale next steps, {} missing close dates. {}",
            card.hygiene.overdue_close_dates,
            card.hygiene.stale_next_steps,
            card.hygiene.missing_close_dates,
            card.hygiene.how
        ),
        "",
    ));
    body.push_str("</div><div class=\"split\"><div>");
    body.push_str(&flagged_deals(&state, &viewer, &id).await?);
    body.push_str("</div><aside class=\"side\">");
    body.push_str(&accuracy(&card.forecast_accuracy, currency));
    if !card.conduct.indicators.is_empty() {
        body.push_str("<section class=\"card\" id=\"conduct\"><h2>Conduct indicators</h2><ul>");
        for indicator in &card.conduct.indicators {
            let _ = write!(body, "<li>{}</li>", escape(indicator));
        }
        body.push_str("</ul></section>");
    }
    body.push_str("</aside></div>");
    let section = if viewer.person_id.as_deref() == Some(id.as_str()) { Section::Rep } else { Section::Team };
    Ok(page(&viewer, &name, section, &body))
}

fn severity_rank(severity: Option<&str>) -> u8 {
    match severity {
        Some("high") => 3,
        Some("warn") => 2,
        Some("info") => 1,
        _ => 0,
    }
}

async fn flagged_deals(state: &AppState, viewer: &crate::http::auth::Principal, id: &str) -> Result<String, ApiError> {
    let filter = DealFilter { owner: Some(id.to_owned()), ..DealFilter::default() };
    let (_, mut deals) = visible_deals(state, viewer, &filter).await?;
    deals.retain(|d| d.highest_severity.is_some());
    deals.sort_by(|a, b| {
        severity_rank(b.highest_severity.as_deref())
            .cmp(&severity_rank(a.highest_severity.as_deref()))
            .then(b.amount_minor.cmp(&a.amount_minor))
    });
    let mut out = String::from("<section class=\"card\" id=\"flagged-deals\"><h2>Flagged deals</h2>");
    if deals.is_empty() {
        out.push_str("<p class=\"muted\">No open deal is flagged.</p>");
    } else {
        out.push_str("<ul class=\"deal-list\">");
    }
    for deal in deals.iter().take(50) {
        let head = deal_summary(deal);
        let mut flags = head.flags.clone();
        flags.sort_by_key(|f| std::cmp::Reverse(severity_rank(Some(f.severity.as_str()))));
        let mut why = flags.first().map(|f| f.reason.clone()).unwrap_or_default();
        if flags.len() > 1 {
            let _ = write!(why, " (+{} more)", flags.len() - 1);
        }
        let close = head.close_date.as_deref().map(html::date).unwrap_or_else(|| "no close date".to_owned());
        out.push_str(&html::deal_row(&html::DealRow {
            pill: html::severity_pill(head.highest_severity.as_deref().unwrap_or("")),
            deal_id: &head.deal_id,
            name: &head.name,
            facts: format!("{} · closes {close}", html::label(&head.stage)),
            why,
            figure: money_text(head.amount_minor, &head.currency, MoneyStyle::Compact),
            figure_note: format!("{} to win", html::percent(head.win_probability)),
        }));
    }
    if !deals.is_empty() {
        out.push_str("</ul>");
    }
    out.push_str("</section>");
    Ok(out)
}

fn accuracy(periods: &[Accuracy], currency: &str) -> String {
    let mut out = String::from("<section class=\"card\" id=\"forecast-accuracy\"><h2>Forecast accuracy</h2>");
    if periods.is_empty() {
        out.push_str("<p class=\"muted\">No past periods to compare yet.</p>");
    } else {
        let bars: Vec<charts::Bar> = periods
            .iter()
            .map(|p| charts::Bar {
                label: p.period.clone(),
                value: p.accuracy,
                inner: None,
                value_text: html::percent(p.accuracy),
                note: Some(format!(
                    "won {} of {} committed",
                    money_text(p.won_total_minor, currency, MoneyStyle::Compact),
                    money_text(p.committed_minor, currency, MoneyStyle::Compact)
                )),
                link: None,
            })
            .collect();
        out.push_str(&charts::bar_chart("accuracy", "Won over committed by period", &bars));
        out.push_str("<p class=\"small muted\">Won in the period over what was committed; 100% is a perfect call.</p>");
    }
    out.push_str("</section>");
    out
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Reason {
    text: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Inspect {
    deal_id: String,
    name: String,
    amount_minor: i64,
    win_probability: f64,
    high_flags: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RepNeed {
    rank: u32,
    person_id: String,
    name: String,
    need_score: f64,
    reasons: Vec<Reason>,
    deals_to_inspect: Vec<Inspect>,
}

/// The parts of the engine's `TeamRollup` the pages show.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TeamView {
    manager_id: String,
    manager_name: String,
    quota_minor: i64,
    booked_minor: i64,
    reps: Vec<RepNeed>,
    how_ranked: String,
}

pub(super) async fn team(State(state): State<AppState>, Viewer(viewer): Viewer, PathId(id): PathId) -> PageResult {
    let detail = rollup(&state, &viewer, &id).await?;
    let team: TeamView = serde_json::from_value(detail.team).unwrap_or_default();
    let currency = detail.snapshot.currency.as_str();
    let name = if team.manager_name.is_empty() { team.manager_id.clone() } else { team.manager_name.clone() };
    let attainment = if team.quota_minor > 0 { team.booked_minor as f64 / team.quota_minor as f64 } else { 0.0 };
    let crumbs = if viewer.sees_organisation() { "<a href=\"/teams\">Teams</a> / " } else { "" };
    let mut body = format!(
        "<div class=\"crumbs\">{crumbs}Team</div><div class=\"page-head\"><div><h1 id=\"team-name\">{}’s team</h1>\
         <p>{} rep{} · as of {}</p></div></div><div class=\"stats\">{}</div>",
        escape(&name),
        team.reps.len(),
        if team.reps.len() == 1 { "" } else { "s" },
        escape(&html::date(&detail.snapshot.as_of)),
        stat(
            "Team attainment",
            &html::percent(attainment),
            &format!(
                "{} booked of {}",
                money_text(team.booked_minor, currency, MoneyStyle::Compact),
                money_text(team.quota_minor, currency, MoneyStyle::Compact)
            ),
            &charts::meter(attainment, None, "attainment"),
        )
    );
    let largest = team.reps.iter().map(|r| r.need_score).fold(0.0_f64, f64::max);
    body.push_str(
        "<section class=\"card\" id=\"team-needs\"><div class=\"card-head\"><h2>Who needs you this week</h2></div>",
    );
    let _ = write!(body, "<p class=\"small muted\">{}</p><ol class=\"reps\">", escape(&team.how_ranked));
    for rep in &team.reps {
        let share = if largest > 0.0 { rep.need_score / largest } else { 0.0 };
        let _ = write!(
            body,
            "<li class=\"rep\"><span class=\"rank\">{}</span><div class=\"rep-body\"><div class=\"rep-head\"><a href=\"{}\"><strong>{}</strong></a>\
             <span class=\"small muted\">need {:.1}</span></div>{}",
            rep.rank,
            escape(&href("reps", &rep.person_id)),
            escape(&rep.name),
            rep.need_score,
            charts::meter(share, None, "need")
        );
        if !rep.reasons.is_empty() {
            body.push_str("<ul class=\"reasons\">");
            for reason in &rep.reasons {
                let _ = write!(body, "<li>{}</li>", escape(&reason.text));
            }
            body.push_str("</ul>");
        }
        if !rep.deals_to_inspect.is_empty() {
            body.push_str(
                "<div class=\"inspect\"><span class=\"small muted\">Deals to inspect</span><ul class=\"deal-list\">",
            );
            for deal in &rep.deals_to_inspect {
                let flags = deal.high_flags.iter().map(|f| html::label(f)).collect::<Vec<_>>().join(", ");
                body.push_str(&html::deal_row(&html::DealRow {
                    pill: if flags.is_empty() { String::new() } else { html::severity_pill("high") },
                    deal_id: &deal.deal_id,
                    name: &deal.name,
                    facts: flags,
                    why: String::new(),
                    figure: money_text(deal.amount_minor, currency, MoneyStyle::Compact),
                    figure_note: format!("{} to win", html::percent(deal.win_probability)),
                }));
            }
            body.push_str("</ul></div>");
        }
        body.push_str("</div></li>");
    }
    if team.reps.is_empty() {
        body.push_str("<li class=\"muted\">No reps report here.</li>");
    }
    body.push_str("</ol></section>");
    Ok(page(&viewer, &format!("{name}’s team"), Section::Team, &body))
}

pub(super) async fn teams(State(state): State<AppState>, Viewer(viewer): Viewer) -> PageResult {
    let mut body = String::from("<div class=\"page-head\"><div><h1>Teams</h1><p>Each manager’s team, with who needs them most this week.</p></div></div>");
    let Some(snapshot) = state.store.latest_snapshot().await.map_err(ApiError::from)? else {
        body.push_str("<section class=\"card\"><p class=\"empty\">No snapshot yet: teams appear after the first weekly run.</p></section>");
        return Ok(page(&viewer, "Teams", Section::Team, &body));
    };
    let rows = state.store.snapshot_rollups(&snapshot.run_id).await.map_err(ApiError::from)?;
    let mut teams: Vec<TeamView> = rows
        .into_iter()
        .filter(|(manager, _)| viewer.sees_person(manager))
        .filter_map(|(_, text)| serde_json::from_str(&text).ok())
        .collect();
    teams.sort_by(|a, b| a.manager_name.cmp(&b.manager_name));
    body.push_str("<section class=\"card\" id=\"teams\">");
    if teams.is_empty() {
        body.push_str("<p class=\"empty\">No teams to show.</p>");
    } else {
        body.push_str("<div class=\"table-wrap\"><table><thead><tr><th>Manager</th><th>Attainment</th><th class=\"r\">Reps</th><th>Needs you most</th></tr></thead><tbody>");
    }
    for team in &teams {
        let attainment = if team.quota_minor > 0 { team.booked_minor as f64 / team.quota_minor as f64 } else { 0.0 };
        let top = team.reps.first().map(|r| r.name.as_str()).unwrap_or("–");
        let _ = write!(
            body,
            "<tr><td><a href=\"{}\">{}</a></td><td>{} <span class=\"small muted\">of {}</span>{}</td><td class=\"r\">{}</td><td>{}</td></tr>",
            escape(&href("teams", &team.manager_id)),
            escape(&team.manager_name),
            html::percent(attainment),
            escape(&money_text(team.quota_minor, &snapshot.currency, MoneyStyle::Compact)),
            charts::meter(attainment, None, "attainment"),
            team.reps.len(),
            escape(top)
        );
    }
    if !teams.is_empty() {
        body.push_str("</tbody></table></div>");
    }
    body.push_str("</section>");
    Ok(page(&viewer, "Teams", Section::Team, &body))
}
