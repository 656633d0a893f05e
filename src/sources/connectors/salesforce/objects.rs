//! The Salesforce objects Candor reads, in dependency order, with the fields each query
//! selects (the configured custom fields included) and the modification stamp it pages by.

use super::api::soql_datetime;
use crate::config::SalesforceConfig;
use crate::store::SyncedKind;
use chrono::{DateTime, Utc};

/// What a page of an object becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ObjectKind {
    Users,
    Accounts,
    Contacts,
    Opportunities,
    ContactRoles,
    StageHistory,
    FieldHistory,
    Events,
    Tasks,
}

#[derive(Debug, Clone)]
pub(crate) struct ObjectSpec {
    pub name: &'static str,
    pub kind: ObjectKind,
    pub fields: Vec<String>,
    /// The field that orders pages and carries the cursor.
    pub stamp: &'static str,
    pub filter: Option<String>,
    /// How `getDeleted` results for this object are applied; `None` when it cannot be deleted
    /// on its own.
    pub deletes: Option<SyncedKind>,
}

fn push(fields: &mut Vec<String>, field: &str) {
    if !field.trim().is_empty() && !fields.iter().any(|f| f.eq_ignore_ascii_case(field.trim())) {
        fields.push(field.trim().to_owned());
    }
}

fn list(fixed: &[&str], configured: &[&str]) -> Vec<String> {
    let mut fields = Vec::new();
    for field in fixed.iter().chain(configured) {
        push(&mut fields, field);
    }
    fields
}

/// The objects in the order they are read: people and accounts before the deals that point at
/// them, deals before their history and roles, and all of them before the activities whose
/// participants and deals are resolved against them.
pub(crate) fn objects(config: &SalesforceConfig) -> Vec<ObjectSpec> {
    let f = &config.fields;
    let mut opportunity = list(
        &[
            "Id",
            "Name",
            "AccountId",
            "OwnerId",
            "StageName",
            "CloseDate",
            "IsClosed",
            "IsWon",
            "CreatedDate",
            "SystemModstamp",
        ],
        &[&f.amount, &f.forecast_category, &f.next_step, &f.products, &f.term_months],
    );
    if !config.record_type_pipelines.is_empty() {
        push(&mut opportunity, "RecordType.DeveloperName");
    }
    if config.multi_currency {
        push(&mut opportunity, "CurrencyIsoCode");
    }
    let tracked: Vec<String> =
        [f.amount.as_str(), "CloseDate", f.forecast_category.as_str(), "Owner", f.next_step.as_str()]
            .iter()
            .filter(|name| !name.is_empty())
            .map(|name| format!("'{}'", name.replace('\'', "")))
            .collect();
    let activity_common = [
        "Id",
        "Subject",
        "Description",
        "WhoId",
        "WhatId",
        "OwnerId",
        "Owner.Email",
        "Owner.Name",
        "Who.Email",
        "Who.Name",
        "SystemModstamp",
    ];
    let spec = |name, kind, fields, stamp, filter: Option<String>, deletes| ObjectSpec {
        name,
        kind,
        fields,
        stamp,
        filter,
        deletes,
    };
    vec![
        spec(
            "User",
            ObjectKind::Users,
            list(
                &["Id", "Name", "Email", "ManagerId", "TimeZoneSidKey", "IsActive", "SystemModstamp"],
                &[&f.user_team, &f.user_region],
            ),
            "SystemModstamp",
            Some("UserType = 'Standard'".to_owned()),
            None,
        ),
        spec(
            "Account",
            ObjectKind::Accounts,
            list(&["Id", "Name", "Website", "SystemModstamp"], &[&f.account_segment, &f.account_sector]),
            "SystemModstamp",
            None,
            Some(SyncedKind::Account),
        ),
        spec(
            "Contact",
            ObjectKind::Contacts,
            list(&["Id", "AccountId", "Name", "Email", "Title", "SystemModstamp"], &[]),
            "SystemModstamp",
            None,
            Some(SyncedKind::Contact),
        ),
        spec("Opportunity", ObjectKind::Opportunities, opportunity, "SystemModstamp", None, Some(SyncedKind::Deal)),
        spec(
            "OpportunityContactRole",
            ObjectKind::ContactRoles,
            list(&["Id", "OpportunityId", "ContactId", "Role", "IsPrimary", "SystemModstamp"], &[]),
            "SystemModstamp",
            None,
            None,
        ),
        spec(
            "OpportunityHistory",
            ObjectKind::StageHistory,
            list(&["Id", "OpportunityId", "StageName", "CreatedDate", "SystemModstamp"], &[]),
            "SystemModstamp",
            None,
            None,
        ),
        spec(
            "OpportunityFieldHistory",
            ObjectKind::FieldHistory,
            list(&["Id", "OpportunityId", "Field", "DataType", "OldValue", "NewValue", "CreatedDate"], &[]),
            "CreatedDate",
            Some(format!("Field IN ({})", tracked.join(", "))),
            None,
        ),
        spec(
            "Event",
            ObjectKind::Events,
            list(&activity_common, &["StartDateTime", "EndDateTime", "DurationInMinutes", "IsAllDayEvent", "Type"]),
            "SystemModstamp",
            Some("IsChild = false".to_owned()),
            Some(SyncedKind::Activity),
        ),
        spec(
            "Task",
            ObjectKind::Tasks,
            list(&activity_common, &["ActivityDate", "CreatedDate", "TaskSubtype", "Status", "CallDurationInSeconds"]),
            "SystemModstamp",
            None,
            Some(SyncedKind::Activity),
        ),
    ]
}

impl ObjectSpec {
    /// The query for everything changed at or after `since` (all of it without one), oldest
    /// change first so a committed page is a safe place to resume from. Records stamped in
    /// the same second as the cursor are read again; writing them twice changes nothing.
    pub(crate) fn soql(&self, since: Option<&DateTime<Utc>>) -> String {
        let mut conditions: Vec<String> = self.filter.iter().cloned().collect();
        if let Some(since) = since {
            conditions.push(format!("{} >= {}", self.stamp, soql_datetime(since)));
        }
        let mut soql = format!("SELECT {} FROM {}", self.fields.join(", "), self.name);
        if !conditions.is_empty() {
            soql.push_str(" WHERE ");
            soql.push_str(&conditions.join(" AND "));
        }
        soql.push_str(&format!(" ORDER BY {} ASC, Id ASC", self.stamp));
        soql
    }
}

/// The stage catalogue query; small, read whole on every sync.
pub(crate) const STAGES_SOQL: &str =
    "SELECT Id, ApiName, MasterLabel, SortOrder, DefaultProbability, IsClosed, IsWon, IsActive FROM OpportunityStage ORDER BY SortOrder ASC";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_select_configured_fields_and_page_by_stamp() {
        let mut config = SalesforceConfig::default();
        config.fields.amount = "ARR__c".into();
        config.multi_currency = true;
        config.record_type_pipelines.insert("Wealth".into(), "wealth".into());
        let specs = objects(&config);
        let opportunity = specs.iter().find(|s| s.name == "Opportunity").unwrap();
        let since = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.678Z").unwrap().with_timezone(&Utc);
        let soql = opportunity.soql(Some(&since));
        assert!(
            soql.contains("ARR__c") && soql.contains("CurrencyIsoCode") && soql.contains("RecordType.DeveloperName"),
            "{soql}"
        );
        assert!(
            soql.ends_with("WHERE SystemModstamp >= 2026-01-02T03:04:05Z ORDER BY SystemModstamp ASC, Id ASC"),
            "{soql}"
        );
        let history = specs.iter().find(|s| s.name == "OpportunityFieldHistory").unwrap();
        assert!(history
            .soql(None)
            .contains("Field IN ('ARR__c', 'CloseDate', 'ForecastCategoryName', 'Owner', 'NextStep')"));
        let users = specs.iter().find(|s| s.name == "User").unwrap();
        assert!(users.soql(None).contains("WHERE UserType = 'Standard' ORDER BY"));
    }
}
