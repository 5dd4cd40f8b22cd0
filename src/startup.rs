//! `App::build(config)`: connect, migrate, bind, and start the background workers. Tests bind
//! port 0 and read `port()`; everything stops on one shutdown signal.

use std::future::{Future, IntoFuture};
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::app::AppState;
use crate::clock::Clock;
use crate::config::Config;
use crate::http;
use crate::store::Store;

pub struct App {
    listener: TcpListener,
    state: AppState,
}

impl App {
    pub async fn build(config: Config) -> anyhow::Result<App> {
        Self::build_with_clock(config, Clock::default()).await
    }

    pub async fn build_with_clock(config: Config, clock: Clock) -> anyhow::Result<App> {
        let listener = TcpListener::bind(&config.server.listen)
            .await
            .with_context(|| format!("binding {}", config.server.listen))?;
        Self::build_on(config, clock, listener).await
    }

    /// Builds on a listener bound beforehand, for when others must know PayHub's address first
    /// (the bank simulators of the demo and the tests). An empty `server.public_url` means "this
    /// listener's own address".
    pub async fn build_on(
        mut config: Config,
        clock: Clock,
        listener: TcpListener,
    ) -> anyhow::Result<App> {
        let store = Store::connect(&config.database)
            .await
            .with_context(|| format!("connecting to {}", config.database.url.redacted()))?;
        store.migrate().await.context("applying migrations")?;
        if config.server.public_url.is_empty() {
            config.server.public_url = format!("http://{}", listener.local_addr()?);
        }
        Ok(App {
            listener,
            state: AppState::new(store, config, clock),
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `signal` resolves, then drains in-flight requests (at most 30 s) and stops the
    /// workers.
    pub async fn run_until(
        self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let workers = crate::workers::spawn_all(&self.state, self.state.shutdown());
        let app = http::router(self.state.clone());
        let mut drain = self.state.shutdown();
        let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
        let server = axum::serve(self.listener, app).with_graceful_shutdown(async move {
            let _ = drain.changed().await;
        });
        let server = tokio::spawn(server.into_future());
        signal.await;
        tracing::info!("shutting down");
        self.state.stop();
        match tokio::time::timeout(Duration::from_secs(30), server).await {
            Ok(result) => result.context("server task")?.context("server")?,
            Err(_) => tracing::warn!("in-flight requests did not finish within 30 s"),
        }
        for worker in workers {
            let _ = tokio::time::timeout(Duration::from_secs(10), worker).await;
        }
        self.state.store.close().await;
        Ok(())
    }
}

/// Ctrl-C or SIGTERM (what container runtimes send). The handlers are installed when this is
/// called, not when it is first polled, so a signal right after start-up is not lost.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let ctrl_c = tokio::signal::ctrl_c();
    async move {
        #[cfg(unix)]
        let terminate = async {
            match terminate.as_mut() {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();
        tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    }
}
