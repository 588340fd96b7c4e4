//! Profile pictures: sniffed, decoded with limits, cropped, re-encoded.
//!
//! What is stored is always a fresh 256×256 PNG made from the pixels alone,
//! so metadata (location, camera) and any payload in the upload are gone.

use std::io::Cursor;

use cairn_store::DbConn;
use cairn_store::schema::user_avatars;
use diesel::prelude::*;
use image::{ImageFormat, ImageReader, Limits};

use crate::{AuthError, User};

/// The largest upload accepted, in bytes (checked before the body is read).
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;
/// The largest picture accepted, in pixels (checked from the header, before
/// decoding): 16 megapixels, a phone's photo, decoded in about 64 MiB.
pub const MAX_PIXELS: u64 = 4096 * 4096;
/// The edge of the stored square.
pub const SIZE: u32 = 256;

/// Turns an upload into the stored PNG, or says why it cannot be used.
pub fn process(bytes: &[u8]) -> Result<Vec<u8>, AuthError> {
    let image = decode(bytes)?;
    let (width, height) = (image.width(), image.height());
    let edge = width.min(height);
    let square = image.crop_imm((width - edge) / 2, (height - edge) / 2, edge, edge);
    let small = square.resize_exact(SIZE, SIZE, image::imageops::FilterType::Lanczos3).to_rgba8();
    encode_png(&small)
}

/// The box a workspace logo is fitted into, keeping its proportions.
pub const LOGO_BOX: (u32, u32) = (480, 160);

/// Turns an uploaded workspace logo into the stored PNG: the same checks as
/// a profile picture, fitted into [`LOGO_BOX`] (never enlarged), transparency kept.
pub fn process_logo(bytes: &[u8]) -> Result<Vec<u8>, AuthError> {
    let image = decode(bytes)?;
    let (max_w, max_h) = LOGO_BOX;
    let fitted = if image.width() > max_w || image.height() > max_h {
        image.resize(max_w, max_h, image::imageops::FilterType::Lanczos3)
    } else {
        image
    };
    encode_png(&fitted.to_rgba8())
}

fn encode_png(pixels: &image::RgbaImage) -> Result<Vec<u8>, AuthError> {
    let mut png = Vec::new();
    pixels.write_to(&mut Cursor::new(&mut png), ImageFormat::Png).map_err(|e| AuthError::Image(e.to_string()))?;
    Ok(png)
}

/// Sniffs and decodes an upload within the limits; the pixels only.
fn decode(bytes: &[u8]) -> Result<image::DynamicImage, AuthError> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(AuthError::Image("The picture is larger than 5 MB.".into()));
    }
    // The content decides, never the file name or the declared type.
    let format = image::guess_format(bytes)
        .map_err(|_| AuthError::Image("This is not a PNG, JPEG, WebP or GIF picture.".into()))?;
    if !matches!(format, ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP | ImageFormat::Gif) {
        return Err(AuthError::Image("Use a PNG, JPEG, WebP or GIF picture.".into()));
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(12_000);
    limits.max_image_height = Some(12_000);
    limits.max_alloc = Some(96 * 1024 * 1024);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits.clone());
    let (width, height) =
        reader.into_dimensions().map_err(|_| AuthError::Image("The picture cannot be read.".into()))?;
    if width == 0 || height == 0 || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(AuthError::Image("The picture has too many pixels; use one of at most 16 megapixels.".into()));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    reader.decode().map_err(|_| AuthError::Image("The picture cannot be read.".into()))
}

/// Stores the user's picture (a PNG from [`process`]), replacing any earlier one.
///
/// One upsert rather than delete-then-insert: two uploads of the same user
/// at once would otherwise both find no row and both insert.
pub fn save(conn: &mut DbConn, user: &User, png: &[u8]) -> Result<(), AuthError> {
    use diesel::upsert::excluded;
    let now = cairn_store::now();
    cairn_store::on_engine!(conn, |c| diesel::insert_into(user_avatars::table)
        .values((
            user_avatars::tenant_id.eq(user.tenant_id.as_str()),
            user_avatars::user_id.eq(&user.id),
            user_avatars::content_type.eq("image/png"),
            user_avatars::data.eq(png),
            user_avatars::updated_at.eq(now),
        ))
        .on_conflict((user_avatars::tenant_id, user_avatars::user_id))
        .do_update()
        .set((
            user_avatars::content_type.eq(excluded(user_avatars::content_type)),
            user_avatars::data.eq(excluded(user_avatars::data)),
            user_avatars::updated_at.eq(excluded(user_avatars::updated_at)),
        ))
        .execute(c))?;
    Ok(())
}

/// Removes the user's picture.
pub fn remove(conn: &mut DbConn, user: &User) -> Result<(), AuthError> {
    diesel::delete(user_avatars::table.find((user.tenant_id.as_str(), user.id.as_str()))).execute(conn)?;
    Ok(())
}

/// When the user's picture was last set, as a version for its URL (so the
/// browser may cache it for good), or `None` without a picture.
pub fn version(conn: &mut DbConn, user: &User) -> Result<Option<i64>, AuthError> {
    let at: Option<chrono::NaiveDateTime> = user_avatars::table
        .find((user.tenant_id.as_str(), user.id.as_str()))
        .select(user_avatars::updated_at)
        .first(conn)
        .optional()?;
    Ok(version_of(at))
}

/// A picture's version: its last change, in microseconds.
pub(crate) fn version_of(updated_at: Option<chrono::NaiveDateTime>) -> Option<i64> {
    updated_at.map(|at| at.and_utc().timestamp_micros())
}

/// The user's stored PNG, if any.
pub fn load(conn: &mut DbConn, user: &User) -> Result<Option<Vec<u8>>, AuthError> {
    Ok(user_avatars::table
        .find((user.tenant_id.as_str(), user.id.as_str()))
        .select(user_avatars::data)
        .first(conn)
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_pixel(width, height, image::Rgb([200, 30, 30]));
        let mut out = Vec::new();
        image.write_to(&mut Cursor::new(&mut out), ImageFormat::Png).expect("encode");
        out
    }

    #[test]
    fn crops_and_re_encodes_to_a_square_png() {
        let out = process(&png(640, 480)).expect("accepted");
        let decoded = image::load_from_memory(&out).expect("png");
        assert_eq!((decoded.width(), decoded.height()), (SIZE, SIZE));
    }

    #[test]
    fn refuses_text_and_unsupported_formats() {
        assert!(process(b"just some text pretending to be an image.png").is_err());
        assert!(process(b"").is_err());
        let mut bmp = Vec::new();
        image::RgbImage::new(4, 4).write_to(&mut Cursor::new(&mut bmp), ImageFormat::Bmp).ok();
        assert!(process(&bmp).is_err());
    }

    #[test]
    fn refuses_huge_dimensions_from_the_header() {
        // A PNG header claiming 20000×20000: refused before any pixel is decoded.
        let mut bytes = png(1, 1);
        bytes[16..20].copy_from_slice(&20_000u32.to_be_bytes());
        bytes[20..24].copy_from_slice(&20_000u32.to_be_bytes());
        assert!(process(&bytes).is_err());
    }
}
