//! Matrix specification versions (`r0.3.0`, `v1.16`) and their order.

use std::fmt;
use std::str::FromStr;

/// A released version of the client-server specification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SpecVersion {
    major: u32,
    minor: u32,
    patch: u32,
}

impl SpecVersion {
    /// The highest version in `advertised` (as `/versions` lists them) that parses; unknown entries are ignored.
    pub fn highest<'a>(advertised: impl IntoIterator<Item = &'a str>) -> Option<SpecVersion> {
        advertised.into_iter().filter_map(|v| v.parse().ok()).max()
    }
}

impl FromStr for SpecVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("expected a spec version such as `r0.3.0` or `v1.16`, found `{s}`");
        let number = |part: &str| part.parse::<u32>().map_err(|_| bad());
        if let Some(rest) = s.strip_prefix("r0.") {
            let (minor, patch) = rest.split_once('.').ok_or_else(bad)?;
            return Ok(SpecVersion {
                major: 0,
                minor: number(minor)?,
                patch: number(patch)?,
            });
        }
        let rest = s.strip_prefix('v').ok_or_else(bad)?;
        let (major, minor) = rest.split_once('.').ok_or_else(bad)?;
        let major = number(major)?;
        if major == 0 {
            return Err(bad());
        }
        Ok(SpecVersion {
            major,
            minor: number(minor)?,
            patch: 0,
        })
    }
}

impl fmt::Display for SpecVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = if self.major == 0 {
            format!("r0.{}.{}", self.minor, self.patch)
        } else {
            format!("v{}.{}", self.major, self.minor)
        };
        f.pad(&text)
    }
}

impl<'de> serde::Deserialize<'de> for SpecVersion {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> SpecVersion {
        s.parse().unwrap()
    }

    #[test]
    fn versions_order_across_the_r0_and_v1_eras() {
        assert!(v("r0.3.0") < v("r0.6.1"));
        assert!(v("r0.6.1") < v("v1.1"));
        assert!(v("v1.9") < v("v1.10"));
        assert_eq!(v("v1.16").to_string(), "v1.16");
        assert_eq!(v("r0.3.0").to_string(), "r0.3.0");
    }

    #[test]
    fn highest_ignores_what_it_cannot_read() {
        assert_eq!(
            SpecVersion::highest(["r0.6.1", "v1.15", "v1.2", "unstable"]),
            Some(v("v1.15"))
        );
        assert!("1.16".parse::<SpecVersion>().is_err());
        assert!("v0.1".parse::<SpecVersion>().is_err());
    }
}
