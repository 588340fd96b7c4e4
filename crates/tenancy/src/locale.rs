//! The languages Cairn speaks.

use std::fmt;
use std::str::FromStr;

/// A supported UI and mail language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    /// German, informal ("Du").
    De,
    /// English.
    En,
}

impl Locale {
    /// Every supported locale.
    pub const ALL: [Locale; 2] = [Locale::De, Locale::En];

    /// The language tag, `de` or `en`.
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::De => "de",
            Locale::En => "en",
        }
    }

    /// The first supported language of an `Accept-Language` header, by the
    /// client's preference weights; `None` when none is supported.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut best: Option<(f32, usize, Locale)> = None;
        for (position, item) in header.split(',').enumerate() {
            let mut parts = item.trim().split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let quality =
                parts.filter_map(|p| p.trim().strip_prefix("q=")).find_map(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            let Ok(locale) = primary.parse::<Locale>() else { continue };
            if quality <= 0.0 {
                continue;
            }
            // Higher weight wins; for equal weight, the earlier entry.
            let better = match best {
                None => true,
                Some((q, _, _)) => quality > q,
            };
            if better {
                best = Some((quality, position, locale));
            }
        }
        best.map(|(_, _, locale)| locale)
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Locale {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "de" => Ok(Locale::De),
            "en" => Ok(Locale::En),
            other => Err(format!("unsupported locale {other:?}; expected de or en")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_preferred_supported_language() {
        assert_eq!(Locale::from_accept_language("de-CH,de;q=0.9,en;q=0.8"), Some(Locale::De));
        assert_eq!(Locale::from_accept_language("fr-CH, en;q=0.5, de;q=0.4"), Some(Locale::En));
        assert_eq!(Locale::from_accept_language("en-US;q=0.3, de;q=0.7"), Some(Locale::De));
        assert_eq!(Locale::from_accept_language("fr, it"), None);
        assert_eq!(Locale::from_accept_language("de;q=0"), None);
        assert_eq!(Locale::from_accept_language(""), None);
        assert_eq!(Locale::from_accept_language("*"), None);
    }
}
