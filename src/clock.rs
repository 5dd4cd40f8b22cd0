//! The one source of "now". SQLite has no `now()`, so every timestamp is bound from Rust; tests
//! move this clock forward instead of sleeping (expiry, backoff, business days).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Duration, DurationRound, FixedOffset, Utc};

#[derive(Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// The wall clock plus any offset a test applied, truncated to microseconds so that what is
    /// stored compares equal on both backends (PostgreSQL keeps microseconds).
    pub fn now(&self) -> DateTime<Utc> {
        let now = Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed));
        now.duration_trunc(Duration::microseconds(1)).unwrap_or(now)
    }

    /// Moves this clock (and every clone of it) forward.
    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::Relaxed);
    }
}

/// Vietnam's time zone: GMT+7 all year (no daylight saving).
pub fn vietnam() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("GMT+7 is a valid offset")
}
