//! Team roll-ups for managers: the reps below each manager ranked by how much they need the
//! manager this week, each with the reasons and numbers behind the rank and the deals to inspect.

use super::numbers::{pct_text, r4};
use super::report::DealRisk;
use super::rules::RiskConfig;
use super::scorecard::Scorecard;
use super::signals::{Severity, SignalId};
use crate::domain::{Hierarchy, Person, PersonId};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct NeedReason {
    /// A stable key: pace, coverage, high_risk, hygiene, activity, conduct.
    pub key: &'static str,
    pub points: f64,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct DealToInspect {
    pub deal_id: String,
    pub name: String,
    pub amount_minor: i64,
    pub win_probability: f64,
    pub high_flags: Vec<SignalId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct RepNeed {
    pub rank: u32,
    pub person_id: String,
    pub name: String,
    /// Sum of the reasons' points; higher needs the manager more.
    pub need_score: f64,
    pub reasons: Vec<NeedReason>,
    pub deals_to_inspect: Vec<DealToInspect>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct TeamRollup {
    pub manager_id: String,
    pub manager_name: String,
    pub quota_minor: i64,
    pub booked_minor: i64,
    pub reps: Vec<RepNeed>,
    pub how_ranked: String,
}

fn need(card: &Scorecard, rules: &RiskConfig) -> (f64, Vec<NeedReason>) {
    let mut reasons = Vec::new();
    let mut add = |key: &'static str, points: f64, text: String| {
        if points > 0.0 {
            reasons.push(NeedReason { key, points: r4(points), text });
        }
    };
    if card.quota_minor > 0 {
        let shortfall = (1.0 - card.pace.value).clamp(0.0, 1.0);
        add(
            "pace",
            3.0 * shortfall,
            format!("behind pace: at {} of the pace needed. {}", pct_text(card.pace.value), card.attainment.how),
        );
        let target = rules.scorecard.target_coverage;
        let gap = (1.0 - card.coverage.value / target).clamp(0.0, 1.0);
        if card.booked_minor < card.quota_minor {
            add(
                "coverage",
                2.0 * gap,
                format!("coverage {}x against {target}x. {}", card.coverage.value, card.coverage.how),
            );
        }
    }
    add(
        "high_risk",
        3.0 * card.high_risk_share.value,
        format!(
            "{} of open pipeline is flagged high. {}",
            pct_text(card.high_risk_share.value),
            card.high_risk_share.how
        ),
    );
    let open = f64::from(card.open_deals.max(1));
    let hygiene = f64::from(card.hygiene.overdue_close_dates + card.hygiene.stale_next_steps) / (2.0 * open);
    add("hygiene", hygiene, card.hygiene.how.clone());
    let drop = (-card.activity_trend.value).clamp(0.0, 1.0);
    add("activity", drop, format!("activity down {}. {}", pct_text(drop), card.activity_trend.how));
    let conduct = card.conduct.indicators.len() as f64;
    add("conduct", 2.0 * conduct, format!("conduct indicators: {}", card.conduct.indicators.join("; ")));
    let score = reasons.iter().map(|r| r.points).sum();
    (score, reasons)
}

/// The rep's open deals most worth a manager's look: high flags first, then amount at stake.
pub(super) fn deals_to_inspect(deals: &[&DealRisk], limit: usize) -> Vec<DealToInspect> {
    let mut ranked: Vec<(u32, i64, &DealRisk)> = deals
        .iter()
        .map(|d| {
            let high = d.flags.iter().filter(|f| f.severity == Severity::High).count() as u32;
            let at_stake = (d.amount_minor as f64 * (1.0 - d.win_probability)).round() as i64;
            (high, at_stake, *d)
        })
        .filter(|(high, _, _)| *high > 0)
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then_with(|| a.2.deal_id.cmp(&b.2.deal_id)));
    ranked
        .into_iter()
        .take(limit)
        .map(|(_, _, d)| DealToInspect {
            deal_id: d.deal_id.clone(),
            name: d.name.clone(),
            amount_minor: d.amount_minor,
            win_probability: d.win_probability,
            high_flags: d.flags.iter().filter(|f| f.severity == Severity::High).map(|f| f.signal).collect(),
        })
        .collect()
}

/// One roll-up per person with reps below them.
pub(super) fn rollups(
    people: &[Person],
    cards: &[Scorecard],
    deals: &[DealRisk],
    rules: &RiskConfig,
) -> Vec<TeamRollup> {
    let hierarchy = Hierarchy::new(people);
    let mut by_owner: BTreeMap<&str, Vec<&DealRisk>> = BTreeMap::new();
    for deal in deals {
        by_owner.entry(deal.owner_id.as_str()).or_default().push(deal);
    }
    let cards_by_id: BTreeMap<&str, &Scorecard> = cards.iter().map(|c| (c.person_id.as_str(), c)).collect();
    let mut managers: Vec<&Person> = people.iter().filter(|p| !hierarchy.direct_reports(&p.id).is_empty()).collect();
    managers.sort_by(|a, b| a.id.cmp(&b.id));
    let limit = rules.rollup.deals_to_inspect as usize;
    let mut out = Vec::new();
    for manager in managers {
        let below = hierarchy.subtree(&manager.id);
        let mut reps: Vec<RepNeed> = below
            .iter()
            .filter_map(|id: &PersonId| cards_by_id.get(id.as_str()))
            .map(|card| {
                let owned = by_owner.get(card.person_id.as_str()).map(Vec::as_slice).unwrap_or(&[]);
                let (score, reasons) = need(card, rules);
                RepNeed {
                    rank: 0,
                    person_id: card.person_id.clone(),
                    name: card.name.clone(),
                    need_score: r4(score),
                    reasons,
                    deals_to_inspect: deals_to_inspect(owned, limit),
                }
            })
            .collect();
        if reps.is_empty() {
            continue;
        }
        reps.sort_by(|a, b| b.need_score.total_cmp(&a.need_score).then_with(|| a.person_id.cmp(&b.person_id)));
        for (rank, rep) in reps.iter_mut().enumerate() {
            rep.rank = rank as u32 + 1;
        }
        let members: Vec<&&Scorecard> = below.iter().filter_map(|id| cards_by_id.get(id.as_str())).collect();
        out.push(TeamRollup {
            manager_id: manager.id.to_string(),
            manager_name: manager.name.clone(),
            quota_minor: members.iter().map(|c| c.quota_minor).sum(),
            booked_minor: members.iter().map(|c| c.booked_minor).sum(),
            reps,
            how_ranked: "Need score = 3 × pace shortfall + 2 × coverage shortfall against target + 3 × share of open \
                         pipeline flagged high + hygiene (overdue and stale next steps per open deal, halved) + \
                         activity decline + 2 per conduct indicator; ties by person id."
                .to_owned(),
        });
    }
    out
}
