//! The program's OpenID provider, through the `openidconnect` crate: discovery at start, the
//! authorization URL (code flow with PKCE), the code exchanged at the token endpoint, and the
//! ID token verified: its signature by a key of the provider's key set (fetched again, at most
//! once a minute, when a token names a key the set lacks), its issuer, its audience (this
//! client only), its times within a bounded clock skew, and its nonce.

use super::http::{Http, HttpFailure};
use chrono::{DateTime, Duration, Utc};
use domain::sso::SsoPolicy;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreClientAuthMethod, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreProviderMetadata,
    CoreResponseType, CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthType, AuthenticationFlow, AuthorizationCode, ClaimsVerificationError, Client, ClientId,
    ClientSecret, CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenClaims,
    IdTokenFields, IdTokenVerifier, IssuerUrl, JsonWebKeySet, JsonWebKeySetUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, SignatureVerificationError, StandardErrorResponse,
    StandardTokenResponse,
};
use serde::{Deserialize, Serialize};
use std::sync::RwLock;

/// Where the provider sends the browser back, under the public URL.
pub const CALLBACK_PATH: &str = "/sso/callback";
/// The program's provider, as the operator configured it.
#[derive(Clone)]
pub struct SsoSettings {
    /// The issuer URL; its discovery document is read at start.
    pub issuer: String,
    pub client_id: String,
    /// None for a public client (PKCE alone).
    pub client_secret: Option<String>,
    /// What the sign-in pages call it: **Sign in with <name>**.
    pub name: String,
    /// The ID token's claim that names a staff role.
    pub role_claim: String,
    /// The scopes asked for (`openid` always is).
    pub scopes: Vec<String>,
    pub policy: SsoPolicy,
}

impl std::fmt::Debug for SsoSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "…"))
            .field("name", &self.name)
            .field("role_claim", &self.role_claim)
            .field("scopes", &self.scopes)
            .field("policy", &self.policy)
            .finish()
    }
}

/// How far the provider's clock may be from ours: an ID token is taken until this long after
/// its expiry, and refused if it says it was issued further ahead than this.
pub const CLOCK_SKEW: Duration = Duration::minutes(2);
/// An ID token issued longer ago than this (plus the skew) is refused: the token endpoint
/// makes it when the code is exchanged, a moment before we read it.
const OLDEST_TOKEN: Duration = Duration::minutes(10);
/// The key set is fetched again for an unknown key at most this often, so that tokens naming
/// made-up keys cannot make us hammer the provider.
const KEY_REFRESH_EVERY: Duration = Duration::minutes(1);

/// Claims besides the standard ones (the staff role claim, whatever its name).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct OtherClaims {
    #[serde(flatten)]
    pub claims: serde_json::Map<String, serde_json::Value>,
}

impl AdditionalClaims for OtherClaims {}

type Fields = IdTokenFields<
    OtherClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Tokens = StandardTokenResponse<Fields, CoreTokenType>;
/// The library's client with our claims and an authorization endpoint; the token endpoint is
/// set once discovery found one.
type OidcClient<HasTokenUrl = EndpointSet> = Client<
    OtherClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    HasTokenUrl,
    EndpointMaybeSet,
>;

/// Verified claims of an ID token.
pub type Claims = IdTokenClaims<OtherClaims, CoreGenderClaim>;

/// Only signatures by the provider's published keys: no HMAC with the client secret, no `none`.
const SIGNED_BY_KEYS: [CoreJwsSigningAlgorithm; 9] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
    CoreJwsSigningAlgorithm::EdDsa,
];

/// Why the provider did not give us a verified identity.
#[derive(Debug)]
pub enum Failure {
    /// The token endpoint refused the code (used already, expired, another verifier) or
    /// could not be reached; the words are for the person and the log.
    Exchange(String),
    /// The answer had no ID token.
    NoIdToken,
    /// The ID token failed a check.
    Token(ClaimsVerificationError),
}

/// The provider found at start.
pub struct Provider {
    client: OidcClient,
    issuer: IssuerUrl,
    client_id: ClientId,
    scopes: Vec<String>,
    jwks_uri: JsonWebKeySetUrl,
    keys: RwLock<CoreJsonWebKeySet>,
    /// When the key set was last asked for again (not at start).
    refreshed_at: tokio::sync::Mutex<Option<DateTime<Utc>>>,
    http: Http,
}

/// Why the provider cannot be used, for the operator at start.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SetupError(pub String);

impl Provider {
    /// Reads the provider's discovery document and key set; fails if either cannot be read, if
    /// the document names another issuer, or if it has no token endpoint.
    pub async fn discover(settings: &SsoSettings, redirect_uri: &str) -> Result<Provider, SetupError> {
        let issuer = IssuerUrl::new(settings.issuer.clone())
            .map_err(|e| SetupError(format!("`{}` is not a URL: {e}", settings.issuer)))?;
        let http = Http::new().map_err(|e| SetupError(format!("cannot set up the HTTP client: {e}")))?;
        let metadata = CoreProviderMetadata::discover_async(issuer.clone(), &http).await.map_err(|e| {
            SetupError(format!(
                "discovery at {}/.well-known/openid-configuration failed: {}",
                issuer.as_str().trim_end_matches('/'),
                chain(&e)
            ))
        })?;
        let token_uri = metadata
            .token_endpoint()
            .cloned()
            .ok_or_else(|| SetupError("the provider's discovery document names no token endpoint".into()))?;
        let auth_type = match metadata.token_endpoint_auth_methods_supported() {
            Some(methods)
                if !methods.contains(&CoreClientAuthMethod::ClientSecretBasic)
                    && methods.contains(&CoreClientAuthMethod::ClientSecretPost) =>
            {
                AuthType::RequestBody
            }
            _ => AuthType::BasicAuth,
        };
        let redirect = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|e| SetupError(format!("the redirect URI {redirect_uri} is not a URL: {e}")))?;
        let client_id = ClientId::new(settings.client_id.clone());
        let keys = RwLock::new(metadata.jwks().clone());
        let jwks_uri = metadata.jwks_uri().clone();
        let client = OidcClient::<EndpointMaybeSet>::from_provider_metadata(
            metadata,
            client_id.clone(),
            settings.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(redirect)
        .set_token_uri(token_uri)
        .set_auth_type(auth_type);
        Ok(Provider {
            client,
            issuer,
            client_id,
            scopes: settings.scopes.clone(),
            jwks_uri,
            keys,
            refreshed_at: tokio::sync::Mutex::new(None),
            http,
        })
    }

    pub fn issuer(&self) -> &str {
        self.issuer.as_str()
    }

    /// The scheme, host and port of the authorization endpoint, which the sign-in forms send the
    /// browser on to (the pages' `form-action` must allow it).
    pub fn authorization_origin(&self) -> String {
        self.client.auth_uri().url().origin().ascii_serialization()
    }

    /// Where to send the browser: the code flow with this `state`, `nonce` and the PKCE
    /// challenge of `verifier`.
    pub fn authorize_url(&self, state: String, nonce: String, verifier: &str) -> String {
        let challenge = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(verifier.to_owned()));
        // `openid` is always asked for by the library.
        let scopes = self.scopes.iter().filter(|s| s.as_str() != "openid").map(|s| Scope::new(s.clone()));
        let (url, _, _) = self
            .client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                move || CsrfToken::new(state),
                move || Nonce::new(nonce),
            )
            .add_scopes(scopes)
            .set_pkce_challenge(challenge)
            .url();
        url.into()
    }

    /// Exchanges `code` with its PKCE `verifier` and returns the ID token's claims once every
    /// check passed. `nonce_matches` says whether the token's nonce is this sign-in's.
    pub async fn identity(
        &self,
        code: &str,
        verifier: &str,
        nonce_matches: impl Fn(&str) -> bool + Clone + Send + Sync + 'static,
        now: DateTime<Utc>,
    ) -> Result<Claims, Failure> {
        let tokens = self
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|e| Failure::Exchange(exchange_error(&e)))?;
        let id_token = tokens.extra_fields().id_token().ok_or(Failure::NoIdToken)?;
        match self.verify(id_token, nonce_matches.clone(), now) {
            Err(ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey)) => {
                // The provider may have rotated its keys since we last read them.
                if self.refresh_keys(now).await {
                    self.verify(id_token, nonce_matches, now).map_err(Failure::Token)
                } else {
                    Err(Failure::Token(ClaimsVerificationError::SignatureVerification(
                        SignatureVerificationError::NoMatchingKey,
                    )))
                }
            }
            other => other.map_err(Failure::Token),
        }
    }

    fn verify(
        &self,
        id_token: &openidconnect::IdToken<
            OtherClaims,
            CoreGenderClaim,
            CoreJweContentEncryptionAlgorithm,
            CoreJwsSigningAlgorithm,
        >,
        nonce_matches: impl Fn(&str) -> bool + Send + Sync + 'static,
        now: DateTime<Utc>,
    ) -> Result<Claims, ClaimsVerificationError> {
        let keys = self.keys.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
        let verifier = IdTokenVerifier::new_public_client(self.client_id.clone(), self.issuer.clone(), keys)
            .set_allowed_algs(SIGNED_BY_KEYS)
            // Expiry is checked against this time: ours, less the skew we allow.
            .set_time_fn(move || now - CLOCK_SKEW)
            .set_issue_time_verifier_fn(move |issued| {
                if issued > now + CLOCK_SKEW {
                    Err(format!("issued at {issued}, ahead of our clock ({now}) by more than the allowed skew"))
                } else if issued < now - OLDEST_TOKEN - CLOCK_SKEW {
                    Err(format!("issued at {issued}, too long before now ({now})"))
                } else {
                    Ok(())
                }
            });
        let check_nonce = move |nonce: Option<&Nonce>| match nonce {
            Some(nonce) if nonce_matches(nonce.secret()) => Ok(()),
            Some(_) => Err("the nonce is not this sign-in's".to_owned()),
            None => Err("the token carries no nonce".to_owned()),
        };
        id_token.claims(&verifier, check_nonce).cloned()
    }

    /// Fetches the key set again unless that was done less than a minute ago; says whether
    /// it did.
    async fn refresh_keys(&self, now: DateTime<Utc>) -> bool {
        let mut refreshed_at = self.refreshed_at.lock().await;
        if refreshed_at.is_some_and(|at| now - at < KEY_REFRESH_EVERY) {
            return false;
        }
        *refreshed_at = Some(now);
        match JsonWebKeySet::fetch_async(&self.jwks_uri, &self.http).await {
            Ok(keys) => {
                *self.keys.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = keys;
                tracing::info!(issuer = %self.issuer.as_str(), "fetched the provider's key set again");
                true
            }
            Err(e) => {
                tracing::warn!(issuer = %self.issuer.as_str(), error = %chain(&e), "cannot fetch the provider's key set");
                false
            }
        }
    }
}

/// The token endpoint's refusal or the transport's failure, in words.
fn exchange_error(e: &RequestTokenError<HttpFailure, StandardErrorResponse<CoreErrorResponseType>>) -> String {
    match e {
        RequestTokenError::ServerResponse(answer) => match answer.error_description() {
            Some(description) => format!("{} ({})", answer.error().as_ref(), cut(description)),
            None => answer.error().as_ref().to_owned(),
        },
        RequestTokenError::Request(failure) => format!("the token endpoint cannot be reached: {failure}"),
        RequestTokenError::Parse(e, _) => format!("the token endpoint's answer is not valid: {e}"),
        RequestTokenError::Other(words) => words.clone(),
    }
}

/// An error with its causes, one after the other.
fn chain(e: &dyn std::error::Error) -> String {
    let mut words = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        words.push_str(": ");
        words.push_str(&cause.to_string());
        source = cause.source();
    }
    words
}

/// Text from the provider, cut to a length that fits a message.
pub fn cut(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(200).collect()
}
