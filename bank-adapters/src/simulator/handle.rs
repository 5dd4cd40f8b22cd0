//! A running simulator: its address, its bank-specific state, its [`Controls`], and how to stop it.

use std::io;
use std::net::SocketAddr;
use std::ops::Deref;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::controls::Controls;

/// A simulator serving on a real port. It dereferences to its [`Controls`] (knobs and ledger);
/// `S` is the bank's own state, whose extra methods the bank module adds (e.g. BIDV's
/// `pay_by_code`). Dropping the handle stops the server and its deliveries abruptly;
/// [`SimHandle::stop`] does it gracefully.
pub struct SimHandle<S> {
    sim: S,
    controls: Controls,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<io::Result<()>>>,
}

/// Serves `app` on the already bound `listener` (bind first, then spawn: the port is ready
/// before this returns, so no test waits for readiness).
pub(crate) fn start<S>(
    listener: TcpListener,
    sim: S,
    controls: Controls,
    app: Router,
) -> io::Result<SimHandle<S>> {
    let addr = listener.local_addr()?;
    let (shutdown, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    tracing::info!(bank = %controls.bank(), %addr, "bank simulator listening");
    Ok(SimHandle {
        sim,
        controls,
        addr,
        shutdown: Some(shutdown),
        server: Some(server),
    })
}

impl<S> SimHandle<S> {
    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The port it bound (useful after binding port 0).
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The address it bound.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The bank's state, e.g. to build another router on it.
    pub fn sim(&self) -> &S {
        &self.sim
    }

    /// Stops accepting, lets requests in flight finish (at most 2 s), and abandons callbacks
    /// still being delivered.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(mut server) = self.server.take() {
            if tokio::time::timeout(Duration::from_secs(2), &mut server)
                .await
                .is_err()
            {
                server.abort();
            }
        }
        self.controls.abort_deliveries();
    }
}

impl<S> Deref for SimHandle<S> {
    type Target = Controls;

    fn deref(&self) -> &Controls {
        &self.controls
    }
}

impl<S> Drop for SimHandle<S> {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
        self.controls.abort_deliveries();
    }
}
