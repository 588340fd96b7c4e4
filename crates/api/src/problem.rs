//! Errors as `application/problem+json` (RFC 9457): every refusal of the API
//! has a status, a short title and a sentence for the developer. "Not
//! allowed" and "not there" are one answer, 404, as on the pages.

use cairn_app::{AppError, Reason};
use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

/// A problem report.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct Problem {
    /// The HTTP status code.
    pub status: u16,
    /// A short summary of the kind of problem.
    pub title: String,
    /// What went wrong in this request.
    pub detail: String,
    /// For invalid input: the field concerned.
    #[oai(skip_serializing_if_is_none)]
    pub field: Option<String>,
}

impl poem_openapi::types::Example for Problem {
    fn example() -> Self {
        Problem { status: 404, title: "Not Found".into(), detail: "No such resource.".into(), field: None }
    }
}

impl Problem {
    /// A problem of `status` with `detail`.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Problem {
            status: status.as_u16(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            detail: detail.into(),
            field: None,
        }
    }

    /// As a response with the problem content type.
    pub fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut body = serde_json::json!({ "status": self.status, "title": self.title, "detail": self.detail, "field": self.field });
        if self.field.is_none()
            && let Some(map) = body.as_object_mut()
        {
            map.remove("field");
        }
        poem::Response::builder()
            .status(status)
            .content_type("application/problem+json")
            .body(body.to_string())
            .into_response()
    }
}

/// Every refusal an operation may answer with.
#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// The request cannot be read (malformed JSON, wrong types).
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<Problem>),
    /// No valid API key: missing, unknown, revoked or expired.
    #[oai(status = 401, content_type = "application/problem+json")]
    Unauthorized(Json<Problem>),
    /// Not there, or not within the key's reach: the same answer for both.
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<Problem>),
    /// The value collides with an existing one (a name, an e-mail).
    #[oai(status = 409, content_type = "application/problem+json")]
    Conflict(Json<Problem>),
    /// The body is not `application/json`.
    #[oai(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Json<Problem>),
    /// A field is invalid or unknown; nothing was changed.
    #[oai(status = 422, content_type = "application/problem+json")]
    Invalid(Json<Problem>),
    /// Too many requests for this key: wait `Retry-After` seconds.
    #[oai(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Json<Problem>, #[oai(header = "Retry-After")] i64),
    /// Something failed on the server; nothing was changed.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    /// The database is unavailable for a moment; nothing was changed: retry after `Retry-After` seconds.
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>, #[oai(header = "Retry-After")] i64),
}

impl ApiError {
    /// A 422 for `field`.
    pub fn invalid(field: &str, detail: impl Into<String>) -> Self {
        let mut problem = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, detail);
        problem.field = Some(field.to_owned());
        ApiError::Invalid(Json(problem))
    }

    /// A 404.
    pub fn not_found() -> Self {
        ApiError::NotFound(Json(Problem::new(StatusCode::NOT_FOUND, "No such resource.")))
    }
}

/// Why a value was refused, in English.
fn reason_text(reason: &Reason) -> String {
    match reason {
        Reason::Password(problem) => format!("the password is not acceptable ({problem:?})"),
        Reason::CurrentPassword => "the current password is wrong".into(),
        Reason::Name => "1 to 100 characters, no line breaks".into(),
        Reason::Email => "not an address mail can be sent to".into(),
        Reason::Code => "the code is wrong".into(),
        Reason::Image => "not a usable picture".into(),
        Reason::TooLarge => "too large".into(),
        Reason::Text(text) => text.clone(),
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::NotFound | AppError::LinkInvalid => ApiError::not_found(),
            AppError::Invalid { field, reason } => ApiError::invalid(&field, reason_text(&reason)),
            AppError::Conflict { field } => {
                let mut problem = Problem::new(StatusCode::CONFLICT, format!("{field} is taken"));
                problem.field = Some(field.to_owned());
                ApiError::Conflict(Json(problem))
            }
            AppError::WrongState(detail) => ApiError::Conflict(Json(Problem::new(StatusCode::CONFLICT, detail))),
            AppError::Unconfirmed { fields } => {
                let named: Vec<String> = fields.iter().map(|(name, n)| format!("{name} ({n} records)")).collect();
                let mut problem = Problem::new(
                    StatusCode::CONFLICT,
                    format!(
                        "Removing these fields would remove their values: {}. Send confirm_removal: true to remove them; the values stay in the records' history.",
                        named.join(", ")
                    ),
                );
                problem.field = Some("fields".into());
                ApiError::Conflict(Json(problem))
            }
            AppError::Rejected | AppError::SignInRequired => {
                ApiError::Unauthorized(Json(Problem::new(StatusCode::UNAUTHORIZED, "A valid API key is required.")))
            }
            AppError::Locked { seconds } => ApiError::TooManyRequests(
                Json(Problem::new(StatusCode::TOO_MANY_REQUESTS, format!("Too many requests; retry in {seconds} s."))),
                seconds,
            ),
            AppError::Unavailable => ApiError::Unavailable(
                Json(Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The database is unavailable for a moment; nothing was changed. Retry shortly.",
                )),
                2,
            ),
            AppError::Internal(_) => ApiError::Internal(Json(Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The request failed on the server; nothing was changed.",
            ))),
        }
    }
}

/// Turns every error below into problem+json: the API's own refusals keep
/// their status and body; errors of the framework (a body that is not JSON,
/// a missing parameter, a missing key) get a problem of their status. A
/// body that cannot be read as the operation's object — unknown fields
/// included — is 422.
pub async fn problem_json<E: poem::Endpoint>(inner: std::sync::Arc<E>, req: poem::Request) -> poem::Result<Response> {
    if cairn_app::has_nul(req.uri().path()) || req.uri().query().is_some_and(cairn_app::has_nul) {
        return Ok(Problem::new(StatusCode::BAD_REQUEST, "The URL holds a NUL character.").into_response());
    }
    match inner.call(req).await {
        Ok(response) => Ok(response.into_response()),
        Err(error) => {
            if error.is::<poem_openapi::error::ParseRequestPayloadError>() {
                let detail = error.to_string();
                let mut problem = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, detail.clone());
                // Name the unknown field, as refusals by the use cases do.
                problem.field = detail
                    .split_once("unknown field `")
                    .and_then(|(_, rest)| rest.split_once('`'))
                    .map(|(field, _)| field.to_owned());
                return Ok(problem.into_response());
            }
            if error.is::<poem_openapi::error::ParseParamError>() {
                return Ok(Problem::new(StatusCode::BAD_REQUEST, error.to_string()).into_response());
            }
            if error.is::<poem_openapi::error::AuthorizationError>() {
                return Ok(Problem::new(StatusCode::UNAUTHORIZED, "A valid API key is required.").into_response());
            }
            let response = error.into_response();
            let is_problem = response
                .headers()
                .get(poem::http::header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
            if is_problem {
                return Ok(response);
            }
            let status = response.status();
            let detail = if status.is_server_error() {
                "The request failed on the server; nothing was changed."
            } else {
                status.canonical_reason().unwrap_or("Error")
            };
            Ok(Problem::new(status, detail).into_response())
        }
    }
}
