//! The `[delivery]` section: which channels carry approved drafts (file outbox, SMTP email,
//! Slack and Teams incoming webhooks) and how each is reached. Passwords and webhook URLs are
//! secrets: never shown, never logged.

use super::{invalid, ConfigError, Secret};
use crate::domain::DraftKind;
use serde::{Deserialize, Serialize};

pub(super) const CHANNELS: [&str; 4] = ["outbox", "email", "slack", "teams"];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeliveryConfig {
    /// Channels every approved draft goes to: `outbox`, `email`, `slack`, `teams`.
    pub channels: Vec<String>,
    pub outbox: OutboxConfig,
    pub smtp: SmtpConfig,
    pub slack: WebhookConfig,
    pub teams: WebhookConfig,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            channels: vec!["outbox".to_owned()],
            outbox: OutboxConfig::default(),
            smtp: SmtpConfig::default(),
            slack: WebhookConfig::default(),
            teams: WebhookConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutboxConfig {
    /// Folder for `.eml` and `.md` files; empty means `outbox/` in the data directory.
    pub dir: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same host.
    None,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    /// 0 means the usual port for `security` (587, 465 or 25).
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: String,
    pub password: Secret,
    /// The sender, e.g. `Candor <coaching@northbridge-fs.example>`.
    pub from: String,
    /// PEM file of the CA that signed the relay's certificate; when set, only it is trusted.
    pub ca_file: String,
    pub timeout_seconds: u64,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            host: String::new(),
            port: 0,
            security: SmtpSecurity::Starttls,
            username: String::new(),
            password: Secret::default(),
            from: String::new(),
            ca_file: String::new(),
            timeout_seconds: 30,
        }
    }
}

impl SmtpConfig {
    pub fn effective_port(&self) -> u16 {
        match (self.port, self.security) {
            (0, SmtpSecurity::Starttls) => 587,
            (0, SmtpSecurity::Tls) => 465,
            (0, SmtpSecurity::None) => 25,
            (port, _) => port,
        }
    }
}

/// An incoming webhook posts into one fixed channel, so it carries only the kinds of draft
/// everyone in that channel may read.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookConfig {
    pub webhook_url: Secret,
    /// Draft kinds posted to this webhook.
    pub kinds: Vec<DraftKind>,
    pub timeout_seconds: u64,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self { webhook_url: Secret::default(), kinds: vec![DraftKind::ForecastMemo], timeout_seconds: 30 }
    }
}

impl DeliveryConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut seen = Vec::new();
        for (index, channel) in self.channels.iter().enumerate() {
            if !CHANNELS.contains(&channel.as_str()) {
                return Err(invalid(
                    format!("delivery.channels[{index}]"),
                    format!("{channel:?} is not one of {}", CHANNELS.join(", ")),
                ));
            }
            if seen.contains(&channel) {
                return Err(invalid(format!("delivery.channels[{index}]"), format!("{channel:?} appears twice")));
            }
            seen.push(channel);
        }
        if self.uses("email") {
            if self.smtp.host.trim().is_empty() {
                return Err(invalid("delivery.smtp.host", "is required when the email channel is on"));
            }
            if self.smtp.from.parse::<lettre::message::Mailbox>().is_err() {
                return Err(invalid("delivery.smtp.from", format!("{:?} is not an email address", self.smtp.from)));
            }
            if self.smtp.username.is_empty() != self.smtp.password.is_empty() {
                return Err(invalid("delivery.smtp.password", "username and password go together"));
            }
        }
        if self.smtp.timeout_seconds == 0 {
            return Err(invalid("delivery.smtp.timeout_seconds", "must be at least 1"));
        }
        for (name, webhook) in [("slack", &self.slack), ("teams", &self.teams)] {
            if self.uses(name) {
                let url = webhook.webhook_url.expose();
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    return Err(invalid(
                        format!("delivery.{name}.webhook_url"),
                        "is required when the channel is on and must be an http(s) URL",
                    ));
                }
                if webhook.kinds.is_empty() {
                    return Err(invalid(format!("delivery.{name}.kinds"), "names no draft kind"));
                }
            }
            if webhook.timeout_seconds == 0 {
                return Err(invalid(format!("delivery.{name}.timeout_seconds"), "must be at least 1"));
            }
        }
        Ok(())
    }

    pub fn uses(&self, channel: &str) -> bool {
        self.channels.iter().any(|c| c == channel)
    }

    /// The channels a draft of `kind` goes to, in configured order.
    pub fn channels_for(&self, kind: DraftKind) -> Vec<String> {
        self.channels
            .iter()
            .filter(|channel| match channel.as_str() {
                "slack" => self.slack.kinds.contains(&kind),
                "teams" => self.teams.kinds.contains(&kind),
                _ => true,
            })
            .cloned()
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use crate::config::Config;
    use crate::domain::DraftKind;

    #[test]
    fn delivery_defaults_to_the_file_outbox() {
        let config = Config::from_toml("").unwrap();
        assert_eq!(config.delivery.channels_for(DraftKind::RepNudge), vec!["outbox".to_owned()]);
    }

    #[test]
    fn channels_need_their_settings_and_secrets_stay_hidden() {
        let err = Config::from_toml("[delivery]\nchannels = [\"email\"]").unwrap_err().to_string();
        assert!(err.contains("delivery.smtp.host"), "{err}");
        let err = Config::from_toml("[delivery]\nchannels = [\"fax\"]").unwrap_err().to_string();
        assert!(err.contains("delivery.channels[0]"), "{err}");
        let text = "[delivery]\nchannels = [\"outbox\", \"email\", \"slack\"]\n\
                    [delivery.smtp]\nhost = \"smtp.example\"\nfrom = \"Candor <c@northbridge-fs.example>\"\n\
                    username = \"candor\"\npassword = \"smtp-pw-123\"\n\
                    [delivery.slack]\nwebhook_url = \"https://hooks.slack.com/services/T/B/sekrit\"\n\
                    kinds = [\"manager_brief\"]";
        let config = Config::from_toml(text).unwrap();
        assert_eq!(config.delivery.channels_for(DraftKind::InterventionBrief), vec!["outbox", "email", "slack"]);
        assert_eq!(config.delivery.channels_for(DraftKind::RepNudge), vec!["outbox", "email"]);
        assert_eq!(config.delivery.smtp.effective_port(), 587);
        let shown = config.redacted_toml();
        assert!(!shown.contains("smtp-pw-123") && !shown.contains("sekrit"), "{shown}");
        let err = Config::from_toml("[delivery]\nchannels = [\"teams\"]").unwrap_err().to_string();
        assert!(err.contains("delivery.teams.webhook_url"), "{err}");
    }
}
