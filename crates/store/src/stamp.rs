//! A timestamp column read without diesel's format search on SQLite.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::sql_types::Timestamp;
use diesel::sqlite::{Sqlite, SqliteValue};

use crate::conn::{MultiBackend, MultiRawValue};

/// The form Cairn writes (diesel's encoding, `%F %T%.f`), read without
/// a pattern: `None` for anything else.
fn parse_written(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b' ' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let number =
        |digits: &[u8]| digits.iter().try_fold(0u32, |n, &d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')));
    let date = NaiveDate::from_ymd_opt(i32::try_from(number(&b[0..4])?).ok()?, number(&b[5..7])?, number(&b[8..10])?)?;
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            number(fraction)? * 10u32.pow(9 - u32::try_from(fraction.len()).ok()?)
        }
        _ => return None,
    };
    date.and_hms_nano_opt(number(&b[11..13])?, number(&b[14..16])?, number(&b[17..19])?, nanos)
}

/// A `TIMESTAMP` column's value, for rows read by the page (a section list's
/// fifty): SQLite keeps timestamps as text, and diesel reads each by trying
/// up to eighteen patterns, every one parsed anew from its `%` text (a
/// twentieth of a section list's CPU; chrono's parser with the pattern
/// parsed once still took 3 %). This reads the one form Cairn writes
/// directly, and leaves anything else to diesel. PostgreSQL
/// sends timestamps as numbers; diesel reads those.
///
/// Use it on a field with `#[diesel(deserialize_as = cairn_store::Stamp)]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, diesel::deserialize::FromSqlRow)]
pub struct Stamp(pub NaiveDateTime);

impl From<Stamp> for NaiveDateTime {
    fn from(stamp: Stamp) -> Self {
        stamp.0
    }
}

impl FromSql<Timestamp, Sqlite> for Stamp {
    fn from_sql(mut raw: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        if let Some(at) = parse_written(raw.read_text()) {
            return Ok(Stamp(at));
        }
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(raw).map(Stamp)
    }
}

impl FromSql<Timestamp, Pg> for Stamp {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Stamp)
    }
}

impl FromSql<Timestamp, MultiBackend> for Stamp {
    fn from_sql(value: MultiRawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Stamp, Timestamp>()
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;
    use diesel::prelude::*;
    use diesel::sql_types::Timestamp;

    use super::Stamp;
    use crate::DbConn;

    #[derive(QueryableByName)]
    struct Fast {
        #[diesel(sql_type = Timestamp, deserialize_as = Stamp)]
        at: NaiveDateTime,
    }

    #[derive(QueryableByName)]
    struct Diesel {
        #[diesel(sql_type = Timestamp)]
        at: NaiveDateTime,
    }

    /// Every text reads as diesel reads it: the form Cairn writes by the
    /// direct parse, any other (no fraction, a `T`, a zone, minutes only)
    /// through diesel, and what diesel refuses is refused.
    #[test]
    fn reads_what_diesel_reads() {
        let mut conn = DbConn::Sqlite(diesel::SqliteConnection::establish(":memory:").expect("an in-memory database"));
        let now = crate::now().format("%F %T%.f").to_string();
        for text in [
            now.as_str(),
            "2026-12-05 18:31:29.310263",
            "2026-12-05 18:31:29",
            "2026-12-05 18:31:29.3",
            "2026-12-05T18:31:29Z",
            "2026-12-05 18:31",
        ] {
            let select = format!("SELECT '{text}' AS at");
            let fast = diesel::sql_query(&select).get_result::<Fast>(&mut conn).expect(text).at;
            let diesel = diesel::sql_query(&select).get_result::<Diesel>(&mut conn).expect(text).at;
            assert_eq!(fast, diesel, "{text}");
        }
        for text in ["not a time", "2026-13-05 18:31:29", "2026-02-29 10:00:00", "2026-12-05 18:31:29.1234567890"] {
            let select = format!("SELECT '{text}' AS at");
            let fast = diesel::sql_query(&select).get_result::<Fast>(&mut conn).map(|r| r.at).ok();
            let diesel = diesel::sql_query(&select).get_result::<Diesel>(&mut conn).map(|r| r.at).ok();
            assert_eq!(fast, diesel, "{text}");
        }
        // The written form takes the direct parse, to the microsecond and
        // with a short fraction scaled; the rest does not.
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 5).expect("a date");
        assert_eq!(super::parse_written("2026-12-05 18:31:29.310263"), day.and_hms_micro_opt(18, 31, 29, 310_263));
        assert_eq!(super::parse_written("2026-12-05 18:31:29.3"), day.and_hms_milli_opt(18, 31, 29, 300));
        assert_eq!(super::parse_written("2026-12-05 18:31:29"), day.and_hms_opt(18, 31, 29));
        assert_eq!(super::parse_written("2026-12-05T18:31:29Z"), None);
        assert_eq!(super::parse_written("2026-12-05 18:31"), None);
    }
}
