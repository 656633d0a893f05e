//! `/api/v1/runs`: list weekly runs, start one (queued for the workers), read one's progress.
//! Runs concern the whole organisation, so only leaders, compliance and administrators see
//! them, and only leaders and administrators start them.

use super::super::auth::{AccessRole, Principal};
use super::super::error::ApiError;
use super::super::extract::{csrf_header, Body};
use super::super::AppState;
use crate::app::runs;
use crate::jobs::{IsoWeek, RunRequest, RunStatus};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use chrono::Utc;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct RunList {
    pub runs: Vec<RunStatus>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StartRun {
    /// ISO week, e.g. 2026-W47 (default: the current week).
    pub week: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct StartedRun {
    /// False when the week's run already existed (starting is idempotent).
    pub created: bool,
    pub run: RunStatus,
}

/// Runs concern the whole organisation: leaders, compliance and administrators read them.
fn may_read(caller: &Principal) -> Result<(), ApiError> {
    if matches!(caller.role, AccessRole::Leader | AccessRole::Compliance | AccessRole::Admin) {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}

pub(crate) async fn list(State(state): State<AppState>, caller: Principal) -> Result<Json<RunList>, ApiError> {
    may_read(&caller)?;
    Ok(Json(RunList { runs: runs::list(&state.store, 100).await? }))
}

pub(crate) async fn status(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<String>,
) -> Result<Json<RunStatus>, ApiError> {
    may_read(&caller)?;
    runs::status(&state.store, &id).await?.map(Json).ok_or(ApiError::NotFound)
}

pub(crate) async fn start(
    State(state): State<AppState>,
    caller: Principal,
    headers: HeaderMap,
    Body(request): Body<StartRun>,
) -> Result<(StatusCode, Json<StartedRun>), ApiError> {
    caller.check_csrf(csrf_header(&headers))?;
    may_read(&caller)?;
    if caller.role == AccessRole::Compliance {
        return Err(ApiError::Forbidden("compliance may read runs but not start them"));
    }
    let week = match request.week.as_deref() {
        Some(text) => text.parse::<IsoWeek>().map_err(|message| ApiError::bad_request("invalid_week", message))?,
        None => IsoWeek::of(Utc::now().date_naive()),
    };
    let (run, created) = runs::start(&state.store, &state.config, &RunRequest::manual(week)).await?;
    if created {
        tracing::info!(run = %run.id, started_by = %caller.user_id, "run started over the API");
    }
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(StartedRun { created, run })))
}
