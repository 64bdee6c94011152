//! Which homeserver a run targets, and bringing it up.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use super::fake::{Deviation, FakeHomeserver, Profile, profiles};
use super::homeserver::{Homeserver, TargetError, client, plain_http_client};
use super::limits::Limits;
use super::provision::Registration;
use super::synapse::{DEFAULT_VERSION, Federation, ManagedSynapse, install};
use crate::case::Home;
use crate::case::error::closest;

/// A target as named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetSpec {
    /// The built-in, in-process fake homeserver, conformant or with one deviation switched on.
    Fake(Option<Deviation>),
    /// An existing homeserver at this base URL.
    Url(String),
    /// A Synapse release that mxconform installs under `cache`, starts and stops.
    Synapse {
        /// The matrix-synapse release on PyPI.
        version: String,
        /// The cache directory holding installed releases.
        cache: PathBuf,
    },
}

impl FromStr for TargetSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let synapse = |version: &str| TargetSpec::Synapse {
            version: version.to_string(),
            cache: install::cache_root(),
        };
        match s {
            "fake" => Ok(TargetSpec::Fake(None)),
            other if other.starts_with("fake:") => {
                let name = &other["fake:".len()..];
                match Profile::find(name) {
                    Some(profile) => Ok(TargetSpec::Fake(Some(profile.deviation))),
                    None => {
                        let hint = closest(name, profiles().iter().map(|p| p.name))
                            .map(|n| format!(" (did you mean `{n}`?)"))
                            .unwrap_or_default();
                        Err(format!(
                            "no fake profile `{name}`{hint}; `mxconform mutants --list` lists them"
                        ))
                    }
                }
            }
            "synapse" => Ok(synapse(DEFAULT_VERSION)),
            url if url.starts_with("http://") || url.starts_with("https://") => {
                Ok(TargetSpec::Url(url.trim_end_matches('/').to_string()))
            }
            other => match other.strip_prefix("synapse@") {
                Some(version) if is_release(version) => Ok(synapse(version)),
                _ => Err(format!(
                    "expected `fake`, `fake:PROFILE`, `synapse`, `synapse@X.Y.Z` or a homeserver URL such as http://127.0.0.1:8008, found `{other}`"
                )),
            },
        }
    }
}

/// The federation peer asked for: a managed Synapse release that federates with the target on
/// loopback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerSpec {
    /// The matrix-synapse release on PyPI.
    pub version: String,
    /// The cache directory holding installed releases.
    pub cache: PathBuf,
}

impl FromStr for PeerSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.parse::<TargetSpec>() {
            Ok(TargetSpec::Synapse { version, cache }) => Ok(PeerSpec { version, cache }),
            _ => Err(format!(
                "expected `synapse` or `synapse@X.Y.Z` (a managed Synapse as the federation peer), found `{s}`"
            )),
        }
    }
}

impl fmt::Display for PeerSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "synapse@{}", self.version)
    }
}

impl TargetSpec {
    /// The peer a run of `cases` gets when none is named: for a managed Synapse, another of the same
    /// release when a case has an actor on the peer.
    pub fn implied_peer(&self, needs_peer: bool) -> Option<PeerSpec> {
        match self {
            TargetSpec::Synapse { version, cache } if needs_peer => Some(PeerSpec {
                version: version.clone(),
                cache: cache.clone(),
            }),
            _ => None,
        }
    }
}

/// True for a release number such as `1.163.2` (digits and dots, optionally a PEP 440 suffix like `rc1`).
fn is_release(version: &str) -> bool {
    version.split('.').count() >= 2
        && version.starts_with(|c: char| c.is_ascii_digit())
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.')
}

/// The URL without `user:password@`, for printing.
fn without_userinfo(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find('/').unwrap_or(rest.len());
            match rest[..authority_end].rfind('@') {
                Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
                None => url.to_string(),
            }
        }
        None => url.to_string(),
    }
}

impl fmt::Display for TargetSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetSpec::Fake(None) => f.write_str("fake"),
            TargetSpec::Fake(Some(deviation)) => write!(f, "fake:{}", Profile::of(*deviation).name),
            TargetSpec::Url(url) => f.write_str(&without_userinfo(url)),
            TargetSpec::Synapse { version, .. } => write!(f, "synapse@{version}"),
        }
    }
}

/// What keeps a target alive while the run needs it.
enum Owned {
    Nothing,
    Fake { _server: FakeHomeserver },
    Synapse(ManagedSynapse),
}

/// A reachable target; keeps a fake or managed server alive as long as it is held.
pub struct Connected {
    /// The homeserver to send requests to.
    pub homeserver: Homeserver,
    /// What `GET /_matrix/client/versions` answered.
    pub versions: serde_json::Value,
    /// The federation peer, or why the run has none.
    pub peer: Result<ConnectedPeer, String>,
    owned: Owned,
}

/// A managed Synapse federating with the target, and the handle requests to it go through.
pub struct ConnectedPeer {
    /// The peer homeserver; its exchanges are marked as the peer's.
    pub homeserver: Homeserver,
    /// The running peer, stopped when this is dropped.
    pub synapse: ManagedSynapse,
}

impl Connected {
    /// The registration a managed target requires, overriding the one asked for.
    pub fn registration(&self) -> Option<Registration> {
        self.synapse().map(ManagedSynapse::registration)
    }

    /// The managed Synapse, when this target is one.
    pub fn synapse(&self) -> Option<&ManagedSynapse> {
        match &self.owned {
            Owned::Synapse(synapse) => Some(synapse),
            _ => None,
        }
    }

    /// Every managed Synapse of the run, the target's first, with its role (`target` or `peer`).
    pub fn managed(&self) -> Vec<(&'static str, &ManagedSynapse)> {
        let target = self.synapse().map(|s| ("target", s));
        let peer = self.peer.as_ref().ok().map(|p| ("peer", &p.synapse));
        target.into_iter().chain(peer).collect()
    }
}

/// Starts a managed Synapse, federating on loopback when `federation` says so.
async fn managed(
    version: &str,
    cache: &std::path::Path,
    federation: Federation,
) -> Result<ManagedSynapse, TargetError> {
    ManagedSynapse::start(version, cache, federation)
        .await
        .map_err(|e| TargetError::Setup(e.to_string()))
}

/// Why a run against `target` has no federation peer when none was asked for.
fn no_peer(target: &TargetSpec) -> String {
    match target {
        TargetSpec::Fake(_) => "the built-in fake does not federate".into(),
        TargetSpec::Url(_) => {
            "none was given: `--peer synapse` starts a managed Synapse as the peer".into()
        }
        TargetSpec::Synapse { .. } => "no selected case needed one when the run started".into(),
    }
}

impl TargetSpec {
    /// Starts the fake or a managed Synapse, or reaches the URL, and checks that `/versions`
    /// answers; with a `peer`, starts it beside the target, both federating on loopback. Every later
    /// request keeps to `limits`.
    pub async fn connect(
        &self,
        limits: Limits,
        peer: Option<&PeerSpec>,
    ) -> Result<Connected, TargetError> {
        let federation = match peer {
            Some(_) => Federation::Loopback,
            None => Federation::Off,
        };
        let start_peer = async {
            match peer {
                Some(p) => managed(&p.version, &p.cache, Federation::Loopback)
                    .await
                    .map(Some),
                None => Ok(None),
            }
        };
        let (owned, url, peer_synapse) = match self {
            TargetSpec::Fake(_) if peer.is_some() => {
                return Err(TargetError::Setup(
                    "the built-in fake does not federate, so it cannot have a peer: use `--peer` with `--target synapse` or a URL".into(),
                ));
            }
            TargetSpec::Fake(deviation) => {
                let fake = FakeHomeserver::start_with(*deviation).await;
                let url = fake.uri();
                (Owned::Fake { _server: fake }, url, None)
            }
            TargetSpec::Url(url) => (Owned::Nothing, url.clone(), start_peer.await?),
            TargetSpec::Synapse { version, cache } => {
                let (target, peer) = tokio::join!(managed(version, cache, federation), start_peer);
                let synapse = target?;
                let url = synapse.url().to_string();
                (Owned::Synapse(synapse), url, peer?)
            }
        };
        let homeserver = match owned {
            Owned::Fake { .. } => Homeserver::new(&url, plain_http_client())
                .with_limits(limits)
                .in_process_fake(),
            _ => Homeserver::new(&url, client()).with_limits(limits),
        };
        let versions = homeserver.versions().await?;
        let peer = match peer_synapse {
            Some(synapse) => {
                let homeserver = Homeserver::new(synapse.url(), client())
                    .with_limits(limits)
                    .at(Home::Peer);
                Ok(ConnectedPeer {
                    homeserver,
                    synapse,
                })
            }
            None => Err(no_peer(self)),
        };
        Ok(Connected {
            homeserver,
            versions,
            peer,
            owned,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_from_their_names() {
        assert_eq!("fake".parse::<TargetSpec>(), Ok(TargetSpec::Fake(None)));
        assert_eq!(
            "fake:flag-from-preset".parse::<TargetSpec>(),
            Ok(TargetSpec::Fake(Some(Deviation::FlagFromPreset)))
        );
        let unknown = "fake:flag-from-presett".parse::<TargetSpec>().unwrap_err();
        assert!(
            unknown.contains("(did you mean `flag-from-preset`?)"),
            "{unknown}"
        );
        assert_eq!(
            "http://h:1/".parse::<TargetSpec>(),
            Ok(TargetSpec::Url("http://h:1".into()))
        );
        assert!(
            matches!("synapse".parse(), Ok(TargetSpec::Synapse { version, .. }) if version == DEFAULT_VERSION)
        );
        assert!(
            matches!("synapse@1.150.0".parse(), Ok(TargetSpec::Synapse { version, .. }) if version == "1.150.0")
        );
        assert!("synapse@latest".parse::<TargetSpec>().is_err());
        assert!("synapse@1.2; rm -rf /".parse::<TargetSpec>().is_err());
        assert!("dendrite".parse::<TargetSpec>().is_err());
        assert_eq!(
            TargetSpec::Url("https://u:secret@hs.example/x".into()).to_string(),
            "https://hs.example/x"
        );
    }

    // The same fake reached by URL is a target like any other: its idle answers end no wait.
    #[tokio::test]
    async fn only_the_in_process_fake_ends_waits_when_idle() {
        let fake = TargetSpec::Fake(None)
            .connect(Limits::default(), None)
            .await
            .expect("the fake starts");
        assert!(fake.homeserver.idle_is_final());
        let by_url = TargetSpec::Url(fake.homeserver.base().to_string())
            .connect(Limits::default(), None)
            .await
            .expect("the fake answers by URL");
        assert!(!by_url.homeserver.idle_is_final());
    }
}
