//! Won deals as pay sees them, read from a [`Dataset`] at an `as_of` day: when each deal was
//! won, at what amount, who shares the credit, whether it brought a new client, and whether it
//! was cancelled afterwards (moved out of a won stage). Nothing after `as_of` is visible.

use crate::domain::{CreditSplit, Dataset, Deal, DealField, DealHistory, Money, RevenueType, StageStatus};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// A deal won on or before `as_of`, with what happened to it by then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WonDeal {
    pub deal_id: String,
    pub name: String,
    pub owner_id: String,
    pub account_id: Option<String>,
    pub won_on: NaiveDate,
    /// The amount the deal carried on `as_of`.
    pub amount: Money,
    pub revenue: RevenueType,
    pub products: Vec<String>,
    /// Credit shares; the owner alone when the deal records none.
    pub splits: Vec<CreditSplit>,
    /// No earlier won deal on the same account (one cancelled before this win does not count).
    pub new_logo: bool,
    /// The day the deal left its won stage, if that happened by `as_of`.
    pub cancelled_on: Option<NaiveDate>,
}

impl WonDeal {
    pub fn share_of(&self, person: &str) -> Option<u16> {
        self.splits.iter().find(|s| s.person_id.as_str() == person).map(|s| s.share_bp)
    }
}

fn status_of(data: &Dataset, deal: &Deal, key: Option<&str>) -> StageStatus {
    key.and_then(|k| data.stages.get(&deal.pipeline, k)).map(|s| s.status).unwrap_or(StageStatus::Open)
}

/// The amount on `as_of`: the value before the first amount change after it, else the current.
fn amount_on(deal: &Deal, rows: &[&DealHistory], cut: DateTime<Utc>) -> Money {
    rows.iter()
        .filter(|r| r.field == DealField::Amount && r.changed_at > cut)
        .min_by_key(|r| r.changed_at)
        .and_then(|r| r.old_value.as_deref())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .map(|minor| Money::new(minor, deal.amount.currency))
        .unwrap_or(deal.amount)
}

/// When the deal was won and when (if ever, by `cut`) it was cancelled.
fn won_and_cancelled(
    data: &Dataset,
    deal: &Deal,
    rows: &[&DealHistory],
    cut: DateTime<Utc>,
) -> Option<(DateTime<Utc>, Option<DateTime<Utc>>)> {
    let mut stage_rows: Vec<&&DealHistory> =
        rows.iter().filter(|r| r.field == DealField::Stage && r.changed_at <= cut).collect();
    stage_rows.sort_by_key(|r| (r.changed_at, r.id.as_str()));
    let mut won_at: Option<DateTime<Utc>> = None;
    let mut last: Option<(DateTime<Utc>, Option<DateTime<Utc>>)> = None;
    for row in stage_rows {
        let now_won = status_of(data, deal, row.new_value.as_deref()) == StageStatus::Won;
        match (won_at, now_won) {
            (None, true) => won_at = Some(row.changed_at),
            (Some(at), false) => {
                last = Some((at, Some(row.changed_at)));
                won_at = None;
            }
            _ => {}
        }
    }
    if let Some(at) = won_at {
        return Some((at, None));
    }
    // Without stage history the current record speaks for itself.
    if status_of(data, deal, Some(&deal.stage)) == StageStatus::Won && last.is_none() {
        let at =
            deal.closed_at.or_else(|| deal.close_date.and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc()))?;
        return (at <= cut).then_some((at, None));
    }
    last
}

/// Every deal won by the end of `as_of`, sorted by (won on, deal id).
pub fn won_deals(data: &Dataset, as_of: NaiveDate) -> Vec<WonDeal> {
    let cut = as_of.and_hms_opt(23, 59, 59).map(|t| t.and_utc()).unwrap_or(DateTime::<Utc>::MAX_UTC);
    let mut history: HashMap<&str, Vec<&DealHistory>> = HashMap::new();
    for row in &data.history {
        history.entry(row.deal_id.as_str()).or_default().push(row);
    }
    let mut out = Vec::new();
    for deal in &data.deals {
        let rows = history.get(deal.id.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        let Some((won_at, cancelled_at)) = won_and_cancelled(data, deal, rows, cut) else { continue };
        out.push(WonDeal {
            deal_id: deal.id.to_string(),
            name: deal.name.clone(),
            owner_id: deal.owner_id.to_string(),
            account_id: deal.account_id.as_ref().map(|a| a.to_string()),
            won_on: won_at.date_naive(),
            amount: amount_on(deal, rows, cut),
            revenue: deal.revenue,
            products: deal.products.clone(),
            splits: deal.effective_splits(),
            new_logo: false,
            cancelled_on: cancelled_at.map(|c| c.date_naive()),
        });
    }
    out.sort_by(|a, b| (a.won_on, a.deal_id.as_str()).cmp(&(b.won_on, b.deal_id.as_str())));
    mark_new_logos(&mut out);
    out
}

fn mark_new_logos(deals: &mut [WonDeal]) {
    // Per account, the deals already standing as wins at each point in time.
    let mut standing: BTreeMap<String, Vec<(NaiveDate, Option<NaiveDate>)>> = BTreeMap::new();
    for deal in deals.iter_mut() {
        let Some(account) = deal.account_id.clone() else { continue };
        let earlier = standing.entry(account).or_default();
        let already_client =
            earlier.iter().any(|(won, cancelled)| *won <= deal.won_on && cancelled.is_none_or(|c| c > deal.won_on));
        deal.new_logo = !already_client;
        earlier.push((deal.won_on, deal.cancelled_on));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::engine::pay::test_data::{dataset, deal, stage_change, ts};

    #[test]
    fn reads_wins_cancellations_and_new_logos() {
        let mut data = dataset();
        data.deals.push(deal("d1", "rep1", "acme", "closed_won", 10_000_000, Some("2026-02-10")));
        data.deals.push(deal("d2", "rep1", "acme", "closed_won", 5_000_000, Some("2026-03-01")));
        data.deals.push(deal("d3", "rep1", "bolt", "closed_lost", 7_000_000, None));
        data.history.push(stage_change("h1", "d3", "negotiate", "closed_won", "2026-02-20"));
        data.history.push(stage_change("h2", "d3", "closed_won", "closed_lost", "2026-05-02"));
        data.deals.push(deal("d4", "rep1", "acme", "negotiate", 1_000_000, None));

        let all = won_deals(&data, "2026-06-30".parse().unwrap());
        let ids: Vec<&str> = all.iter().map(|d| d.deal_id.as_str()).collect();
        assert_eq!(ids, vec!["d1", "d3", "d2"]);
        assert!(all[0].new_logo && all[1].new_logo && !all[2].new_logo);
        assert_eq!(all[1].cancelled_on, Some("2026-05-02".parse().unwrap()));
        assert_eq!(all[1].won_on, "2026-02-20".parse().unwrap());

        // Before the cancellation the deal still stands as won.
        let earlier = won_deals(&data, "2026-04-30".parse().unwrap());
        assert_eq!(earlier.iter().find(|d| d.deal_id == "d3").unwrap().cancelled_on, None);
        // Before it was won it is not there at all; neither is a later win.
        let before = won_deals(&data, "2026-02-15".parse().unwrap());
        assert_eq!(before.iter().map(|d| d.deal_id.as_str()).collect::<Vec<_>>(), vec!["d1"]);
        assert!(ts("2026-01-01") < ts("2026-01-02"));
    }
}
