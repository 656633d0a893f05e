//! A reviewer's edit meets the checks a model's draft met: the compliance policy (links,
//! contact details, account numbers, data and payment instructions, pay promises, copied source
//! text) and grounding (every deal, person, amount and date in the recipient's snapshot). The
//! snapshot is the one the draft was written from, recomputed from the store at the draft's
//! data date, so an edit is held to the same facts as the draft it replaces.

use super::ReviewError;
use crate::coaching::provider::OfflineProvider;
use crate::coaching::{AgentSetup, Finding, OrgSnapshot};
use crate::config::Config;
use crate::store::{DraftRecord, Store};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// Every finding against `body` as the text to deliver for `draft`; empty means it may go out.
pub(crate) async fn edit_findings(
    store: &Store,
    config: &Config,
    draft: &DraftRecord,
    body: &str,
) -> Result<Vec<Finding>, ReviewError> {
    let cannot = |reason: String| ReviewError::CannotCheck { draft_id: draft.id.clone(), reason };
    let as_of = DateTime::parse_from_rfc3339(&draft.as_of)
        .map_err(|e| cannot(format!("its data date {:?} does not parse: {e}", draft.as_of)))?
        .with_timezone(&Utc);
    // The offline provider is never called: the setup is for its validator and pay plans.
    let setup = AgentSetup::new(config, Arc::new(OfflineProvider)).map_err(|e| cannot(e.to_string()))?;
    let org = Arc::new(OrgSnapshot::load(store, config, as_of).await.map_err(|e| cannot(e.to_string()))?);
    let person = org
        .dataset()
        .people
        .iter()
        .find(|p| p.id.as_str() == draft.recipient_id)
        .cloned()
        .ok_or_else(|| cannot(format!("{} is no longer in the organisation", draft.recipient_id)))?;
    let mut snapshot = org
        .recipient_snapshot(&person)
        .ok_or_else(|| cannot(format!("{} no longer receives a {}", person.name, draft.kind.label())))?;
    if setup.pay.is_some() {
        let events = store.load_comp_events().await?;
        setup.attach_pay(org.dataset(), &events, &mut snapshot);
    }
    let facts = org.facts(&snapshot).await.map_err(|e| cannot(e.to_string()))?;
    let directory = org.directory();
    Ok(setup.validator.check_text(body, &facts, &directory))
}
