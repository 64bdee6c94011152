//! Reading the files a user hands in (case, claims and expectations files, JSON reports): bounded
//! in size, and UTF-8 text.

use std::io::Read;
use std::path::Path;

/// One mebibyte.
const MIB: u64 = 1024 * 1024;

/// The largest case, claims or expectations file read: 4 MiB, some sixty times the built-in claims file.
pub const MAX_YAML_BYTES: u64 = 4 * MIB;

/// The largest JSON report `compare`, `merge` and `expectations --from` read: 32 MiB, hundreds of
/// times a full run's report.
pub const MAX_REPORT_BYTES: u64 = 32 * MIB;

/// Why a file could not be read as text.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The file is larger than the limit for its kind.
    #[error("larger than {} MiB, the most mxconform reads from such a file", .limit / MIB)]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The file holds a byte sequence that is not UTF-8.
    #[error("not UTF-8 text: byte {byte:#04x} starts no UTF-8 character; save the file as UTF-8")]
    NotUtf8 {
        /// 1-based line of the first bad byte.
        line: u64,
        /// 1-based column (in characters) of the first bad byte.
        column: u64,
        /// The first bad byte.
        byte: u8,
    },
}

impl ReadError {
    /// The 1-based line and column the error points at, when it has one.
    pub fn position(&self) -> Option<(u64, u64)> {
        match self {
            ReadError::NotUtf8 { line, column, .. } => Some((*line, *column)),
            ReadError::Io(_) | ReadError::TooLarge { .. } => None,
        }
    }
}

/// The text of the file at `path`, refused when longer than `limit` bytes or not UTF-8.
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    String::from_utf8(bytes).map_err(|err| {
        let bytes = err.as_bytes();
        let valid_up_to = err.utf8_error().valid_up_to();
        let before = String::from_utf8_lossy(&bytes[..valid_up_to]);
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        ReadError::NotUtf8 {
            line: before.matches('\n').count() as u64 + 1,
            column: before[line_start..].chars().count() as u64 + 1,
            byte: bytes[valid_up_to],
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_byte_is_placed_by_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("latin1.yaml");
        std::fs::write(&path, b"id: x\nsummary: caf\xe9\n").unwrap();
        let err = read_text(&path, MAX_YAML_BYTES).unwrap_err();
        assert_eq!(err.position(), Some((2, 13)));
        assert!(err.to_string().contains("byte 0xe9"), "{err}");
    }

    #[test]
    fn a_file_over_the_limit_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.json");
        std::fs::write(&path, "x".repeat(11)).unwrap();
        assert!(matches!(
            read_text(&path, 10),
            Err(ReadError::TooLarge { limit: 10 })
        ));
        assert_eq!(read_text(&path, 11).unwrap().len(), 11);
    }
}
