//! A Salesforce REST stand-in: the OAuth token endpoint (JWT bearer assertions checked against
//! the connected app's public key; refresh tokens), SOQL queries answered from in-memory
//! records in pages linked by `nextRecordsUrl` (honouring `Sforce-Query-Options: batchSize`,
//! `WHERE <stamp> >= <datetime>` and `ORDER BY`), and `getDeleted` windows.

use super::{error, lock, serve, MockCore, Running};
use crate::sources::connectors::records::{parse_timestamp, text};
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// Records per object, and what was deleted when.
#[derive(Debug, Clone, Default)]
pub struct SalesforceData {
    pub objects: BTreeMap<String, Vec<Value>>,
    pub deleted: Vec<(String, String, DateTime<Utc>)>,
}

impl SalesforceData {
    pub fn insert(&mut self, object: &str, record: Value) {
        let records = self.objects.entry(object.to_owned()).or_default();
        let id = text(&record, "Id");
        records.retain(|r| id.is_none() || text(r, "Id") != id);
        records.push(record);
    }

    /// Removes a record and lists it for `getDeleted`.
    pub fn delete(&mut self, object: &str, id: &str) {
        if let Some(records) = self.objects.get_mut(object) {
            records.retain(|r| text(r, "Id").as_deref() != Some(id));
        }
        self.deleted.push((object.to_owned(), id.to_owned(), Utc::now()));
    }

    pub fn count(&self) -> usize {
        self.objects.values().map(Vec::len).sum()
    }
}

pub struct SalesforceMock {
    pub core: MockCore,
    pub data: Mutex<SalesforceData>,
    pub client_id: String,
    pub refresh_token: String,
    /// PKCS#1 DER public key; when set, JWT assertions must verify against it.
    pub public_key: Option<Vec<u8>>,
    base_url: Mutex<String>,
    cursors: Mutex<HashMap<String, Vec<Value>>>,
}

impl SalesforceMock {
    pub fn new(data: SalesforceData, public_key: Option<Vec<u8>>) -> Self {
        Self {
            core: MockCore::default(),
            data: Mutex::new(data),
            client_id: "3MVG9mock.consumer.key".to_owned(),
            refresh_token: "5Aep861mock.refresh".to_owned(),
            public_key,
            base_url: Mutex::new(String::new()),
            cursors: Mutex::new(HashMap::new()),
        }
    }

    pub async fn start(self) -> std::io::Result<(Running, Arc<SalesforceMock>)> {
        let state = Arc::new(self);
        let router = Router::new()
            .route("/services/oauth2/token", post(token))
            .route("/services/data/{version}/query", get(query))
            .route("/services/data/{version}/query/{locator}", get(next_page))
            .route("/services/data/{version}/sobjects/{object}/deleted/", get(deleted))
            .with_state(Arc::clone(&state));
        let running = serve(router).await?;
        *lock(&state.base_url) = running.base_url.clone();
        Ok((running, state))
    }
}

fn session_expired() -> Value {
    json!([{ "message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID" }])
}

fn invalid_grant(description: &str) -> Response {
    error(StatusCode::BAD_REQUEST, json!({ "error": "invalid_grant", "error_description": description }))
}

async fn token(State(mock): State<Arc<SalesforceMock>>, Form(form): Form<HashMap<String, String>>) -> Response {
    let base = lock(&mock.base_url).clone();
    match form.get("grant_type").map(String::as_str) {
        Some("urn:ietf:params:oauth:grant-type:jwt-bearer") => {
            let Some(assertion) = form.get("assertion") else { return invalid_grant("no assertion") };
            if let Some(der) = &mock.public_key {
                let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
                validation.set_audience(&[base.as_str()]);
                validation.set_issuer(&[mock.client_id.as_str()]);
                validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
                let key = jsonwebtoken::DecodingKey::from_rsa_der(der);
                if let Err(e) = jsonwebtoken::decode::<Value>(assertion, &key, &validation) {
                    return invalid_grant(&format!("assertion rejected: {e}"));
                }
            }
        }
        Some("refresh_token") => {
            if form.get("refresh_token") != Some(&mock.refresh_token) {
                return invalid_grant("expired access/refresh token");
            }
        }
        _ => return error(StatusCode::BAD_REQUEST, json!({ "error": "unsupported_grant_type" })),
    }
    let access_token = mock.core.issue_token(None);
    Json(json!({
        "access_token": access_token,
        "instance_url": base,
        "id": format!("{base}/id/00Dx0000000BV7z/005x00000012Q9P"),
        "token_type": "Bearer",
        "issued_at": Utc::now().timestamp_millis().to_string(),
        "signature": "0CmxinZir53Yex7nE0TD+zMpvIWYGb/bdJh6XfOH6EQ="
    }))
    .into_response()
}

/// The parts of a SOQL statement the stand-in honours.
struct Soql {
    object: String,
    since: Option<(String, DateTime<Utc>)>,
    order: Option<String>,
}

fn parse_soql(soql: &str) -> Option<Soql> {
    let words: Vec<&str> = soql.split_whitespace().collect();
    let position = |word: &str| words.iter().position(|w| w.eq_ignore_ascii_case(word));
    let object = words.get(position("FROM")? + 1)?.to_string();
    let since = words.windows(3).find(|w| w[1] == ">=").and_then(|w| Some((w[0].to_owned(), parse_timestamp(w[2])?)));
    let order = position("ORDER").and_then(|at| words.get(at + 2)).map(|f| f.trim_end_matches(',').to_owned());
    Some(Soql { object, since, order })
}

fn batch_size(headers: &HeaderMap) -> usize {
    headers
        .get("sforce-query-options")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').find_map(|p| p.trim().strip_prefix("batchSize=")))
        .and_then(|n| n.parse().ok())
        .unwrap_or(2_000)
}

fn page(mock: &SalesforceMock, version: &str, locator: &str, offset: usize, size: usize) -> Response {
    let cursors = lock(&mock.cursors);
    let Some(records) = cursors.get(locator) else {
        return error(
            StatusCode::BAD_REQUEST,
            json!([{ "message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR" }]),
        );
    };
    let end = (offset + size).min(records.len());
    let slice = records.get(offset..end).unwrap_or(&[]).to_vec();
    let mut body = json!({ "totalSize": records.len(), "done": end >= records.len(), "records": slice });
    if end < records.len() {
        body["nextRecordsUrl"] = json!(format!("/services/data/{version}/query/{locator}-{end}"));
    }
    mock.core.page_served();
    Json(body).into_response()
}

async fn query(
    State(mock): State<Arc<SalesforceMock>>,
    Path(version): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = mock.core.gate(&headers, session_expired()).await {
        return refused;
    }
    let Some(soql) = params.get("q").and_then(|q| parse_soql(q)) else {
        return error(
            StatusCode::BAD_REQUEST,
            json!([{ "message": "malformed query", "errorCode": "MALFORMED_QUERY" }]),
        );
    };
    let mut records: Vec<Value> = lock(&mock.data).objects.get(&soql.object).cloned().unwrap_or_default();
    if let Some((field, since)) = &soql.since {
        records.retain(|r| text(r, field).and_then(|t| parse_timestamp(&t)).is_some_and(|t| t >= *since));
    }
    if let Some(order) = &soql.order {
        records.sort_by(|a, b| {
            let key = |r: &Value| (text(r, order).unwrap_or_default(), text(r, "Id").unwrap_or_default());
            let numeric = |r: &Value| text(r, order).and_then(|t| t.parse::<f64>().ok());
            match (numeric(a), numeric(b)) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                _ => key(a).cmp(&key(b)),
            }
        });
    }
    for record in &mut records {
        let id = text(record, "Id").unwrap_or_default();
        record["attributes"] =
            json!({ "type": soql.object, "url": format!("/services/data/{version}/sobjects/{}/{id}", soql.object) });
    }
    let locator = {
        let mut cursors = lock(&mock.cursors);
        let locator = format!("01gD{:011}", cursors.len() + 1);
        cursors.insert(locator.clone(), records);
        locator
    };
    page(&mock, &version, &locator, 0, batch_size(&headers))
}

async fn next_page(
    State(mock): State<Arc<SalesforceMock>>,
    Path((version, locator)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = mock.core.gate(&headers, session_expired()).await {
        return refused;
    }
    let (id, offset) = locator.rsplit_once('-').unwrap_or((locator.as_str(), "0"));
    page(&mock, &version, id, offset.parse().unwrap_or(0), batch_size(&headers))
}

async fn deleted(
    State(mock): State<Arc<SalesforceMock>>,
    Path((_version, object)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = mock.core.gate(&headers, session_expired()).await {
        return refused;
    }
    let window = |key: &str| params.get(key).and_then(|t| parse_timestamp(t));
    let (Some(start), Some(end)) = (window("start"), window("end")) else {
        return error(
            StatusCode::BAD_REQUEST,
            json!([{ "message": "start and end are required", "errorCode": "INVALID_REPLICATION_DATE" }]),
        );
    };
    let format = |t: &DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string();
    let records: Vec<Value> = lock(&mock.data)
        .deleted
        .iter()
        .filter(|(o, _, at)| o == &object && *at >= start && *at <= end)
        .map(|(_, id, at)| json!({ "id": id, "deletedDate": format(at) }))
        .collect();
    mock.core.page_served();
    Json(json!({
        "deletedRecords": records,
        "earliestDateAvailable": format(&(end - chrono::Duration::days(30))),
        "latestDateCovered": format(&end)
    }))
    .into_response()
}
