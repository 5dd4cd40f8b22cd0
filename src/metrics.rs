//! Prometheus metrics: request counts and latency histograms per route, rendered in the text
//! exposition format. Counted by the HTTP layer, served at `GET /metrics`, and shared through
//! [`crate::app::AppState`] so that background work can count too.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

use crate::domain::bank::BankCode;

/// Upper bounds in seconds, from a cache hit to a slow bank call.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
pub struct Metrics {
    routes: Mutex<BTreeMap<(String, String), RouteStats>>,
    banks: Mutex<BankStats>,
}

/// The business counters of this process (README, "Operating it"); Prometheus adds up the
/// instances. What is stored (pending attempts, discrepancies, the outbox) is read from the
/// database at each scrape instead ([`render_gauges`]).
#[derive(Default)]
struct BankStats {
    /// (bank) -> payments applied.
    payments: BTreeMap<&'static str, u64>,
    /// (bank, call, outcome) -> calls to a bank.
    calls: BTreeMap<(&'static str, &'static str, &'static str), u64>,
    /// (bank) -> callback delay after the bank's payment time.
    callback_delay: BTreeMap<&'static str, Histogram>,
}

/// Callback delays in seconds: from on time to the banks' retries hours later.
const DELAY_BUCKETS: [f64; 9] = [1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 14400.0, 86400.0];

#[derive(Default)]
struct Histogram {
    buckets: [u64; DELAY_BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct RouteStats {
    by_status: BTreeMap<u16, u64>,
    buckets: [u64; BUCKETS.len()],
    sum_seconds: f64,
    count: u64,
}

impl Metrics {
    /// Counts one request of `route` (a route template, never a raw path).
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
        let stats = routes
            .entry((method.to_owned(), route.to_owned()))
            .or_default();
        *stats.by_status.entry(status).or_default() += 1;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                stats.buckets[i] += 1;
            }
        }
        stats.sum_seconds += seconds;
        stats.count += 1;
    }

    /// A payment applied (its first callback, or found by sync).
    pub fn payment(&self, bank: BankCode) {
        let mut b = self.banks.lock().unwrap_or_else(|p| p.into_inner());
        *b.payments.entry(bank.as_str()).or_default() += 1;
    }

    /// A call to a bank (`start`, `query`) and whether the bank answered.
    pub fn bank_call(&self, bank: BankCode, call: &'static str, ok: bool) {
        let mut b = self.banks.lock().unwrap_or_else(|p| p.into_inner());
        let outcome = if ok { "ok" } else { "failed" };
        *b.calls.entry((bank.as_str(), call, outcome)).or_default() += 1;
    }

    /// A callback announcing a payment arrived `seconds` after the bank's payment time.
    pub fn callback_delay(&self, bank: BankCode, seconds: f64) {
        let mut b = self.banks.lock().unwrap_or_else(|p| p.into_inner());
        let h = b.callback_delay.entry(bank.as_str()).or_default();
        for (i, bound) in DELAY_BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                h.buckets[i] += 1;
            }
        }
        h.sum += seconds;
        h.count += 1;
    }

    fn render_banks(&self, out: &mut String) {
        let b = self.banks.lock().unwrap_or_else(|p| p.into_inner());
        out.push_str("# HELP payhub_payments_total Payments applied, by bank.\n");
        out.push_str("# TYPE payhub_payments_total counter\n");
        for (bank, n) in &b.payments {
            let _ = writeln!(out, "payhub_payments_total{{bank=\"{bank}\"}} {n}");
        }
        out.push_str("# HELP payhub_bank_calls_total Calls to banks (start, query) by outcome.\n");
        out.push_str("# TYPE payhub_bank_calls_total counter\n");
        for ((bank, call, outcome), n) in &b.calls {
            let _ = writeln!(
                out,
                "payhub_bank_calls_total{{bank=\"{bank}\",call=\"{call}\",outcome=\"{outcome}\"}} {n}"
            );
        }
        out.push_str("# HELP payhub_callback_delay_seconds Callback arrival after the bank's payment time.\n");
        out.push_str("# TYPE payhub_callback_delay_seconds histogram\n");
        for (bank, h) in &b.callback_delay {
            for (bound, n) in DELAY_BUCKETS.iter().zip(h.buckets) {
                let _ = writeln!(
                    out,
                    "payhub_callback_delay_seconds_bucket{{bank=\"{bank}\",le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "payhub_callback_delay_seconds_bucket{{bank=\"{bank}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "payhub_callback_delay_seconds_sum{{bank=\"{bank}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "payhub_callback_delay_seconds_count{{bank=\"{bank}\"}} {}",
                h.count
            );
        }
    }

    /// The Prometheus text exposition of everything counted so far.
    pub fn render(&self) -> String {
        let routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        out.push_str("# HELP payhub_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE payhub_http_requests_total counter\n");
        for ((method, route), stats) in routes.iter() {
            for (status, n) in &stats.by_status {
                let _ = writeln!(
                    out,
                    "payhub_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        out.push_str(
            "# HELP payhub_http_request_duration_seconds HTTP request latency by route.\n",
        );
        out.push_str("# TYPE payhub_http_request_duration_seconds histogram\n");
        for ((method, route), stats) in routes.iter() {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            for (bound, n) in BUCKETS.iter().zip(stats.buckets) {
                let _ = writeln!(
                    out,
                    "payhub_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "payhub_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                stats.count
            );
            let _ = writeln!(
                out,
                "payhub_http_request_duration_seconds_sum{{{labels}}} {}",
                stats.sum_seconds
            );
            let _ = writeln!(
                out,
                "payhub_http_request_duration_seconds_count{{{labels}}} {}",
                stats.count
            );
        }
        self.render_banks(&mut out);
        out
    }
}

/// The backlogs read from the database at a scrape, as gauges: how many wait, and how long the
/// oldest has (seconds at `now`).
pub fn render_gauges(
    g: &crate::store::watch::Gauges,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    use crate::store::watch::Backlog;
    let mut out = String::new();
    let mut family = |name: &str, label: &str, help: &str, rows: &[Backlog]| {
        let _ = writeln!(out, "# HELP payhub_{name} {help}");
        let _ = writeln!(out, "# TYPE payhub_{name} gauge");
        let _ = writeln!(
            out,
            "# HELP payhub_{name}_oldest_seconds Age of the oldest of payhub_{name}."
        );
        let _ = writeln!(out, "# TYPE payhub_{name}_oldest_seconds gauge");
        for b in rows {
            let labels = if label.is_empty() {
                String::new()
            } else {
                format!("{{{label}=\"{}\"}}", b.label)
            };
            let age = b.oldest.map_or(0, |t| (now - t).num_seconds().max(0));
            let _ = writeln!(out, "payhub_{name}{labels} {}", b.n);
            let _ = writeln!(out, "payhub_{name}_oldest_seconds{labels} {age}");
        }
    };
    family(
        "pending_attempts",
        "bank",
        "Payment attempts sent to a bank with no final answer yet.",
        &g.pending_attempts,
    );
    family(
        "open_discrepancies",
        "",
        "Reconciliation discrepancies not resolved.",
        &g.open_discrepancies,
    );
    family(
        "outbox_backlog",
        "destination",
        "Notifications to dossier systems not delivered yet.",
        &g.outbox,
    );
    out
}
