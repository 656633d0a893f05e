//! Who may read what: a rep sees their own deals, a manager their subtree, a leader the whole
//! organisation. A scope is fixed when a draft starts; every snapshot, tool and validator check
//! goes through it, and nothing a model sends can widen it.

use crate::domain::{Hierarchy, Person, PersonId, Role};
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    recipient: PersonId,
    role: Role,
    /// The people whose deals and scorecards are visible; `None` is the whole organisation.
    members: Option<BTreeSet<String>>,
}

impl Scope {
    pub fn for_person(person: &Person, hierarchy: &Hierarchy) -> Scope {
        Scope::for_role(&person.id, person.role, hierarchy)
    }

    /// The scope of `person` acting in `role`: a signed-in user's role decides, not only the
    /// role the CRM gives the person.
    pub fn for_role(person: &PersonId, role: Role, hierarchy: &Hierarchy) -> Scope {
        let members = match role {
            Role::Leader => None,
            Role::Manager => {
                let mut members: BTreeSet<String> =
                    hierarchy.subtree(person).into_iter().map(|p| p.to_string()).collect();
                members.insert(person.to_string());
                Some(members)
            }
            Role::Rep | Role::Admin => Some(BTreeSet::from([person.to_string()])),
        };
        Scope { recipient: person.clone(), role, members }
    }

    /// The whole organisation, for staff outside the sales hierarchy (compliance, administrators).
    pub fn organisation(viewer: PersonId, role: Role) -> Scope {
        Scope { recipient: viewer, role, members: None }
    }

    pub fn recipient(&self) -> &PersonId {
        &self.recipient
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn is_org_wide(&self) -> bool {
        self.members.is_none()
    }

    /// The people visible, when the scope is not the whole organisation.
    pub fn members(&self) -> Option<&BTreeSet<String>> {
        self.members.as_ref()
    }

    /// Whether this person's deals, scorecard and name may appear.
    pub fn allows_person(&self, person_id: &str) -> bool {
        self.members.as_ref().is_none_or(|m| m.contains(person_id))
    }

    /// Short description for prompts and transcripts.
    pub fn describe(&self) -> String {
        match (&self.members, self.role) {
            (None, _) => "the whole organisation".to_owned(),
            (Some(_), Role::Rep) => "your own deals only".to_owned(),
            (Some(members), _) => format!("your team: {} people including you", members.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::domain::SourceName;

    fn person(id: &str, role: Role, manager: Option<&str>) -> Person {
        Person {
            id: PersonId::parse(id).unwrap(),
            source: SourceName::parse("test").unwrap(),
            external_id: id.into(),
            name: id.into(),
            emails: vec![],
            role,
            manager_id: manager.map(|m| PersonId::parse(m).unwrap()),
            timezone: "UTC".into(),
            team: None,
            region: None,
        }
    }

    #[test]
    fn scopes_follow_the_hierarchy() {
        let people = vec![
            person("l", Role::Leader, None),
            person("m1", Role::Manager, Some("l")),
            person("m2", Role::Manager, Some("l")),
            person("r1", Role::Rep, Some("m1")),
            person("r2", Role::Rep, Some("m2")),
        ];
        let hierarchy = Hierarchy::new(&people);
        let rep = Scope::for_person(&people[3], &hierarchy);
        assert!(rep.allows_person("r1"));
        assert!(!rep.allows_person("r2"));
        assert!(!rep.allows_person("m1"));
        let manager = Scope::for_person(&people[1], &hierarchy);
        assert!(manager.allows_person("r1") && manager.allows_person("m1"));
        assert!(!manager.allows_person("r2"));
        let leader = Scope::for_person(&people[0], &hierarchy);
        assert!(leader.is_org_wide() && leader.allows_person("r2"));
    }
}
