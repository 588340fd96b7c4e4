//! Single-use recovery codes, for when the phone with the authenticator is gone.

use cairn_store::schema::recovery_codes;
use cairn_store::{DbConn, new_id};
use diesel::prelude::*;
use rand::Rng;

use crate::{AuthError, User, hash_token};

/// How many codes a user gets.
pub const COUNT: usize = 10;
/// Letters and digits that cannot be mistaken for one another.
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

fn normalize(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// A code's stored hash, salted with its user's id: one table of
/// precomputed hashes cannot serve every account at once.
fn code_hash(user: &User, code: &str) -> String {
    hash_token(&format!("{}:{}", user.id, normalize(code)))
}

/// Replaces the user's recovery codes with ten new ones and returns them,
/// to be shown once (`xxxx-xxxx-xx`, about 59 bits each). Only hashes are stored.
pub fn regenerate(conn: &mut DbConn, user: &User) -> Result<Vec<String>, AuthError> {
    diesel::delete(recovery_codes::table)
        .filter(recovery_codes::tenant_id.eq(user.tenant_id.as_str()))
        .filter(recovery_codes::user_id.eq(&user.id))
        .execute(conn)?;
    let mut rng = rand::rngs::OsRng;
    let now = cairn_store::now();
    let mut codes = Vec::with_capacity(COUNT);
    for _ in 0..COUNT {
        let raw: String = (0..12).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect();
        let code = format!("{}-{}-{}", &raw[..4], &raw[4..8], &raw[8..]);
        diesel::insert_into(recovery_codes::table)
            .values((
                recovery_codes::tenant_id.eq(user.tenant_id.as_str()),
                recovery_codes::id.eq(new_id()),
                recovery_codes::user_id.eq(&user.id),
                recovery_codes::code_hash.eq(code_hash(user, &code)),
                recovery_codes::created_at.eq(now),
            ))
            .execute(conn)?;
        codes.push(code);
    }
    Ok(codes)
}

/// Uses up one recovery code; fails if it is unknown or used.
pub fn consume(conn: &mut DbConn, user: &User, code: &str) -> Result<(), AuthError> {
    let used = diesel::update(recovery_codes::table)
        .filter(recovery_codes::tenant_id.eq(user.tenant_id.as_str()))
        .filter(recovery_codes::user_id.eq(&user.id))
        // Codes made before hashes were salted keep working until renewed.
        .filter(recovery_codes::code_hash.eq_any([code_hash(user, code), hash_token(&normalize(code))]))
        .filter(recovery_codes::used_at.is_null())
        .set(recovery_codes::used_at.eq(cairn_store::now()))
        .execute(conn)?;
    if used == 1 { Ok(()) } else { Err(AuthError::BadCode) }
}

/// How many unused codes the user has left.
pub fn remaining(conn: &mut DbConn, user: &User) -> Result<i64, AuthError> {
    Ok(recovery_codes::table
        .filter(recovery_codes::tenant_id.eq(user.tenant_id.as_str()))
        .filter(recovery_codes::user_id.eq(&user.id))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)?)
}
