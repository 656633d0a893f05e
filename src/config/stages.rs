//! The `[[stages]]` section: each pipeline's stages (key, label, order, default probability,
//! status), the built-in pipeline as its default, its validation, and the catalogue the engine
//! reads.

use super::{invalid, Config, ConfigError};
use crate::domain::{Stage, StageCatalogue, StageStatus};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageConfig {
    #[serde(default = "default_pipeline")]
    pub pipeline: String,
    pub key: String,
    pub label: String,
    pub order: i64,
    pub probability: u8,
    pub status: StageStatus,
}

fn default_pipeline() -> String {
    "default".to_owned()
}

/// The built-in pipeline ([`crate::domain::default_stages`]) as configuration.
pub fn default_stages() -> Vec<StageConfig> {
    crate::domain::default_stages()
        .into_iter()
        .map(|s| StageConfig {
            pipeline: s.pipeline,
            key: s.key,
            label: s.label,
            order: s.order,
            probability: s.probability,
            status: s.status,
        })
        .collect()
}

impl Config {
    pub(super) fn validate_stages(&self) -> Result<(), ConfigError> {
        let mut keys = BTreeSet::new();
        for (index, stage) in self.stages.iter().enumerate() {
            let field = |name: &str| format!("stages[{index}].{name}");
            if stage.key.trim().is_empty() {
                return Err(invalid(field("key"), "is empty"));
            }
            if !keys.insert((stage.pipeline.clone(), stage.key.clone())) {
                return Err(invalid(
                    field("key"),
                    format!("{:?} appears twice in pipeline {:?}", stage.key, stage.pipeline),
                ));
            }
            if stage.probability > 100 {
                return Err(invalid(field("probability"), "must be between 0 and 100"));
            }
        }
        let pipelines: BTreeSet<&str> = self.stages.iter().map(|s| s.pipeline.as_str()).collect();
        for pipeline in pipelines {
            for status in [StageStatus::Open, StageStatus::Won, StageStatus::Lost] {
                if !self.stages.iter().any(|s| s.pipeline == pipeline && s.status == status) {
                    return Err(invalid("stages", format!("pipeline {pipeline:?} has no {} stage", status.as_str())));
                }
            }
        }
        Ok(())
    }

    pub fn stage_catalogue(&self) -> StageCatalogue {
        StageCatalogue::new(
            self.stages
                .iter()
                .map(|s| Stage {
                    pipeline: s.pipeline.clone(),
                    key: s.key.clone(),
                    label: s.label.clone(),
                    order: s.order,
                    probability: s.probability,
                    status: s.status,
                })
                .collect(),
        )
    }
}
