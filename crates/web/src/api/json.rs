//! The body and query extractors of the API: a body that is not JSON, has unknown fields or
//! wrong types, or is too large, and a query string that does not parse, are answered with a
//! problem document and the handler never runs.

use crate::error::Problem;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(problem_for(rejection)),
        }
    }
}

/// The query string, parsed; one that does not fit is a 400 `invalid_query` problem.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Problem> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                format!("the query string does not fit this request: {}", without_values(&rejection.body_text())),
                None,
            )),
        }
    }
}

fn problem_for(rejection: JsonRejection) -> Problem {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with `Content-Type: application/json`",
            None,
        ),
        JsonRejection::JsonDataError(e) => Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            format!("the JSON does not fit this request: {}", without_values(&e.body_text())),
            None,
        ),
        JsonRejection::JsonSyntaxError(e) => Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("the body is not valid JSON: {}", e.body_text()),
            None,
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "the body is too large", None)
        }
        other => Problem::new(other.status(), "invalid_body", other.body_text(), None),
    }
}

/// serde quotes the offending value between backticks; a value may be a card number or a CVC,
/// so it is left out of the answer (the field and what was expected stay).
fn without_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut inside = false;
    for c in text.chars() {
        if c == '`' {
            if inside {
                out.push_str("…`");
            } else {
                out.push('`');
            }
            inside = !inside;
        } else if !inside {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn values_are_left_out_of_errors() {
        let text = "card.cvc: invalid type: integer `123`, expected a string at line 1 column 9";
        assert_eq!(
            super::without_values(text),
            "card.cvc: invalid type: integer `…`, expected a string at line 1 column 9"
        );
    }
}
