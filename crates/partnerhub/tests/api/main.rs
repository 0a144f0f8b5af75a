//! Integration tests: the real server over HTTP, on SQLite by default and on PostgreSQL with
//! `PARTNERHUB_TEST_DB=postgres` (the test script runs both).

mod helpers;

mod api_contract;
mod benefits;
mod cancellation;
mod checkout;
mod competencies;
mod connections;
mod crash;
mod documents;
mod email;
mod email_languages;
mod email_links;
mod error_languages;
mod headers;
mod isolation;
mod languages;
mod lifecycle;
mod oidc;
mod passkeys;
mod rate_limits;
mod renewal_scale;
mod second_factor;
mod signin_throttling;
mod signup_and_signin;
mod sso;
mod sso_passkeys;
mod sso_tokens;
mod staff_console;
mod startup;
mod storage;
mod support;
mod tokens;
mod users_and_roles;
mod webhooks;
