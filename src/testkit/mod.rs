//! What tests, benchmarks, evals and the demo use to exercise the product, none of which the
//! service needs: the seeded synthetic organisation with hidden ground truth ([`sim`]), loopback
//! stand-ins for the vendors' APIs built from their documented payloads ([`vendors`]), graded
//! eval suites ([`eval`]) and a compromised-model harness for prompt injection ([`attack`]).

pub mod attack;
pub(crate) mod bench;
pub mod eval;
pub mod sim;
pub mod vendors;
