//! No secret reaches the log: API tokens, passwords, session cookies and CSRF tokens used
//! against the real router never appear in what it logs at debug level, while the requests
//! themselves (with their ids) do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod http_support;

use candor::http::auth::sign_in;
use http_support::Fixture;
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn secrets_never_reach_the_log() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let f = Fixture::start().await;
    let wrong_password = "Tr0ub4dor&3-not-the-password";
    assert!(sign_in(&f.state, &f.users["rep_a"], wrong_password, "ip:test").await.is_err());
    let (secret, csrf) = sign_in(&f.state, &f.users["manager_a"], http_support::PASSWORD, "ip:test").await.unwrap();
    let cookie = format!("candor_session={secret}");
    for (who, token) in &f.tokens {
        let (status, _) = f.call(who, "GET", "/api/v1/drafts", None).await;
        assert_eq!(status, 200, "{token}");
    }
    let response = f.client.get(f.url("/api/v1/me")).header("cookie", &cookie).header("x-csrf-token", &csrf).send();
    assert_eq!(response.await.unwrap().status().as_u16(), 200);
    let forged = format!("{}_{}", &f.tokens["leader"][..16], "z".repeat(43));
    let response = f.client.get(f.url("/api/v1/me")).bearer_auth(&forged).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let (status, _) = f.call("leader", "GET", "/api/v1/deals/does-not-exist", None).await;
    assert_eq!(status, 404);
    let tokens: Vec<String> = f.tokens.values().cloned().collect();
    f.stop().await;

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("request_id"), "requests are logged with their ids");
    assert!(log.contains("signed in"), "sign-ins are logged");
    let mut secrets: Vec<&str> = tokens.iter().map(String::as_str).collect();
    secrets.extend([secret.as_str(), csrf.as_str(), http_support::PASSWORD, wrong_password, forged.as_str()]);
    for secret in secrets {
        assert!(!log.contains(secret), "the log holds a secret: {secret}");
        // The secret part of a token alone must not appear either.
        if let Some((_, tail)) = secret.rsplit_once('_') {
            assert!(tail.len() < 20 || !log.contains(tail), "the log holds a token's secret");
        }
    }
}
