//! The HTTP client `openidconnect` talks to the provider through: the workspace's reqwest (rustls
//! with ring), not a second reqwest of the library's own. Discovery, the key set and the token
//! endpoint are the only calls; none follows a redirect, each has a time limit, and an answer
//! larger than [`MAX_ANSWER_BYTES`] is refused.

use openidconnect::{AsyncHttpClient, HttpRequest, HttpResponse};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// How long the provider has to answer one call.
const TIMEOUT: Duration = Duration::from_secs(10);
/// A discovery document, a key set or a token answer is a few kilobytes.
const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// Why a call to the provider failed, in words for the log and the person.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpFailure(String);

pub struct Http {
    client: reqwest::Client,
}

impl Http {
    pub fn new() -> Result<Http, reqwest::Error> {
        // reqwest has no TLS provider of its own here (see payments::stripe): use ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            // The token endpoint's answer carries secrets: never carry the request elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("partnerhub-sso/1")
            .build()?;
        Ok(Http { client })
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpFailure> {
        let request = reqwest::Request::try_from(request).map_err(|e| HttpFailure(format!("bad request: {e}")))?;
        let mut response = self.client.execute(request).await.map_err(|e| HttpFailure(transport_error(&e)))?;
        let mut answer = openidconnect::http::Response::builder().status(response.status());
        for (name, value) in response.headers() {
            answer = answer.header(name, value);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| HttpFailure(transport_error(&e)))? {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(HttpFailure(format!("the answer is larger than {MAX_ANSWER_BYTES} bytes")));
            }
            body.extend_from_slice(&chunk);
        }
        answer.body(body).map_err(|e| HttpFailure(format!("unreadable answer: {e}")))
    }
}

impl<'c> AsyncHttpClient<'c> for Http {
    type Error = HttpFailure;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpFailure>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}

/// A transport failure in words (reqwest's own message names the URL, which is the
/// provider's and no secret).
fn transport_error(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        format!("no answer within {} seconds", TIMEOUT.as_secs())
    } else if e.is_connect() {
        format!("cannot connect ({e})")
    } else {
        e.to_string()
    }
}
