//! Which homeserver a run targets, and bringing it up.

use std::fmt;
use std::str::FromStr;

use super::fake::FakeHomeserver;
use super::homeserver::{Homeserver, TargetError, client};

/// A target as named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetSpec {
    /// The built-in, in-process fake homeserver.
    Fake,
    /// An existing homeserver at this base URL.
    Url(String),
}

impl FromStr for TargetSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "fake" => Ok(TargetSpec::Fake),
            url if url.starts_with("http://") || url.starts_with("https://") => {
                Ok(TargetSpec::Url(url.trim_end_matches('/').to_string()))
            }
            other => Err(format!(
                "expected `fake` or a homeserver URL such as http://127.0.0.1:8008, found `{other}`"
            )),
        }
    }
}

impl fmt::Display for TargetSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetSpec::Fake => f.write_str("fake"),
            TargetSpec::Url(url) => f.write_str(url),
        }
    }
}

/// A reachable target; keeps the fake alive as long as it is held.
pub struct Connected {
    /// The homeserver to send requests to.
    pub homeserver: Homeserver,
    /// What `GET /_matrix/client/versions` answered.
    pub versions: serde_json::Value,
    _fake: Option<FakeHomeserver>,
}

impl TargetSpec {
    /// Starts the fake or reaches the URL, and checks that `/versions` answers.
    pub async fn connect(&self) -> Result<Connected, TargetError> {
        let (fake, url) = match self {
            TargetSpec::Fake => {
                let fake = FakeHomeserver::start().await;
                let url = fake.uri();
                (Some(fake), url)
            }
            TargetSpec::Url(url) => (None, url.clone()),
        };
        let homeserver = Homeserver::new(&url, client());
        let versions = homeserver.versions().await?;
        Ok(Connected {
            homeserver,
            versions,
            _fake: fake,
        })
    }
}
