//! E-mail over SMTP to a real server (aiosmtpd, started here): every outbox message leaves
//! once, and a message that could not be sent is tried again later.

use crate::helpers::*;
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

    assert_eq!(app::outbox::deliver_due(&t.app).await.unwrap(), 1);
    assert_eq!(app::outbox::deliver_due(&t.app).await.unwrap(), 0, "nothing is sent twice");
    let mails = delivered(&sink);
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("Subject: Join Contoso on Demo Partner Network"), "{}", mails[0]);
    assert!(mails[0].contains("To: bea@contoso.example"));
    assert!(mails[0].contains("@partnerhub>"), "a stable Message-ID");
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
    assert_eq!(app::outbox::deliver_due(&t.app).await.unwrap(), 1);
    assert_eq!(delivered(&sink).len(), 1);
    std::fs::remove_dir_all(&sink.maildir).ok();
}
