//! The template forecast memo: P10/P50/P90 against target and commit, where the downside is
//! concentrated, the biggest exposures with a mitigation each, and the quarter's mitigations.

use super::next_step_for;
use crate::coaching::drafts::{ConcentrationNote, ExposureNote, ForecastMemo};
use crate::coaching::snapshot::Snapshot;
use crate::engine::risk::numbers::pct_text;
use crate::engine::risk::ForecastRisk;

const TOP: usize = 3;

fn empty(snapshot: &Snapshot) -> ForecastMemo {
    ForecastMemo {
        headline: "No forecast is in this snapshot.".to_owned(),
        period: snapshot.period.clone(),
        currency: snapshot.currency.clone(),
        p10: 0,
        p50: 0,
        p90: 0,
        target: 0,
        commit: 0,
        outlook: "The forecast is computed for leaders only.".to_owned(),
        downside_concentration: Vec::new(),
        exposures: Vec::new(),
        mitigations: vec!["Review the forecast with a leader's snapshot.".to_owned()],
    }
}

fn exposures(snapshot: &Snapshot, forecast: &ForecastRisk) -> Vec<ExposureNote> {
    forecast
        .largest_exposures
        .iter()
        .filter(|e| e.at_risk_minor > 0)
        .take(TOP)
        .map(|e| {
            let flags: Vec<&str> = e.high_flags.iter().map(|f| f.as_str()).collect();
            let flag_text =
                if flags.is_empty() { String::new() } else { format!("; high flags: {}", flags.join(", ")) };
            ExposureNote {
                deal_id: e.deal_id.clone(),
                deal_name: e.name.clone(),
                note: format!(
                    "{} at risk of {}, with a {} chance to close in the period{flag_text}.",
                    snapshot.money(e.at_risk_minor),
                    snapshot.money(e.amount_minor),
                    pct_text(e.win_in_period)
                ),
                mitigation: e
                    .high_flags
                    .first()
                    .map(|f| next_step_for(*f))
                    .unwrap_or("Inspect the close plan with the deal owner this week.")
                    .to_owned(),
            }
        })
        .collect()
}

pub(super) fn memo(snapshot: &Snapshot) -> ForecastMemo {
    let Some(forecast) = &snapshot.forecast else { return empty(snapshot) };
    let concentration: Vec<ConcentrationNote> = forecast
        .by_account
        .iter()
        .filter(|c| c.at_risk_minor > 0)
        .take(TOP)
        .map(|c| ConcentrationNote {
            key: c.key.clone(),
            note: format!(
                "{} at risk across {} deals, {} of the downside.",
                snapshot.money(c.at_risk_minor),
                c.deals,
                pct_text(c.share_of_risk)
            ),
        })
        .collect();
    let outlook = format!(
        "P50 of {} against a target of {} and a commit of {}, with a {} chance of reaching target. P10 is {} and P90 {}; a bad quarter loses {} of the median outcome.",
        snapshot.money(forecast.p50_minor),
        snapshot.money(forecast.target_minor),
        snapshot.money(forecast.commit_minor),
        pct_text(forecast.probability_of_target),
        snapshot.money(forecast.p10_minor),
        snapshot.money(forecast.p90_minor),
        pct_text(forecast.downside_share)
    );
    let mut mitigations = vec![
        "Inspect the largest exposures with their owners this week.".to_owned(),
        "Re-check every commit deal that carries a high flag before the forecast call.".to_owned(),
    ];
    if forecast.commit_gap_minor > 0 {
        mitigations.push(format!(
            "Commit sits {} above the model's P50; ask each manager to re-confirm their commit deals.",
            snapshot.money(forecast.commit_gap_minor)
        ));
    }
    let headline = match concentration.first() {
        Some(top) => format!(
            "{}: P50 {} against a target of {}; the largest share of the downside sits with {}.",
            forecast.period,
            snapshot.money(forecast.p50_minor),
            snapshot.money(forecast.target_minor),
            top.key
        ),
        None => format!(
            "{}: P50 {} against a target of {}.",
            forecast.period,
            snapshot.money(forecast.p50_minor),
            snapshot.money(forecast.target_minor)
        ),
    };
    ForecastMemo {
        headline,
        period: forecast.period.clone(),
        currency: forecast.currency.clone(),
        p10: snapshot.whole_units(forecast.p10_minor),
        p50: snapshot.whole_units(forecast.p50_minor),
        p90: snapshot.whole_units(forecast.p90_minor),
        target: snapshot.whole_units(forecast.target_minor),
        commit: snapshot.whole_units(forecast.commit_minor),
        outlook,
        downside_concentration: concentration,
        exposures: exposures(snapshot, forecast),
        mitigations,
    }
}
