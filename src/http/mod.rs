//! The HTTP listener: health and Prometheus metrics, on the address from `http.bind`, and —
//! when HubSpot is enabled — its webhook receiver at [`HUBSPOT_WEBHOOK_PATH`]. The router is
//! built here so other routes can join it ([`app`] is the whole of it); [`serve`] binds it
//! (port 0 picks a free port, for tests) and hands back the address it got.

mod metrics;

use crate::config::Config;
use crate::connectors::{hubspot, ConnectorError};
use crate::store::Store;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::watch;

/// Where HubSpot posts change notifications (the app's webhook target URL ends with it).
pub const HUBSPOT_WEBHOOK_PATH: &str = "/webhooks/hubspot";

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("cannot listen on {address}: {source}")]
    Bind { address: String, source: std::io::Error },
    #[error("cannot set up the HubSpot webhook receiver: {0}")]
    Webhook(#[from] ConnectorError),
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub started: Arc<Instant>,
}

pub fn router(store: Store) -> Router {
    let state = AppState { store, started: Arc::new(Instant::now()) };
    Router::new().route("/healthz", get(health)).route("/metrics", get(metrics::metrics)).with_state(state)
}

/// Health and metrics, plus the receivers of the live connectors `config` enables.
pub fn app(store: Store, config: &Config) -> Result<Router, HttpError> {
    let mut app = router(store.clone());
    if config.connectors.hubspot.enabled {
        if let Some(webhook) = hubspot::webhook::configured_router(store, &config.connectors.hubspot)? {
            app = app.nest(HUBSPOT_WEBHOOK_PATH, webhook);
        }
    }
    Ok(app)
}

/// A stable error answer; the cause goes to the log, never to the client.
pub(crate) fn unavailable(code: &'static str, cause: &dyn std::fmt::Display) -> Response {
    tracing::error!(code, %cause, "request failed");
    (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable", "code": code }))).into_response()
}

async fn health(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => Json(json!({ "status": "ok" })).into_response(),
        Err(error) => unavailable("database_unavailable", &error),
    }
}

/// A listener running in the background.
pub struct Server {
    pub address: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }
}

/// Binds `address` and serves `router` until stopped.
pub async fn serve(address: &str, router: Router) -> Result<Server, HttpError> {
    let bind_error = |source| HttpError::Bind { address: address.to_owned(), source };
    let listener = tokio::net::TcpListener::bind(address).await.map_err(bind_error)?;
    let bound = listener.local_addr().map_err(bind_error)?;
    let (shutdown, mut stopped) = watch::channel(false);
    let task = tokio::spawn(async move {
        let until_stopped = async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        if let Err(error) = axum::serve(listener, router).with_graceful_shutdown(until_stopped).await {
            tracing::error!(%error, "the HTTP listener stopped");
        }
    });
    Ok(Server { address: bound, shutdown, task })
}
