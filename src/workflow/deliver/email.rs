//! Email: one RFC 5322 message per draft (also the outbox's `.eml`), sent over SMTP with
//! STARTTLS or implicit TLS and optional authentication.

use super::{DeliverError, OutgoingMessage, Receipt};
use crate::config::{SmtpConfig, SmtpSecurity};
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// The same draft always gets the same Message-ID, so a resend is recognisably one message.
pub fn message_id(draft_id: &str) -> String {
    let digest = hex::encode(Sha256::digest(draft_id.as_bytes()));
    format!("<{}@candor.drafts>", &digest[..32])
}

pub fn build_email(from: &Mailbox, message: &OutgoingMessage) -> Result<Message, DeliverError> {
    let address = message
        .recipient_email
        .as_deref()
        .ok_or_else(|| DeliverError::Permanent("the recipient has no email address".to_owned()))?;
    let address = address
        .parse()
        .map_err(|e| DeliverError::Permanent(format!("recipient address {address:?} is invalid: {e}")))?;
    Message::builder()
        .from(from.clone())
        .to(Mailbox::new(Some(message.recipient_name.clone()), address))
        .subject(message.subject.clone())
        .message_id(Some(message_id(&message.draft_id)))
        .header(ContentType::TEXT_PLAIN)
        .body(message.body.clone())
        .map_err(|e| DeliverError::Permanent(format!("cannot build the email: {e}")))
}

pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl SmtpSender {
    pub fn new(config: &SmtpConfig) -> Result<SmtpSender, DeliverError> {
        let setup = |what: &str, e: &dyn std::fmt::Display| DeliverError::Permanent(format!("SMTP {what}: {e}"));
        let tls_parameters = || {
            let mut builder = TlsParameters::builder(config.host.clone());
            if !config.ca_file.is_empty() {
                let pem =
                    std::fs::read(&config.ca_file).map_err(|e| setup(&format!("CA file {}", config.ca_file), &e))?;
                let certificate = Certificate::from_pem(&pem).map_err(|e| setup("CA certificate", &e))?;
                builder = builder.certificate_store(CertificateStore::None).add_root_certificate(certificate);
            }
            builder.build().map_err(|e| setup("TLS setup", &e))
        };
        let tls = match config.security {
            SmtpSecurity::Starttls => Tls::Required(tls_parameters()?),
            SmtpSecurity::Tls => Tls::Wrapper(tls_parameters()?),
            SmtpSecurity::None => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host.clone())
            .port(config.effective_port())
            .tls(tls)
            .timeout(Some(Duration::from_secs(config.timeout_seconds)));
        if !config.username.is_empty() {
            builder =
                builder.credentials(Credentials::new(config.username.clone(), config.password.expose().to_owned()));
        }
        Ok(SmtpSender { transport: builder.build() })
    }

    pub async fn send(&self, email: Message) -> Result<Receipt, DeliverError> {
        match self.transport.send(email).await {
            Ok(response) => Ok(Receipt {
                reference: format!("smtp {} {}", response.code(), response.message().collect::<Vec<_>>().join(" ")),
            }),
            // A 5xx reply (unknown mailbox, refused sender, failed authentication) will not change.
            Err(error) if error.is_permanent() => Err(DeliverError::Permanent(format!("SMTP refused: {error}"))),
            Err(error) => Err(DeliverError::Transient(format!("SMTP failed: {error}"))),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::workflow::DraftKind;

    #[test]
    fn emails_carry_a_stable_message_id() {
        let message = OutgoingMessage {
            draft_id: "2026-W47.rep_nudge.sim:r1".into(),
            kind: DraftKind::RepNudge,
            week: "2026-W47".into(),
            subject: "Three deals need you — week 47".into(),
            body: "Zürich custody is stalling.".into(),
            recipient_name: "Rita Rep".into(),
            recipient_email: Some("rita@northbridge-fs.example".into()),
        };
        let from: Mailbox = "Candor <candor@northbridge-fs.example>".parse().unwrap();
        let text = String::from_utf8(build_email(&from, &message).unwrap().formatted()).unwrap();
        assert!(text.contains(&format!("Message-ID: {}", message_id(&message.draft_id))), "{text}");
        assert!(text.contains("To: \"Rita Rep\" <rita@northbridge-fs.example>"), "{text}");
        assert_eq!(message_id("a"), message_id("a"));
        assert_ne!(message_id("a"), message_id("b"));
        let nobody = OutgoingMessage { recipient_email: None, ..message };
        assert!(matches!(build_email(&from, &nobody), Err(DeliverError::Permanent(_))));
    }
}
