//! The caller's own account in the API: the password, and the personal API tokens.

use super::page::{Page, PageQuery, list_of};
use crate::auth::ApiCaller;
use crate::error::{ApiError, Problem};
use crate::state::AppState;
use app::AppError;
use app::accounts::ApiTokens;
use app::tokens::SignedInWith;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use domain::ids::ApiTokenId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

type ApiResult<T> = Result<T, ApiError>;

/// A personal API token; the secret itself only in the answer that creates it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    /// The secret's last four characters, to tell tokens apart.
    pub hint: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

list_of!(ApiTokenList, ApiToken);

fn dto(t: store::api_tokens::ApiTokenRecord, token: Option<String>) -> ApiToken {
    ApiToken {
        id: t.id.to_string(),
        name: t.name.to_string(),
        hint: t.hint,
        created_at: t.created_at,
        last_used_at: t.last_used_at,
        revoked_at: t.revoked_at,
        token,
    }
}

/// The caller's API tokens, live and revoked.
#[utoipa::path(get, path = "/api/v1/api-tokens", tag = "users", params(PageQuery),
    responses((status = 200, body = ApiTokenList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    super::ApiQuery(page): super::ApiQuery<PageQuery>,
) -> ApiResult<Json<ApiTokenList>> {
    let tokens = app::tokens::list(&state.app, &caller.actor).await?;
    let data: Vec<ApiToken> = tokens.into_iter().map(|t| dto(t, None)).collect();
    Ok(Json(ApiTokenList::from(Page::of(data, |t: &ApiToken| t.id.as_str(), &page)?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiToken {
    /// What the token is for, e.g. "CRM sync".
    pub name: String,
}

/// Refused to every API caller (403, `session_required`): tokens are made by a signed-in person
/// on the API tokens page of their account, so that no token can make another that would
/// outlive its revocation.
#[utoipa::path(post, path = "/api/v1/api-tokens", tag = "users", request_body = NewApiToken,
    responses((status = 201, body = ApiToken), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    super::ApiJson(body): super::ApiJson<NewApiToken>,
) -> ApiResult<(StatusCode, Json<ApiToken>)> {
    let (record, secret) =
        app::tokens::create(&state.app, &caller.actor, SignedInWith::ApiToken, &body.name, &caller.origin).await?;
    Ok((StatusCode::CREATED, Json(dto(record, Some(secret)))))
}

/// Revokes one of the caller's tokens (the one in use too).
#[utoipa::path(delete, path = "/api/v1/api-tokens/{id}", tag = "users", params(("id" = String, Path)),
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn revoke(State(state): State<AppState>, caller: ApiCaller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let id = ApiTokenId::parse(&id).map_err(|_| ApiError(AppError::NotFound("API token")))?;
    app::tokens::revoke(&state.app, &caller.actor, &id, &caller.origin).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// 12 to 128 characters, not one of the most common passwords.
    pub new_password: String,
    /// Also revoke every API token of the caller, the one in use included (default `true`).
    #[serde(default)]
    pub revoke_api_tokens: Option<bool>,
}

/// Changes the caller's password; every signed-in session ends, and unless
/// `revoke_api_tokens` is `false`, every API token too.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "users", request_body = PasswordChange,
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn change_password(
    State(state): State<AppState>,
    caller: ApiCaller,
    super::ApiJson(body): super::ApiJson<PasswordChange>,
) -> ApiResult<StatusCode> {
    app::accounts::change_password(
        &state.app,
        &caller.actor,
        None,
        &body.current_password,
        &body.new_password,
        if body.revoke_api_tokens.unwrap_or(true) { ApiTokens::Revoke } else { ApiTokens::Keep },
        &caller.origin,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
