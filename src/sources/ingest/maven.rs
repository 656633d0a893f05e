//! The Maven Analytics "CRM Sales Opportunities" data set (a folder of `sales_pipeline.csv`,
//! `accounts.csv`, `products.csv` and `sales_teams.csv`) → a [`Dataset`] under source `maven`.
//!
//! What the data set holds and how it is read:
//!
//! - **People.** `sales_teams.csv` lists each sales agent with a manager and a regional office.
//!   Agents become reps; each distinct manager becomes a manager, and agents report to them.
//!   `team` is the manager's name and `region` the regional office. The data set has no email
//!   addresses and names no country for its offices, so emails are empty and time zones UTC.
//!   Names are the external ids, as the data set has no other key.
//! - **Accounts.** Name, sector as written (the source spells one sector `technolgy`), and a
//!   segment from the employee count: under 100 is `smb`, 100 to 999 is `mid_market`, 1,000
//!   or more is `enterprise` (the common small/midsize/large enterprise bands). No domains.
//! - **Products.** Into the product catalogue with `sales_price` as the USD list price. The
//!   pipeline writes `GTXPro` where the catalogue says `GTX Pro`, so names are matched after
//!   normalisation and the correction is counted in the report's fixes.
//! - **Stages.** A `maven` pipeline: prospecting (10%), engaging (50%), won, lost.
//! - **Deals**: see `maven/pipeline.rs` for dates, amounts and the synthesised history.

mod pipeline;

use crate::domain::{
    normalise_label, Account, AccountId, Currency, Dataset, Person, PersonId, Product, Role, SourceName, Stage,
    StageCatalogue, StageStatus,
};
use crate::sources::ingest::csv::table::{read_rows, Layout, Row, RowError, Seen};
use crate::sources::ingest::csv::values;
use crate::sources::ingest::{ImportOutcome, ImportReport, IngestError};
use std::collections::HashMap;
use std::path::Path;

/// The source name of every record this importer produces.
pub const SOURCE: &str = "maven";
/// The pipeline the data set's stages are registered under.
pub const PIPELINE: &str = "maven";

const PIPELINE_FILE: &str = "sales_pipeline.csv";
const ACCOUNTS_FILE: &str = "accounts.csv";
const PRODUCTS_FILE: &str = "products.csv";
const TEAMS_FILE: &str = "sales_teams.csv";

/// Imports the data set in `dir`. A missing file is an error naming it; a bad row is a rejection.
pub fn import_maven(dir: &Path) -> Result<ImportOutcome, IngestError> {
    let source = SourceName::parse(SOURCE)
        .map_err(|e| IngestError::Invalid { path: dir.to_path_buf(), reason: e.to_string() })?;
    let path = |name: &str| dir.join(name);
    // Every file is checked before any is read, so a partial folder fails with nothing done.
    for name in [PIPELINE_FILE, ACCOUNTS_FILE, PRODUCTS_FILE, TEAMS_FILE] {
        let file = path(name);
        std::fs::metadata(&file).map_err(|source| IngestError::Read { path: file, source })?;
    }
    let mut data = Dataset { stages: stages(), ..Dataset::default() };
    let mut report = ImportReport::default();
    let catalogue = products(&path(PRODUCTS_FILE), &mut data, &mut report)?;
    people(&path(TEAMS_FILE), &source, &mut data, &mut report)?;
    accounts(&path(ACCOUNTS_FILE), &source, &mut data, &mut report)?;
    pipeline::deals(&path(PIPELINE_FILE), &source, &catalogue, &mut data, &mut report)?;
    Ok(ImportOutcome { data, report })
}

/// The four stages of the data set's pipeline (`Prospecting > Engaging > Won / Lost`).
pub fn stages() -> StageCatalogue {
    let stage = |key: &str, label: &str, order, probability, status| Stage {
        pipeline: PIPELINE.to_owned(),
        key: key.to_owned(),
        label: label.to_owned(),
        order,
        probability,
        status,
    };
    StageCatalogue::new(vec![
        stage("prospecting", "Prospecting", 1, 10, StageStatus::Open),
        stage("engaging", "Engaging", 2, 50, StageStatus::Open),
        stage("won", "Won", 3, 100, StageStatus::Won),
        stage("lost", "Lost", 4, 0, StageStatus::Lost),
    ])
}

fn layout<'a>(columns: &[&'a str], id: &'a str) -> Layout<'a> {
    Layout { columns: columns.iter().map(|c| (*c, *c)).collect(), id_field: Some(id) }
}

/// Products by name: exact first, then normalised (`GTXPro` finds `GTX Pro`).
pub(crate) struct ProductCatalogue {
    by_name: HashMap<String, usize>,
    by_label: HashMap<String, usize>,
    products: Vec<Product>,
}

impl ProductCatalogue {
    /// The product and whether the name only matched after normalisation.
    fn find(&self, name: &str) -> Option<(&Product, bool)> {
        if let Some(index) = self.by_name.get(name) {
            return self.products.get(*index).map(|p| (p, false));
        }
        let index = self.by_label.get(&normalise_label(name))?;
        self.products.get(*index).map(|p| (p, true))
    }
}

/// `GTX Plus Pro` → `gtx_plus_pro`.
fn product_key(name: &str) -> String {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("_")
}

fn products(path: &Path, data: &mut Dataset, report: &mut ImportReport) -> Result<ProductCatalogue, IngestError> {
    let mut catalogue = ProductCatalogue { by_name: HashMap::new(), by_label: HashMap::new(), products: Vec::new() };
    let mut seen = Seen::default();
    read_rows(path, b',', &layout(&["product", "series", "sales_price"], "product"), report, |row| {
        let name = row.required("product")?;
        let key = product_key(name);
        if key.is_empty() {
            return Err(RowError::field("product", format!("{name:?} has no letters or digits")));
        }
        let price = row.parse_required("sales_price", |t| values::money(t, Currency::USD))?;
        seen.check(&normalise_label(name), "product", "product", row)?;
        seen.insert(normalise_label(name), row);
        let index = catalogue.products.len();
        catalogue.by_name.insert(name.to_owned(), index);
        catalogue.by_label.insert(normalise_label(name), index);
        catalogue.products.push(Product {
            key,
            name: name.to_owned(),
            family: row.get("series")?.map(str::to_owned),
            list_price: Some(price),
        });
        Ok(())
    })?;
    data.products = catalogue.products.clone();
    Ok(catalogue)
}

fn person_id(source: &SourceName, row: &Row<'_>, field: &str) -> Result<PersonId, RowError> {
    let name = row.required(field)?;
    PersonId::from_source(source, name).map_err(|e| RowError::field(field, e.to_string()))
}

fn people(path: &Path, source: &SourceName, data: &mut Dataset, report: &mut ImportReport) -> Result<(), IngestError> {
    let mut managers: Vec<Person> = Vec::new();
    let mut reps: Vec<Person> = Vec::new();
    let mut seen = Seen::default();
    let columns = ["sales_agent", "manager", "regional_office"];
    read_rows(path, b',', &layout(&columns, "sales_agent"), report, |row| {
        let agent = person_id(source, row, "sales_agent")?;
        let manager = person_id(source, row, "manager")?;
        let manager_name = row.required("manager")?;
        let region = row.get("regional_office")?.map(str::to_owned);
        seen.check(agent.as_str(), "sales agent", "sales_agent", row)?;
        seen.insert(agent.to_string(), row);
        if !managers.iter().any(|m| m.id == manager) {
            managers.push(Person {
                role: Role::Manager,
                ..maven_person(source, manager.clone(), manager_name, manager_name, region.clone())
            });
        }
        let agent_name = row.required("sales_agent")?;
        reps.push(Person {
            manager_id: Some(manager),
            ..maven_person(source, agent, agent_name, manager_name, region)
        });
        Ok(())
    })?;
    let both = reps.iter().filter(|r| managers.iter().any(|m| m.id == r.id)).count();
    if both > 0 {
        report.notes.push(format!("{both} sales agents are also named as managers; kept as reps"));
        managers.retain(|m| !reps.iter().any(|r| r.id == m.id));
    }
    report.notes.push(format!(
        "{} managers derived from {TEAMS_FILE} over {} sales agents; no email addresses in the data set, and \
         time zones are UTC because the regional offices name no country and the data holds dates only",
        managers.len(),
        reps.len()
    ));
    data.people.extend(managers);
    data.people.extend(reps);
    Ok(())
}

fn maven_person(source: &SourceName, id: PersonId, name: &str, team: &str, region: Option<String>) -> Person {
    Person {
        id,
        source: source.clone(),
        external_id: name.to_owned(),
        name: name.to_owned(),
        emails: Vec::new(),
        role: Role::Rep,
        manager_id: None,
        timezone: "UTC".to_owned(),
        team: Some(team.to_owned()),
        region,
    }
}

/// Employee-count bands (see the module comment).
pub fn segment_for_employees(employees: u64) -> &'static str {
    match employees {
        0..=99 => "smb",
        100..=999 => "mid_market",
        _ => "enterprise",
    }
}

fn accounts(
    path: &Path,
    source: &SourceName,
    data: &mut Dataset,
    report: &mut ImportReport,
) -> Result<(), IngestError> {
    let mut seen = Seen::default();
    read_rows(path, b',', &layout(&["account", "sector", "employees"], "account"), report, |row| {
        let name = row.required("account")?;
        let id = AccountId::from_source(source, name).map_err(|e| RowError::field("account", e.to_string()))?;
        let employees = row.parse("employees", |t| {
            t.parse::<u64>().map_err(|_| format!("invalid employee count {t:?} (expected a whole number)"))
        })?;
        seen.check(id.as_str(), "account", "account", row)?;
        seen.insert(id.to_string(), row);
        data.accounts.push(Account {
            id,
            source: source.clone(),
            external_id: name.to_owned(),
            name: name.to_owned(),
            domains: Vec::new(),
            segment: employees.map(|e| segment_for_employees(e).to_owned()),
            sector: row.get("sector")?.map(str::to_owned),
        });
        Ok(())
    })?;
    let typos = data.accounts.iter().filter(|a| a.sector.as_deref() == Some("technolgy")).count();
    if typos > 0 {
        report.notes.push(format!(
            "sector \"technolgy\" kept as written in the source ({typos} accounts; read it as technology)"
        ));
    }
    report.notes.push(format!(
        "account segments from employee counts: smb under 100, mid_market 100-999, enterprise 1,000+; \
         year_established, revenue, office_location and subsidiary_of in {ACCOUNTS_FILE} are not stored"
    ));
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::domain::ForecastCategory;

    fn write(dir: &Path, name: &str, lines: &[&str]) {
        std::fs::write(dir.join(name), lines.join("\r\n") + "\r\n").unwrap();
    }

    fn sample() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        write(
            p,
            PRODUCTS_FILE,
            &["product,series,sales_price", "GTX Pro,GTX,4821", "MG Special,MG,55", "Broken,MG,cheap"],
        );
        write(
            p,
            TEAMS_FILE,
            &[
                "sales_agent,manager,regional_office",
                "Ann Ash,Max Moss,East",
                "Bo Birch,Max Moss,East",
                "Ann Ash,Max Moss,West",
            ],
        );
        write(
            p,
            ACCOUNTS_FILE,
            &[
                "account,sector,year_established,revenue,employees,office_location,subsidiary_of",
                "Acme,technolgy,1996,1100.04,2822,United States,",
                "Tiny,retail,2001,1.5,9,Philipines,Acme",
                "Vague,retail,2001,1.5,many,Kenya,",
            ],
        );
        write(
            p,
            PIPELINE_FILE,
            &[
                "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value",
                "W1,Ann Ash,GTXPro,Acme,Won,2017-01-02,2017-02-03,4500",
                "L1,Bo Birch,MG Special,Tiny,Lost,2017-01-05,2017-03-01,0",
                "E1,Bo Birch,GTX Pro,,Engaging,2017-04-01,,",
                "P1,Ann Ash,MG Special,,Prospecting,,,",
                "X1,Ann Ash,Unknown Thing,Acme,Won,2017-01-02,2017-02-03,10",
                "X2,Ann Ash,GTX Pro,Acme,Won,2017-01-02,,10",
                "W1,Ann Ash,GTX Pro,Acme,Won,2017-01-02,2017-02-03,10",
                "X3,Ann Ash,GTX Pro,Acme,Stalled,2017-01-02,,",
                "X4,Ann Ash,GTX Pro,Acme,Lost,2017-03-02,2017-02-03,0",
                "X5,Ann Ash,GTX Pro,Acme,Engaging,2017-13-02,,",
            ],
        );
        dir
    }

    #[test]
    fn a_small_data_set_maps_every_entity() {
        let dir = sample();
        let outcome = import_maven(dir.path()).unwrap();
        let data = &outcome.data;
        let people: Vec<_> = data.people.iter().map(|p| (p.name.as_str(), p.role, p.team.as_deref())).collect();
        assert_eq!(
            people,
            [
                ("Max Moss", Role::Manager, Some("Max Moss")),
                ("Ann Ash", Role::Rep, Some("Max Moss")),
                ("Bo Birch", Role::Rep, Some("Max Moss")),
            ]
        );
        assert_eq!(data.people[1].manager_id.as_ref().map(PersonId::as_str), Some("maven:Max Moss"));
        let accounts: Vec<_> = data.accounts.iter().map(|a| (a.name.as_str(), a.segment.as_deref())).collect();
        assert_eq!(accounts, [("Acme", Some("enterprise")), ("Tiny", Some("smb"))]);
        assert_eq!(data.products.iter().map(|p| p.key.as_str()).collect::<Vec<_>>(), ["gtx_pro", "mg_special"]);

        let deals: Vec<_> = data
            .deals
            .iter()
            .map(|d| (d.external_id.as_str(), d.name.as_str(), d.stage.as_str(), d.amount.minor, d.forecast_category))
            .collect();
        assert_eq!(
            deals,
            [
                ("W1", "Acme – GTX Pro", "won", 450_000, ForecastCategory::Closed),
                ("L1", "Tiny – MG Special", "lost", 5_500, ForecastCategory::Omitted),
                ("E1", "No account – GTX Pro", "engaging", 482_100, ForecastCategory::Pipeline),
                ("P1", "No account – MG Special", "prospecting", 5_500, ForecastCategory::Pipeline),
            ]
        );
        let prospect = &data.deals[3];
        assert_eq!(
            prospect.created_at,
            crate::sources::ingest::csv::values::start_of_day(chrono::NaiveDate::from_ymd_opt(2017, 4, 1).unwrap())
        );
        let history: Vec<_> = data.history.iter().map(|h| h.external_id.as_str()).collect();
        assert_eq!(history, ["W1:engaged", "W1:closed", "L1:engaged", "L1:closed", "E1:engaged"]);
        assert_eq!(outcome.report.fixes, ["product \"GTXPro\" matched \"GTX Pro\" after normalisation (1 rows)"]);
        assert!(outcome.report.notes.iter().any(|n| n.starts_with("2 deals have no account")));
        assert!(outcome.report.notes.iter().any(|n| n.contains("technolgy") && n.contains("1 accounts")));
    }

    #[test]
    fn bad_rows_are_named_by_file_line_and_field() {
        let dir = sample();
        let outcome = import_maven(dir.path()).unwrap();
        let rejections: Vec<_> = outcome
            .report
            .rejections
            .iter()
            .map(|r| {
                let file = r.file.file_name().unwrap().to_string_lossy().into_owned();
                (file, r.line, r.record.clone().unwrap_or_default(), r.field.clone().unwrap_or_default())
            })
            .collect();
        let expected = [
            (PRODUCTS_FILE, 4, "Broken", "sales_price"),
            (TEAMS_FILE, 4, "Ann Ash", "sales_agent"),
            (ACCOUNTS_FILE, 4, "Vague", "employees"),
            (PIPELINE_FILE, 6, "X1", "product"),
            (PIPELINE_FILE, 7, "X2", "close_date"),
            (PIPELINE_FILE, 8, "W1", "opportunity_id"),
            (PIPELINE_FILE, 9, "X3", "deal_stage"),
            (PIPELINE_FILE, 10, "X4", "close_date"),
            (PIPELINE_FILE, 11, "X5", "engage_date"),
        ];
        let expected: Vec<_> =
            expected.iter().map(|(f, l, r, c)| ((*f).to_owned(), *l, (*r).to_owned(), (*c).to_owned())).collect();
        assert_eq!(rejections, expected);
        let duplicate = &outcome.report.rejections[5];
        assert_eq!(duplicate.reason, "duplicate opportunity_id \"W1\": first seen on line 2");
    }

    #[test]
    fn segments_follow_the_stated_bands() {
        assert_eq!(segment_for_employees(0), "smb");
        assert_eq!(segment_for_employees(99), "smb");
        assert_eq!(segment_for_employees(100), "mid_market");
        assert_eq!(segment_for_employees(999), "mid_market");
        assert_eq!(segment_for_employees(1_000), "enterprise");
    }
}
