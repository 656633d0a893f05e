//! Counts and totals for `candor stats`, and the spans of a run's job kinds for benchmarks,
//! computed in SQL so they stay cheap on large stores.

use super::{Store, StoreError};
use serde::Serialize;
use sqlx::Row;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StageTotal {
    pub pipeline: String,
    pub stage: String,
    pub status: String,
    pub deals: i64,
    /// Amount in minor units by currency.
    pub amount_minor: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Stats {
    pub people: i64,
    pub accounts: i64,
    pub contacts: i64,
    pub deals: i64,
    pub deals_won: i64,
    pub deals_lost: i64,
    pub deals_open: i64,
    pub deal_history: i64,
    pub deal_contact_roles: i64,
    pub activities: i64,
    pub activity_deal_links: i64,
    pub quotas: i64,
    pub products: i64,
    /// Won amount in minor units, keyed by ISO currency.
    pub won_amount_minor: BTreeMap<String, i64>,
    /// Deals and amounts per stage, in pipeline order.
    pub pipeline_by_stage: Vec<StageTotal>,
}

impl Store {
    async fn count(&self, table: &str) -> Result<i64, StoreError> {
        // Table names come from the fixed list below, never from input.
        let row = sqlx::query(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&self.pool).await?;
        Ok(row.try_get(0)?)
    }

    pub async fn stats(&self) -> Result<Stats, StoreError> {
        let sql = "SELECT d.pipeline, d.stage, COALESCE(s.status, 'open'), d.currency, COUNT(*), \
                   CAST(SUM(d.amount_minor) AS BIGINT), MIN(COALESCE(s.sort_order, 0)) \
                   FROM deals d LEFT JOIN stages s ON s.pipeline = d.pipeline AND s.stage_key = d.stage \
                   GROUP BY d.pipeline, d.stage, COALESCE(s.status, 'open'), d.currency";
        let mut by_stage: BTreeMap<(String, i64, String), StageTotal> = BTreeMap::new();
        let mut won_amount_minor = BTreeMap::new();
        let (mut won, mut lost, mut open) = (0, 0, 0);
        for row in sqlx::query(sql).fetch_all(&self.pool).await? {
            let pipeline: String = row.try_get(0)?;
            let stage: String = row.try_get(1)?;
            let status: String = row.try_get(2)?;
            let currency: String = row.try_get(3)?;
            let deals: i64 = row.try_get(4)?;
            let amount: i64 = row.try_get::<Option<i64>, _>(5)?.unwrap_or(0);
            let order: i64 = row.try_get(6)?;
            match status.as_str() {
                "won" => {
                    won += deals;
                    *won_amount_minor.entry(currency.clone()).or_insert(0) += amount;
                }
                "lost" => lost += deals,
                _ => open += deals,
            }
            let entry = by_stage.entry((pipeline.clone(), order, stage.clone())).or_insert_with(|| StageTotal {
                pipeline,
                stage,
                status,
                deals: 0,
                amount_minor: BTreeMap::new(),
            });
            entry.deals += deals;
            *entry.amount_minor.entry(currency).or_insert(0) += amount;
        }
        Ok(Stats {
            people: self.count("people").await?,
            accounts: self.count("accounts").await?,
            contacts: self.count("contacts").await?,
            deals: won + lost + open,
            deals_won: won,
            deals_lost: lost,
            deals_open: open,
            deal_history: self.count("deal_history").await?,
            deal_contact_roles: self.count("deal_contact_roles").await?,
            activities: self.count("activities").await?,
            activity_deal_links: self.count("activity_deals").await?,
            quotas: self.count("quotas").await?,
            products: self.count("products").await?,
            won_amount_minor,
            pipeline_by_stage: by_stage.into_values().collect(),
        })
    }
}

/// When one kind of a run's jobs started and ended: the first created, the last finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSpan {
    pub kind: String,
    pub jobs: i64,
    pub first_created_at: String,
    pub last_finished_at: Option<String>,
}

impl Store {
    /// Each job kind of `run_id` with its span, in the order the kinds began.
    pub async fn job_spans(&self, run_id: &str) -> Result<Vec<JobSpan>, StoreError> {
        let rows = sqlx::query(
            "SELECT kind, COUNT(*), MIN(created_at), MAX(finished_at) FROM jobs WHERE run_id = $1 \
             GROUP BY kind ORDER BY MIN(created_at), kind",
        )
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(JobSpan {
                    kind: row.try_get(0)?,
                    jobs: row.try_get(1)?,
                    first_created_at: row.try_get(2)?,
                    last_finished_at: row.try_get(3)?,
                })
            })
            .collect()
    }
}
