//! The mapping file of the CSV importer (format documented in [`super`]): parsed, then checked
//! as a whole so every mistake is reported against the mapping file and the key at fault
//! before any data file is read.

use super::values::{check_format, Formats};
use crate::domain::{normalise_label, Currency, SourceName, StageCatalogue};
use crate::sources::ingest::IngestError;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The kinds of record a mapping can fill, in the order they are imported (deals before their
/// history, so history can use each deal's pipeline and currency).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Entity {
    People,
    Accounts,
    Contacts,
    Deals,
    DealHistory,
    DealContactRoles,
    Activities,
    Quotas,
}

/// A canonical field an entity can map, and whether a column must be mapped to it.
pub(crate) struct FieldSpec {
    pub name: &'static str,
    pub required: bool,
}

const fn req(name: &'static str) -> FieldSpec {
    FieldSpec { name, required: true }
}

const fn opt(name: &'static str) -> FieldSpec {
    FieldSpec { name, required: false }
}

const PEOPLE: &[FieldSpec] = &[
    req("id"),
    opt("name"),
    opt("first_name"),
    opt("last_name"),
    opt("email"),
    opt("role"),
    opt("manager_id"),
    opt("timezone"),
    opt("team"),
    opt("region"),
];
const ACCOUNTS: &[FieldSpec] = &[req("id"), req("name"), opt("domains"), opt("segment"), opt("sector")];
const CONTACTS: &[FieldSpec] =
    &[req("id"), opt("name"), opt("first_name"), opt("last_name"), opt("account_id"), opt("email"), opt("title")];
const DEALS: &[FieldSpec] = &[
    req("id"),
    req("name"),
    req("owner_id"),
    opt("account_id"),
    opt("pipeline"),
    req("stage"),
    req("amount"),
    opt("currency"),
    opt("close_date"),
    opt("forecast_category"),
    opt("next_step"),
    opt("next_step_updated_at"),
    opt("products"),
    opt("revenue_type"),
    opt("term_months"),
    req("created_at"),
    opt("closed_at"),
    opt("splits"),
];
const DEAL_HISTORY: &[FieldSpec] =
    &[opt("id"), req("deal_id"), req("field"), opt("old_value"), opt("new_value"), req("changed_at")];
const DEAL_CONTACT_ROLES: &[FieldSpec] = &[req("deal_id"), req("contact_id"), opt("role")];
const ACTIVITIES: &[FieldSpec] = &[
    req("id"),
    req("kind"),
    req("direction"),
    req("occurred_at"),
    opt("duration_minutes"),
    opt("subject"),
    opt("snippet"),
    opt("thread_id"),
    opt("from"),
    opt("to"),
    opt("cc"),
    opt("organizer"),
    opt("participants"),
    opt("deal_ids"),
];
const QUOTAS: &[FieldSpec] = &[req("person_id"), req("period"), req("amount"), opt("currency")];

impl Entity {
    pub(crate) fn key(self) -> &'static str {
        match self {
            Entity::People => "people",
            Entity::Accounts => "accounts",
            Entity::Contacts => "contacts",
            Entity::Deals => "deals",
            Entity::DealHistory => "deal_history",
            Entity::DealContactRoles => "deal_contact_roles",
            Entity::Activities => "activities",
            Entity::Quotas => "quotas",
        }
    }

    /// The field whose value names a record in rejections.
    pub(crate) fn id_field(self) -> &'static str {
        match self {
            Entity::DealContactRoles => "deal_id",
            Entity::Quotas => "person_id",
            _ => "id",
        }
    }

    pub(crate) fn fields(self) -> &'static [FieldSpec] {
        match self {
            Entity::People => PEOPLE,
            Entity::Accounts => ACCOUNTS,
            Entity::Contacts => CONTACTS,
            Entity::Deals => DEALS,
            Entity::DealHistory => DEAL_HISTORY,
            Entity::DealContactRoles => DEAL_CONTACT_ROLES,
            Entity::Activities => ACTIVITIES,
            Entity::Quotas => QUOTAS,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    source: String,
    delimiter: Option<String>,
    date_format: Option<String>,
    datetime_format: Option<String>,
    timezone: Option<String>,
    default_pipeline: Option<String>,
    default_currency: Option<String>,
    list_separator: Option<String>,
    #[serde(default)]
    stages: BTreeMap<String, String>,
    people: Option<RawEntity>,
    accounts: Option<RawEntity>,
    contacts: Option<RawEntity>,
    deals: Option<RawEntity>,
    deal_history: Option<RawEntity>,
    deal_contact_roles: Option<RawEntity>,
    activities: Option<RawEntity>,
    quotas: Option<RawEntity>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntity {
    files: Vec<String>,
    columns: BTreeMap<String, String>,
}

/// Where one entity's rows come from and which header feeds which field.
#[derive(Debug, Clone)]
pub(crate) struct EntityMapping {
    pub entity: Entity,
    pub files: Vec<String>,
    /// (canonical field, header), in the entity's field order.
    pub columns: Vec<(&'static str, String)>,
}

impl EntityMapping {
    pub(crate) fn matches(&self, file_name: &str) -> bool {
        self.files.iter().any(|pattern| glob_match(pattern, file_name))
    }
}

/// A checked mapping.
#[derive(Debug, Clone)]
pub(crate) struct Mapping {
    pub source: SourceName,
    pub delimiter: u8,
    pub formats: Formats,
    pub default_pipeline: String,
    pub currency: Option<Currency>,
    pub separator: char,
    /// Source stage label → stage key, exactly as written and normalised.
    pub stages: BTreeMap<String, String>,
    pub stages_normalised: BTreeMap<String, String>,
    pub entities: Vec<EntityMapping>,
}

impl Mapping {
    pub(crate) fn load(path: &Path, catalogue: &StageCatalogue) -> Result<Mapping, IngestError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| IngestError::Read { path: path.to_path_buf(), source })?;
        Self::parse(path, &text, catalogue)
    }

    pub(crate) fn parse(path: &Path, text: &str, catalogue: &StageCatalogue) -> Result<Mapping, IngestError> {
        let invalid = |key: &str, reason: String| IngestError::Invalid {
            path: path.to_path_buf(),
            reason: format!("{key}: {reason}"),
        };
        let raw: RawMapping = toml::from_str(text).map_err(|e| IngestError::Invalid {
            path: path.to_path_buf(),
            reason: e.to_string().trim_end().to_owned(),
        })?;
        let source = SourceName::parse(&raw.source).map_err(|e| invalid("source", e.to_string()))?;
        let delimiter = match raw.delimiter.as_deref() {
            None => b',',
            Some("\\t") | Some("tab") => b'\t',
            Some(d) if d.len() == 1 && d != "\"" && d != "\n" && d != "\r" => d.as_bytes()[0],
            Some(d) => return Err(invalid("delimiter", format!("{d:?} must be one ASCII character (or \"tab\")"))),
        };
        let separator = match raw.list_separator.as_deref() {
            None => ';',
            Some(s) => {
                let mut chars = s.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None)
                        if !c.is_alphanumeric() && !c.is_whitespace() && u32::from(c) != u32::from(delimiter) =>
                    {
                        c
                    }
                    _ => {
                        return Err(invalid(
                            "list_separator",
                            format!("{s:?} must be one punctuation character other than the delimiter"),
                        ))
                    }
                }
            }
        };
        for (key, format) in [("date_format", &raw.date_format), ("datetime_format", &raw.datetime_format)] {
            if let Some(format) = format {
                check_format(format).map_err(|e| invalid(key, e))?;
            }
        }
        let timezone = match raw.timezone.as_deref() {
            None => chrono_tz::Tz::UTC,
            Some(tz) => tz.parse().map_err(|_| invalid("timezone", format!("{tz:?} is not an IANA time zone")))?,
        };
        let currency = raw
            .default_currency
            .as_deref()
            .map(Currency::parse)
            .transpose()
            .map_err(|e| invalid("default_currency", e.to_string()))?;
        let default_pipeline = raw.default_pipeline.clone().unwrap_or_else(|| "default".into());
        let mut stages_normalised = BTreeMap::new();
        for (label, key) in &raw.stages {
            if !catalogue.stages().iter().any(|s| &s.key == key) {
                return Err(invalid(
                    &format!("stages.{label:?}"),
                    format!("stage key {key:?} is not in the stage catalogue"),
                ));
            }
            stages_normalised.insert(normalise_label(label), key.clone());
        }
        let raw_entities = [
            (Entity::People, raw.people),
            (Entity::Accounts, raw.accounts),
            (Entity::Contacts, raw.contacts),
            (Entity::Deals, raw.deals),
            (Entity::DealHistory, raw.deal_history),
            (Entity::DealContactRoles, raw.deal_contact_roles),
            (Entity::Activities, raw.activities),
            (Entity::Quotas, raw.quotas),
        ];
        let mut entities = Vec::new();
        for (entity, raw_entity) in raw_entities {
            if let Some(raw_entity) = raw_entity {
                entities.push(check_entity(entity, raw_entity, &invalid)?);
            }
        }
        if entities.is_empty() {
            return Err(invalid("mapping", "maps no entity (add e.g. a [deals] table with files and columns)".into()));
        }
        let maps_deals = entities.iter().any(|e| e.entity == Entity::Deals);
        if maps_deals && catalogue.pipeline(&default_pipeline).next().is_none() {
            return Err(invalid(
                "default_pipeline",
                format!("pipeline {default_pipeline:?} is not in the stage catalogue"),
            ));
        }
        Ok(Mapping {
            source,
            delimiter,
            formats: Formats { date: raw.date_format, datetime: raw.datetime_format, timezone },
            default_pipeline,
            currency,
            separator,
            stages: raw.stages,
            stages_normalised,
            entities,
        })
    }
}

fn check_entity(
    entity: Entity,
    raw: RawEntity,
    invalid: &dyn Fn(&str, String) -> IngestError,
) -> Result<EntityMapping, IngestError> {
    let name = entity.key();
    if raw.files.is_empty() || raw.files.iter().any(|f| f.trim().is_empty()) {
        return Err(invalid(&format!("{name}.files"), "must list at least one non-empty file name or pattern".into()));
    }
    let specs = entity.fields();
    for (field, header) in &raw.columns {
        if !specs.iter().any(|s| s.name == field) {
            let known: Vec<&str> = specs.iter().map(|s| s.name).collect();
            return Err(invalid(
                &format!("{name}.columns.{field}"),
                format!("unknown field (expected one of: {})", known.join(", ")),
            ));
        }
        if header.trim().is_empty() {
            return Err(invalid(&format!("{name}.columns.{field}"), "names an empty header".into()));
        }
    }
    for spec in specs.iter().filter(|s| s.required) {
        if !raw.columns.contains_key(spec.name) {
            return Err(invalid(&format!("{name}.columns.{}", spec.name), "is required".into()));
        }
    }
    let has_name = ["name", "first_name", "last_name"].iter().any(|f| raw.columns.contains_key(*f));
    if matches!(entity, Entity::People | Entity::Contacts) && !has_name {
        return Err(invalid(&format!("{name}.columns.name"), "is required (or first_name and last_name)".into()));
    }
    let has_term = raw.columns.contains_key("term_months");
    if raw.columns.contains_key("revenue_type") != has_term && entity == Entity::Deals {
        return Err(invalid(
            &format!("{name}.columns.term_months"),
            "revenue_type and term_months are mapped together".into(),
        ));
    }
    let columns = specs.iter().filter_map(|s| raw.columns.get(s.name).map(|h| (s.name, h.clone()))).collect();
    Ok(EntityMapping { entity, files: raw.files, columns })
}

/// Case-insensitive match of a file name against a pattern with `*` (any run) and `?` (one
/// character).
pub(crate) fn glob_match(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.to_lowercase().chars().collect();
    let name: Vec<char> = name.to_lowercase().chars().collect();
    let (mut p, mut n) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                backtrack = Some((p, n));
                p += 1;
            }
            Some(c) if *c == '?' || *c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match backtrack {
                Some((star, matched)) => {
                    p = star + 1;
                    n = matched + 1;
                    backtrack = Some((star, matched + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn parse(text: &str) -> Result<Mapping, IngestError> {
        Mapping::parse(Path::new("m.toml"), text, &Config::default().stage_catalogue())
    }

    const DEALS: &str = "[deals]\nfiles = [\"deals*.csv\"]\n[deals.columns]\nid = \"Id\"\nname = \"Name\"\nowner_id = \"Owner\"\nstage = \"Stage\"\namount = \"Amount\"\ncreated_at = \"Created\"\n";

    #[test]
    fn a_minimal_mapping_gets_defaults() {
        let mapping = parse(&format!("source = \"crm\"\n{DEALS}")).unwrap();
        assert_eq!(mapping.delimiter, b',');
        assert_eq!(mapping.separator, ';');
        assert_eq!(mapping.default_pipeline, "default");
        assert_eq!(mapping.entities.len(), 1);
        assert!(mapping.entities[0].matches("Deals_2024.CSV"));
        assert!(!mapping.entities[0].matches("accounts.csv"));
    }

    #[test]
    fn errors_name_the_key() {
        let cases = [
            (format!("source = \"Bad Source\"\n{DEALS}"), "source"),
            (format!("source = \"crm\"\ndelimiter = \";;\"\n{DEALS}"), "delimiter"),
            (format!("source = \"crm\"\ndate_format = \"%Q\"\n{DEALS}"), "date_format"),
            (format!("source = \"crm\"\ntimezone = \"Mars\"\n{DEALS}"), "timezone"),
            (format!("source = \"crm\"\ndefault_currency = \"dollars\"\n{DEALS}"), "default_currency"),
            (format!("source = \"crm\"\ndefault_pipeline = \"nope\"\n{DEALS}"), "default_pipeline"),
            (format!("source = \"crm\"\n[stages]\n\"Won\" = \"nope\"\n{DEALS}"), "stages.\"Won\""),
            (format!("source = \"crm\"\n{}", DEALS.replace("amount", "amout")), "deals.columns.amout"),
            (
                format!("source = \"crm\"\n{}", DEALS.replace("created_at = \"Created\"\n", "")),
                "deals.columns.created_at",
            ),
            (format!("source = \"crm\"\nsurprise = 1\n{DEALS}"), "surprise"),
            ("source = \"crm\"\n".to_owned(), "maps no entity"),
            (
                "source = \"crm\"\n[people]\nfiles = [\"p.csv\"]\ncolumns = { id = \"Id\" }\n".to_owned(),
                "people.columns.name",
            ),
        ];
        for (text, key) in cases {
            let err = parse(&text).unwrap_err().to_string();
            assert!(err.starts_with("m.toml: ") && err.contains(key), "{key}: {err}");
        }
    }

    #[test]
    fn glob_patterns() {
        assert!(glob_match("deals.csv", "DEALS.csv"));
        assert!(glob_match("deals_*.csv", "deals_2024_q1.csv"));
        assert!(glob_match("*", "anything"));
        assert!(glob_match("a?c*", "abcdef"));
        assert!(glob_match("*.csv", ".csv"));
        assert!(!glob_match("deals_*.csv", "deals.csv"));
        assert!(!glob_match("*.csv", "deals.tsv"));
    }
}
