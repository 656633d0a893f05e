//! `/api/v1/runs`: list weekly runs, start one, read one's progress. The listener does not run
//! jobs itself: whoever starts it passes a [`RunControl`] (the job queue, in `candor serve`).
//! Runs concern the whole organisation, so only leaders, compliance and administrators see
//! them, and only leaders and administrators start them.

use super::super::auth::{AccessRole, Principal};
use super::super::error::ApiError;
use super::super::extract::{csrf_header, Body};
use super::super::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RunView {
    pub id: String,
    pub week: String,
    /// queued, running, completed or failed.
    pub state: String,
    pub trigger: String,
    pub as_of: String,
    pub created_at: String,
    pub jobs_total: i64,
    pub jobs_finished: i64,
    pub recipients: i64,
    pub drafted: i64,
    pub awaiting_review: i64,
    pub rejected: i64,
    pub deliveries: i64,
    pub delivered: i64,
    pub delivery_failures: i64,
    pub failures: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RunList {
    pub runs: Vec<RunView>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRun {
    /// ISO week, e.g. 2026-W47 (default: the current week).
    pub week: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct StartedRun {
    /// False when the week's run already existed (starting is idempotent).
    pub created: bool,
    pub run: RunView,
}

#[derive(Debug, thiserror::Error)]
pub enum RunControlError {
    #[error("{0}")]
    BadWeek(String),
    #[error("{0}")]
    Failed(String),
}

pub type RunFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, RunControlError>> + Send + 'a>>;

/// What the API needs from the job queue.
pub trait RunControl: Send + Sync {
    fn list(&self, limit: i64) -> RunFuture<'_, Vec<RunView>>;
    fn status<'a>(&'a self, id: &'a str) -> RunFuture<'a, Option<RunView>>;
    fn start<'a>(&'a self, week: Option<&'a str>, started_by: &'a str) -> RunFuture<'a, (bool, RunView)>;
}

fn control<'s>(state: &'s AppState, caller: &Principal) -> Result<&'s dyn RunControl, ApiError> {
    if !matches!(caller.role, AccessRole::Leader | AccessRole::Compliance | AccessRole::Admin) {
        return Err(ApiError::NotFound);
    }
    state.runs.as_deref().ok_or(ApiError::Unavailable("this server does not run jobs"))
}

fn failed(error: RunControlError) -> ApiError {
    match error {
        RunControlError::BadWeek(message) => ApiError::bad_request("invalid_week", message),
        RunControlError::Failed(cause) => ApiError::internal(cause),
    }
}

pub async fn list(State(state): State<AppState>, caller: Principal) -> Result<Json<RunList>, ApiError> {
    let runs = control(&state, &caller)?.list(100).await.map_err(failed)?;
    Ok(Json(RunList { runs }))
}

pub async fn status(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<String>,
) -> Result<Json<RunView>, ApiError> {
    let run = control(&state, &caller)?.status(&id).await.map_err(failed)?;
    run.map(Json).ok_or(ApiError::NotFound)
}

pub async fn start(
    State(state): State<AppState>,
    caller: Principal,
    headers: HeaderMap,
    Body(request): Body<StartRun>,
) -> Result<(StatusCode, Json<StartedRun>), ApiError> {
    caller.check_csrf(csrf_header(&headers))?;
    let runs = control(&state, &caller)?;
    if caller.role == AccessRole::Compliance {
        return Err(ApiError::Forbidden("compliance may read runs but not start them"));
    }
    let (created, run) = runs.start(request.week.as_deref(), &caller.user_id).await.map_err(failed)?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(StartedRun { created, run })))
}
