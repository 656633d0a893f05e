//! The worker: claims due jobs up to its concurrency, keeps each lease alive with heartbeats
//! while the step runs, and decides what a failure means (retry with exponential backoff, wait
//! as the service asked, or fail for good once attempts run out).

use super::pipeline::Pipeline;
use super::JobError;
use crate::config::JobsConfig;
use crate::store::ClaimedJob;
use chrono::Utc;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify, Semaphore};

/// The delay before retry `attempt` (1-based): `base × 2^(attempt−1)`, capped, with ±20%
/// jitter derived from `key` so workers retrying together spread out, reproducibly.
pub fn backoff(settings: &JobsConfig, attempt: i64, key: &str) -> Duration {
    let exponent = u32::try_from(attempt.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    let base = settings.backoff_base_ms.saturating_mul(1u64 << exponent);
    let capped = base.min(settings.backoff_max_seconds.saturating_mul(1_000));
    let digest = Sha256::digest(format!("{key}#{attempt}").as_bytes());
    let spread = f64::from(digest[0]) / 255.0 * 0.4 + 0.8;
    Duration::from_millis((capped as f64 * spread).round() as u64)
}

/// A unique name for this process's worker, shown as the lease owner.
pub(super) fn worker_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".to_owned());
    let nonce = Sha256::digest(format!("{:?}{}", std::time::SystemTime::now(), std::process::id()).as_bytes());
    format!("{host}:{}:{}", std::process::id(), &hex::encode(nonce)[..8])
}

pub struct Worker {
    pipeline: Arc<Pipeline>,
    owner: String,
    settings: JobsConfig,
    wake: Notify,
}

/// A running worker; dropping it does not stop it, [`WorkerHandle::stop`] does.
pub struct WorkerHandle {
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    worker: Arc<Worker>,
}

impl WorkerHandle {
    /// Stops claiming and waits (up to `grace`) for jobs in flight.
    pub async fn stop(self, grace: Duration) {
        let _ = self.shutdown.send(true);
        self.worker.wake.notify_one();
        let _ = tokio::time::timeout(grace, self.task).await;
    }

    /// Nudges the worker to look for work now.
    pub fn wake(&self) {
        self.worker.wake.notify_one();
    }

    /// What nudges this worker from another task (a scheduler that just started a run).
    pub fn waker(&self) -> WorkerWaker {
        WorkerWaker(self.worker.clone())
    }
}

/// Nudges a running worker to look for work now.
#[derive(Clone)]
pub struct WorkerWaker(Arc<Worker>);

impl WorkerWaker {
    pub fn wake(&self) {
        self.0.wake.notify_one();
    }
}

impl Worker {
    pub fn new(pipeline: Arc<Pipeline>) -> Worker {
        let settings = pipeline.config().jobs.clone();
        Worker { pipeline, owner: worker_name(), settings, wake: Notify::new() }
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    pub fn spawn(self) -> WorkerHandle {
        let worker = Arc::new(self);
        let (shutdown, receiver) = watch::channel(false);
        let task = tokio::spawn(worker.clone().run(receiver));
        WorkerHandle { shutdown, task, worker }
    }

    async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let concurrency = self.settings.concurrency as usize;
        let permits = Arc::new(Semaphore::new(concurrency));
        let poll = Duration::from_millis(self.settings.poll_interval_ms);
        let lease = chrono::Duration::seconds(self.settings.lease_seconds as i64);
        while !*shutdown.borrow() {
            let now = Utc::now();
            if let Err(error) = self.pipeline.relay(now).await {
                tracing::warn!(%error, "outbox relay failed");
            }
            let free = permits.available_permits();
            let claimed = if free == 0 {
                Vec::new()
            } else {
                match self.pipeline.store().claim_jobs(&self.owner, now, now + lease, free as i64).await {
                    Ok(jobs) => jobs,
                    Err(error) => {
                        tracing::warn!(%error, "claiming jobs failed");
                        Vec::new()
                    }
                }
            };
            for job in claimed {
                let Ok(permit) = permits.clone().try_acquire_owned() else { break };
                let worker = self.clone();
                tokio::spawn(async move {
                    worker.execute(job).await;
                    drop(permit);
                    worker.wake.notify_one();
                });
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(poll) => {}
                _ = shutdown.changed() => {}
            }
        }
        let _ = permits.acquire_many(concurrency as u32).await;
    }

    /// Runs one claimed attempt to its end.
    pub async fn execute(&self, job: ClaimedJob) {
        let heartbeat = self.heartbeat(&job);
        let started = std::time::Instant::now();
        let outcome = if job.attempt > job.max_attempts {
            Err(JobError::Fatal(format!(
                "gave up after {} attempts; the last one stopped without finishing",
                job.max_attempts
            )))
        } else {
            self.pipeline.execute(&job, &self.owner).await
        };
        heartbeat.abort();
        tracing::debug!(
            job = %job.id,
            kind = %job.kind,
            attempt = job.attempt,
            ok = outcome.is_ok(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "job attempt ended"
        );
        let settled = match outcome {
            Ok(()) => Ok(()),
            Err(JobError::LeaseLost) => {
                tracing::info!(job = %job.id, "lease lost; another worker has the job");
                Ok(())
            }
            Err(JobError::Fatal(reason)) => self.pipeline.fail(&job, &self.owner, &reason).await,
            Err(error) if job.attempt >= job.max_attempts => {
                self.pipeline.fail(&job, &self.owner, &format!("{error} (after {} attempts)", job.attempt)).await
            }
            Err(error) => {
                let wait = match &error {
                    JobError::RetryAfter { after, .. } => *after,
                    _ => backoff(&self.settings, job.attempt, &job.id),
                };
                let now = Utc::now();
                let run_after = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(1));
                tracing::info!(job = %job.id, attempt = job.attempt, %error, retry_in_ms = wait.as_millis() as u64, "retrying");
                self.pipeline
                    .store()
                    .retry_job(&job, &self.owner, run_after, &error.to_string(), now)
                    .await
                    .map(|_| ())
                    .map_err(JobError::from)
            }
        };
        if let Err(error) = settled {
            // The job stays leased; once the lease runs out another attempt picks it up.
            tracing::warn!(job = %job.id, %error, "could not record the job's outcome");
        }
    }

    fn heartbeat(&self, job: &ClaimedJob) -> tokio::task::JoinHandle<()> {
        let store = self.pipeline.store().clone();
        let owner = self.owner.clone();
        let job = job.clone();
        let lease = self.settings.lease_seconds;
        tokio::spawn(async move {
            let every = Duration::from_millis((lease * 1_000 / 3).max(100));
            loop {
                tokio::time::sleep(every).await;
                let now = Utc::now();
                match store.heartbeat_job(&job, &owner, now + chrono::Duration::seconds(lease as i64), now).await {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(error) => tracing::warn!(job = %job.id, %error, "heartbeat failed"),
                }
            }
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_bounded_jitter_and_a_cap() {
        let settings = JobsConfig { backoff_base_ms: 1_000, backoff_max_seconds: 60, ..JobsConfig::default() };
        for attempt in 1..=5 {
            let ideal = 1_000.0 * 2f64.powi(attempt as i32 - 1);
            let got = backoff(&settings, attempt, "job").as_millis() as f64;
            assert!(got >= ideal * 0.8 && got <= ideal * 1.2, "attempt {attempt}: {got}");
        }
        assert!(backoff(&settings, 40, "job") <= Duration::from_secs(72));
        assert_eq!(backoff(&settings, 3, "a"), backoff(&settings, 3, "a"));
    }
}
