//! E-mail over SMTP to a real server (aiosmtpd, started here): every outbox message leaves
//! once, a message that could not be sent is tried again later, and an invitation's link is
//! never kept in the database in clear.

use crate::helpers::*;
use reqwest::StatusCode;
use std::process::{Child, Command};
use std::time::Duration;

struct Sink {
    child: Child,
    maildir: std::path::PathBuf,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

// Sink's Drop kills the child and waits for it, which the lint cannot see.
#[allow(clippy::zombie_processes)]
async fn start_sink(port: u16, dir: &std::path::Path) -> Sink {
    let maildir = dir.join(format!("maildir-{port}"));
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/smtp-sink");
    let child =
        Command::new(script).arg(port.to_string()).arg(&maildir).spawn().expect("the SMTP sink starts (needs python3)");
    for _ in 0..600 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Sink { child, maildir };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("aiosmtpd did not listen on 127.0.0.1:{port}");
}

fn delivered(sink: &Sink) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(sink.maildir.join("new")) else { return Vec::new() };
    entries.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok()).collect()
}

fn smtp(port: u16) -> app::outbox::SmtpConfig {
    app::outbox::SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        tls: app::outbox::SmtpTls::None,
        credentials: None,
        from: "Demo Partner Network <partners@demo.example>".into(),
    }
}

#[tokio::test]
async fn outbox_messages_leave_over_smtp_once() {
    let port = free_port();
    let t = spawn_app_with(|s| s.smtp = Some(smtp(port))).await;
    let sink = start_sink(port, &std::env::temp_dir()).await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    ada.browser.submit("/users", "/users/invite", &[("email", "bea@contoso.example"), ("role", "member")]).await;

    // Ada's verification link, and Bea's invitation.
    assert_eq!(app::outbox::deliver_due(&t.app).await.unwrap(), 2);
    assert_eq!(app::outbox::deliver_due(&t.app).await.unwrap(), 0, "nothing is sent twice");
    let mails = delivered(&sink);
    assert_eq!(mails.len(), 2);
    let invitation = mails.iter().find(|m| m.contains("To: bea@contoso.example")).expect("the invitation");
    assert!(invitation.contains("Subject: Join Contoso on Demo Partner Network"), "{invitation}");
    assert!(invitation.contains("@partnerhub>"), "a stable Message-ID");
    let staff = t.staff_admin().await;
    let (_, outbox) = staff.get_text("/staff/outbox").await;
    assert!(outbox.contains("sent"));
    std::fs::remove_dir_all(&sink.maildir).ok();
}

#[tokio::test]
async fn a_message_that_cannot_be_sent_is_retried_later() {
    let port = free_port();
    let t = spawn_app_with(|s| s.smtp = Some(smtp(port))).await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    ada.browser.submit("/users", "/users/invite", &[("email", "bea@contoso.example"), ("role", "member")]).await;

    assert_eq!(app::outbox::deliver_due(&t.app).await.unwrap(), 0, "no SMTP server yet");
    let mut conn = t.app.store().read().await.unwrap();
    let id = store::outbox::list(&mut conn, 1).await.unwrap()[0].id.clone();
    let (attempts, error) = store::outbox::delivery_state(&mut conn, &id).await.unwrap();
    drop(conn);
    assert_eq!(attempts, 1);
    assert!(error.is_some());

    let sink = start_sink(port, &std::env::temp_dir()).await;
    assert_eq!(app::outbox::deliver_due(&t.app).await.unwrap(), 0, "not before its next attempt");
    t.clock.advance(chrono::Duration::minutes(5));
    assert_eq!(app::outbox::deliver_due(&t.app).await.unwrap(), 2, "the invitation and the verification link");
    assert_eq!(delivered(&sink).len(), 2);
    std::fs::remove_dir_all(&sink.maildir).ok();
}

/// The invitation's token as the addressee got it, from the message the sink wrote (a long
/// line may have been wrapped by quoted-printable encoding).
fn token_in(mail: &str) -> String {
    let text = mail.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
    let link = invitation_link(&text);
    link.rsplit('/').next().unwrap().to_owned()
}

/// Whether `secret` is anywhere in the database as it lies on disk (SQLite: the file and its
/// log, freed pages included) or, on PostgreSQL, in the outbox's tables.
async fn lies_in_database(t: &TestApp, secret: &str) -> bool {
    match partnerhub::startup::sqlite_file(&t.database_url) {
        Some(file) => {
            let mut wal = file.clone().into_os_string();
            wal.push("-wal");
            [file, wal.into()]
                .iter()
                .filter_map(|path| std::fs::read(path).ok())
                .any(|bytes| bytes.windows(secret.len()).any(|w| w == secret.as_bytes()))
        }
        None => {
            let mut conn = t.app.store().read().await.unwrap();
            let n: i64 = store::sql::query_scalar(
                "SELECT (SELECT COUNT(*) FROM outbox_emails WHERE body LIKE $1) \
                 + (SELECT COUNT(*) FROM outbox_secrets WHERE sealed LIKE $1)",
            )
            .bind(format!("%{secret}%"))
            .fetch_one(&mut conn)
            .await
            .unwrap();
            n > 0
        }
    }
}

#[tokio::test]
async fn an_invitation_link_never_lies_in_the_database_and_still_works_by_mail() {
    let port = free_port();
    let t = spawn_app_with(|s| s.smtp = Some(smtp(port))).await;
    let ada = t.sign_up_unverified("Contoso", "ada@contoso.example").await;
    let verification = link_in(&t.last_email_to("ada@contoso.example").await, "/verify-email/");
    let verification = verification.rsplit('/').next().unwrap();
    assert!(!lies_in_database(&t, verification).await, "nor is a verification link's");
    t.verify_email(&ada).await;
    let r = ada
        .browser
        .submit("/users", "/users/invite", &[("email", "gus@contoso.example"), ("role", "global_admin")])
        .await;
    assert_eq!(location(&r), "/users?notice=invited");

    // Before it is sent: the app renders the link, the database holds no trace of its token.
    let waiting = t.last_email_to("gus@contoso.example").await;
    let token = token_in(&waiting);
    assert!(token.len() >= 40, "{waiting}");
    assert!(!lies_in_database(&t, &token).await, "the pending invitation's token is not stored");

    let sink = start_sink(port, &std::env::temp_dir()).await;
    assert_eq!(app::outbox::deliver_due(&t.app).await.unwrap(), 2, "with Ada's used verification link");
    let mails = delivered(&sink);
    let invitation = mails.iter().find(|m| m.contains("To: gus@contoso.example")).expect("the invitation");
    assert_eq!(token_in(invitation), token, "the e-mail carries the live link");
    assert!(!lies_in_database(&t, &token).await, "nor after sending");
    let staff = t.staff_admin().await;
    let (_, outbox) = staff.get_text("/staff/outbox").await;
    assert!(!outbox.contains(&token), "once sent, the secret is gone from the outbox too");

    let path = format!("/invitations/{token}");
    let gus = t.browser();
    let r = gus.submit(&path, &path, &[("name", "Gus Global"), ("password", PASSWORD)]).await;
    assert_eq!(location(&r), "/dashboard?notice=joined", "the mailed link works");
    std::fs::remove_dir_all(&sink.maildir).ok();
}

#[tokio::test]
async fn a_cancelled_or_accepted_invitation_s_secret_is_erased_from_the_outbox() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    for email in ["bea@contoso.example", "cy@contoso.example"] {
        ada.browser.submit("/users", "/users/invite", &[("email", email), ("role", "member")]).await;
    }
    let bea_link = invitation_link(&t.last_email_to("bea@contoso.example").await);
    let count = || async {
        let mut conn = t.app.store().read().await.unwrap();
        store::sql::query_scalar::<_, i64>("SELECT COUNT(*) FROM outbox_secrets").fetch_one(&mut conn).await.unwrap()
    };
    assert_eq!(count().await, 2);
    let path = bea_link.strip_prefix(&t.url).unwrap().to_owned();
    let r = t.browser().submit(&path, &path, &[("name", "Bea"), ("password", PASSWORD)]).await;
    assert_eq!(location(&r), "/dashboard?notice=joined");
    assert_eq!(count().await, 1, "accepted: its secret is gone");
    assert!(t.last_email_to("bea@contoso.example").await.contains("/invitations/…"));

    let api = t.api(Some(&t.token_for(&ada.browser, "/account").await));
    let (_, invitations) = api.get("/api/v1/invitations").await;
    let id = invitations["data"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        api.call(reqwest::Method::DELETE, &format!("/api/v1/invitations/{id}"), None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(count().await, 0, "cancelled: its secret is gone");

    ada.browser.submit("/users", "/users/invite", &[("email", "dee@contoso.example"), ("role", "member")]).await;
    assert_eq!(count().await, 1);
    t.clock.advance(chrono::Duration::days(8));
    app::outbox::deliver_due(&t.app).await.unwrap();
    assert_eq!(count().await, 0, "expired: its secret is gone, with or without SMTP");
}
