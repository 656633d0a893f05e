//! A HubSpot CRM stand-in: the OAuth refresh endpoint, owners, deal pipelines, the v3 search
//! API (`GTE` filter and ascending sort on a date property, `after` paging, the 10,000-result
//! window), batch reads with `propertiesWithHistory`, v4 association batch reads and archived
//! listings. Private-app tokens are accepted as configured.

use super::{error, lock, serve, MockCore, Running};
use crate::sources::connectors::records::{parse_timestamp, text};
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Default)]
pub struct HubspotData {
    pub owners: Vec<Value>,
    pub pipelines: Vec<Value>,
    /// `companies`, `contacts`, `deals`, `meetings`, `emails` → objects as the API returns them.
    pub objects: BTreeMap<String, Vec<Value>>,
    /// Deal id → `propertiesWithHistory`.
    pub history: HashMap<String, Value>,
    /// (from, to) → from id → (to id, label).
    pub associations: HashMap<(String, String), BTreeMap<String, Vec<(String, Option<String>)>>>,
    pub archived: BTreeMap<String, Vec<Value>>,
}

impl HubspotData {
    pub fn associate(&mut self, from: &str, to: &str, from_id: &str, to_id: &str, label: Option<&str>) {
        self.associations
            .entry((from.to_owned(), to.to_owned()))
            .or_default()
            .entry(from_id.to_owned())
            .or_default()
            .push((to_id.to_owned(), label.map(str::to_owned)));
    }

    /// Moves an object to the archive, as deleting it in HubSpot does.
    pub fn archive(&mut self, object: &str, id: &str) {
        let Some(records) = self.objects.get_mut(object) else { return };
        let Some(at) = records.iter().position(|r| text(r, "id").as_deref() == Some(id)) else { return };
        let mut record = records.remove(at);
        record["archived"] = json!(true);
        record["archivedAt"] = json!(Utc::now().to_rfc3339());
        self.archived.entry(object.to_owned()).or_default().push(record);
    }

    pub fn count(&self) -> usize {
        self.owners.len() + self.objects.values().map(Vec::len).sum::<usize>()
    }
}

pub struct HubspotMock {
    pub core: MockCore,
    pub data: Mutex<HubspotData>,
    pub client_id: String,
    pub client_secret: String,
    pub refresh_token: String,
}

impl HubspotMock {
    pub fn new(data: HubspotData) -> Self {
        Self {
            core: MockCore::default(),
            data: Mutex::new(data),
            client_id: "mock-client-id".to_owned(),
            client_secret: "mock-client-secret".to_owned(),
            refresh_token: "mock-refresh-token".to_owned(),
        }
    }

    pub async fn start(self) -> std::io::Result<(Running, Arc<HubspotMock>)> {
        let state = Arc::new(self);
        let router = Router::new()
            .route("/oauth/v1/token", post(token))
            .route("/crm/v3/owners", get(owners))
            .route("/crm/v3/pipelines/deals", get(pipelines))
            .route("/crm/v3/objects/{object}/search", post(search))
            .route("/crm/v3/objects/{object}/batch/read", post(batch_read))
            .route("/crm/v3/objects/{object}", get(list_archived))
            .route("/crm/v4/associations/{from}/{to}/batch/read", post(associations))
            .with_state(Arc::clone(&state));
        Ok((serve(router).await?, state))
    }
}

fn unauthorized() -> Value {
    json!({ "status": "error", "message": "Authentication credentials not found.", "category": "INVALID_AUTHENTICATION" })
}

async fn token(State(mock): State<Arc<HubspotMock>>, Form(form): Form<HashMap<String, String>>) -> Response {
    let valid = form.get("grant_type").map(String::as_str) == Some("refresh_token")
        && form.get("client_id") == Some(&mock.client_id)
        && form.get("client_secret") == Some(&mock.client_secret)
        && form.get("refresh_token") == Some(&mock.refresh_token);
    if !valid {
        return error(
            StatusCode::BAD_REQUEST,
            json!({ "status": "BAD_REFRESH_TOKEN", "message": "missing or unknown refresh token" }),
        );
    }
    let access_token = mock.core.issue_token(None);
    Json(json!({ "token_type": "bearer", "refresh_token": mock.refresh_token, "access_token": access_token, "expires_in": 1800 }))
        .into_response()
}

/// `results` from `offset`, with `paging.next.after` when more remain.
fn paged(all: &[Value], offset: usize, limit: usize) -> Value {
    let end = (offset + limit).min(all.len());
    let mut body = json!({ "results": all.get(offset..end).unwrap_or(&[]) });
    if end < all.len() {
        body["paging"] = json!({ "next": { "after": end.to_string(), "link": format!("?after={end}") } });
    }
    body
}

fn offset_and_limit(params: &HashMap<String, String>) -> (usize, usize) {
    let offset = params.get("after").and_then(|a| a.parse().ok()).unwrap_or(0);
    let limit = params.get("limit").and_then(|l| l.parse().ok()).unwrap_or(100).min(500);
    (offset, limit)
}

async fn owners(
    State(mock): State<Arc<HubspotMock>>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = mock.core.gate(&headers, unauthorized()).await {
        return refused;
    }
    let (offset, limit) = offset_and_limit(&params);
    let body = paged(&lock(&mock.data).owners, offset, limit);
    mock.core.page_served();
    Json(body).into_response()
}

async fn pipelines(State(mock): State<Arc<HubspotMock>>, headers: HeaderMap) -> Response {
    if let Err(refused) = mock.core.gate(&headers, unauthorized()).await {
        return refused;
    }
    mock.core.page_served();
    Json(json!({ "results": lock(&mock.data).pipelines })).into_response()
}

async fn search(
    State(mock): State<Arc<HubspotMock>>,
    Path(object): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Err(refused) = mock.core.gate(&headers, unauthorized()).await {
        return refused;
    }
    let offset: usize = text(&body, "after").and_then(|a| a.parse().ok()).unwrap_or(0);
    if offset >= 10_000 {
        return error(
            StatusCode::BAD_REQUEST,
            json!({ "status": "error", "message": "after must be below 10000", "category": "VALIDATION_ERROR" }),
        );
    }
    let limit: usize = text(&body, "limit").and_then(|l| l.parse().ok()).unwrap_or(10).min(200);
    let filters: Vec<(String, String, String)> = body["filterGroups"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|g| g["filters"].as_array().cloned().unwrap_or_default())
        .filter_map(|f| Some((text(&f, "propertyName")?, text(&f, "operator")?, text(&f, "value")?)))
        .collect();
    let sort = body["sorts"].get(0).and_then(|s| text(s, "propertyName"));
    let when = |record: &Value, property: &str| {
        text(record, &format!("properties.{property}")).and_then(|v| parse_timestamp(&v))
    };
    let mut results: Vec<Value> = lock(&mock.data).objects.get(&object).cloned().unwrap_or_default();
    for (property, operator, value) in &filters {
        let Some(bound) = parse_timestamp(value) else { continue };
        results.retain(|r| when(r, property).is_some_and(|t| if operator == "GT" { t > bound } else { t >= bound }));
    }
    if let Some(sort) = sort {
        results.sort_by_key(|a| (when(a, &sort), text(a, "id")));
    }
    let mut page = paged(&results, offset, limit);
    page["total"] = json!(results.len().min(10_000));
    mock.core.page_served();
    Json(page).into_response()
}

async fn batch_read(
    State(mock): State<Arc<HubspotMock>>,
    Path(object): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Err(refused) = mock.core.gate(&headers, unauthorized()).await {
        return refused;
    }
    let data = lock(&mock.data);
    let records = data.objects.get(&object).cloned().unwrap_or_default();
    let results: Vec<Value> = body["inputs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|input| text(input, "id"))
        .filter_map(|id| {
            let mut record = records.iter().find(|r| text(r, "id").as_deref() == Some(id.as_str()))?.clone();
            record["propertiesWithHistory"] = data.history.get(&id).cloned().unwrap_or_else(|| json!({}));
            Some(record)
        })
        .collect();
    let now = Utc::now().to_rfc3339();
    Json(json!({ "status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now })).into_response()
}

async fn associations(
    State(mock): State<Arc<HubspotMock>>,
    Path((from, to)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Err(refused) = mock.core.gate(&headers, unauthorized()).await {
        return refused;
    }
    let data = lock(&mock.data);
    let table = data.associations.get(&(from, to));
    let results: Vec<Value> = body["inputs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|input| text(input, "id"))
        .filter_map(|id| {
            let targets = table?.get(&id)?;
            let to: Vec<Value> = targets
                .iter()
                .map(|(target, label)| {
                    json!({
                        "toObjectId": target.parse::<u64>().map(Value::from).unwrap_or_else(|_| json!(target)),
                        "associationTypes": [{ "category": if label.is_some() { "USER_DEFINED" } else { "HUBSPOT_DEFINED" }, "typeId": 3, "label": label }]
                    })
                })
                .collect();
            Some(json!({ "from": { "id": id }, "to": to }))
        })
        .collect();
    Json(json!({ "status": "COMPLETE", "results": results })).into_response()
}

async fn list_archived(
    State(mock): State<Arc<HubspotMock>>,
    Path(object): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = mock.core.gate(&headers, unauthorized()).await {
        return refused;
    }
    let archived = params.get("archived").is_some_and(|a| a == "true");
    let (offset, limit) = offset_and_limit(&params);
    let data = lock(&mock.data);
    let all = if archived { data.archived.get(&object) } else { data.objects.get(&object) };
    let body = paged(all.map(Vec::as_slice).unwrap_or(&[]), offset, limit);
    mock.core.page_served();
    Json(body).into_response()
}
