//! What tests, benchmarks, evals and the demo use to exercise the product, none of which the
//! service needs: graded eval suites over synthetic organisations.

pub mod eval;
