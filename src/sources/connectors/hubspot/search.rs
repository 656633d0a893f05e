//! Walking one object's search results from its cursor, oldest change first. The search API
//! stops at 10,000 results per query, so before reaching that the walk starts a new query from
//! the newest committed change; records at that instant are read again, which is harmless.

use super::super::records;
use super::super::sync::SyncContext;
use super::super::ConnectorError;
use super::api::{HubspotApi, Page, SEARCH_WINDOW};
use chrono::{DateTime, Utc};

pub(crate) struct Search {
    object: String,
    stamp: &'static str,
    since: Option<String>,
    after: Option<String>,
    served: usize,
    newest: Option<DateTime<Utc>>,
    done: bool,
}

impl Search {
    /// A walk from the stored cursor of `object`, ordered by the property `stamp`.
    pub(crate) async fn start(
        ctx: &mut SyncContext<'_>,
        object: &str,
        stamp: &'static str,
    ) -> Result<Self, ConnectorError> {
        let since = ctx.cursor(object).await?;
        Ok(Self {
            object: object.to_owned(),
            stamp,
            newest: since.as_deref().and_then(records::parse_timestamp),
            since,
            after: None,
            served: 0,
            done: false,
        })
    }

    pub(crate) async fn next(
        &mut self,
        ctx: &mut SyncContext<'_>,
        api: &HubspotApi,
        properties: &[&str],
    ) -> Result<Option<Page>, ConnectorError> {
        if self.done {
            return Ok(None);
        }
        if self.served + api.page_size() > SEARCH_WINDOW {
            let restart = self.newest.map(|n| records::millis(&n));
            if restart.is_some() && restart != self.since {
                self.since = restart;
            } else {
                // Ten thousand records changed in the same millisecond: step past it rather
                // than loop.
                let stepped = self.newest.map(|n| n + chrono::Duration::milliseconds(1));
                ctx.note(format!(
                    "more than {SEARCH_WINDOW} HubSpot {} share one modification time; some may be skipped until a full sync",
                    self.object
                ));
                self.since = stepped.map(|s| records::millis(&s));
            }
            self.after = None;
            self.served = 0;
        }
        let page =
            api.search(&self.object, self.stamp, self.since.as_deref(), properties, self.after.as_deref()).await?;
        self.served += page.results.len();
        self.after = page.after();
        self.done = self.after.is_none();
        Ok(Some(page))
    }

    /// Moves the cursor to the newest change in `page`, once the page is committed.
    pub(crate) async fn committed(&mut self, ctx: &mut SyncContext<'_>, page: &Page) -> Result<(), ConnectorError> {
        let path = format!("properties.{}", self.stamp);
        let newest = page.results.iter().filter_map(|r| records::timestamp(r, &path)).max();
        if let Some(newest) = newest {
            let newest = self.newest.map_or(newest, |n| n.max(newest));
            self.newest = Some(newest);
            ctx.advance(&self.object, &records::millis(&newest)).await?;
        }
        Ok(())
    }
}
