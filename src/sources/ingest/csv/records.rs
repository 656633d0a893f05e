//! Row → record for the CSV importer's organisation-side entities: people, accounts, contacts,
//! buyer roles on deals, and quotas.

use super::table::{Row, RowError};
use super::{id_error, values, Env};
use crate::domain::{
    normalise_domain, Account, AccountId, Contact, ContactId, ContactRole, DealContactRole, DealId, Period, Person,
    PersonId, Quota, Role, Seniority,
};

/// `name`, or `first_name` and `last_name` joined.
fn full_name(row: &Row<'_>) -> Result<String, RowError> {
    if let Some(name) = row.get("name")? {
        return Ok(name.to_owned());
    }
    let parts: Vec<&str> = [row.get("first_name")?, row.get("last_name")?].into_iter().flatten().collect();
    if parts.is_empty() {
        let field = if row.has("name") { "name" } else { "last_name" };
        return Err(RowError::field(row.header(field), "missing value"));
    }
    Ok(parts.join(" "))
}

fn text(row: &Row<'_>, field: &str) -> Result<Option<String>, RowError> {
    Ok(row.get(field)?.map(str::to_owned))
}

pub(super) fn person(env: &Env<'_>, row: &Row<'_>) -> Result<Person, RowError> {
    let source = &env.mapping.source;
    let external_id = row.required("id")?;
    let id = PersonId::from_source(source, external_id).map_err(id_error(row, "id"))?;
    let name = full_name(row)?;
    let emails = match row.get("email")? {
        None => Vec::new(),
        Some(cell) => {
            let mut emails: Vec<String> = Vec::new();
            for part in values::list(cell, env.mapping.separator) {
                let (address, _) = values::address(part).map_err(|e| RowError::field(row.header("email"), e))?;
                if !emails.contains(&address) {
                    emails.push(address);
                }
            }
            emails
        }
    };
    let role = row.parse("role", |t| t.parse::<Role>())?.unwrap_or(Role::Rep);
    let manager_id = row
        .get("manager_id")?
        .map(|m| PersonId::from_source(source, m))
        .transpose()
        .map_err(id_error(row, "manager_id"))?;
    let timezone = row
        .parse("timezone", |t| {
            t.parse::<chrono_tz::Tz>()
                .map(|tz| tz.name().to_owned())
                .map_err(|_| format!("{t:?} is not an IANA time zone"))
        })?
        .unwrap_or_else(|| env.mapping.formats.timezone.name().to_owned());
    Ok(Person {
        id,
        source: source.clone(),
        external_id: external_id.to_owned(),
        name,
        emails,
        role,
        manager_id,
        timezone,
        team: text(row, "team")?,
        region: text(row, "region")?,
    })
}

pub(super) fn account(env: &Env<'_>, row: &Row<'_>) -> Result<Account, RowError> {
    let source = &env.mapping.source;
    let external_id = row.required("id")?;
    let id = AccountId::from_source(source, external_id).map_err(id_error(row, "id"))?;
    let mut domains: Vec<String> = Vec::new();
    for part in values::list(row.get("domains")?.unwrap_or(""), env.mapping.separator) {
        let domain = normalise_domain(part)
            .ok_or_else(|| RowError::field(row.header("domains"), format!("{part:?} is not a web domain")))?;
        if !domains.contains(&domain) {
            domains.push(domain);
        }
    }
    Ok(Account {
        id,
        source: source.clone(),
        external_id: external_id.to_owned(),
        name: row.required("name")?.to_owned(),
        domains,
        segment: text(row, "segment")?,
        sector: text(row, "sector")?,
    })
}

pub(super) fn contact(env: &Env<'_>, row: &Row<'_>) -> Result<Contact, RowError> {
    let source = &env.mapping.source;
    let external_id = row.required("id")?;
    let id = ContactId::from_source(source, external_id).map_err(id_error(row, "id"))?;
    let name = full_name(row)?;
    let account_id = row
        .get("account_id")?
        .map(|a| AccountId::from_source(source, a))
        .transpose()
        .map_err(id_error(row, "account_id"))?;
    let email = row.parse("email", |t| values::address(t).map(|(address, _)| address))?;
    let title = text(row, "title")?;
    let seniority = title.as_deref().map_or(Seniority::Individual, Seniority::from_title);
    Ok(Contact {
        id,
        source: source.clone(),
        external_id: external_id.to_owned(),
        account_id,
        name,
        email,
        title,
        seniority,
    })
}

pub(super) fn contact_role(env: &Env<'_>, row: &Row<'_>) -> Result<DealContactRole, RowError> {
    let source = &env.mapping.source;
    let deal_id = DealId::from_source(source, row.required("deal_id")?).map_err(id_error(row, "deal_id"))?;
    let contact_id =
        ContactId::from_source(source, row.required("contact_id")?).map_err(id_error(row, "contact_id"))?;
    let role = row.parse("role", |t| t.parse::<ContactRole>())?.unwrap_or(ContactRole::Other);
    Ok(DealContactRole { deal_id, contact_id, role })
}

pub(super) fn quota(env: &Env<'_>, row: &Row<'_>) -> Result<Quota, RowError> {
    let source = &env.mapping.source;
    let person_id = PersonId::from_source(source, row.required("person_id")?).map_err(id_error(row, "person_id"))?;
    let period = row.parse_required("period", |t| t.parse::<Period>().map_err(|e| e.to_string()))?;
    let currency = row.parse("currency", values::currency)?.unwrap_or(env.currency);
    let amount = row.parse_required("amount", |t| values::money(t, currency))?;
    Ok(Quota { person_id, period, amount })
}
