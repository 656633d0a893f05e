//! The HubSpot CRM v3 calls the sync makes: the search API paged with `after`, batch reads with
//! `propertiesWithHistory`, v4 association batch reads, owners, deal pipelines, and archived
//! (deleted) objects. Authentication is a private-app token or an OAuth refresh token.

use super::super::auth::{Credentials, Grant, TokenSession};
use super::super::http::{ApiClient, ApiRequest};
use super::super::{secrets, ConnectorError};
use crate::config::{HubspotConfig, SyncPolicy};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

/// The search API refuses to page past this many results of one query.
pub(crate) const SEARCH_WINDOW: usize = 10_000;
/// Most records one search page returns.
const SEARCH_PAGE_MAX: u32 = 200;
/// Most ids per batch read when history is asked for.
pub(crate) const HISTORY_BATCH: usize = 50;
/// Most ids per association batch read.
pub(crate) const ASSOCIATION_BATCH: usize = 1_000;

#[derive(Debug, Deserialize, Default)]
pub(crate) struct Paging {
    pub next: Option<NextPage>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct NextPage {
    pub after: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Page {
    #[serde(default)]
    pub results: Vec<Value>,
    pub paging: Option<Paging>,
}

impl Page {
    pub(crate) fn after(&self) -> Option<String> {
        self.paging.as_ref()?.next.as_ref().map(|n| n.after.clone())
    }
}

/// One association target: the object id and the labels on the association.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Associated {
    pub id: String,
    pub labels: Vec<String>,
}

pub(crate) struct HubspotApi {
    pub client: ApiClient,
    base: String,
    page_size: u32,
}

impl HubspotApi {
    pub(crate) fn new(config: &HubspotConfig, policy: &SyncPolicy) -> Result<Self, ConnectorError> {
        let mut config = config.clone();
        secrets::fill_from_file(
            config.secrets_file.as_deref(),
            &mut [
                ("access_token", &mut config.access_token),
                ("client_id", &mut config.client_id),
                ("client_secret", &mut config.client_secret),
                ("refresh_token", &mut config.refresh_token),
            ],
        )?;
        let credentials = if !config.access_token.is_empty() {
            Credentials::Static(config.access_token.clone())
        } else if !config.refresh_token.is_empty() && !config.client_id.is_empty() {
            Credentials::OAuth(TokenSession::new(
                config.token_url.clone(),
                Grant::RefreshToken {
                    client_id: config.client_id.clone(),
                    client_secret: config.client_secret.clone(),
                    refresh_token: config.refresh_token.clone(),
                },
            ))
        } else {
            return Err(ConnectorError::NotConfigured {
                source_name: "hubspot",
                reason: "set access_token (private app) or client_id, client_secret and refresh_token (OAuth)".into(),
            });
        };
        Ok(Self {
            client: ApiClient::new(policy, &config.limits, credentials)?,
            base: config.base_url.trim_end_matches('/').to_owned(),
            page_size: policy.page_size.min(SEARCH_PAGE_MAX),
        })
    }

    pub(crate) fn page_size(&self) -> usize {
        self.page_size as usize
    }

    /// Objects whose `stamp` property is at or after `since` (epoch ms), oldest first.
    pub(crate) async fn search(
        &self,
        object: &str,
        stamp: &str,
        since: Option<&str>,
        properties: &[&str],
        after: Option<&str>,
    ) -> Result<Page, ConnectorError> {
        let filters: Vec<Value> = since
            .map(|value| json!({ "propertyName": stamp, "operator": "GTE", "value": value }))
            .into_iter()
            .collect();
        let mut body = json!({
            "filterGroups": if filters.is_empty() { json!([]) } else { json!([{ "filters": filters }]) },
            "sorts": [{ "propertyName": stamp, "direction": "ASCENDING" }],
            "properties": properties,
            "limit": self.page_size,
        });
        if let Some(after) = after {
            body["after"] = json!(after);
        }
        let url = format!("{}/crm/v3/objects/{object}/search", self.base);
        self.client.get_json(ApiRequest::post(url, body)).await
    }

    /// `ids` read with `properties` and the full history of `with_history`.
    pub(crate) async fn batch_read(
        &self,
        object: &str,
        ids: &[String],
        properties: &[&str],
        with_history: &[&str],
    ) -> Result<Vec<Value>, ConnectorError> {
        let mut results = Vec::new();
        for chunk in ids.chunks(HISTORY_BATCH) {
            let inputs: Vec<Value> = chunk.iter().map(|id| json!({ "id": id })).collect();
            let body = json!({ "inputs": inputs, "properties": properties, "propertiesWithHistory": with_history });
            let url = format!("{}/crm/v3/objects/{object}/batch/read", self.base);
            let page: Page = self.client.get_json(ApiRequest::post(url, body).query("archived", "false")).await?;
            results.extend(page.results);
        }
        Ok(results)
    }

    /// The `to` objects associated with each of `ids`.
    pub(crate) async fn associations(
        &self,
        from: &str,
        to: &str,
        ids: &[String],
    ) -> Result<HashMap<String, Vec<Associated>>, ConnectorError> {
        let mut found: HashMap<String, Vec<Associated>> = HashMap::new();
        for chunk in ids.chunks(ASSOCIATION_BATCH) {
            let inputs: Vec<Value> = chunk.iter().map(|id| json!({ "id": id })).collect();
            let url = format!("{}/crm/v4/associations/{from}/{to}/batch/read", self.base);
            let page: Page = self.client.get_json(ApiRequest::post(url, json!({ "inputs": inputs }))).await?;
            for result in page.results {
                let Some(from_id) = super::super::records::text(&result, "from.id") else { continue };
                let targets = result.get("to").and_then(Value::as_array).cloned().unwrap_or_default();
                let entry = found.entry(from_id).or_default();
                for target in targets {
                    let Some(id) = super::super::records::text(&target, "toObjectId") else { continue };
                    let labels = target
                        .get("associationTypes")
                        .and_then(Value::as_array)
                        .map(|types| {
                            types.iter().filter_map(|t| super::super::records::text(t, "label")).collect::<Vec<_>>()
                        })
                        .unwrap_or_default();
                    entry.push(Associated { id, labels });
                }
            }
        }
        for targets in found.values_mut() {
            targets.sort_by(|a, b| a.id.cmp(&b.id));
            targets.dedup_by(|a, b| a.id == b.id);
        }
        Ok(found)
    }

    /// Every page of a listing endpoint (`/crm/v3/owners`, archived objects).
    pub(crate) async fn list_all(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<(Vec<Value>, u64), ConnectorError> {
        let mut results = Vec::new();
        let mut pages = 0;
        let mut after: Option<String> = None;
        loop {
            let mut request = ApiRequest::get(format!("{}{path}", self.base)).query("limit", "100");
            for (key, value) in query {
                request = request.query(key, *value);
            }
            if let Some(after) = &after {
                request = request.query("after", after.clone());
            }
            let page: Page = self.client.get_json(request).await?;
            pages += 1;
            after = page.after();
            results.extend(page.results);
            if after.is_none() {
                return Ok((results, pages));
            }
        }
    }

    pub(crate) async fn pipelines(&self) -> Result<Vec<Value>, ConnectorError> {
        let page: Page = self.client.get_json(ApiRequest::get(format!("{}/crm/v3/pipelines/deals", self.base))).await?;
        Ok(page.results)
    }
}
