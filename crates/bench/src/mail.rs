//! A small SMTP receiver for the set-up phase: each buyer confirms their address from the link
//! the server e-mails, as a person would (the server refuses API tokens to an unconfirmed
//! address). It speaks just enough SMTP for the server's client, without TLS or
//! authentication, on 127.0.0.1.

use anyhow::{Context, bail};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// The messages received, by recipient, oldest first.
type Inbox = Arc<Mutex<HashMap<String, Vec<String>>>>;

pub struct Mailbox {
    port: u16,
    inbox: Inbox,
    accepting: tokio::task::JoinHandle<()>,
}

impl Drop for Mailbox {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

impl Mailbox {
    pub async fn start() -> anyhow::Result<Mailbox> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let inbox = Inbox::default();
        let kept = inbox.clone();
        let accepting = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let inbox = kept.clone();
                tokio::spawn(async move {
                    let _ = session(stream, inbox).await;
                });
            }
        });
        Ok(Mailbox { port, inbox, accepting })
    }

    /// The server's settings that send its e-mail here.
    pub fn server_env(&self) -> Vec<(String, String)> {
        [
            ("PARTNERHUB_SMTP_HOST", "127.0.0.1".to_owned()),
            ("PARTNERHUB_SMTP_PORT", self.port.to_string()),
            ("PARTNERHUB_SMTP_TLS", "none".to_owned()),
            ("PARTNERHUB_SMTP_FROM", "Partner Program <partners@bench.example>".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// The newest link to `to` whose path holds `part`, waiting for it (the server sends its
    /// outbox every 2 seconds) up to `wait`.
    pub async fn link(&self, to: &str, part: &str, wait: Duration) -> anyhow::Result<String> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let found = {
                let inbox = self.inbox.lock().unwrap_or_else(|p| p.into_inner());
                inbox.get(to).and_then(|mails| {
                    mails.iter().rev().find_map(|m| m.split_whitespace().find(|w| w.contains(part)).map(str::to_owned))
                })
            };
            if let Some(link) = found {
                return Ok(link);
            }
            if tokio::time::Instant::now() > deadline {
                bail!("no e-mail with a {part} link reached {to} within {wait:?}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// One SMTP conversation: any number of messages, each kept under its recipients.
async fn session(stream: TcpStream, inbox: Inbox) -> anyhow::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 bench SMTP\r\n").await?;
    let mut recipients: Vec<String> = Vec::new();
    while let Some(line) = lines.next_line().await? {
        let verb = line.get(..4).unwrap_or(&line).to_ascii_uppercase();
        let answer: &[u8] = match verb.as_str() {
            "EHLO" | "HELO" => b"250 bench\r\n",
            "MAIL" | "RSET" | "NOOP" => {
                if verb != "NOOP" {
                    recipients.clear();
                }
                b"250 OK\r\n"
            }
            "RCPT" => {
                let to = line.split(['<', '>']).nth(1).context("RCPT without an address")?;
                recipients.push(to.to_ascii_lowercase());
                b"250 OK\r\n"
            }
            "DATA" => {
                write.write_all(b"354 go ahead\r\n").await?;
                let mut message = String::new();
                while let Some(line) = lines.next_line().await? {
                    if line == "." {
                        break;
                    }
                    message.push_str(line.strip_prefix('.').unwrap_or(&line));
                    message.push('\n');
                }
                let body = unfold_quoted_printable(&message);
                let mut inbox = inbox.lock().unwrap_or_else(|p| p.into_inner());
                for to in recipients.drain(..) {
                    inbox.entry(to).or_default().push(body.clone());
                }
                b"250 OK\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 not here\r\n",
        };
        write.write_all(answer).await?;
    }
    Ok(())
}

/// Joins the lines a quoted-printable body broke (links are long) and decodes `=3D`.
fn unfold_quoted_printable(text: &str) -> String {
    text.replace("=\n", "").replace("=3D", "=")
}
