//! The bound on model calls in flight at once (`llm.concurrency`), shared by every draft in the
//! process. The endpoint's capacity belongs to the provider, not to the jobs around it: a
//! worker may run more drafts than this (their snapshots, validation and storage overlap the
//! calls) while the endpoint never sees more calls than it was configured for.

use super::{BoxFuture, ModelReply, ModelRequest, Provider, ProviderError};
use tokio::sync::Semaphore;

pub struct Limited<P> {
    inner: P,
    calls: Semaphore,
}

impl<P: Provider> Limited<P> {
    /// `inner`, with at most `concurrency` (at least one) of its calls in flight at once.
    pub fn new(inner: P, concurrency: usize) -> Limited<P> {
        Limited { inner, calls: Semaphore::new(concurrency.max(1)) }
    }
}

impl<P: Provider> Provider for Limited<P> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn model(&self) -> &str {
        self.inner.model()
    }

    fn reads_tool_results(&self) -> bool {
        self.inner.reads_tool_results()
    }

    fn complete<'a>(&'a self, request: ModelRequest<'a>) -> BoxFuture<'a, Result<ModelReply, ProviderError>> {
        Box::pin(async move {
            // The semaphore is never closed, so a permit always comes; a retry waits for a
            // permit again rather than holding one through its backoff.
            let _permit = self.calls.acquire().await.ok();
            self.inner.complete(request).await
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::coaching::drafts::DraftKind;
    use crate::coaching::provider::OfflineProvider;
    use crate::coaching::snapshot::Snapshot;
    use crate::domain::Role;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    /// Records the most calls it ever had in flight.
    struct Counting {
        inner: OfflineProvider,
        in_flight: AtomicUsize,
        most: AtomicUsize,
    }

    impl Provider for Counting {
        fn name(&self) -> &'static str {
            "counting"
        }

        fn model(&self) -> &str {
            "counting"
        }

        fn complete<'a>(&'a self, request: ModelRequest<'a>) -> BoxFuture<'a, Result<ModelReply, ProviderError>> {
            Box::pin(async move {
                let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                self.most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                self.in_flight.fetch_sub(1, Ordering::SeqCst);
                self.inner.complete(request).await
            })
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_calls_than_the_limit_are_in_flight() {
        let counting = Counting { inner: OfflineProvider, in_flight: AtomicUsize::new(0), most: AtomicUsize::new(0) };
        let limited = Arc::new(Limited::new(counting, 3));
        let snapshot = Arc::new(Snapshot::empty(DraftKind::RepNudge, Role::Rep, "Ada Rep"));
        let calls: Vec<_> = (0..12)
            .map(|_| {
                let (limited, snapshot) = (limited.clone(), snapshot.clone());
                tokio::spawn(async move {
                    let request = ModelRequest { messages: &[], tools: &[], snapshot: &snapshot };
                    limited.complete(request).await.map(|_| ())
                })
            })
            .collect();
        for call in calls {
            call.await.unwrap().unwrap();
        }
        assert_eq!(limited.inner.most.load(Ordering::SeqCst), 3);
        assert_eq!((limited.name(), limited.model()), ("counting", "counting"));
    }
}
