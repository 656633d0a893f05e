//! Risk-engine snapshots per run (the run summary and forecast, deal probabilities, flags with
//! evidence, scorecards, roll-ups), and the synthetic organisation's ground truth for backtests.

use super::bulk::{Upsert, Value};
use super::codec::{corrupt, date, json, parse_date, parse_enum, parse_json, parse_timestamp, timestamp};
use super::{Store, StoreError};
use crate::domain::truth::{DealTruth, TrueOutcome};
use crate::domain::DealId;
use crate::engine::risk::{to_json_sha256, DealRisk, RiskReport};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{Any, Row, Transaction};
use std::collections::BTreeMap;

/// Rows written for one run, per table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SnapshotCounts {
    pub deals: u64,
    pub flags: u64,
    pub reps: u64,
    pub teams: u64,
}

/// One stored run's summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredSnapshot {
    pub run_id: String,
    pub as_of: DateTime<Utc>,
    pub ruleset_version: String,
    pub period: String,
    pub currency: String,
    pub report_hash: String,
}

/// One stored flag.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredFlag {
    pub deal_id: String,
    pub signal: String,
    pub severity: String,
    pub reason: String,
    pub activity_ids: Vec<String>,
    pub history_ids: Vec<String>,
    pub ruleset_version: String,
}

/// The synthetic organisation's hidden outcomes, as stored beside its observable data.
#[derive(Debug, Clone, PartialEq)]
pub struct SimTruth {
    /// The synthetic organisation's "today": its observable data stops there.
    pub as_of: Option<chrono::DateTime<chrono::Utc>>,
    pub deals: Vec<DealTruth>,
    pub conduct_reps: Vec<(String, String)>,
}

/// SHA-256 of the report's canonical JSON, hex; the JSON is streamed into the hash, never held.
pub fn report_hash(report: &RiskReport) -> String {
    to_json_sha256(report).unwrap_or_else(|_| hex::encode(Sha256::digest(b"")))
}

fn severity_text<T: Serialize>(value: &T) -> String {
    json(value).trim_matches('"').to_owned()
}

/// Deals (with their flags) written per transaction by [`Store::save_risk_report_parts`]: small
/// enough that drafts committing beside a run's report wait milliseconds for SQLite's write
/// lock, not the whole report.
const DEALS_PER_PART: usize = 500;

impl Store {
    /// Stores `report` as run `run_id`, replacing whatever that run held before, in one
    /// transaction.
    pub async fn save_risk_report(&self, run_id: &str, report: &RiskReport) -> Result<SnapshotCounts, StoreError> {
        let mut tx = self.pool.begin().await?;
        let counts = self.save_risk_report_in(&mut tx, run_id, report).await?;
        tx.commit().await?;
        Ok(counts)
    }

    /// As [`Store::save_risk_report`], inside the caller's transaction.
    pub async fn save_risk_report_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        run_id: &str,
        report: &RiskReport,
    ) -> Result<SnapshotCounts, StoreError> {
        self.delete_risk_report_in(tx, run_id).await?;
        self.save_risk_report_header_in(tx, run_id, report, &report_hash(report)).await?;
        let (deals, flags) = self.save_deal_risks_in(tx, run_id, &report.ruleset_version, &report.deals).await?;
        let (reps, teams) = self.save_scorecards_in(tx, run_id, report).await?;
        Ok(SnapshotCounts { deals, flags, reps, teams })
    }

    /// Stores everything of `report` but its summary row, in short transactions, replacing what
    /// run `run_id` held before. Readers find a run by its summary row, so the caller commits
    /// [`Store::save_risk_report_header_in`] last, with whatever marks the work done: until
    /// then the run has no report, and a retry after a crash starts again from nothing.
    pub async fn save_risk_report_parts(
        &self,
        run_id: &str,
        report: &RiskReport,
    ) -> Result<SnapshotCounts, StoreError> {
        let mut tx = self.pool.begin().await?;
        self.delete_risk_report_in(&mut tx, run_id).await?;
        tx.commit().await?;
        let mut counts = SnapshotCounts::default();
        for part in report.deals.chunks(DEALS_PER_PART) {
            let mut tx = self.pool.begin().await?;
            let (deals, flags) = self.save_deal_risks_in(&mut tx, run_id, &report.ruleset_version, part).await?;
            tx.commit().await?;
            counts.deals += deals;
            counts.flags += flags;
            // Let the transactions queued behind this one take the write lock.
            tokio::task::yield_now().await;
        }
        let mut tx = self.pool.begin().await?;
        (counts.reps, counts.teams) = self.save_scorecards_in(&mut tx, run_id, report).await?;
        tx.commit().await?;
        Ok(counts)
    }

    /// Removes every row of run `run_id`'s report, its summary included.
    async fn delete_risk_report_in(&self, tx: &mut Transaction<'_, Any>, run_id: &str) -> Result<(), StoreError> {
        for table in ["feature_snapshots", "deal_flags", "deal_snapshots", "rep_snapshots", "team_snapshots"] {
            // Table names come from the fixed list above, never from input.
            sqlx::query(&format!("DELETE FROM {table} WHERE run_id = $1")).bind(run_id).execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// The run's summary row: data date, ruleset, period, the model and the forecast, and
    /// `hash`, the report's [`report_hash`].
    pub async fn save_risk_report_header_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        run_id: &str,
        report: &RiskReport,
        hash: &str,
    ) -> Result<(), StoreError> {
        let run_row = vec![
            Value::from(run_id),
            timestamp(&report.as_of).into(),
            report.ruleset_version.as_str().into(),
            report.period.as_str().into(),
            report.currency.as_str().into(),
            hash.into(),
            json(&report.model).into(),
            json(&report.forecast).into(),
        ];
        Upsert {
            table: "feature_snapshots",
            columns: &["run_id", "as_of", "ruleset_version", "period", "currency", "report_hash", "model", "forecast"],
            key: &["run_id"],
        }
        .run(tx, self.backend, &[run_row])
        .await?;
        Ok(())
    }

    /// `deals` and their flags; the rows written to each table.
    async fn save_deal_risks_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        run_id: &str,
        version: &str,
        deals: &[DealRisk],
    ) -> Result<(u64, u64), StoreError> {
        let mut deal_rows = Vec::with_capacity(deals.len());
        let mut flag_rows = Vec::new();
        for deal in deals {
            deal_rows.push(vec![
                Value::from(run_id),
                deal.deal_id.as_str().into(),
                deal.owner_id.as_str().into(),
                deal.stage.as_str().into(),
                deal.amount_minor.into(),
                deal.currency.as_str().into(),
                deal.close_date.as_ref().map(date).into(),
                deal.forecast_category.as_str().into(),
                deal.win_probability.into(),
                deal.slip_probability.into(),
                deal.in_period_probability.into(),
                deal.highest_severity.map(|s| s.as_str().to_owned()).into(),
                version.into(),
                json(deal).into(),
            ]);
            for flag in &deal.flags {
                flag_rows.push(vec![
                    Value::from(run_id),
                    deal.deal_id.as_str().into(),
                    flag.signal.as_str().into(),
                    severity_text(&flag.severity).into(),
                    flag.reason.as_str().into(),
                    flag.measure.into(),
                    flag.threshold.into(),
                    json(&flag.evidence.activity_ids).into(),
                    json(&flag.evidence.history_ids).into(),
                    version.into(),
                ]);
            }
        }
        let deals = Upsert {
            table: "deal_snapshots",
            columns: &[
                "run_id",
                "deal_id",
                "owner_id",
                "stage",
                "amount_minor",
                "currency",
                "close_date",
                "forecast_category",
                "win_probability",
                "slip_probability",
                "in_period_probability",
                "highest_severity",
                "ruleset_version",
                "detail",
            ],
            key: &["run_id", "deal_id"],
        }
        .run(tx, self.backend, &deal_rows)
        .await?;
        let flags = Upsert {
            table: "deal_flags",
            columns: &[
                "run_id",
                "deal_id",
                "signal",
                "severity",
                "reason",
                "measure",
                "threshold",
                "activity_ids",
                "history_ids",
                "ruleset_version",
            ],
            key: &["run_id", "deal_id", "signal"],
        }
        .run(tx, self.backend, &flag_rows)
        .await?;
        Ok((deals, flags))
    }

    /// The report's rep scorecards and team roll-ups; the rows written to each table.
    async fn save_scorecards_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        run_id: &str,
        report: &RiskReport,
    ) -> Result<(u64, u64), StoreError> {
        let version = report.ruleset_version.as_str();
        let rep_rows: Vec<Vec<Value>> = report
            .reps
            .iter()
            .map(|r| vec![Value::from(run_id), r.person_id.as_str().into(), version.into(), json(r).into()])
            .collect();
        let reps = Upsert {
            table: "rep_snapshots",
            columns: &["run_id", "person_id", "ruleset_version", "scorecard"],
            key: &["run_id", "person_id"],
        }
        .run(tx, self.backend, &rep_rows)
        .await?;
        let team_rows: Vec<Vec<Value>> = report
            .teams
            .iter()
            .map(|t| vec![Value::from(run_id), t.manager_id.as_str().into(), version.into(), json(t).into()])
            .collect();
        let teams = Upsert {
            table: "team_snapshots",
            columns: &["run_id", "manager_id", "ruleset_version", "rollup"],
            key: &["run_id", "manager_id"],
        }
        .run(tx, self.backend, &team_rows)
        .await?;
        Ok((reps, teams))
    }

    /// The stored summary of run `run_id`, if any.
    pub async fn risk_snapshot(&self, run_id: &str) -> Result<Option<StoredSnapshot>, StoreError> {
        let row = sqlx::query(
            "SELECT run_id, as_of, ruleset_version, period, currency, report_hash FROM feature_snapshots WHERE run_id = $1",
        )
        .bind(run_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let id: String = row.try_get(0)?;
        Ok(Some(StoredSnapshot {
            as_of: parse_timestamp("feature_snapshots", &id, "as_of", &row.try_get::<String, _>(1)?)?,
            ruleset_version: row.try_get(2)?,
            period: row.try_get(3)?,
            currency: row.try_get(4)?,
            report_hash: row.try_get(5)?,
            run_id: id,
        }))
    }

    /// The flags stored for run `run_id`, by deal then signal.
    pub async fn risk_flags(&self, run_id: &str) -> Result<Vec<StoredFlag>, StoreError> {
        let sql = "SELECT deal_id, signal, severity, reason, activity_ids, history_ids, ruleset_version \
                   FROM deal_flags WHERE run_id = $1 ORDER BY deal_id, signal";
        let mut flags = Vec::new();
        for row in sqlx::query(sql).bind(run_id).fetch_all(&self.pool).await? {
            let deal_id: String = row.try_get(0)?;
            flags.push(StoredFlag {
                signal: row.try_get(1)?,
                severity: row.try_get(2)?,
                reason: row.try_get(3)?,
                activity_ids: parse_json("deal_flags", &deal_id, "activity_ids", &row.try_get::<String, _>(4)?)?,
                history_ids: parse_json("deal_flags", &deal_id, "history_ids", &row.try_get::<String, _>(5)?)?,
                ruleset_version: row.try_get(6)?,
                deal_id,
            });
        }
        Ok(flags)
    }

    /// The synthetic organisation's ground truth; `None` when no synthetic organisation is stored.
    pub async fn load_sim_truth(&self) -> Result<Option<SimTruth>, StoreError> {
        let mut meta: BTreeMap<String, String> = BTreeMap::new();
        for row in
            sqlx::query("SELECT meta_key, meta_value FROM sim_meta ORDER BY meta_key").fetch_all(&self.pool).await?
        {
            meta.insert(row.try_get(0)?, row.try_get(1)?);
        }
        let mut deals = Vec::new();
        let sql = "SELECT deal_id, outcome, outcome_date, final_amount_minor, detail FROM sim_truth ORDER BY deal_id";
        for row in sqlx::query(sql).fetch_all(&self.pool).await? {
            let id: String = row.try_get(0)?;
            let outcome: TrueOutcome = parse_enum("sim_truth", &id, "outcome", &row.try_get::<String, _>(1)?)?;
            deals.push(DealTruth {
                outcome,
                outcome_date: row
                    .try_get::<Option<String>, _>(2)?
                    .map(|d| parse_date("sim_truth", &id, "outcome_date", &d))
                    .transpose()?,
                final_amount_minor: row.try_get(3)?,
                detail: row.try_get(4)?,
                deal_id: DealId::parse(id.clone()).map_err(|e| corrupt("sim_truth", &id, "deal_id", e))?,
            });
        }
        if deals.is_empty() && meta.is_empty() {
            return Ok(None);
        }
        // Stored before `as_of` had a row of its own, it sits in the generator's parameters.
        let as_of = match meta.get("as_of") {
            Some(text) => Some(parse_json("sim_meta", "as_of", "meta_value", text)?),
            None => meta
                .get("params")
                .map(|p| parse_json::<serde_json::Value>("sim_meta", "params", "meta_value", p))
                .transpose()?
                .and_then(|params| serde_json::from_value(params.get("as_of")?.clone()).ok()),
        };
        let conduct_reps = meta
            .get("conduct_reps")
            .map(|c| parse_json("sim_meta", "conduct_reps", "meta_value", c))
            .transpose()?
            .unwrap_or_default();
        Ok(Some(SimTruth { as_of, deals, conduct_reps }))
    }
}
