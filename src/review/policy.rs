//! Review policies and who may act under them: automatic approval, the recipient's manager, or
//! the members of a named role such as compliance.

use super::{DraftKind, ReviewError};
use crate::config::ReviewConfig;
use crate::store::{PersonRef, ReviewRecord};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Policy {
    AutoApprove,
    RecipientManager,
    /// Members of `[review.roles].NAME`.
    Role(String),
}

impl Policy {
    pub fn parse(text: &str) -> Result<Policy, String> {
        match text.trim() {
            "auto_approve" => Ok(Policy::AutoApprove),
            "recipient_manager" => Ok(Policy::RecipientManager),
            other => match other.strip_prefix("role:") {
                Some(role) if !role.trim().is_empty() => Ok(Policy::Role(role.trim().to_owned())),
                _ => Err(format!("{other:?} is not auto_approve, recipient_manager or role:NAME")),
            },
        }
    }

    pub fn for_kind(config: &ReviewConfig, kind: DraftKind) -> Policy {
        let text = match kind {
            DraftKind::RepNudge => &config.rep_nudge,
            DraftKind::ManagerBrief => &config.manager_brief,
            DraftKind::ForecastMemo => &config.forecast_memo,
        };
        // Validated at load; an unreadable policy must never let a draft through unreviewed.
        Policy::parse(text).unwrap_or(Policy::Role("compliance".to_owned()))
    }

    pub fn as_text(&self) -> String {
        match self {
            Policy::AutoApprove => "auto_approve".to_owned(),
            Policy::RecipientManager => "recipient_manager".to_owned(),
            Policy::Role(role) => format!("role:{role}"),
        }
    }
}

/// Checks that `reviewer` (an email or person id, resolved to `person` when known) may decide on
/// `draft` under its recorded policy.
pub fn authorise(
    config: &ReviewConfig,
    draft: &ReviewRecord,
    reviewer: &str,
    person: Option<&PersonRef>,
    recipient: Option<&PersonRef>,
) -> Result<(), ReviewError> {
    let refuse = |reason: String| ReviewError::NotAllowed {
        reviewer: reviewer.to_owned(),
        draft_id: draft.draft_id.clone(),
        reason,
    };
    if person.is_some_and(|p| p.id == draft.recipient_id) {
        return Err(refuse("nobody reviews a message addressed to themselves".to_owned()));
    }
    let policy = Policy::parse(&draft.policy).map_err(refuse)?;
    match policy {
        Policy::AutoApprove => {
            // Auto-approved drafts never wait, but a firm may still hold one back by hand:
            // only an administrator may do that.
            if person.is_some_and(|p| p.role == "admin") {
                Ok(())
            } else {
                Err(refuse("the policy approves this kind automatically; only an admin may intervene".to_owned()))
            }
        }
        Policy::RecipientManager => {
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
        Policy::Role(role) => {
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

    fn draft(policy: &str) -> ReviewRecord {
        ReviewRecord {
            draft_id: "d1".into(),
            run_id: "r".into(),
            week: "2026-W47".into(),
            kind: "manager_brief".into(),
            recipient_id: "sim:m1".into(),
            recipient_name: "Mia Manager".into(),
            recipient_email: None,
            policy: policy.into(),
            state: "drafted".into(),
            subject: String::new(),
            drafted_body: String::new(),
            body: String::new(),
            provenance: "{}".into(),
            created_at: String::new(),
            decided_by: None,
            decided_at: None,
            decision_reason: None,
            updated_at: String::new(),
        }
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
        assert_eq!(Policy::parse("auto_approve"), Ok(Policy::AutoApprove));
        assert_eq!(Policy::parse("role:compliance"), Ok(Policy::Role("compliance".into())));
        assert!(Policy::parse("role:").is_err());
        assert!(Policy::parse("anyone").is_err());
    }

    #[test]
    fn only_the_recipients_manager_or_the_named_role_may_decide() {
        let mut config = ReviewConfig::default();
        config.roles.insert("compliance".into(), vec!["cco@firm.example".into()]);
        let recipient = person("sim:m1", "m1@firm.example", Some("sim:l1"), "manager");
        let boss = person("sim:l1", "l1@firm.example", None, "leader");
        let peer = person("sim:m2", "m2@firm.example", Some("sim:l1"), "manager");
        let managed = draft("recipient_manager");
        assert!(authorise(&config, &managed, "l1@firm.example", Some(&boss), Some(&recipient)).is_ok());
        assert!(authorise(&config, &managed, "m2@firm.example", Some(&peer), Some(&recipient)).is_err());
        assert!(authorise(&config, &managed, "m1@firm.example", Some(&recipient), Some(&recipient)).is_err());
        let compliance = draft("role:compliance");
        assert!(authorise(&config, &compliance, "CCO@firm.example", None, Some(&recipient)).is_ok());
        assert!(authorise(&config, &compliance, "l1@firm.example", Some(&boss), Some(&recipient)).is_err());
        assert!(authorise(&config, &draft("auto_approve"), "l1@firm.example", Some(&boss), None).is_err());
    }
}
