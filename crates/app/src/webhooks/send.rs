//! Posting one delivery over HTTP, to public addresses only (`domain::webhook::may_deliver_to`).
//!
//! What is checked is the address connected to: a name is resolved here, at each delivery,
//! and the client connects only to the resolved addresses that passed (a name whose DNS
//! changes after registration is caught); an address written in the URL, which the client
//! connects to without resolving, is checked before the request is made. No proxy is used (it
//! would resolve the name itself) and redirects are not followed (a public receiver could
//! answer with an internal `Location`).

use domain::net::{self, Cidr, Host};
use domain::webhook;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// How long a receiver has to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The HTTP client of webhook deliveries, with the operator's allowed internal ranges.
pub struct Sender {
    client: reqwest::Client,
    allowed: Arc<Vec<Cidr>>,
}

/// How an attempt went.
pub enum Sent {
    /// The receiver answered with this status.
    Answered(reqwest::StatusCode),
    /// The address is not public: nothing was sent (and nothing is said about the address's
    /// ports, so the delivery log cannot be used to scan the internal network).
    Refused,
    /// No answer within [`TIMEOUT`].
    TimedOut,
    /// No connection to the receiver.
    Unreachable,
    /// Any other failure of the request.
    Failed,
}

/// The request to send: the URL and the signed body with its headers.
pub struct Post<'a> {
    pub url: &'a str,
    pub headers: [(&'static str, String); 3],
    pub body: String,
}

impl Sender {
    pub fn new(allowed: Vec<Cidr>) -> Result<Sender, reqwest::Error> {
        // reqwest has no TLS provider of its own here (see payments::stripe): use ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let allowed = Arc::new(allowed);
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(PublicOnly { allowed: allowed.clone() }))
            .user_agent("partnerhub-webhooks/1")
            .build()?;
        Ok(Sender { client, allowed })
    }

    pub async fn post(&self, post: Post<'_>) -> Sent {
        let Ok(url) = reqwest::Url::parse(post.url) else { return Sent::Failed };
        // An address in the URL is connected to without resolving: check it here.
        match url.host_str().map(net::parse_host) {
            Some(Ok(Host::Address(ip))) if !webhook::may_deliver_to(ip, &self.allowed) => return Sent::Refused,
            Some(Ok(_)) => {}
            None | Some(Err(_)) => return Sent::Failed,
        }
        let mut request = self.client.post(url).header("content-type", "application/json");
        for (name, value) in post.headers {
            request = request.header(name, value);
        }
        match request.body(post.body).send().await {
            Ok(response) => Sent::Answered(response.status()),
            Err(e) if caused_by_refusal(&e) => Sent::Refused,
            Err(e) if e.is_timeout() => Sent::TimedOut,
            Err(e) if e.is_connect() => Sent::Unreachable,
            Err(_) => Sent::Failed,
        }
    }
}

/// The resolver of the webhook client: the system's, keeping only the addresses a delivery
/// may go to, and an error when none is left.
struct PublicOnly {
    allowed: Arc<Vec<Cidr>>,
}

#[derive(Debug)]
struct RefusedAddress;

impl std::fmt::Display for RefusedAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the receiver's name resolves to no public address")
    }
}

impl std::error::Error for RefusedAddress {}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let allowed = self.allowed.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let resolved = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let usable: Vec<SocketAddr> = resolved.filter(|a| webhook::may_deliver_to(a.ip(), &allowed)).collect();
            if usable.is_empty() {
                return Err(Box::new(RefusedAddress) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(usable.into_iter()) as Addrs)
        })
    }
}

fn caused_by_refusal(e: &reqwest::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cause {
        if err.is::<RefusedAddress>() {
            return true;
        }
        cause = err.source();
    }
    false
}
