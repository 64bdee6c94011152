//! The TLS certificate of a federating Synapse: self-signed, for `localhost` and the loopback
//! addresses, since its peers do not verify federation certificates on loopback.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, SanType};

/// The host name the certificate names, as subject common name and subject alternative name.
pub const HOST: &str = "localhost";
/// The certificate's file name in the data directory.
const CERTIFICATE_FILE: &str = "tls.crt";
/// The private key's file name in the data directory.
const PRIVATE_KEY_FILE: &str = "tls.key";

/// A certificate and its private key, both PEM.
pub struct SelfSigned {
    /// The X.509 certificate, PEM.
    pub certificate: String,
    /// The certificate's PKCS#8 private key, PEM.
    pub private_key: String,
}

/// Where a certificate and its private key were written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate's path.
    pub certificate: PathBuf,
    /// The private key's path.
    pub private_key: PathBuf,
}

impl TlsFiles {
    /// The files' paths in the data directory `data`.
    pub fn in_directory(data: &Path) -> TlsFiles {
        TlsFiles {
            certificate: data.join(CERTIFICATE_FILE),
            private_key: data.join(PRIVATE_KEY_FILE),
        }
    }
}

/// A fresh self-signed certificate for `localhost`, 127.0.0.1 and ::1.
pub fn self_signed() -> Result<SelfSigned, rcgen::Error> {
    let mut params = CertificateParams::new(vec![HOST.to_string()])?;
    params.subject_alt_names.extend([
        SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)),
    ]);
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, HOST);
    let key = KeyPair::generate()?;
    let certificate = params.self_signed(&key)?;
    Ok(SelfSigned {
        certificate: certificate.pem(),
        private_key: key.serialize_pem(),
    })
}

/// Writes a fresh self-signed certificate into `data`, the private key readable by its owner only.
pub fn write_self_signed(data: &Path) -> std::io::Result<TlsFiles> {
    let pair = self_signed().map_err(std::io::Error::other)?;
    let files = TlsFiles::in_directory(data);
    std::fs::write(&files.certificate, pair.certificate)?;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&files.private_key)?
        .write_all(pair.private_key.as_bytes())?;
    Ok(files)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use x509_parser::extensions::GeneralName;

    use super::*;

    #[test]
    fn certificate_is_pem_and_names_localhost_and_loopback() {
        let pair = self_signed().unwrap();
        let (_, pem) = x509_parser::pem::parse_x509_pem(pair.certificate.as_bytes()).unwrap();
        assert_eq!(pem.label, "CERTIFICATE");
        let certificate = pem.parse_x509().unwrap();
        let common_name = certificate.subject().iter_common_name().next().unwrap();
        assert_eq!(common_name.as_str().unwrap(), HOST);
        let names = certificate
            .subject_alternative_name()
            .unwrap()
            .unwrap()
            .value
            .general_names
            .clone();
        assert!(names.contains(&GeneralName::DNSName(HOST)));
        assert!(names.contains(&GeneralName::IPAddress(&[127, 0, 0, 1])));
        assert_eq!(certificate.subject(), certificate.issuer());
        let (_, key) = x509_parser::pem::parse_x509_pem(pair.private_key.as_bytes()).unwrap();
        assert_eq!(key.label, "PRIVATE KEY");
    }

    #[test]
    fn private_key_file_is_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let files = write_self_signed(dir.path()).unwrap();
        assert_eq!(files, TlsFiles::in_directory(dir.path()));
        let mode = std::fs::metadata(&files.private_key)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let certificate = std::fs::read_to_string(&files.certificate).unwrap();
        assert!(certificate.starts_with("-----BEGIN CERTIFICATE-----"));
    }
}
