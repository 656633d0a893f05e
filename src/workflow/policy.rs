//! Review policies and who may act under them: automatic approval, the recipient's manager, or
//! the members of a named role such as compliance.

use super::ReviewError;
use crate::config::{ReviewConfig, ReviewPolicy};
use crate::store::{DraftRecord, PersonRef};

/// What deciding who may review a draft reads of it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Reviewable<'a> {
    pub id: &'a str,
    pub recipient_id: &'a str,
    pub recipient_name: &'a str,
    /// The policy recorded with the draft.
    pub policy: &'a str,
}

impl<'a> From<&'a DraftRecord> for Reviewable<'a> {
    fn from(draft: &'a DraftRecord) -> Self {
        Reviewable {
            id: &draft.id,
            recipient_id: &draft.recipient_id,
            recipient_name: &draft.recipient_name,
            policy: &draft.policy,
        }
    }
}

/// Checks that `reviewer` (an email or person id, resolved to `person` when known) may decide on
/// `draft` under its recorded policy.
pub(super) fn authorise(
    config: &ReviewConfig,
    draft: Reviewable<'_>,
    reviewer: &str,
    person: Option<&PersonRef>,
    recipient: Option<&PersonRef>,
) -> Result<(), ReviewError> {
    let refuse = |reason: String| ReviewError::NotAllowed {
        reviewer: reviewer.to_owned(),
        draft_id: draft.id.to_owned(),
        reason,
    };
    if person.is_some_and(|p| p.id == draft.recipient_id) {
        return Err(refuse("nobody reviews a message addressed to themselves".to_owned()));
    }
    let policy = ReviewPolicy::parse(draft.policy).map_err(refuse)?;
    match policy {
        ReviewPolicy::AutoApprove => {
            // Auto-approved drafts never wait, but a firm may still hold one back by hand:
            // only an administrator may do that.
            if person.is_some_and(|p| p.role == "admin") {
                Ok(())
            } else {
                Err(refuse("the policy approves this kind automatically; only an admin may intervene".to_owned()))
            }
        }
        ReviewPolicy::RecipientManager => {
            let Some(person) = person else {
                return Err(refuse("not a person in the organisation".to_owned()));
            };
            let manager = recipient.and_then(|r| r.manager_id.as_deref());
            if manager == Some(person.id.as_str()) || person.role == "admin" {
                Ok(())
            } else {
                Err(refuse(format!("the policy needs {}'s manager", draft.recipient_name)))
            }
        }
        ReviewPolicy::Role(role) => {
            let members = config.roles.get(&role).map(Vec::as_slice).unwrap_or(&[]);
            let matches = |member: &String| {
                member.eq_ignore_ascii_case(reviewer)
                    || person
                        .is_some_and(|p| p.id == *member || p.emails.iter().any(|e| e.eq_ignore_ascii_case(member)))
            };
            if members.iter().any(matches) {
                Ok(())
            } else {
                Err(refuse(format!("the policy needs a member of the {role} role")))
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn draft(policy: &str) -> Reviewable<'_> {
        Reviewable { id: "d1", recipient_id: "sim:m1", recipient_name: "Mia Manager", policy }
    }

    fn person(id: &str, email: &str, manager: Option<&str>, role: &str) -> PersonRef {
        PersonRef {
            id: id.into(),
            name: id.into(),
            emails: vec![email.into()],
            manager_id: manager.map(Into::into),
            role: role.into(),
        }
    }

    #[test]
    fn policies_parse_and_refuse_bad_text() {
        assert_eq!(ReviewPolicy::parse("auto_approve"), Ok(ReviewPolicy::AutoApprove));
        assert_eq!(ReviewPolicy::parse("role:compliance"), Ok(ReviewPolicy::Role("compliance".into())));
        assert!(ReviewPolicy::parse("role:").is_err());
        assert!(ReviewPolicy::parse("anyone").is_err());
    }

    #[test]
    fn only_the_recipients_manager_or_the_named_role_may_decide() {
        let mut config = ReviewConfig::default();
        config.roles.insert("compliance".into(), vec!["cco@firm.example".into()]);
        let recipient = person("sim:m1", "m1@firm.example", Some("sim:l1"), "manager");
        let boss = person("sim:l1", "l1@firm.example", None, "leader");
        let peer = person("sim:m2", "m2@firm.example", Some("sim:l1"), "manager");
        let managed = draft("recipient_manager");
        assert!(authorise(&config, managed, "l1@firm.example", Some(&boss), Some(&recipient)).is_ok());
        assert!(authorise(&config, managed, "m2@firm.example", Some(&peer), Some(&recipient)).is_err());
        assert!(authorise(&config, managed, "m1@firm.example", Some(&recipient), Some(&recipient)).is_err());
        let compliance = draft("role:compliance");
        assert!(authorise(&config, compliance, "CCO@firm.example", None, Some(&recipient)).is_ok());
        assert!(authorise(&config, compliance, "l1@firm.example", Some(&boss), Some(&recipient)).is_err());
        assert!(authorise(&config, draft("auto_approve"), "l1@firm.example", Some(&boss), None).is_err());
    }
}
