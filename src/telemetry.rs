//! Logging: human-readable by default, JSON lines with `--log-format json`.

use tracing_subscriber::{fmt, EnvFilter};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Installs the global subscriber once; later calls (tests) are ignored.
pub fn init(format: LogFormat) {
    init_with(format, "info,sqlx=warn,tower_http=info")
}

/// As [`init`], with `default` as the filter when `PAYHUB_LOG` is not set (the demo shows its
/// own progress and only warnings).
pub fn init_with(format: LogFormat, default: &str) {
    let filter = EnvFilter::try_from_env("PAYHUB_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
    };
}
