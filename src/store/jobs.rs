//! The durable job queue and the weekly runs it serves: idempotent enqueue, claiming with leases
//! (`FOR UPDATE SKIP LOCKED` on Postgres), heartbeats, fenced completion, retries, the named
//! leases that elect one scheduler, and the last slot fired per schedule.

use super::{Backend, Store, StoreError};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

/// Timestamps with milliseconds in one fixed width, so comparing the text compares the time.
pub fn instant(value: &DateTime<Utc>) -> String {
    value.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub(super) fn parse_instant(
    table: &'static str,
    id: &str,
    field: &'static str,
    text: &str,
) -> Result<DateTime<Utc>, StoreError> {
    super::codec::parse_timestamp(table, id, field, text)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    pub kind: String,
    pub scope: String,
    pub period: String,
    pub run_id: String,
    /// JSON the handler reads.
    pub payload: String,
    /// Lower runs first.
    pub priority: i64,
    pub max_attempts: i64,
    pub run_after: DateTime<Utc>,
}

impl NewJob {
    /// The id is the idempotency key itself, so the same job always lands on the same row.
    pub fn id(&self) -> String {
        format!("{}|{}|{}", self.kind, self.scope, self.period)
    }
}

/// A job this worker holds; `attempt` is the fencing token every later write must present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedJob {
    pub id: String,
    pub kind: String,
    pub scope: String,
    pub period: String,
    pub run_id: String,
    pub payload: String,
    pub attempt: i64,
    pub max_attempts: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JobRecord {
    pub id: String,
    pub kind: String,
    pub scope: String,
    pub run_id: String,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RunRecord {
    pub id: String,
    pub week: String,
    pub selection: String,
    pub as_of: String,
    pub trigger: String,
    pub created_at: String,
}

/// Jobs of one run grouped by kind and state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobTally {
    pub kind: String,
    pub state: String,
    pub count: i64,
    pub started: i64,
}

const CLAIM_COLUMNS: &str = "id, kind, scope, period, run_id, payload, attempts, max_attempts";

fn claimed(row: &AnyRow) -> Result<ClaimedJob, StoreError> {
    Ok(ClaimedJob {
        id: row.try_get(0)?,
        kind: row.try_get(1)?,
        scope: row.try_get(2)?,
        period: row.try_get(3)?,
        run_id: row.try_get(4)?,
        payload: row.try_get(5)?,
        attempt: row.try_get(6)?,
        max_attempts: row.try_get(7)?,
    })
}

/// Jobs per multi-row insert: 9 parameters each, well under every backend's limit.
const ENQUEUE_BATCH: usize = 50;

impl Store {
    /// Inserts `job` unless one with the same kind, scope and period exists; true when new.
    pub async fn enqueue_job_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        job: &NewJob,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Ok(self.enqueue_jobs_in(tx, std::slice::from_ref(job), now).await? == 1)
    }

    /// Inserts each of `jobs` unless one with the same kind, scope and period exists, a few
    /// dozen rows per statement; returns how many were new.
    pub async fn enqueue_jobs_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        jobs: &[NewJob],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let now = instant(&now);
        let mut inserted = 0;
        for chunk in jobs.chunks(ENQUEUE_BATCH) {
            // Nine parameters per job, then the one timestamp every row is created at.
            let created = chunk.len() * 9 + 1;
            let rows: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let p: Vec<String> = (1..=9).map(|k| format!("${}", i * 9 + k)).collect();
                    format!(
                        "({}, 'queued', {}, 0, {}, {}, ${created}, ${created})",
                        p[..6].join(", "),
                        p[6],
                        p[7],
                        p[8]
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO jobs (id, kind, scope, period, run_id, payload, state, priority, attempts, max_attempts, \
                 run_after, created_at, updated_at) VALUES {} ON CONFLICT DO NOTHING",
                rows.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for job in chunk {
                query = query
                    .bind(job.id())
                    .bind(job.kind.clone())
                    .bind(job.scope.clone())
                    .bind(job.period.clone())
                    .bind(job.run_id.clone())
                    .bind(job.payload.clone())
                    .bind(job.priority)
                    .bind(job.max_attempts)
                    .bind(instant(&job.run_after));
            }
            inserted += query.bind(now.clone()).execute(&mut **tx).await?.rows_affected();
        }
        Ok(inserted)
    }

    pub async fn enqueue_job(&self, job: &NewJob, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let inserted = self.enqueue_job_in(&mut tx, job, now).await?;
        tx.commit().await?;
        Ok(inserted)
    }

    /// Leases up to `limit` jobs that are due, or whose previous holder's lease ran out.
    /// Each claim counts as an attempt, so a job that keeps killing its worker still ends.
    pub async fn claim_jobs(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<ClaimedJob>, StoreError> {
        // Other workers skip the rows one is claiming instead of queueing behind its lock.
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE jobs SET state = 'running', lease_owner = $1, lease_expires_at = $2, attempts = attempts + 1, \
             updated_at = $3 WHERE id IN (SELECT id FROM jobs WHERE (state = 'queued' AND run_after <= $3) \
             OR (state = 'running' AND lease_expires_at < $3) ORDER BY priority, run_after, id LIMIT $4{lock}) \
             RETURNING {CLAIM_COLUMNS}"
        );
        let rows = sqlx::query(&sql)
            .bind(owner)
            .bind(instant(&lease_until))
            .bind(instant(&now))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        let mut jobs = rows.iter().map(claimed).collect::<Result<Vec<_>, _>>()?;
        jobs.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(jobs)
    }

    /// Extends the lease; false when the job is no longer this attempt's to hold.
    pub async fn heartbeat_job(
        &self,
        job: &ClaimedJob,
        owner: &str,
        lease_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET lease_expires_at = $1, updated_at = $2 WHERE id = $3 AND lease_owner = $4 \
             AND attempts = $5 AND state = 'running'",
        )
        .bind(instant(&lease_until))
        .bind(instant(&now))
        .bind(&job.id)
        .bind(owner)
        .bind(job.attempt)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks the claimed attempt finished (`succeeded` or `failed`) inside the transaction that
    /// writes its results; false (and the caller rolls back) when the lease was lost.
    /// This is the first write of the transaction, so SQLite takes its write lock up front.
    pub async fn finish_job_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        job: &ClaimedJob,
        owner: &str,
        outcome: JobOutcome<'_>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (state, result, error) = match outcome {
            JobOutcome::Succeeded { result } => ("succeeded", result, None),
            JobOutcome::Failed { error } => ("failed", None, Some(error)),
        };
        let now = instant(&now);
        let done = sqlx::query(
            "UPDATE jobs SET state = $1, result = $2, last_error = COALESCE($3, last_error), lease_owner = NULL, \
             lease_expires_at = NULL, updated_at = $4, finished_at = $4 WHERE id = $5 AND lease_owner = $6 \
             AND attempts = $7 AND state = 'running'",
        )
        .bind(state)
        .bind(result)
        .bind(error)
        .bind(now)
        .bind(&job.id)
        .bind(owner)
        .bind(job.attempt)
        .execute(&mut **tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Puts the claimed attempt back in the queue to run again at `run_after`.
    pub async fn retry_job(
        &self,
        job: &ClaimedJob,
        owner: &str,
        run_after: DateTime<Utc>,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET state = 'queued', run_after = $1, last_error = $2, lease_owner = NULL, \
             lease_expires_at = NULL, updated_at = $3 WHERE id = $4 AND lease_owner = $5 AND attempts = $6 \
             AND state = 'running'",
        )
        .bind(instant(&run_after))
        .bind(error)
        .bind(instant(&now))
        .bind(&job.id)
        .bind(owner)
        .bind(job.attempt)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Creates the run row; false when that week and selection already has one.
    pub async fn create_run_in(&self, tx: &mut Transaction<'_, Any>, run: &RunRecord) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO runs (id, week, selection, as_of, trigger_kind, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&run.id)
        .bind(&run.week)
        .bind(&run.selection)
        .bind(&run.as_of)
        .bind(&run.trigger)
        .bind(&run.created_at)
        .execute(&mut **tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn run(&self, id: &str) -> Result<Option<RunRecord>, StoreError> {
        let row = sqlx::query("SELECT id, week, selection, as_of, trigger_kind, created_at FROM runs WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(run_record).transpose()
    }

    /// Every run, newest first.
    pub async fn runs(&self, limit: i64) -> Result<Vec<RunRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, week, selection, as_of, trigger_kind, created_at FROM runs ORDER BY created_at DESC, id DESC \
             LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(run_record).collect()
    }

    /// Job counts of one run by kind and state.
    pub async fn job_tallies(&self, run_id: &str) -> Result<Vec<JobTally>, StoreError> {
        let rows = sqlx::query(
            "SELECT kind, state, COUNT(*), CAST(SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END) AS BIGINT) \
             FROM jobs WHERE run_id = $1 GROUP BY kind, state ORDER BY kind, state",
        )
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(JobTally {
                    kind: row.try_get(0)?,
                    state: row.try_get(1)?,
                    count: row.try_get(2)?,
                    started: row.try_get::<Option<i64>, _>(3)?.unwrap_or(0),
                })
            })
            .collect()
    }

    /// Failed jobs of a run, with their last error.
    pub async fn failed_jobs(&self, run_id: &str) -> Result<Vec<JobRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, kind, scope, run_id, state, attempts, last_error, updated_at FROM jobs \
             WHERE run_id = $1 AND state = 'failed' ORDER BY id",
        )
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(JobRecord {
                    id: row.try_get(0)?,
                    kind: row.try_get(1)?,
                    scope: row.try_get(2)?,
                    run_id: row.try_get(3)?,
                    state: row.try_get(4)?,
                    attempts: row.try_get(5)?,
                    last_error: row.try_get(6)?,
                    updated_at: row.try_get(7)?,
                })
            })
            .collect()
    }

    /// Queue depth per state, for metrics.
    pub async fn job_state_counts(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        let rows = sqlx::query("SELECT kind, state, COUNT(*) FROM jobs GROUP BY kind, state ORDER BY kind, state")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))).collect()
    }

    /// Takes or renews the lease `name` for `owner`; true while `owner` holds it.
    pub async fn acquire_lease(
        &self,
        name: &str,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let taken = sqlx::query(
            "UPDATE leases SET owner = $1, expires_at = $2 WHERE name = $3 AND (owner = $1 OR expires_at < $4)",
        )
        .bind(owner)
        .bind(instant(&until))
        .bind(name)
        .bind(instant(&now))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        let held = taken
            || sqlx::query("INSERT INTO leases (name, owner, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .bind(name)
                .bind(owner)
                .bind(instant(&until))
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
        tx.commit().await?;
        Ok(held)
    }

    pub async fn release_lease(&self, name: &str, owner: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM leases WHERE name = $1 AND owner = $2")
            .bind(name)
            .bind(owner)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The last slot a schedule fired for.
    pub async fn last_schedule_tick(&self, key: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        let row = sqlx::query("SELECT last_slot FROM schedule_ticks WHERE schedule_key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(Some(parse_instant("schedule_ticks", key, "last_slot", &row.try_get::<String, _>(0)?)?)),
            None => Ok(None),
        }
    }

    /// Moves a schedule to `slot`; false when another process already recorded this slot or a
    /// later one, so the caller's transaction must not fire it again.
    pub async fn advance_schedule_tick_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        key: &str,
        slot: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (slot, now) = (instant(&slot), instant(&now));
        let moved = sqlx::query(
            "UPDATE schedule_ticks SET last_slot = $1, fired_at = $2 WHERE schedule_key = $3 AND last_slot < $1",
        )
        .bind(&slot)
        .bind(&now)
        .bind(key)
        .execute(&mut **tx)
        .await?
        .rows_affected()
            == 1;
        if moved {
            return Ok(true);
        }
        let inserted = sqlx::query(
            "INSERT INTO schedule_ticks (schedule_key, last_slot, fired_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(key)
        .bind(&slot)
        .bind(&now)
        .execute(&mut **tx)
        .await?
        .rows_affected()
            == 1;
        Ok(inserted)
    }

    /// Distinct (role, time zone) pairs among the people, for evaluating schedules per zone.
    pub async fn role_timezones(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT DISTINCT role, timezone FROM people ORDER BY role, timezone")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }

    /// One round trip to the database, for health checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await?;
        Ok(())
    }

    pub async fn begin(&self) -> Result<Transaction<'static, Any>, StoreError> {
        Ok(self.pool.begin().await?)
    }
}

/// How a claimed attempt ended.
#[derive(Debug, Clone, Copy)]
pub enum JobOutcome<'a> {
    Succeeded { result: Option<&'a str> },
    Failed { error: &'a str },
}

fn run_record(row: &AnyRow) -> Result<RunRecord, StoreError> {
    Ok(RunRecord {
        id: row.try_get(0)?,
        week: row.try_get(1)?,
        selection: row.try_get(2)?,
        as_of: row.try_get(3)?,
        trigger: row.try_get(4)?,
        created_at: row.try_get(5)?,
    })
}
