//! The `[comp]` section: which incentive plan files apply, who holds the compliance role that
//! may read conduct surveillance, and the defaults for quota suggestions and improvement plans.

use super::{invalid, ConfigError};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CompConfig {
    /// Incentive plan TOML files (relative paths are read from the working directory). Empty
    /// means the built-in standard plan.
    pub plan_files: Vec<PathBuf>,
    /// The role that may read conduct surveillance; its members are listed under
    /// `[review.roles]` with this name, plus `compliance_members`.
    pub compliance_role: String,
    /// Further members of the compliance role, by email or person id.
    pub compliance_members: Vec<String>,
    /// Products known to pay sellers more, watched for a shifting product mix.
    pub high_paying_products: Vec<String>,
    /// Months until a new rep carries a full quota.
    pub ramp_months: u32,
    /// Weeks an improvement plan runs.
    pub plan_weeks: u32,
}

impl Default for CompConfig {
    fn default() -> Self {
        Self {
            plan_files: Vec::new(),
            compliance_role: "compliance".to_owned(),
            compliance_members: Vec::new(),
            high_paying_products: Vec::new(),
            ramp_months: 6,
            plan_weeks: 8,
        }
    }
}

impl CompConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.compliance_role.trim().is_empty() {
            return Err(invalid("comp.compliance_role", "is empty"));
        }
        if self.compliance_members.iter().any(|m| m.trim().is_empty()) {
            return Err(invalid("comp.compliance_members", "has an empty member"));
        }
        if self.ramp_months > 36 {
            return Err(invalid("comp.ramp_months", "must be at most 36"));
        }
        if !(2..=26).contains(&self.plan_weeks) {
            return Err(invalid("comp.plan_weeks", "must be between 2 and 26"));
        }
        Ok(())
    }
}
