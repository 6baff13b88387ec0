//! Errors of the library, each naming what failed and how to fix it.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why a model file was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelError {
    /// Shorter than its header says, or than any model can be.
    Truncated { expected: u64, found: u64 },
    /// Does not start with the dechaff magic bytes: not a model file.
    BadMagic,
    /// Written by another format version of dechaff.
    WrongVersion { found: u32, supported: u32 },
    /// Trained on another feature set than this build computes.
    WrongFeatureSet { found: u64, expected: u64 },
    /// The payload does not match its checksum: the file is corrupt.
    BadChecksum,
    /// The payload passed the checksum but could not be decoded or is inconsistent.
    BadPayload(String),
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::Truncated { expected, found } => write!(
                f,
                "model file is truncated ({found} bytes, expected {expected}); copy or rebuild it"
            ),
            ModelError::BadMagic => {
                write!(f, "not a dechaff model file (bad magic bytes)")
            }
            ModelError::WrongVersion { found, supported } => write!(
                f,
                "model file has format version {found}, this dechaff reads version {supported}; \
                 retrain it with `dechaff train`"
            ),
            ModelError::WrongFeatureSet { found, expected } => write!(
                f,
                "model file was trained on another feature set (fingerprint {found:016x}, \
                 this dechaff computes {expected:016x}); retrain it with `dechaff train`"
            ),
            ModelError::BadChecksum => {
                write!(
                    f,
                    "model file is corrupt (checksum mismatch); copy or rebuild it"
                )
            }
            ModelError::BadPayload(why) => write!(f, "model file is corrupt: {why}"),
        }
    }
}

/// Any error of the library.
#[derive(Debug)]
pub enum Error {
    /// Reading or writing `path` failed.
    Io { path: PathBuf, source: io::Error },
    /// The model file at `path` was refused.
    Model { path: PathBuf, source: ModelError },
    /// `path` holds NUL bytes: a binary file, not text.
    Binary { path: PathBuf },
    /// Training or evaluation data at `path` is malformed.
    Data {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A request that cannot be carried out, such as training with no labelled line.
    Invalid(String),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Model { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Binary { path } => write!(
                f,
                "{}: binary file (contains NUL bytes), not text; skipped",
                path.display()
            ),
            Error::Data {
                path,
                line,
                message,
            } => write!(f, "{}:{line}: {message}", path.display()),
            Error::Invalid(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl std::error::Error for ModelError {}

/// Result with the library's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
