//! The HTTP listener: the JSON API under `/api/v1`, the server-rendered web app, health and
//! readiness, Prometheus metrics, the OpenAPI document, and — when HubSpot is enabled — its
//! webhook receiver at [`HUBSPOT_WEBHOOK_PATH`]. [`Application::build`] starts the whole
//! service on a listener and hands back the address it got (port 0 picks a free port, which is
//! how the tests start it); [`app`] is the router alone. When this process holds the embedded
//! vector memory, the internal routes through which other local commands use it are mounted
//! too (see [`memory`]). `IntoResponse` for errors lives here and nowhere else.

pub mod api;
pub mod auth;
pub(crate) mod error;
pub(crate) mod extract;
mod layers;
mod memory;
mod metrics;
pub(crate) mod openapi;
mod startup;
pub(crate) mod web;

pub use startup::{Application, ServeOptions, StartError};

use crate::coaching::memory::{Memory, VectorStore};
use crate::config::Config;
use crate::sources::connectors::{hubspot, ConnectorError};
use crate::store::Store;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use schemars::JsonSchema;
use serde::Serialize;
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
    pub config: Arc<Config>,
    pub started: Arc<Instant>,
    pub directory: Arc<auth::Directory>,
    pub limiter: Arc<auth::limit::AttemptLimiter>,
    /// The vector memory, which `/readyz` checks when this process has one.
    pub memory: Option<Arc<Memory>>,
    /// The secret other local processes present to use `memory` through `/internal/memory`;
    /// set by [`Application::build`] only when `memory` is the embedded store.
    pub(crate) memory_secret: Option<Arc<str>>,
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
            memory: None,
            memory_secret: None,
            http_metrics: Arc::new(layers::HttpMetrics::default()),
        }
    }

    /// The state of the service `service` built: its store, configuration and memory.
    pub fn of(service: &crate::app::Service) -> AppState {
        let mut state = AppState::new(service.store.clone(), Arc::new(service.config().clone()));
        state.memory = service.memory.clone();
        state
    }
}

/// Everything but the webhook receivers, on `state`.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/healthz", get(health))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics::metrics))
        .route("/openapi.json", get(openapi_json))
        .nest("/api/v1", api::router())
        .merge(web::router());
    if let Some(internal) = memory::router(&state) {
        router = router.merge(internal);
    }
    router.layer(axum::middleware::from_fn_with_state(state.clone(), layers::around)).with_state(state)
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
    if let Some(memory) = &state.memory {
        let result = memory.store().layout(crate::coaching::memory::collections::PLAYBOOK.name).await;
        if let Err(error) = &result {
            tracing::error!(check = "vector_store", %error, "readiness: dependency unavailable");
        }
        ok &= result.is_ok();
        checks.insert("vector_store".to_owned(), if result.is_ok() { "ok" } else { "unavailable" }.to_owned());
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
