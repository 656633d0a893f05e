//! Where records come from, turned into canonical records: files ([`ingest`]: CSV, the Maven
//! CRM set, iCalendar, mbox/eml/maildir, with identity resolution) and live connectors
//! ([`connectors`]: Salesforce, HubSpot, Microsoft 365, Google Workspace), both written to the
//! store.

pub mod connectors;
pub mod ingest;
