//! The forecast page: the period's P10/P50/P90 as a fan against target and commit, the chances
//! of reaching each, where the downside is concentrated (by account, for the organisation-wide),
//! open pipeline by stage, and the largest exposures. A manager sees the organisation's totals
//! and only their team's deals, as the API serves it; reps get the 404 page.

use super::html::{self, escape, Section};
use super::{charts, page, PageResult, Viewer};
use crate::domain::{money_text, MoneyStyle};
use crate::http::api::insight::{forecast_view, StageTotal};
use crate::http::AppState;
use axum::extract::State;
use serde::Deserialize;
use std::fmt::Write as _;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Concentration {
    key: String,
    deals: u32,
    amount_minor: i64,
    at_risk_minor: i64,
    share_of_risk: f64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Exposure {
    deal_id: String,
    name: String,
    account: Option<String>,
    amount_minor: i64,
    win_in_period: f64,
    at_risk_minor: i64,
    high_flags: Vec<String>,
}

/// The parts of the engine's `ForecastRisk` the page shows.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ForecastRisk {
    period: String,
    currency: String,
    simulations: u32,
    booked_minor: i64,
    expected_minor: i64,
    p10_minor: i64,
    p50_minor: i64,
    p90_minor: i64,
    target_minor: i64,
    commit_minor: i64,
    probability_of_target: f64,
    probability_of_commit: f64,
    commit_gap_minor: i64,
    downside_share: f64,
    by_account: Vec<Concentration>,
    largest_exposures: Vec<Exposure>,
    other_currency_deals: u32,
    how_computed: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Model {
    description: String,
}

pub(super) async fn page_for(State(state): State<AppState>, Viewer(viewer): Viewer) -> PageResult {
    let view = forecast_view(&state, &viewer).await?;
    let risk: ForecastRisk = serde_json::from_value(view.forecast).unwrap_or_default();
    let model: Model = serde_json::from_value(view.model).unwrap_or_default();
    let currency = if risk.currency.is_empty() { view.snapshot.currency.clone() } else { risk.currency.clone() };
    let money = |minor: i64| money_text(minor, &currency, MoneyStyle::Compact);
    let team_only = view.scope != "organisation";
    let period = if risk.period.is_empty() { view.snapshot.period.clone() } else { risk.period.clone() };
    let mut body = format!(
        "<div class=\"page-head\"><div><h1>Forecast, {}</h1><p>{} · as of {} · {} simulations</p></div></div>",
        escape(&period),
        if team_only {
            "The organisation's totals; deals and pipeline are your team's"
        } else {
            "The whole organisation"
        },
        escape(&html::date(&view.snapshot.as_of)),
        risk.simulations
    );
    let gap = if risk.commit_gap_minor > 0 {
        format!("Commit sits {} above the model's P50.", money(risk.commit_gap_minor))
    } else if risk.commit_gap_minor < 0 {
        format!("Commit sits {} below the model's P50.", money(-risk.commit_gap_minor))
    } else {
        "Commit matches the model's P50.".to_owned()
    };
    let _ = write!(
        body,
        "<div class=\"stats\" id=\"forecast-stats\">\
         <div class=\"stat\"><div class=\"k\">Most likely (P50)</div><div class=\"v\">{}</div><div class=\"h\">Expected {}; booked {}</div></div>\
         <div class=\"stat\"><div class=\"k\">Chance of target</div><div class=\"v\">{}</div>{}<div class=\"h\">Target {}</div></div>\
         <div class=\"stat\"><div class=\"k\">Chance of commit</div><div class=\"v\">{}</div>{}<div class=\"h\">{}</div></div>\
         <div class=\"stat\"><div class=\"k\">Downside</div><div class=\"v\">{}</div><div class=\"h\">A bad quarter (P10) loses {} of the median</div></div></div>",
        escape(&money(risk.p50_minor)),
        escape(&money(risk.expected_minor)),
        escape(&money(risk.booked_minor)),
        html::percent(risk.probability_of_target),
        charts::meter(risk.probability_of_target, None, "chance"),
        escape(&money(risk.target_minor)),
        html::percent(risk.probability_of_commit),
        charts::meter(risk.probability_of_commit, None, "chance"),
        escape(&gap),
        escape(&money(risk.p50_minor.saturating_sub(risk.p10_minor))),
        html::percent(risk.downside_share)
    );
    let fan = charts::Fan {
        currency: currency.clone(),
        booked: risk.booked_minor,
        p10: risk.p10_minor,
        p50: risk.p50_minor,
        p90: risk.p90_minor,
        target: risk.target_minor,
        commit: risk.commit_minor,
        start_label: format!("Booked, {}", html::date(&view.snapshot.as_of)),
        end_label: format!("End of {period}"),
    };
    let _ = write!(
        body,
        "<section class=\"card\" id=\"fan\"><div class=\"card-head\"><h2>Where the period could land</h2></div>{}\
         <ul class=\"legend\"><li><span class=\"sw sw-band\"></span>P10 to P90: {} to {}</li>\
         <li><span class=\"sw sw-median\"></span>P50: {}</li><li><span class=\"sw sw-target\"></span>Target: {}</li>\
         <li><span class=\"sw sw-commit\"></span>Commit: {}</li></ul>\
         <p class=\"small muted\">Eight in ten simulated periods end inside the band; half end above the P50 line.</p></section>",
        charts::fan_chart(&fan),
        escape(&money(risk.p10_minor)),
        escape(&money(risk.p90_minor)),
        escape(&money(risk.p50_minor)),
        escape(&money(risk.target_minor)),
        escape(&money(risk.commit_minor)),
    );
    if team_only {
        // The account breakdown would name other teams' clients, so managers do not get it.
        body.push_str(&pipeline(&view.pipeline_by_stage, &currency));
    } else {
        body.push_str("<div class=\"grid-2\">");
        body.push_str(&downside(&risk.by_account, &currency));
        body.push_str(&pipeline(&view.pipeline_by_stage, &currency));
        body.push_str("</div>");
    }
    body.push_str(&exposures(&risk.largest_exposures, &currency));
    body.push_str("<section class=\"card\" id=\"how\"><details><summary><strong>How this was computed</strong></summary><ul class=\"small\">");
    for line in &risk.how_computed {
        let _ = write!(body, "<li>{}</li>", escape(line));
    }
    if !model.description.is_empty() {
        let _ = write!(body, "<li>{}</li>", escape(&model.description));
    }
    if risk.other_currency_deals > 0 {
        let _ = write!(
            body,
            "<li>{} open deal(s) in other currencies are scored but not summed.</li>",
            risk.other_currency_deals
        );
    }
    body.push_str("</ul></details></section>");
    Ok(page(&viewer, "Forecast", Section::Forecast, &body))
}

fn downside(accounts: &[Concentration], currency: &str) -> String {
    let mut out = String::from("<section class=\"card\"><h2>Downside by account</h2>");
    {
        let bars: Vec<charts::Bar> = accounts
            .iter()
            .map(|a| charts::Bar {
                label: a.key.clone(),
                value: a.at_risk_minor as f64,
                inner: None,
                value_text: money_text(a.at_risk_minor, currency, MoneyStyle::Compact),
                note: Some(format!(
                    "{} of the risk · {} deal{} worth {}",
                    html::percent(a.share_of_risk),
                    a.deals,
                    if a.deals == 1 { "" } else { "s" },
                    money_text(a.amount_minor, currency, MoneyStyle::Compact)
                )),
                link: None,
            })
            .collect();
        out.push_str(&charts::bar_chart("downside-by-account", "Amount at risk by account", &bars));
    }
    out.push_str("</section>");
    out
}

fn pipeline(stages: &[StageTotal], currency: &str) -> String {
    let mut ordered: Vec<&StageTotal> = stages.iter().collect();
    // Largest first: the stage catalogue's order is not part of the forecast view.
    ordered.sort_by(|a, b| b.amount_minor.cmp(&a.amount_minor).then_with(|| a.stage.cmp(&b.stage)));
    let bars: Vec<charts::Bar> = ordered
        .iter()
        .map(|s| charts::Bar {
            label: html::label(&s.stage),
            value: s.amount_minor as f64,
            inner: Some(s.weighted_minor as f64),
            value_text: money_text(s.amount_minor, currency, MoneyStyle::Compact),
            note: Some(format!(
                "{} deal{} · weighted {}",
                s.deals,
                if s.deals == 1 { "" } else { "s" },
                money_text(s.weighted_minor, currency, MoneyStyle::Compact)
            )),
            link: None,
        })
        .collect();
    format!(
        "<section class=\"card\"><h2>Pipeline by stage</h2>{}<p class=\"small muted\">Light: open amount. Dark: weighted by each deal's win probability.</p></section>",
        charts::bar_chart("pipeline-by-stage", "Open pipeline by stage", &bars)
    )
}

fn exposures(exposures: &[Exposure], currency: &str) -> String {
    let mut out = String::from("<section class=\"card\" id=\"exposures\"><h2>Largest exposures</h2>");
    if exposures.is_empty() {
        out.push_str("<p class=\"muted\">No open deal due this period carries much risk.</p></section>");
        return out;
    }
    out.push_str("<ul class=\"deal-list\">");
    for exposure in exposures {
        let flags = exposure.high_flags.iter().map(|f| html::label(f)).collect::<Vec<_>>().join(", ");
        // Deal names usually start with the account; say it only when they do not.
        let account = exposure.account.as_deref().filter(|a| !exposure.name.starts_with(*a));
        let facts = match account {
            Some(account) => {
                format!("{account} · worth {}", money_text(exposure.amount_minor, currency, MoneyStyle::Compact))
            }
            None => format!("Worth {}", money_text(exposure.amount_minor, currency, MoneyStyle::Compact)),
        };
        out.push_str(&html::deal_row(&html::DealRow {
            pill: if flags.is_empty() { String::new() } else { html::severity_pill("high") },
            deal_id: &exposure.deal_id,
            name: &exposure.name,
            facts: format!("{facts} · {} won this period", html::percent(exposure.win_in_period)),
            why: flags,
            figure: money_text(exposure.at_risk_minor, currency, MoneyStyle::Compact),
            figure_note: "at risk".to_owned(),
        }));
    }
    out.push_str("</ul></section>");
    out
}
