//! What every part of PayHub shares: the configuration, the store, the clock, one outgoing HTTP
//! client, the metrics and the shutdown signal. Background work, bank clients, reconciliation and
//! the web layer all take it from here, so none of them needs the others to be read.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::clock::Clock;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::store::Store;

/// Tells background loops to stop; `changed()` resolves when shutdown starts.
pub type Shutdown = watch::Receiver<bool>;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    pub clock: Clock,
    pub metrics: Arc<Metrics>,
    /// One client for every outgoing call (banks, dossier systems): pooled connections.
    pub http: reqwest::Client,
    shutdown: Arc<watch::Sender<bool>>,
}

impl AppState {
    pub fn new(store: Store, config: Config, clock: Clock) -> AppState {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(config.banks.timeout_ms))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .expect("the TLS backend initialises");
        AppState {
            store,
            config: Arc::new(config),
            clock,
            metrics: Arc::default(),
            http,
            shutdown: Arc::new(watch::channel(false).0),
        }
    }

    /// The same state with another configuration (the demo turns the workers on after its day).
    pub fn with_config(&self, config: Config) -> AppState {
        AppState {
            config: Arc::new(config),
            ..self.clone()
        }
    }

    /// A receiver for the loops of this state: `changed()` resolves once [`AppState::stop`] is called.
    pub fn shutdown(&self) -> Shutdown {
        self.shutdown.subscribe()
    }

    /// Starts shutdown: every loop holding a [`Shutdown`] of this state stops.
    pub fn stop(&self) {
        self.shutdown.send_replace(true);
    }
}
