//! Fault injection for the crash tests. With `CANDOR_FAULT_HOLD_AT=POINT:N` set, the Nth time
//! any worker reaches POINT the process writes the file named by `CANDOR_FAULT_MARKER` and
//! stops making progress there, so a test can SIGKILL it at exactly that point. Unset (always,
//! outside tests) this costs one environment lookup per process; built without the `testkit`
//! feature, the hold points compile to nothing.

#[cfg(feature = "testkit")]
use std::sync::atomic::{AtomicU64, Ordering};
#[cfg(feature = "testkit")]
use std::sync::OnceLock;

/// Places a crash test can stop at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HoldPoint {
    /// The drafter returned; nothing is committed yet.
    Drafted,
    /// A draft and its job's completion are committed.
    DraftCommitted,
    /// A message went out; its delivery is not yet recorded.
    Sent,
    /// A delivery and its job's completion are committed.
    DeliveryCommitted,
}

#[cfg(feature = "testkit")]
impl HoldPoint {
    fn name(self) -> &'static str {
        match self {
            HoldPoint::Drafted => "drafted",
            HoldPoint::DraftCommitted => "draft-committed",
            HoldPoint::Sent => "sent",
            HoldPoint::DeliveryCommitted => "delivery-committed",
        }
    }
}

#[cfg(feature = "testkit")]
struct Hold {
    point: String,
    after: u64,
    marker: Option<String>,
    seen: AtomicU64,
}

#[cfg(feature = "testkit")]
fn configured() -> Option<&'static Hold> {
    static HOLD: OnceLock<Option<Hold>> = OnceLock::new();
    HOLD.get_or_init(|| {
        let spec = std::env::var("CANDOR_FAULT_HOLD_AT").ok()?;
        let (point, after) = spec.split_once(':')?;
        Some(Hold {
            point: point.to_owned(),
            after: after.parse().ok()?,
            marker: std::env::var("CANDOR_FAULT_MARKER").ok(),
            seen: AtomicU64::new(0),
        })
    })
    .as_ref()
}

/// Holds forever when `point` is the configured one and this is its Nth arrival.
#[cfg(feature = "testkit")]
pub(super) async fn reached(point: HoldPoint) {
    let Some(hold) = configured() else { return };
    if hold.point != point.name() {
        return;
    }
    if hold.seen.fetch_add(1, Ordering::SeqCst) + 1 >= hold.after {
        if let Some(marker) = &hold.marker {
            let _ = std::fs::write(marker, point.name());
        }
        std::future::pending::<()>().await;
    }
}

/// Without the `testkit` feature nothing holds.
#[cfg(not(feature = "testkit"))]
pub(super) async fn reached(_point: HoldPoint) {}
