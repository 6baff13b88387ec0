//! Reading inputs: text, or pages rendered from HTML and markdown.

use std::io::{self, IsTerminal, Read};
use std::path::{Path, PathBuf};

use dechaff::render::{self, Rendered};
use dechaff::{Error, InputKind};

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

/// An input, read as the kind of document it is.
pub enum Input {
    /// Plain text.
    Text(String),
    /// A page rendered from HTML or markdown.
    Page(Rendered),
}

impl Input {
    /// The text whose lines are labelled.
    pub fn text(&self) -> &str {
        match self {
            Input::Text(t) => t,
            Input::Page(p) => &p.text,
        }
    }
}

/// Reads an input as `kind`, or as the kind its name, then its first bytes, tell;
/// `-` is standard input. HTML is decoded from the charset it declares; text and
/// markdown as UTF-8, a byte-order mark dropped and invalid bytes replaced with a warning.
pub fn read_input(path: &Path, kind: Option<InputKind>, quiet: bool) -> dechaff::Result<Input> {
    let bytes = read_bytes(path)?;
    let kind = kind
        .or_else(|| {
            (!is_stdin(path))
                .then(|| InputKind::from_path(path))
                .flatten()
        })
        .unwrap_or_else(|| InputKind::sniff(&bytes[..bytes.len().min(1024)]));
    Ok(match kind {
        InputKind::Html => Input::Page(render::html::render(&bytes)),
        InputKind::Markdown => Input::Page(render::markdown::render(&decode(path, bytes, quiet))),
        InputKind::Text => Input::Text(decode(path, bytes, quiet)),
    })
}

/// Reads an input as text; `-` is standard input.
///
/// A UTF-8 byte-order mark is dropped. NUL bytes mean a binary file (or UTF-16 text),
/// which is refused; invalid UTF-8 is decoded with replacement characters and a warning,
/// unless `quiet`.
#[cfg(test)]
pub fn read_text(path: &Path, quiet: bool) -> dechaff::Result<String> {
    Ok(decode(path, read_bytes(path)?, quiet))
}

/// The bytes of an input, refused when they hold NUL bytes (binary, or UTF-16).
fn read_bytes(path: &Path) -> dechaff::Result<Vec<u8>> {
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
    Ok(bytes)
}

/// Text from bytes: a UTF-8 byte-order mark dropped, invalid UTF-8 replaced with a
/// warning unless `quiet`.
fn decode(path: &Path, mut bytes: Vec<u8>, quiet: bool) -> String {
    let shown = shown(path);
    if bytes.starts_with(b"\xef\xbb\xbf") {
        bytes.drain(..3);
    }
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            if !quiet {
                let at = e.utf8_error().valid_up_to();
                eprintln!(
                    "dechaff: warning: {}: invalid UTF-8 (first at byte {at}), decoded with \
                     replacement characters",
                    shown.display()
                );
            }
            String::from_utf8_lossy(e.as_bytes()).into_owned()
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
