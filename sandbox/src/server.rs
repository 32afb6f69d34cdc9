//! Runs the router on its own tokio runtime in a background thread, so synchronous
//! callers (the CLI, tests, a wasmtime host) need no runtime of their own.

use std::future::IntoFuture;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use axum::serve::ListenerExt;
use tokio::sync::oneshot;

use crate::routes;
use crate::state::SandboxState;

/// Two workers: the machine's cores are shared with the client under test.
const WORKER_THREADS: usize = 2;

#[derive(Debug)]
pub(crate) struct Server {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl Server {
    /// Binds before returning, so the port is listening (and a bind error surfaces
    /// here) when this returns.
    pub(crate) fn start(addr: SocketAddr, state: Arc<SandboxState>) -> io::Result<Self> {
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(WORKER_THREADS)
            .thread_name("tiktok-sandbox-worker")
            .enable_all()
            .build()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let app = routes::router(state);
        let thread = std::thread::Builder::new()
            .name("tiktok-sandbox".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    // Small answers: send them now rather than wait for Nagle.
                    let listener = tokio::net::TcpListener::from_std(listener)?
                        .tap_io(|tcp| drop(tcp.set_nodelay(true)));
                    tokio::select! {
                        served = axum::serve(listener, app).into_future() => served,
                        _ = stopped => Ok(()),
                    }
                })
                // Dropping the runtime here ends open connections and stalled answers.
            })?;
        tracing::info!(%addr, "TikTok sandbox listening");
        Ok(Self {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Blocks until the server ends, which it only does on an error.
    pub(crate) fn wait(mut self) -> io::Result<()> {
        // `self.stop` stays alive meanwhile: dropping it would stop the server.
        self.join()
    }

    fn join(&mut self) -> io::Result<()> {
        match self.thread.take().map(JoinHandle::join) {
            None => Ok(()),
            Some(Ok(served)) => served,
            Some(Err(_)) => Err(io::Error::other("the sandbox server thread panicked")),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            // An error only means the server already ended.
            let _ = stop.send(());
        }
        if let Err(error) = self.join() {
            tracing::warn!(%error, "TikTok sandbox stopped with an error");
        }
    }
}
