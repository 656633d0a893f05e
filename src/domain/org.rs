//! People in the selling organisation, their roles and the manager hierarchy.

use super::ids::{PersonId, SourceName};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Rep,
    Manager,
    Leader,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Rep, Role::Manager, Role::Leader, Role::Admin];

    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Rep => "rep",
            Role::Manager => "manager",
            Role::Leader => "leader",
            Role::Admin => "admin",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "rep" | "sales rep" | "ae" | "account executive" | "agent" | "sales_agent" => Ok(Role::Rep),
            "manager" | "sales manager" => Ok(Role::Manager),
            "leader" | "director" | "vp" | "cro" | "head of sales" => Ok(Role::Leader),
            "admin" => Ok(Role::Admin),
            other => Err(format!("unknown role {other:?} (expected rep, manager, leader or admin)")),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub id: PersonId,
    pub source: SourceName,
    pub external_id: String,
    pub name: String,
    /// Primary address first; further addresses (aliases) after it.
    pub emails: Vec<String>,
    pub role: Role,
    pub manager_id: Option<PersonId>,
    /// IANA time zone, e.g. `Europe/London`.
    pub timezone: String,
    pub team: Option<String>,
    pub region: Option<String>,
}

impl Person {
    pub fn primary_email(&self) -> Option<&str> {
        self.emails.first().map(String::as_str)
    }
}

/// The manager tree, built once from a list of people.
#[derive(Debug, Clone, Default)]
pub struct Hierarchy {
    reports: BTreeMap<PersonId, Vec<PersonId>>,
    managers: BTreeMap<PersonId, PersonId>,
}

impl Hierarchy {
    pub fn new(people: &[Person]) -> Self {
        let mut hierarchy = Hierarchy::default();
        for person in people {
            if let Some(manager) = &person.manager_id {
                if manager != &person.id {
                    hierarchy.reports.entry(manager.clone()).or_default().push(person.id.clone());
                    hierarchy.managers.insert(person.id.clone(), manager.clone());
                }
            }
        }
        for reports in hierarchy.reports.values_mut() {
            reports.sort();
        }
        hierarchy
    }

    pub fn direct_reports(&self, manager: &PersonId) -> &[PersonId] {
        self.reports.get(manager).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn manager_of(&self, person: &PersonId) -> Option<&PersonId> {
        self.managers.get(person)
    }

    /// Everyone below `root` (not `root` itself). Safe on cyclic data: each person is visited once.
    pub fn subtree(&self, root: &PersonId) -> BTreeSet<PersonId> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![root.clone()];
        while let Some(current) = stack.pop() {
            for report in self.direct_reports(&current) {
                if report != root && seen.insert(report.clone()) {
                    stack.push(report.clone());
                }
            }
        }
        seen
    }

    /// The chain of managers above `person`, nearest first; stops on a cycle.
    pub fn chain_above(&self, person: &PersonId) -> Vec<PersonId> {
        let mut chain = Vec::new();
        let mut current = person;
        while let Some(manager) = self.manager_of(current) {
            if manager == person || chain.contains(manager) {
                break;
            }
            chain.push(manager.clone());
            current = manager;
        }
        chain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: &str, manager: Option<&str>) -> Person {
        Person {
            id: PersonId::parse(id).unwrap(),
            source: SourceName::parse("test").unwrap(),
            external_id: id.into(),
            name: id.into(),
            emails: vec![],
            role: Role::Rep,
            manager_id: manager.map(|m| PersonId::parse(m).unwrap()),
            timezone: "UTC".into(),
            team: None,
            region: None,
        }
    }

    #[test]
    fn subtree_and_chain_survive_cycles() {
        let people = vec![
            person("l", None),
            person("m", Some("l")),
            person("r1", Some("m")),
            person("r2", Some("m")),
            person("x", Some("y")),
            person("y", Some("x")),
        ];
        let hierarchy = Hierarchy::new(&people);
        let subtree: Vec<_> =
            hierarchy.subtree(&PersonId::parse("l").unwrap()).into_iter().map(|p| p.to_string()).collect();
        assert_eq!(subtree, vec!["m", "r1", "r2"]);
        assert_eq!(hierarchy.chain_above(&PersonId::parse("r1").unwrap()).len(), 2);
        assert_eq!(hierarchy.subtree(&PersonId::parse("x").unwrap()).len(), 1);
        assert_eq!(hierarchy.chain_above(&PersonId::parse("x").unwrap()).len(), 1);
    }
}
