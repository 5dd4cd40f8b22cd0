//! How a simulator delivers callbacks: its retry schedule, its HTTP timeout, its clock.

use std::time::Duration;

use chrono::TimeDelta;

/// The gap between two callback attempts in the compressed schedules the simulators use by
/// default: the banks' minutes become milliseconds so a test sees every retry within a second.
pub const DEFAULT_RETRY_INTERVAL: Duration = Duration::from_millis(200);

/// When a bank tries a callback again after PayHub did not acknowledge it: the delay before each
/// retry, in order. The first attempt is immediate; an empty schedule never retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule {
    delays: Vec<Duration>,
}

impl RetrySchedule {
    /// `retries` retries, `interval` apart: a spec's schedule compressed, keeping its count.
    pub fn every(interval: Duration, retries: usize) -> RetrySchedule {
        RetrySchedule {
            delays: vec![interval; retries],
        }
    }

    /// Exactly these delays, e.g. a bank's real schedule for a demo that wants it.
    pub fn from_delays(delays: Vec<Duration>) -> RetrySchedule {
        RetrySchedule { delays }
    }

    /// Never retry: one attempt only.
    pub fn none() -> RetrySchedule {
        RetrySchedule { delays: Vec::new() }
    }

    /// How many retries follow the first attempt.
    pub fn retries(&self) -> usize {
        self.delays.len()
    }

    /// The delay before retry `n` (1-based), `None` past the last.
    pub(crate) fn delay_before(&self, retry: usize) -> Option<Duration> {
        retry
            .checked_sub(1)
            .and_then(|i| self.delays.get(i))
            .copied()
    }
}

/// The behaviour every simulator shares, in each bank's `SimulatorConfig`.
#[derive(Debug, Clone)]
pub struct Settings {
    /// When to retry an unacknowledged callback. Each bank's default keeps its spec's number of
    /// retries, [`DEFAULT_RETRY_INTERVAL`] apart.
    pub retry: RetrySchedule,
    /// How long one callback attempt may take before it counts as a timeout (which every spec
    /// retries like an error).
    pub callback_timeout: Duration,
    /// Added to the system clock: every time the bank writes or checks (signatures' freshness,
    /// `vnp_PayDate`, statement days) uses the shifted clock. A shift of more than 300 s makes
    /// VCB's callbacks stale for PayHub, and more than 15 min BIDV's requests.
    pub clock_offset: TimeDelta,
}

impl Settings {
    /// The spec's number of retries, compressed to [`DEFAULT_RETRY_INTERVAL`]; a 5 s timeout;
    /// the true clock.
    pub fn compressed(spec_retries: usize) -> Settings {
        Settings {
            retry: RetrySchedule::every(DEFAULT_RETRY_INTERVAL, spec_retries),
            callback_timeout: Duration::from_secs(5),
            clock_offset: TimeDelta::zero(),
        }
    }
}
