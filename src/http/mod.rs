//! The HTTP listener: the JSON API under `/api/v1`, the server-rendered web app, health and
//! readiness, Prometheus metrics, the OpenAPI document, and — when HubSpot is enabled — its
//! webhook receiver at [`HUBSPOT_WEBHOOK_PATH`]. [`app`] builds the whole router; [`serve`]
//! binds it (port 0 picks a free port, for tests) and hands back the address it got.
//! `IntoResponse` for errors lives here and nowhere else.

pub mod api;
pub mod auth;
pub mod error;
pub mod extract;
mod layers;
mod metrics;
pub mod openapi;
pub mod web;

use crate::config::Config;
use crate::connectors::{hubspot, ConnectorError};
use crate::store::Store;
use api::runs::RunControl;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use schemars::JsonSchema;
use serde::Serialize;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
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

/// A dependency `/readyz` checks (the vector store, say), named in its answer.
pub trait Probe: Send + Sync {
    fn name(&self) -> &'static str;
    fn check(&self) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + '_>>;
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    pub started: Arc<Instant>,
    pub directory: Arc<auth::Directory>,
    pub limiter: Arc<auth::limit::AttemptLimiter>,
    /// The job queue, when this process can start runs.
    pub runs: Option<Arc<dyn RunControl>>,
    pub probes: Arc<Vec<Arc<dyn Probe>>>,
    pub http_metrics: Arc<layers::HttpMetrics>,
}

impl AppState {
    pub fn new(store: Store, config: Arc<Config>) -> AppState {
        AppState {
            limiter: Arc::new(auth::limit::AttemptLimiter::new(config.http.auth_attempts_per_minute)),
            store,
            config,
            started: Arc::new(Instant::now()),
            directory: Arc::new(auth::Directory::new()),
            runs: None,
            probes: Arc::new(Vec::new()),
            http_metrics: Arc::new(layers::HttpMetrics::default()),
        }
    }

    pub fn with_runs(mut self, runs: Arc<dyn RunControl>) -> AppState {
        self.runs = Some(runs);
        self
    }

    pub fn with_probe(mut self, probe: Arc<dyn Probe>) -> AppState {
        let mut probes = self.probes.as_ref().clone();
        probes.push(probe);
        self.probes = Arc::new(probes);
        self
    }
}

/// Everything but the webhook receivers, on `state`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(health))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics::metrics))
        .route("/openapi.json", get(openapi_json))
        .nest("/api/v1", api::router())
        .merge(web::router())
        .layer(axum::middleware::from_fn_with_state(state.clone(), layers::around))
        .with_state(state)
}

/// The whole application, plus the receivers of the live connectors `config` enables.
pub fn app(state: AppState) -> Result<Router, HttpError> {
    let hubspot = &state.config.connectors.hubspot;
    let webhook =
        if hubspot.enabled { hubspot::webhook::configured_router(state.store.clone(), hubspot)? } else { None };
    let mut app = router(state);
    if let Some(webhook) = webhook {
        app = app.nest(HUBSPOT_WEBHOOK_PATH, webhook);
    }
    Ok(app)
}

/// A stable error answer; the cause goes to the log, never to the client.
pub(crate) fn unavailable(code: &'static str, cause: &dyn std::fmt::Display) -> Response {
    tracing::error!(code, %cause, "request failed");
    (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({ "status": "unavailable", "code": code })))
        .into_response()
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Readiness {
    /// `ok` when every check passed, else `unavailable` (with status 503).
    pub status: String,
    /// Each dependency and whether it answered: `ok` or `unavailable`.
    pub checks: std::collections::BTreeMap<String, String>,
}

async fn health(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => Json(Health { status: "ok".to_owned() }).into_response(),
        Err(error) => unavailable("database_unavailable", &error),
    }
}

async fn ready(State(state): State<AppState>) -> Response {
    let mut checks = std::collections::BTreeMap::new();
    let mut ok = true;
    let database = state.store.ping().await;
    if let Err(error) = &database {
        tracing::error!(%error, "readiness: database unavailable");
    }
    ok &= database.is_ok();
    checks.insert("database".to_owned(), if database.is_ok() { "ok" } else { "unavailable" }.to_owned());
    for probe in state.probes.iter() {
        let result = probe.check().await;
        if let Err(error) = &result {
            tracing::error!(check = probe.name(), %error, "readiness: dependency unavailable");
        }
        ok &= result.is_ok();
        checks.insert(probe.name().to_owned(), if result.is_ok() { "ok" } else { "unavailable" }.to_owned());
    }
    let status = if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = Readiness { status: if ok { "ok" } else { "unavailable" }.to_owned(), checks };
    (status, Json(body)).into_response()
}

async fn openapi_json() -> Json<&'static serde_json::Value> {
    Json(openapi::document())
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

/// Binds `address` and serves `router` until stopped. Client addresses reach the handlers
/// (for rate limiting).
pub async fn serve(address: &str, router: Router) -> Result<Server, HttpError> {
    let bind_error = |source| HttpError::Bind { address: address.to_owned(), source };
    let listener = tokio::net::TcpListener::bind(address).await.map_err(bind_error)?;
    let bound = listener.local_addr().map_err(bind_error)?;
    let (shutdown, mut stopped) = watch::channel(false);
    let task = tokio::spawn(async move {
        let until_stopped = async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        if let Err(error) = axum::serve(listener, service).with_graceful_shutdown(until_stopped).await {
            tracing::error!(%error, "the HTTP listener stopped");
        }
    });
    Ok(Server { address: bound, shutdown, task })
}
