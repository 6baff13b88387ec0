//! Errors of the library, each naming what failed and how to fix it.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why a model file was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelError {
    /// Shorter than its header says, or than any model can be.
    Truncated {
        /// Bytes the header promises, or the least a model takes.
        expected: u64,
        /// Bytes the file holds.
        found: u64,
    },
    /// Does not start with the dechaff magic bytes: not a model file.
    BadMagic,
    /// Written by another format version of dechaff.
    WrongVersion {
        /// The file's format version.
        found: u32,
        /// The one this build reads.
        supported: u32,
    },
    /// Trained on another feature set than this build computes.
    WrongFeatureSet {
        /// The fingerprint of the features the model was trained on.
        found: u64,
        /// The fingerprint of the features this build computes.
        expected: u64,
    },
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
    Io {
        /// The file, or `<stdin>` and `<stdout>` for the standard streams.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The model file at `path` was refused.
    Model {
        /// The model file.
        path: PathBuf,
        /// Why it was refused.
        source: ModelError,
    },
    /// `path` holds NUL bytes: a binary file, not text.
    Binary {
        /// The file.
        path: PathBuf,
    },
    /// Training or evaluation data at `path` is malformed.
    Data {
        /// The data file.
        path: PathBuf,
        /// The line of the file, from 1.
        line: usize,
        /// What is wrong with it.
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
