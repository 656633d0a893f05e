//! A compromised-model harness for prompt injection: a catalogue of attacker goals
//! ([`goals`]), the places an attacker can plant them in client and CRM data ([`plant`]), a
//! loopback model that reads every message and obeys any planted instruction it finds
//! ([`model`]), and the tally of what got past the validator and the review gate ([`tally`]).
//! `tests/injection.rs` runs every goal in every format through the real drafting loop.

pub mod goals;
pub mod model;
pub mod plant;
pub mod tally;
mod turns;

pub use goals::{catalog, Goal};
pub use model::{serve, ObedientModel, Session};
pub use plant::{plant, Format, Planted};
pub use tally::{Attempt, Counts, Tally};
