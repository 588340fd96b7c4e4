//! The time-zone list of the profile page, labelled like "(GMT+01:00) Bern".

use chrono::{Offset, TimeZone};
use chrono_tz::{TZ_VARIANTS, Tz};

/// City names people look for that the IANA name does not show.
const EXTRA_CITIES: &[(&str, &str)] = &[
    ("Europe/Zurich", "Bern, Zürich"),
    ("Europe/Berlin", "Berlin"),
    ("Europe/Vienna", "Wien"),
    ("Asia/Kolkata", "New Delhi, Mumbai"),
];

/// One entry of the list.
#[derive(Clone, Debug)]
pub struct Zone {
    /// The IANA name, the submitted value.
    pub name: &'static str,
    /// "(GMT+01:00) Bern, Zürich".
    pub label: String,
    offset_secs: i32,
}

/// The offset of `tz` now, as "+01:00".
fn offset_now(tz: Tz) -> i32 {
    tz.offset_from_utc_datetime(&cairn_store::now()).fix().local_minus_utc()
}

fn format_offset(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let secs = secs.abs();
    format!("{sign}{:02}:{:02}", secs / 3600, (secs % 3600) / 60)
}

/// The label of one zone, with its offset now.
pub fn label(tz: Tz) -> String {
    let name = tz.name();
    let city = EXTRA_CITIES
        .iter()
        .find(|(zone, _)| *zone == name)
        .map(|(_, cities)| (*cities).to_owned())
        .unwrap_or_else(|| name.rsplit('/').next().unwrap_or(name).replace('_', " "));
    format!("(GMT{}) {city}", format_offset(offset_now(tz)))
}

/// Every canonical zone (Area/City), sorted by offset now, then label.
pub fn all() -> Vec<Zone> {
    let mut zones: Vec<Zone> = TZ_VARIANTS
        .iter()
        .filter(|tz| {
            let name = tz.name();
            let area = name.split('/').next().unwrap_or("");
            name.contains('/')
                && matches!(
                    area,
                    "Africa"
                        | "America"
                        | "Antarctica"
                        | "Asia"
                        | "Atlantic"
                        | "Australia"
                        | "Europe"
                        | "Indian"
                        | "Pacific"
                )
        })
        .map(|tz| Zone { name: tz.name(), label: label(*tz), offset_secs: offset_now(*tz) })
        .collect();
    zones.push(Zone { name: "UTC", label: "(GMT+00:00) UTC".into(), offset_secs: 0 });
    zones.sort_by(|a, b| a.offset_secs.cmp(&b.offset_secs).then_with(|| a.label.cmp(&b.label)));
    zones
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zurich_is_labelled_bern() {
        let label = label(chrono_tz::Europe::Zurich);
        assert!(label == "(GMT+01:00) Bern, Zürich" || label == "(GMT+02:00) Bern, Zürich", "{label}");
        let zones = all();
        assert!(zones.iter().any(|z| z.name == "Europe/Zurich"));
        assert!(zones.iter().any(|z| z.name == "America/New_York" && z.label.contains("New York")));
        assert!(zones.len() > 300);
    }
}
