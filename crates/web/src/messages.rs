//! The wording of refusals, in the page's language.

use cairn_app::{AppError, Reason};
use cairn_auth::password::PasswordProblem;

use crate::i18n::Texts;

/// The sentence for a refused value.
pub fn reason_text(t: &'static Texts, reason: &Reason) -> String {
    match reason {
        Reason::Password(problem) => password_problem(t, *problem).to_owned(),
        Reason::CurrentPassword => t.current_password_wrong.to_owned(),
        Reason::Name => t.name_invalid.to_owned(),
        Reason::Email => t.email_invalid.to_owned(),
        Reason::Code => t.code_wrong.to_owned(),
        Reason::Image | Reason::TooLarge => t.avatar_invalid.to_owned(),
        Reason::Text(message) => format!("{} {message}", t.field_invalid),
    }
}

/// The field and sentence of an error a form shows next to its field;
/// `None` for errors that are no fault of the form (they become error pages).
pub fn form_error(t: &'static Texts, error: &AppError) -> Option<(String, String)> {
    match error {
        // Whatever is wrong with an address, the reader is told it cannot receive mail.
        AppError::Invalid { field, .. } if field == "email" => Some((field.clone(), t.email_invalid.to_owned())),
        AppError::Invalid { field, reason } => Some((field.clone(), reason_text(t, reason))),
        AppError::Conflict { field: "email" } => Some(("email".into(), t.email_taken.to_owned())),
        AppError::Conflict { field } => Some(((*field).to_owned(), t.name_taken.to_owned())),
        _ => None,
    }
}

/// The sentence for a password problem.
pub fn password_problem(t: &'static Texts, problem: PasswordProblem) -> &'static str {
    match problem {
        PasswordProblem::TooShort => t.password_too_short,
        PasswordProblem::TooLong => t.password_too_long,
        PasswordProblem::Mismatch => t.password_mismatch,
        PasswordProblem::ContainsIdentity => t.password_identity,
        PasswordProblem::Weak => t.password_weak,
    }
}
