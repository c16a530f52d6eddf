//! Conditional requests on versioned resources (RFC 9110 §13): `ETag:
//! "<version>"` on every answer about one user or product, `If-Match` on
//! changes, `If-None-Match` on reads.

use actix_web::body::BoxBody;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, Responder};
use oms_domain::IfMatch;

use crate::error::ApiError;
use crate::respond::Answer;

/// The `If-Match` of a request: `None` when absent; `*` or a list of strong
/// tags (`"3", "4"`). A weak tag never matches (strong comparison); anything
/// else is 400 naming the header.
pub fn if_match(req: &HttpRequest) -> Result<Option<IfMatch>, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let invalid = || {
        ApiError::invalid(
            "If-Match",
            "If-Match must be * or a list of entity tags such as \"3\"",
        )
    };
    let text = value.to_str().map_err(|_| invalid())?.trim();
    if text == "*" {
        return Ok(Some(IfMatch::Any));
    }
    let mut versions = Vec::new();
    for tag in text.split(',').map(str::trim) {
        match tag.strip_prefix("W/") {
            Some(weak) => {
                parse_tag(weak).ok_or_else(invalid)?;
            }
            None => versions.push(parse_tag(tag).ok_or_else(invalid)?),
        }
    }
    Ok(Some(IfMatch::Versions(versions)))
}

/// Whether the request's `If-None-Match` names `version` (weak comparison) or is `*`.
fn none_match_names(req: &HttpRequest, version: i32) -> bool {
    let Some(text) = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    text.split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || parse_tag(tag.strip_prefix("W/").unwrap_or(tag)) == Some(version))
}

/// `"3"` → 3.
fn parse_tag(tag: &str) -> Option<i32> {
    tag.strip_prefix('"')?.strip_suffix('"')?.parse().ok()
}

/// An answer about one versioned resource: `ETag` added, and 304 with no body
/// when the request's `If-None-Match` names the version.
#[derive(Debug)]
pub struct Versioned<R> {
    version: i32,
    answer: R,
}

impl<R> Versioned<R> {
    /// `answer`, about a resource at `version`.
    pub fn new(version: i32, answer: R) -> Self {
        Self { version, answer }
    }
}

impl<R: Responder> Responder for Versioned<R> {
    type Body = BoxBody;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse {
        let response = if req.method() == actix_web::http::Method::GET
            && none_match_names(req, self.version)
        {
            HttpResponse::new(StatusCode::NOT_MODIFIED)
        } else {
            self.answer.respond_to(req).map_into_boxed_body()
        };
        tagged(response, self.version)
    }
}

/// A versioned answer to a change is the same whatever the request's
/// conditions (`If-None-Match` only concerns `GET`).
impl<R: Answer> Answer for Versioned<R> {
    fn into_response(self) -> HttpResponse {
        tagged(self.answer.into_response(), self.version)
    }
}

/// `response` with the `ETag` of `version`, when it is a success or a 304.
fn tagged(mut response: HttpResponse, version: i32) -> HttpResponse {
    if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        let tag = HeaderValue::from_str(&format!("\"{version}\""))
            .expect("a number in quotes is a valid header value");
        response.headers_mut().insert(header::ETAG, tag);
    }
    response
}

crate::respond::documented_as_inner!(Versioned);

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn with_if_match(value: &str) -> Result<Option<IfMatch>, ApiError> {
        if_match(
            &TestRequest::default()
                .insert_header((header::IF_MATCH, value))
                .to_http_request(),
        )
    }

    #[test]
    fn if_match_takes_star_and_strong_tags_and_refuses_the_rest() {
        assert_eq!(with_if_match("*").unwrap(), Some(IfMatch::Any));
        assert_eq!(
            with_if_match("\"3\", \"5\"").unwrap(),
            Some(IfMatch::Versions(vec![3, 5]))
        );
        assert_eq!(
            with_if_match("W/\"3\"").unwrap(),
            Some(IfMatch::Versions(vec![])),
            "a weak tag never matches"
        );
        for bad in ["3", "\"x\"", "\"3\" \"4\"", ""] {
            assert!(with_if_match(bad).is_err(), "{bad}");
        }
        assert_eq!(
            if_match(&TestRequest::default().to_http_request()).unwrap(),
            None
        );
    }
}
