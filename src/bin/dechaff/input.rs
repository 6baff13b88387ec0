//! Reading inputs as text.

use std::io::{self, IsTerminal, Read};
use std::path::{Path, PathBuf};

use dechaff::Error;

/// The path that stands for standard input.
pub fn is_stdin(path: &Path) -> bool {
    path == Path::new("-")
}

/// How an input is named in messages.
fn shown(path: &Path) -> PathBuf {
    if is_stdin(path) {
        PathBuf::from("<stdin>")
    } else {
        path.to_path_buf()
    }
}

/// Whether reading standard input would wait on someone typing: commands that read it
/// when given no file refuse to, to not hang silently.
pub fn stdin_is_terminal() -> bool {
    io::stdin().is_terminal()
}

/// Reads an input as text; `-` is standard input.
///
/// A UTF-8 byte-order mark is dropped. NUL bytes mean a binary file (or UTF-16 text),
/// which is refused; invalid UTF-8 is decoded with replacement characters and a warning,
/// unless `quiet`.
pub fn read_text(path: &Path, quiet: bool) -> dechaff::Result<String> {
    let shown = shown(path);
    let io_error = |source| Error::Io {
        path: shown.clone(),
        source,
    };
    let mut bytes = Vec::new();
    if is_stdin(path) {
        io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(io_error)?;
    } else {
        bytes = std::fs::read(path).map_err(io_error)?;
    }
    if memchr::memchr(0, &bytes).is_some() {
        return Err(
            if bytes.starts_with(b"\xff\xfe") || bytes.starts_with(b"\xfe\xff") {
                Error::Invalid(format!(
                    "{}: UTF-16 text, which dechaff does not read; convert it to UTF-8 first \
                 (iconv -f UTF-16 -t UTF-8)",
                    shown.display()
                ))
            } else {
                Error::Binary { path: shown }
            },
        );
    }
    if bytes.starts_with(b"\xef\xbb\xbf") {
        bytes.drain(..3);
    }
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            if !quiet {
                let at = e.utf8_error().valid_up_to();
                eprintln!(
                    "dechaff: warning: {}: invalid UTF-8 (first at byte {at}), decoded with \
                     replacement characters",
                    shown.display()
                );
            }
            Ok(String::from_utf8_lossy(e.as_bytes()).into_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> dechaff::Result<String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.txt");
        std::fs::write(&path, bytes).unwrap();
        read_text(&path, true)
    }

    #[test]
    fn decodes_text() {
        assert_eq!(read(b"one\ntwo").unwrap(), "one\ntwo");
        assert_eq!(read(b"").unwrap(), "");
        assert_eq!(read(b"\xef\xbb\xbfone").unwrap(), "one");
        assert_eq!(read(b"caf\xe9\n").unwrap(), "caf\u{fffd}\n");
    }

    #[test]
    fn refuses_binary_and_utf16() {
        assert!(matches!(read(b"a\0b"), Err(Error::Binary { .. })));
        let err = read(b"\xff\xfeh\0i\0").unwrap_err().to_string();
        assert!(err.contains("UTF-16"), "{err}");
    }
}
