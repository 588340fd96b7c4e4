//! TOTP multi-factor authentication (RFC 6238: SHA-1, 6 digits, 30 s, ±1 step).

use std::io::Cursor;

use cairn_store::DbConn;
use cairn_store::schema::{recovery_codes, users};
use cairn_vault::{ExposeSecret, FieldRef, Keyring, SecretString};
use diesel::prelude::*;
use rand::RngCore;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};

use crate::{AuthError, User};

const STEP_SECS: u64 = 30;
const DIGITS: usize = 6;
/// 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;

fn secret_field(user: &User) -> FieldRef<'_> {
    FieldRef { table: "users", record_id: &user.id, field: "totp_secret" }
}

/// What the enrolment page shows: the key as text and the `otpauth://` URI for the QR code.
#[derive(Clone)]
pub struct Enrolment {
    /// The secret in base32, for typing into an app.
    pub secret_base32: SecretString,
    /// `otpauth://totp/<issuer>:<email>?secret=…&issuer=<issuer>`.
    pub otpauth_url: SecretString,
}

impl std::fmt::Debug for Enrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Enrolment { .. }")
    }
}

fn totp(secret: Vec<u8>, issuer: &str, account: &str) -> Result<TOTP, AuthError> {
    // Colons separate issuer and account in the URI; neither may hold one.
    let issuer = issuer.replace(':', " ");
    TOTP::new(Algorithm::SHA1, DIGITS, 1, STEP_SECS, secret, Some(issuer), account.replace(':', " "))
        .map_err(|e| AuthError::invalid("code", e.to_string()))
}

/// The user's enrolment: their sealed secret opened, or a new one made and
/// stored sealed when there is none yet. `issuer` is the tenant's name.
pub fn enrolment(conn: &mut DbConn, keyring: &Keyring, user: &User, issuer: &str) -> Result<Enrolment, AuthError> {
    let secret = match &user.totp_secret_sealed {
        Some(sealed) => keyring
            .open(secret_field(user), sealed)
            .map_err(|_| AuthError::invalid("code", "the MFA secret cannot be read"))?,
        None => {
            let mut bytes = [0u8; SECRET_BYTES];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let secret = SecretString::from(totp_rs::Secret::Raw(bytes.to_vec()).to_encoded().to_string());
            let sealed = keyring.seal(secret_field(user), &secret);
            diesel::update(users::table.find((user.tenant_id.as_str(), user.id.as_str())))
                .set((users::totp_secret_sealed.eq(sealed), users::totp_last_step.eq(0_i64)))
                .execute(conn)?;
            secret
        }
    };
    let raw = totp_rs::Secret::Encoded(secret.expose_secret().to_owned())
        .to_bytes()
        .map_err(|_| AuthError::invalid("code", "the MFA secret is malformed"))?;
    let url = totp(raw, issuer, &user.email)?.get_url();
    Ok(Enrolment { secret_base32: secret, otpauth_url: SecretString::from(url) })
}

/// A PNG of a QR code for `text` (an `otpauth://` URI or an app store link).
pub fn qr_png(text: &str) -> Result<Vec<u8>, AuthError> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|e| AuthError::Image(e.to_string()))?;
    let image = code.render::<image::Luma<u8>>().min_dimensions(240, 240).quiet_zone(true).build();
    let mut png = Vec::new();
    image.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).map_err(|e| AuthError::Image(e.to_string()))?;
    Ok(png)
}

/// Checks a 6-digit code against the user's secret. Each time step is
/// accepted once: one atomic UPDATE records it, so a replayed code (or a
/// race of two requests with one code) fails.
pub fn verify_code(conn: &mut DbConn, keyring: &Keyring, user: &User, code: &str) -> Result<(), AuthError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AuthError::BadCode);
    }
    let sealed = user.totp_secret_sealed.as_deref().ok_or(AuthError::BadCode)?;
    let secret = keyring.open(secret_field(user), sealed).map_err(|_| AuthError::BadCode)?;
    let raw = totp_rs::Secret::Encoded(secret.expose_secret().to_owned()).to_bytes().map_err(|_| AuthError::BadCode)?;
    let totp = totp(raw, "Cairn", &user.email)?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let current = now / STEP_SECS;
    let mut matched = None;
    for step in [current.saturating_sub(1), current, current + 1] {
        let expected = totp.generate(step * STEP_SECS);
        // Compare every candidate, in constant time, whatever matched before.
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) && matched.is_none() {
            matched = Some(step);
        }
    }
    let step = i64::try_from(matched.ok_or(AuthError::BadCode)?).map_err(|_| AuthError::BadCode)?;
    let claimed = diesel::update(users::table.find((user.tenant_id.as_str(), user.id.as_str())))
        .filter(users::totp_last_step.lt(step))
        .set(users::totp_last_step.eq(step))
        .execute(conn)?;
    if claimed == 1 { Ok(()) } else { Err(AuthError::BadCode) }
}

/// Marks enrolment complete.
pub fn complete_enrolment(conn: &mut DbConn, user: &User) -> Result<(), AuthError> {
    diesel::update(users::table.find((user.tenant_id.as_str(), user.id.as_str())))
        .set(users::mfa_enabled_at.eq(cairn_store::now()))
        .execute(conn)?;
    Ok(())
}

/// Forgets the user's MFA (secret, recovery codes) and ends their sessions:
/// they enrol again at the next sign-in.
pub fn reset(conn: &mut DbConn, user: &User) -> Result<(), AuthError> {
    diesel::update(users::table.find((user.tenant_id.as_str(), user.id.as_str())))
        .set((
            users::totp_secret_sealed.eq(None::<String>),
            users::totp_last_step.eq(0_i64),
            users::mfa_enabled_at.eq(None::<chrono::NaiveDateTime>),
        ))
        .execute(conn)?;
    diesel::delete(recovery_codes::table)
        .filter(recovery_codes::tenant_id.eq(user.tenant_id.as_str()))
        .filter(recovery_codes::user_id.eq(&user.id))
        .execute(conn)?;
    crate::sessions::end_all(conn, &user.tenant_id, &user.id, None)?;
    Ok(())
}

/// The current code of a base32 secret, e.g. one documented for a
/// third-party account. Such secrets are often shorter than Cairn's own
/// (80 bits is common), so no minimum length is imposed here.
pub fn current_code(secret_base32: &str) -> Option<String> {
    let cleaned: String = secret_base32.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    let raw = totp_rs::Secret::Encoded(cleaned).to_bytes().ok()?;
    TOTP::new_unchecked(Algorithm::SHA1, DIGITS, 1, STEP_SECS, raw, None, String::new()).generate_current().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_code_decodes_back_to_the_uri() {
        let uri = "otpauth://totp/plus%2Bplus:max%40muster.ch?secret=JBSWY3DPEHPK3PXP&issuer=plus%2Bplus";
        let png = qr_png(uri).expect("png");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let image = image::load_from_memory(&png).expect("decodes").to_luma8();
        let mut prepared = rqrr::PreparedImage::prepare(image);
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().expect("readable");
        assert_eq!(content, uri);
    }

    #[test]
    fn otpauth_uri_names_issuer_and_account() {
        let t = totp(vec![7u8; 20], "plus+plus: AG", "max@muster.ch").expect("totp");
        let url = t.get_url();
        assert!(url.starts_with("otpauth://totp/"), "{url}");
        assert!(url.contains("max%40muster.ch") || url.contains("max@muster.ch"), "{url}");
        assert!(url.contains("issuer="), "{url}");
        assert!(url.contains("secret="), "{url}");
    }
}
