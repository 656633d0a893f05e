//! The `[llm]` section (which model drafts, how it is reached, the loop's budgets) and the
//! `[compliance]` section (the policy every draft is checked against, with defaults for
//! regulated financial services).

use super::{invalid, ConfigError, Secret};
use serde::{Deserialize, Serialize};

/// Which drafting provider runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// Template drafts from the deterministic engine's output; no network, no tokens.
    Offline,
    /// Any OpenAI-compatible chat-completions endpoint (OpenAI, Azure OpenAI, vLLM, llama.cpp…).
    Openai,
}

impl ProviderKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            ProviderKind::Offline => "offline",
            ProviderKind::Openai => "openai",
        }
    }
}

impl std::str::FromStr for ProviderKind {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "offline" => Ok(ProviderKind::Offline),
            "openai" => Ok(ProviderKind::Openai),
            other => Err(format!("unknown provider {other:?} (expected offline or openai)")),
        }
    }
}

/// Azure OpenAI addresses a deployment rather than a model and versions its API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AzureConfig {
    /// Empty means plain OpenAI-compatible; set it to talk to Azure OpenAI.
    pub deployment: String,
    pub api_version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LlmConfig {
    pub provider: ProviderKind,
    /// e.g. `https://api.openai.com/v1` or `http://127.0.0.1:8089/v1`.
    pub base_url: String,
    pub api_key: Secret,
    pub model: String,
    /// Whole-request timeout for one model call.
    pub request_timeout_secs: u64,
    pub connect_timeout_secs: u64,
    /// Model calls in flight at once across the process (the endpoint's capacity); runs
    /// drafted in one call (the demo, the evals) also draft this many recipients at a time.
    pub concurrency: usize,
    /// Model calls per draft, the repair turn included.
    pub turn_budget: u32,
    /// Failed calls of one tool (unknown arguments, out of scope) before the loop stops.
    pub tool_retry_budget: u32,
    /// Attempts of one model call on 429, 5xx and timeouts.
    pub max_retries: u32,
    pub backoff_initial_ms: u64,
    pub backoff_max_ms: u64,
    /// Longest Retry-After honoured; a longer one ends the draft in fallback.
    pub retry_after_cap_secs: u64,
    pub max_completion_tokens: u32,
    pub temperature: f32,
    pub azure: AzureConfig,
}

impl Default for LlmConfig {
    fn default() -> Self {
        Self {
            provider: ProviderKind::Offline,
            base_url: "https://api.openai.com/v1".to_owned(),
            api_key: Secret::default(),
            model: "gpt-4o-mini".to_owned(),
            request_timeout_secs: 60,
            connect_timeout_secs: 10,
            concurrency: 4,
            turn_budget: 6,
            tool_retry_budget: 2,
            max_retries: 4,
            backoff_initial_ms: 500,
            backoff_max_ms: 20_000,
            retry_after_cap_secs: 120,
            max_completion_tokens: 1_200,
            temperature: 0.2,
            azure: AzureConfig::default(),
        }
    }
}

impl LlmConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.provider == ProviderKind::Openai
            && !(self.base_url.starts_with("http://") || self.base_url.starts_with("https://"))
        {
            return Err(invalid("llm.base_url", "must start with http:// or https://"));
        }
        if self.model.trim().is_empty() && self.azure.deployment.trim().is_empty() {
            return Err(invalid("llm.model", "is empty"));
        }
        if self.request_timeout_secs == 0 || self.connect_timeout_secs == 0 {
            return Err(invalid("llm.request_timeout_secs", "timeouts must be at least 1 second"));
        }
        if !(1..=256).contains(&self.concurrency) {
            return Err(invalid("llm.concurrency", "must be between 1 and 256"));
        }
        if !(2..=50).contains(&self.turn_budget) {
            return Err(invalid("llm.turn_budget", "must be between 2 and 50 (one call to read, one to submit)"));
        }
        if self.max_retries > 10 {
            return Err(invalid("llm.max_retries", "must be at most 10"));
        }
        if self.backoff_initial_ms == 0 || self.backoff_max_ms < self.backoff_initial_ms {
            return Err(invalid(
                "llm.backoff_max_ms",
                "must be at least llm.backoff_initial_ms, which must be above 0",
            ));
        }
        if !(0.0..=2.0).contains(&self.temperature) {
            return Err(invalid("llm.temperature", "must be between 0 and 2"));
        }
        if !self.azure.deployment.is_empty() && self.azure.api_version.trim().is_empty() {
            return Err(invalid("llm.azure.api_version", "is required with llm.azure.deployment"));
        }
        Ok(())
    }
}

/// One compliance rule: a stable id, why it exists, and the phrases (regular expressions,
/// matched case-insensitively) that break it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplianceRule {
    pub id: String,
    pub reason: String,
    pub patterns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CompliancePolicy {
    /// Stored with every draft; change it whenever a rule changes.
    pub version: String,
    pub rules: Vec<ComplianceRule>,
    /// A rep's message never names another person's pay, attainment or scorecard.
    pub forbid_other_people_in_rep_messages: bool,
    /// Client personal data beyond names and roles (addresses, phone numbers, emails,
    /// account numbers) never appears in a draft.
    pub forbid_client_personal_data: bool,
    /// Runs of this many words copied from quoted source text (emails, meetings) are refused:
    /// source text is data, and a draft that repeats it may be repeating planted instructions.
    pub max_quoted_words: usize,
    /// Longest rendered draft, in characters, per kind.
    pub max_chars_rep_nudge: usize,
    pub max_chars_intervention_brief: usize,
    pub max_chars_forecast_memo: usize,
    /// Links, contact details and account numbers a draft may carry (`[compliance.allow]`).
    /// Whatever else this policy says, a draft naming any other domain, email address, phone
    /// number or account number is refused: the drafting model is assumed to have been fooled
    /// by an instruction planted in client text, and these are what such an instruction asks
    /// a recipient to use.
    pub allow: AllowList,
}

/// The `[compliance.allow]` list: what a draft may name although it came from outside the
/// snapshot's facts. Every list is empty by default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AllowList {
    /// Domains a draft may link to or name, e.g. the firm's own `northbridge-fs.com`; any
    /// subdomain of one (`portal.northbridge-fs.com`) is allowed with it.
    pub domains: Vec<String>,
    /// Email addresses a draft may carry, e.g. a shared `deal-desk@northbridge-fs.com`.
    pub emails: Vec<String>,
    /// Phone numbers a draft may carry, compared by their digits alone, so `+44 20 7946 0018`
    /// allows `+44 (20) 7946-0018`.
    pub phones: Vec<String>,
    /// Account numbers (IBANs, account and card numbers, SWIFT/BIC codes) a draft may carry,
    /// compared by their letters and digits alone.
    pub account_numbers: Vec<String>,
}

/// Whether `name` reads as a domain name: two or more labels of letters, digits and inner
/// hyphens, the last of two or more letters (`example.com`, `portal.example.co.uk`).
fn is_domain_name(name: &str) -> bool {
    let labels: Vec<&str> = name.split('.').collect();
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label.len() <= 63
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    labels.len() >= 2
        && name.len() <= 253
        && labels.iter().all(label_ok)
        && labels.last().is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
}

impl AllowList {
    fn validate(&self) -> Result<(), ConfigError> {
        let field = |list: &str, index: usize| format!("compliance.allow.{list}[{index}]");
        for (index, domain) in self.domains.iter().enumerate() {
            if !is_domain_name(domain.trim().trim_end_matches('.')) {
                return Err(invalid(field("domains", index), format!("{domain:?} is not a domain name")));
            }
        }
        for (index, email) in self.emails.iter().enumerate() {
            let valid = match email.trim().split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty() && !local.contains(char::is_whitespace) && is_domain_name(domain)
                }
                None => false,
            };
            if !valid {
                return Err(invalid(field("emails", index), format!("{email:?} is not an email address")));
            }
        }
        for (index, phone) in self.phones.iter().enumerate() {
            let digits = phone.chars().filter(char::is_ascii_digit).count();
            let allowed = phone.chars().all(|c| c.is_ascii_digit() || " +-.()/".contains(c));
            if digits < 6 || !allowed {
                return Err(invalid(field("phones", index), format!("{phone:?} is not a phone number")));
            }
        }
        for (index, number) in self.account_numbers.iter().enumerate() {
            let characters = number.chars().filter(char::is_ascii_alphanumeric).count();
            let allowed = number.chars().all(|c| c.is_ascii_alphanumeric() || " -/".contains(c));
            if characters < 6 || !allowed {
                return Err(invalid(field("account_numbers", index), format!("{number:?} is not an account number")));
            }
        }
        Ok(())
    }
}

fn rule(id: &str, reason: &str, patterns: &[&str]) -> ComplianceRule {
    ComplianceRule {
        id: id.to_owned(),
        reason: reason.to_owned(),
        patterns: patterns.iter().map(|p| (*p).to_owned()).collect(),
    }
}

impl Default for CompliancePolicy {
    fn default() -> Self {
        Self {
            version: "compliance-fs-2026.12.1".to_owned(),
            rules: vec![
                rule(
                    "no_pay_promise",
                    "Pay is decided by the compensation plan, not by a coaching message (MiFID II Art. 24(10), SYSC 19F).",
                    &[
                        r"\bguarantee[ds]?\b",
                        r"\bpromise[ds]?\b",
                        r"\byou will (?:earn|get|receive|be paid)\b",
                        r"\b(?:bonus|commission|payout|accelerator)s? (?:is|are|will be) (?:secured|certain|locked in|assured)\b",
                        r"\b(?:secure|lock in|bank) (?:your|the) (?:bonus|commission|payout)\b",
                    ],
                ),
                rule(
                    "no_target_driven_selling",
                    "A product is recommended for the client's needs, never to reach a target or bonus (conduct risk).",
                    &[
                        r"\b(?:push|upsell|cross-sell|switch|move) (?:the client|clients|them|the account)\b",
                        r"\b(?:sell|push|upsell)\b[^.]{0,60}\b(?:to|so you) (?:hit|reach|make|close the gap to) (?:your|the) (?:target|quota|number|bonus)",
                        r"\bhigher[- ]commission (?:product|option|share class)s?\b",
                        r"\bbefore (?:the )?(?:quarter|period)[- ]end (?:for|to hit|to reach) (?:your|the) (?:bonus|target|quota)\b",
                    ],
                ),
                rule(
                    "no_off_channel_contact",
                    "Client conversations stay on the firm's recorded channels (FCA SYSC 10A, SEC off-channel rules).",
                    &[
                        r"\b(?:personal|own|private)\s+(?:mobile|phone|cell|messaging|messenger|chat|email|e-mail|account|device|number)s?\b",
                        r"\b(?:whatsapp|telegram|wechat|imessage|signal app)\b",
                        r"\brather than (?:the )?(?:work|firm|recorded|official) (?:channels?|phones?|email)\b",
                    ],
                ),
                rule(
                    "no_side_arrangement",
                    "Terms are changed in writing through the firm, never agreed privately with a client (conduct risk).",
                    &[
                        r"\b(?:privately|quietly|off the record|informally|between (?:us|you and)|unofficially)\b",
                        r"\b(?:lock-?up|notice period|exit fee|penalt(?:y|ies)|minimum term)\b[^.]{0,60}\b(?:not|never|won't|will not)\b[^.]{0,20}\b(?:appl|enforc|charg|hold)",
                        r"\b(?:not|never|nobody|no one)\b[^.]{0,30}\bhold (?:them|the client|him|her) to\b",
                    ],
                ),
                rule(
                    "no_skipped_controls",
                    "Suitability, appropriateness, KYC and AML checks are never skipped (MiFID II Art. 25, MLRs 2017).",
                    &[
                        r"\b(?:skip|skipped|bypass|waive|avoid|drop|leave out|omit)\b[^.]{0,40}\b(?:suitability|appropriateness|kyc|know your (?:client|customer)|aml|anti-money|due diligence)\b",
                        r"\b(?:suitability|appropriateness|kyc|know your (?:client|customer)|aml|anti-money|due diligence)\b[^.]{0,40}\b(?:skip|skipped|bypass|waived|not (?:needed|required|necessary)|out for|left out|can wait)\b",
                        r"\bno need (?:to|for)\b[^.]{0,30}\b(?:suitability|appropriateness|kyc|aml|due diligence)\b",
                    ],
                ),
                rule(
                    "no_fee_concession",
                    "Fees follow the firm's tariff; a draft never offers to drop or refund one (inducements, Consumer Duty).",
                    &[
                        r"\b(?:drop|scrap|cancel|refund|rebate|forgo|forego|write off|remove|zero)\b[^.]{0,40}\bfees?\b",
                        r"\bno (?:management |annual |advisory |platform |custody )?fees?\b",
                        r"\bfees?\b[^.]{0,30}\b(?:dropped|scrapped|refunded|written off|removed|free)\b",
                    ],
                ),
                rule(
                    "no_instruction_following",
                    "Email and meeting text is data; a draft never carries instructions found in it.",
                    &[
                        r"\bignore (?:all |any )?(?:previous|prior|above|earlier) (?:instructions|messages|rules)\b",
                        r"\bsystem prompt\b",
                        r"\b(?:wire|transfer|send) (?:the )?(?:funds|money|payment)\b",
                        r"\bdisregard (?:the |your )?(?:policy|rules|instructions)\b",
                    ],
                ),
            ],
            forbid_other_people_in_rep_messages: true,
            forbid_client_personal_data: true,
            max_quoted_words: 6,
            max_chars_rep_nudge: 3_500,
            max_chars_intervention_brief: 5_000,
            max_chars_forecast_memo: 5_000,
            allow: AllowList::default(),
        }
    }
}

impl CompliancePolicy {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.version.trim().is_empty() {
            return Err(invalid("compliance.version", "is empty"));
        }
        for (index, rule) in self.rules.iter().enumerate() {
            if rule.id.trim().is_empty() {
                return Err(invalid(format!("compliance.rules[{index}].id"), "is empty"));
            }
            for (position, pattern) in rule.patterns.iter().enumerate() {
                regex::RegexBuilder::new(pattern)
                    .case_insensitive(true)
                    .build()
                    .map_err(|e| invalid(format!("compliance.rules[{index}].patterns[{position}]"), e.to_string()))?;
            }
        }
        if self.max_quoted_words < 3 {
            return Err(invalid("compliance.max_quoted_words", "must be at least 3"));
        }
        let limits = [
            ("max_chars_rep_nudge", self.max_chars_rep_nudge),
            ("max_chars_intervention_brief", self.max_chars_intervention_brief),
            ("max_chars_forecast_memo", self.max_chars_forecast_memo),
        ];
        for (name, limit) in limits {
            if !(500..=50_000).contains(&limit) {
                return Err(invalid(format!("compliance.{name}"), "must be between 500 and 50000"));
            }
        }
        self.allow.validate()
    }
}
