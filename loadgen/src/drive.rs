//! The closed-loop driver: `concurrency` workers each send one request, wait for its answer and
//! send the next, until the time is up or the pre-built requests run out. Latency is recorded
//! per request in an HDR histogram (microseconds, 3 significant digits), one per worker, merged
//! at the end so workers never share a lock.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde_json::{json, Value};

/// What one run measured.
pub struct Stats {
    pub ok: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    pub elapsed: Duration,
    pub latency_us: Histogram<u64>,
}

impl Stats {
    pub fn throughput(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }

    fn ms(&self, quantile: f64) -> f64 {
        self.latency_us.value_at_quantile(quantile) as f64 / 1000.0
    }

    /// One JSON line for `bench/results`: the fields BENCHMARKS.md's tables are made from.
    pub fn to_json(&self, labels: Value) -> Value {
        let mut out = json!({
            "requests": self.ok,
            "errors": self.errors,
            "first_error": self.first_error,
            "seconds": (self.elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
            "per_second": self.throughput().round(),
            "p50_ms": self.ms(0.50),
            "p90_ms": self.ms(0.90),
            "p99_ms": self.ms(0.99),
            "max_ms": self.latency_us.max() as f64 / 1000.0,
        });
        if let (Some(out), Value::Object(labels)) = (out.as_object_mut(), labels) {
            out.extend(labels);
        }
        out
    }
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

/// Fires jobs `0..jobs` through `fire`, in order, with `concurrency` workers for at most
/// `duration`. A job whose future returns `Err` counts as an error (its latency is not recorded).
pub async fn drive<F, Fut>(jobs: usize, concurrency: usize, duration: Duration, fire: F) -> Stats
where
    F: Fn(usize) -> Fut + Send + Sync + Clone + 'static,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let deadline = start + duration;
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (next, fire) = (next.clone(), fire.clone());
        workers.push(tokio::spawn(async move {
            let mut hist = histogram();
            let (mut errors, mut first_error) = (0u64, None);
            while Instant::now() < deadline {
                let job = next.fetch_add(1, Ordering::Relaxed);
                if job >= jobs {
                    break;
                }
                let sent = Instant::now();
                match fire(job).await {
                    Ok(()) => {
                        let us = sent.elapsed().as_micros().max(1) as u64;
                        hist.saturating_record(us);
                    }
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert(e);
                    }
                }
            }
            (hist, errors, first_error)
        }));
    }
    let mut stats = Stats {
        ok: 0,
        errors: 0,
        first_error: None,
        elapsed: Duration::ZERO,
        latency_us: histogram(),
    };
    for worker in workers {
        let (hist, errors, first_error) = worker.await.expect("a worker does not panic");
        stats.latency_us.add(&hist).expect("same bounds");
        stats.errors += errors;
        if stats.first_error.is_none() {
            stats.first_error = first_error;
        }
    }
    stats.elapsed = start.elapsed();
    stats.ok = stats.latency_us.len();
    stats
}

/// How many of the pre-built jobs the workers took (for "was each applied exactly once").
pub fn taken(stats: &Stats) -> usize {
    (stats.ok + stats.errors) as usize
}
