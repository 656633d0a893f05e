//! Generic CRM exports in CSV: a mapping file says which files hold which records and which
//! header feeds which canonical field; [`import_csv`] turns the files into a [`Dataset`] and a
//! report naming every rejected row. Pure file → records: no database, no clock.
//!
//! # Mapping file (TOML)
//!
//! ```toml
//! source = "crm"                 # ids become "crm:<external id>"; a-z, 0-9, '-', '_'
//! delimiter = ","                # one ASCII character, or "tab"; default ","
//! list_separator = ";"           # inside list cells (products, addresses, splits); default ";"
//! date_format = "%d/%m/%Y"       # strftime; default ISO 8601 (%Y-%m-%d)
//! datetime_format = "%d/%m/%Y %H:%M"  # default RFC 3339 / ISO 8601 (T or space, offset optional)
//! timezone = "Europe/London"     # zone of timestamps written without an offset; default UTC
//! default_pipeline = "default"   # pipeline of deals with no pipeline column or value
//! default_currency = "GBP"       # overrides the organisation's currency for this source
//!
//! [stages]                       # source stage label → stage key; unlisted labels are
//! "Needs Analysis" = "discover"  # matched to the catalogue's keys and labels
//!
//! [deals]
//! files = ["deals.csv", "opportunities_*.csv"]   # file names or patterns with * and ?
//! [deals.columns]                # canonical field = "header in the file"
//! id = "Opportunity ID"
//! amount = "Amount"
//! ```
//!
//! A complete example with every entity and field is `tests/fixtures/csv/mapping.toml`. The
//! entities and their fields (required ones marked `*`) are:
//!
//! - `people`: `id*`, `name*` (or `first_name` + `last_name`), `email` (a list: primary
//!   first), `role` (rep, manager, leader, admin; default rep), `manager_id`, `timezone`
//!   (IANA; default the mapping's), `team`, `region`.
//! - `accounts`: `id*`, `name*`, `domains` (a list), `segment`, `sector`.
//! - `contacts`: `id*`, `name*` (or first + last), `account_id`, `email`, `title` (seniority is
//!   derived from it).
//! - `deals`: `id*`, `name*`, `owner_id*`, `account_id`, `pipeline`, `stage*`, `amount*`,
//!   `currency`, `close_date`, `forecast_category`, `next_step`, `next_step_updated_at`,
//!   `products` (a list), `revenue_type` + `term_months` (one-off or recurring), `created_at*`,
//!   `closed_at`, `splits` (`alice:60;bob:40`, adding up to 100).
//! - `deal_history`: `id` (default `<deal>:<field>:<changed_at>`), `deal_id*`, `field*`,
//!   `old_value`, `new_value`, `changed_at*`. Values are stored canonically (stage key, minor
//!   units, ISO date, person id).
//! - `deal_contact_roles`: `deal_id*`, `contact_id*`, `role`.
//! - `activities`: `id*`, `kind*`, `direction*`, `occurred_at*`, `duration_minutes`,
//!   `subject`, `snippet` (cut to a bounded excerpt), `thread_id`, `from`, `to`, `cc`,
//!   `organizer`, `participants` (address lists), `deal_ids` (a list of deal external ids).
//! - `quotas`: `person_id*`, `period*` (e.g. FY2026-Q3), `amount*`, `currency`.
//!
//! References (`owner_id`, `account_id`, `deal_id`, …) are the source's external ids. A blank
//! deal amount is recorded as zero and a closed deal without `closed_at` closes at its close
//! date; both are counted in the report's fixes. A blank forecast category follows the stage:
//! closed for won, omitted for lost, pipeline for open.
//!
//! Rows are read as bytes: invalid UTF-8, a wrong column count, a bad value, or an id seen
//! before (the first stays) rejects that row only. A missing file is an error naming it; so is
//! a mapping that does not parse or a mapped header the file lacks.

mod activities;
mod deals;
mod mapping;
mod records;
pub(crate) mod table;
pub(crate) mod values;

use crate::domain::{Currency, Dataset, IdError, Stage, StageCatalogue};
use crate::sources::ingest::{ImportOutcome, ImportReport, IngestError};
use mapping::{Entity, EntityMapping, Mapping};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use table::{read_rows, Layout, Row, RowError, Seen};

/// Imports CRM export files described by the mapping at `mapping_path`. Each path is a file or
/// a directory (its files are taken in name order); each file is matched to one entity by name.
pub fn import_csv(
    mapping_path: &Path,
    paths: &[PathBuf],
    catalogue: &StageCatalogue,
    default_currency: Currency,
) -> Result<ImportOutcome, IngestError> {
    let mapping = Mapping::load(mapping_path, catalogue)?;
    let files = expand(paths)?;
    let mut importer = Importer {
        env: Env { mapping: &mapping, catalogue, currency: mapping.currency.unwrap_or(default_currency) },
        data: Dataset { stages: catalogue.clone(), ..Dataset::default() },
        report: ImportReport::default(),
        seen: BTreeMap::new(),
        deals: HashMap::new(),
        tally: Tally::default(),
    };
    let mut assigned: BTreeMap<Entity, Vec<PathBuf>> = BTreeMap::new();
    for file in files {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let matching: Vec<&EntityMapping> = mapping.entities.iter().filter(|e| e.matches(&name)).collect();
        match matching.as_slice() {
            [] => importer.report.notes.push(format!(
                "{}: matches no entity in {}; skipped",
                file.display(),
                mapping_path.display()
            )),
            [one] => assigned.entry(one.entity).or_default().push(file),
            [first, second, ..] => {
                return Err(IngestError::Invalid {
                    path: mapping_path.to_path_buf(),
                    reason: format!(
                        "{}.files and {}.files both match {}",
                        first.entity.key(),
                        second.entity.key(),
                        file.display()
                    ),
                })
            }
        }
    }
    // Sorted so the outcome (and which of two repeats counts as first) ignores argument order.
    for files in assigned.values_mut() {
        files.sort();
    }
    for entity_mapping in &mapping.entities {
        for file in assigned.get(&entity_mapping.entity).into_iter().flatten() {
            importer.import_file(entity_mapping, file)?;
        }
    }
    importer.finish(&assigned);
    Ok(ImportOutcome { data: importer.data, report: importer.report })
}

/// Files in order: directories expanded to their visible files sorted by name; duplicates dropped.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, IngestError> {
    let read_error = |path: &Path, source| IngestError::Read { path: path.to_path_buf(), source };
    let mut files = Vec::new();
    for path in paths {
        let metadata = std::fs::metadata(path).map_err(|e| read_error(path, e))?;
        if metadata.is_dir() {
            let mut entries = Vec::new();
            for entry in std::fs::read_dir(path).map_err(|e| read_error(path, e))? {
                let entry = entry.map_err(|e| read_error(path, e))?;
                // Hidden files (.DS_Store, .gitattributes) are never exports.
                let hidden = entry.file_name().to_string_lossy().starts_with('.');
                if !hidden && entry.path().is_file() {
                    entries.push(entry.path());
                }
            }
            entries.sort();
            files.extend(entries);
        } else {
            files.push(path.clone());
        }
    }
    let mut seen = BTreeSet::new();
    files.retain(|f| seen.insert(f.clone()));
    Ok(files)
}

/// What every row conversion reads and never changes.
pub(crate) struct Env<'a> {
    pub mapping: &'a Mapping,
    pub catalogue: &'a StageCatalogue,
    pub currency: Currency,
}

impl Env<'_> {
    /// The mapping's stage map first (exact, then normalised), then the catalogue's keys and
    /// labels.
    pub(crate) fn stage(&self, pipeline: &str, text: &str) -> Result<&Stage, String> {
        let mapped = self
            .mapping
            .stages
            .get(text)
            .or_else(|| self.mapping.stages_normalised.get(&crate::domain::normalise_label(text)));
        match mapped {
            Some(key) => self.catalogue.get(pipeline, key).ok_or_else(|| {
                format!("stage {text:?} maps to {key:?}, which is not a stage of pipeline {pipeline:?}")
            }),
            None => self
                .catalogue
                .resolve(pipeline, text)
                .ok_or_else(|| format!("unknown stage {text:?} in pipeline {pipeline:?}")),
        }
    }
}

/// Turns an id error into a rejection of the column it came from.
pub(crate) fn id_error(row: &Row<'_>, field: &str) -> impl Fn(IdError) -> RowError {
    let header = row.header(field);
    move |e| RowError::field(header.clone(), e.to_string())
}

/// Counts of corrections, reported once per kind at the end.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub blank_amounts: u64,
    pub closed_at_from_close_date: u64,
}

/// The pipeline and currency of each imported deal, so its history is stored canonically.
pub(crate) struct DealMeta {
    pub pipeline: String,
    pub currency: Currency,
}

struct Importer<'a> {
    env: Env<'a>,
    data: Dataset,
    report: ImportReport,
    seen: BTreeMap<Entity, Seen>,
    deals: HashMap<String, DealMeta>,
    tally: Tally,
}

impl Importer<'_> {
    fn import_file(&mut self, mapping: &EntityMapping, path: &Path) -> Result<(), IngestError> {
        let entity = mapping.entity;
        let layout = Layout {
            columns: mapping.columns.iter().map(|(field, header)| (*field, header.as_str())).collect(),
            id_field: Some(entity.id_field()),
        };
        let Importer { env, data, report, seen, deals, tally } = self;
        let seen = seen.entry(entity).or_default();
        let delimiter = env.mapping.delimiter;
        read_rows(path, delimiter, &layout, report, |row| {
            // Each arm converts, then checks for a repeat, then keeps the record.
            match entity {
                Entity::People => {
                    let person = records::person(env, row)?;
                    keep(seen, &person.external_id, "person id", "id", row)?;
                    data.people.push(person);
                }
                Entity::Accounts => {
                    let account = records::account(env, row)?;
                    keep(seen, &account.external_id, "account id", "id", row)?;
                    data.accounts.push(account);
                }
                Entity::Contacts => {
                    let contact = records::contact(env, row)?;
                    keep(seen, &contact.external_id, "contact id", "id", row)?;
                    data.contacts.push(contact);
                }
                Entity::Deals => {
                    let deal = deals::deal(env, row, tally)?;
                    keep(seen, &deal.external_id, "deal id", "id", row)?;
                    deals.insert(
                        deal.id.to_string(),
                        DealMeta { pipeline: deal.pipeline.clone(), currency: deal.amount.currency },
                    );
                    data.deals.push(deal);
                }
                Entity::DealHistory => {
                    let change = deals::history(env, row, deals)?;
                    keep(seen, &change.external_id, "history id", "id", row)?;
                    data.history.push(change);
                }
                Entity::DealContactRoles => {
                    let role = records::contact_role(env, row)?;
                    let key = format!("{} / {}", role.deal_id, role.contact_id);
                    keep(seen, &key, "deal / contact pair", "contact_id", row)?;
                    data.contact_roles.push(role);
                }
                Entity::Activities => {
                    let activity = activities::activity(env, row)?;
                    keep(seen, &activity.external_id, "activity id", "id", row)?;
                    data.activities.push(activity);
                }
                Entity::Quotas => {
                    let quota = records::quota(env, row)?;
                    let key = format!("{} / {}", quota.person_id, quota.period);
                    keep(seen, &key, "person / period pair", "period", row)?;
                    data.quotas.push(quota);
                }
            }
            Ok(())
        })
    }

    /// Reports the tallied fixes and references to records this import did not contain, when
    /// it did import that kind of record (a deals-only import may rely on people already stored).
    fn finish(&mut self, assigned: &BTreeMap<Entity, Vec<PathBuf>>) {
        let tally = &self.tally;
        if tally.blank_amounts > 0 {
            self.report.fixes.push(format!("deals with a blank amount recorded as 0 ({} rows)", tally.blank_amounts));
        }
        if tally.closed_at_from_close_date > 0 {
            self.report.fixes.push(format!(
                "closed deals without closed_at closed at their close date ({} rows)",
                tally.closed_at_from_close_date
            ));
        }
        let data = &self.data;
        let imported = |entity| assigned.contains_key(&entity);
        let people: BTreeSet<&str> = data.people.iter().map(|p| p.id.as_str()).collect();
        let accounts: BTreeSet<&str> = data.accounts.iter().map(|a| a.id.as_str()).collect();
        let contacts: BTreeSet<&str> = data.contacts.iter().map(|c| c.id.as_str()).collect();
        let deal_ids: BTreeSet<&str> = data.deals.iter().map(|d| d.id.as_str()).collect();
        let mut dangling = Vec::new();
        let mut check = |what: &str, entity, known: &BTreeSet<&str>, refs: Vec<&str>| {
            let missing = refs.iter().filter(|r| !known.contains(*r)).count();
            if imported(entity) && missing > 0 {
                dangling.push(format!("{missing} {what} not in this import; kept as given"));
            }
        };
        check(
            "deal owners or split holders are",
            Entity::People,
            &people,
            data.deals
                .iter()
                .flat_map(|d| std::iter::once(d.owner_id.as_str()).chain(d.splits.iter().map(|s| s.person_id.as_str())))
                .collect(),
        );
        check(
            "managers are",
            Entity::People,
            &people,
            data.people.iter().filter_map(|p| p.manager_id.as_ref()).map(|m| m.as_str()).collect(),
        );
        check("quota holders are", Entity::People, &people, data.quotas.iter().map(|q| q.person_id.as_str()).collect());
        check(
            "accounts named by deals or contacts are",
            Entity::Accounts,
            &accounts,
            data.deals
                .iter()
                .filter_map(|d| d.account_id.as_ref())
                .chain(data.contacts.iter().filter_map(|c| c.account_id.as_ref()))
                .map(|a| a.as_str())
                .collect(),
        );
        check(
            "contacts named by contact roles are",
            Entity::Contacts,
            &contacts,
            data.contact_roles.iter().map(|r| r.contact_id.as_str()).collect(),
        );
        check(
            "deals named by history, contact roles or activities are",
            Entity::Deals,
            &deal_ids,
            data.history
                .iter()
                .map(|h| h.deal_id.as_str())
                .chain(data.contact_roles.iter().map(|r| r.deal_id.as_str()))
                .chain(data.activities.iter().flat_map(|a| a.deals.iter().map(|l| l.deal_id.as_str())))
                .collect(),
        );
        self.report.notes.extend(dangling);
    }
}

fn keep(seen: &mut Seen, key: &str, what: &str, field: &str, row: &Row<'_>) -> Result<(), RowError> {
    seen.check(key, what, field, row)?;
    seen.insert(key.to_owned(), row);
    Ok(())
}
