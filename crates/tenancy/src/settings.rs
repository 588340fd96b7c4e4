//! What a workspace's owner sets: the checks of [`TenantChange`], the logo
//! and the first-run checklist. The functions take the caller's transaction.

use cairn_store::audit::{self, Actor, AuditAction, NewEvent};
use cairn_store::schema::{tenant_logos, tenants};
use cairn_store::{DbConn, TenantId};
use diesel::prelude::*;

use crate::{TenancyError, TenantChange};

/// The lowest contrast between white text and the brand colour (WCAG AA
/// for normal text): buttons and the header stay readable.
pub const MIN_CONTRAST: f64 = 4.5;
/// The longest privacy notice, in characters.
pub const MAX_NOTICE_CHARS: usize = 20_000;

/// The contrast ratio of white against `#rrggbb` (1 to 21), or `None` if
/// the text is no such colour.
pub fn contrast_with_white(colour: &str) -> Option<f64> {
    let hex = colour.trim().strip_prefix('#').filter(|h| h.len() == 6 && h.bytes().all(|b| b.is_ascii_hexdigit()))?;
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).ok()?) / 255.0;
        Some(if c <= 0.039_28 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) })
    };
    let luminance = 0.2126 * channel(0)? + 0.7152 * channel(2)? + 0.0722 * channel(4)?;
    Some(1.05 / (luminance + 0.05))
}

impl TenantChange {
    /// Checks the fields an owner sets beyond the operator's ones.
    pub fn validate(&self) -> Result<(), TenancyError> {
        if let Some(colour) = &self.accent_color {
            match contrast_with_white(colour) {
                None => {
                    return Err(TenancyError::InvalidField {
                        field: "brand_color",
                        reason: "a colour as #rrggbb, e.g. #1d4ed8".into(),
                    });
                }
                Some(ratio) if ratio < MIN_CONTRAST => {
                    return Err(TenancyError::InvalidField {
                        field: "brand_color",
                        reason: format!(
                            "white text on {colour} has a contrast of {ratio:.1}:1; choose a darker colour (at least {MIN_CONTRAST}:1)"
                        ),
                    });
                }
                Some(_) => {}
            }
        }
        if let Some(notice) = &self.privacy_notice
            && (notice.chars().count() > MAX_NOTICE_CHARS || notice.contains('\0'))
        {
            return Err(TenancyError::InvalidField {
                field: "privacy_notice",
                reason: format!("at most {MAX_NOTICE_CHARS} characters"),
            });
        }
        if let Some(sender) = &self.sender_name
            && (sender.chars().count() > 100 || sender.chars().any(char::is_control))
        {
            return Err(TenancyError::InvalidField {
                field: "sender_name",
                reason: "at most 100 characters on one line".into(),
            });
        }
        Ok(())
    }

    /// The names of the fields this change sets (for the audit log).
    pub fn fields(&self) -> Vec<&'static str> {
        [
            ("name", self.name.is_some()),
            ("support_email", self.support_email.is_some()),
            ("support_phone", self.support_phone.is_some()),
            ("locale", self.locale.is_some()),
            ("time_zone", self.time_zone.is_some()),
            ("brand_color", self.accent_color.is_some()),
            ("privacy_notice", self.privacy_notice.is_some()),
            ("sender_name", self.sender_name.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    }
}

/// Stores the tenant's logo (a PNG made by the caller) and returns its new
/// version; `None` removes it. Audited.
pub fn set_logo(
    conn: &mut DbConn,
    tenant: &TenantId,
    png: Option<&[u8]>,
    actor: Actor,
) -> Result<Option<i64>, TenancyError> {
    let now = cairn_store::now();
    diesel::delete(tenant_logos::table.find(tenant.as_str())).execute(conn)?;
    let version = match png {
        Some(png) => {
            diesel::insert_into(tenant_logos::table)
                .values((
                    tenant_logos::tenant_id.eq(tenant.as_str()),
                    tenant_logos::content_type.eq("image/png"),
                    tenant_logos::data.eq(png),
                    tenant_logos::updated_at.eq(now),
                ))
                .execute(conn)?;
            Some(now.and_utc().timestamp_micros())
        }
        None => None,
    };
    diesel::update(tenants::table.find(tenant.as_str()))
        .set((tenants::logo_version.eq(version), tenants::updated_at.eq(now)))
        .execute(conn)?;
    audit::record(
        conn,
        tenant,
        &NewEvent::new(actor, AuditAction::TenantLogoChanged)
            .target("tenant", tenant.as_str())
            .details(serde_json::json!({ "removed": png.is_none() })),
    )?;
    Ok(version)
}

/// The tenant's logo (PNG), if it has one.
pub fn logo(conn: &mut DbConn, tenant: &TenantId) -> Result<Option<Vec<u8>>, TenancyError> {
    Ok(tenant_logos::table.find(tenant.as_str()).select(tenant_logos::data).first(conn).optional()?)
}

/// Puts the first-run checklist away for good. Audited.
pub fn dismiss_checklist(conn: &mut DbConn, tenant: &TenantId, actor: Actor) -> Result<(), TenancyError> {
    diesel::update(tenants::table.find(tenant.as_str())).set(tenants::checklist_dismissed.eq(true)).execute(conn)?;
    audit::record(conn, tenant, &NewEvent::new(actor, AuditAction::TenantChecklistDismissed))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_follows_wcag() {
        let white = contrast_with_white("#ffffff").expect("colour");
        assert!((white - 1.0).abs() < 0.01);
        let black = contrast_with_white("#000000").expect("colour");
        assert!((black - 21.0).abs() < 0.01);
        assert!(contrast_with_white("#1d4ed8").expect("colour") >= MIN_CONTRAST);
        assert!(contrast_with_white("#ffd700").expect("colour") < MIN_CONTRAST);
        assert_eq!(contrast_with_white("1d4ed8"), None);
        assert_eq!(contrast_with_white("#12345g"), None);
    }
}
