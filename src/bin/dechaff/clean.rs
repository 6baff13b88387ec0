//! `dechaff clean`: kept lines, annotations or JSON for each input.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use dechaff::{Cleaner, Error, Label};

use crate::args::CleanArgs;

/// Reads an input as text: `-` is standard input. NUL bytes mean a binary file, which is
/// refused; invalid UTF-8 is decoded lossily with a warning.
pub fn read_text(path: &Path, quiet: bool) -> dechaff::Result<String> {
    let mut bytes = Vec::new();
    let shown: PathBuf = if path == Path::new("-") {
        io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(|e| Error::Io {
                path: "<stdin>".into(),
                source: e,
            })?;
        "<stdin>".into()
    } else {
        bytes = std::fs::read(path).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        path.to_path_buf()
    };
    if memchr::memchr(0, &bytes).is_some() {
        return Err(Error::Binary { path: shown });
    }
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            if !quiet {
                eprintln!(
                    "dechaff: warning: {}: invalid UTF-8, decoded with replacement characters",
                    shown.display()
                );
            }
            Ok(String::from_utf8_lossy(e.as_bytes()).into_owned())
        }
    }
}

pub fn run(a: &CleanArgs) -> dechaff::Result<bool> {
    let cleaner = crate::cleaner(&a.model)?
        .keep(a.keep)
        .threshold(a.threshold);
    let files = if a.files.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        a.files.clone()
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut ok = true;
    let mut buf = String::new();
    for path in &files {
        let text = match read_text(path, a.quiet) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("dechaff: {e}");
                ok = false;
                continue;
            }
        };
        buf.clear();
        if a.json {
            json_lines(&cleaner, path, &text, &mut buf);
        } else if a.annotate {
            cleaner.annotate_into(&text, &mut buf);
        } else {
            cleaner.clean_into(&text, &mut buf);
        }
        if let Err(e) = out.write_all(buf.as_bytes()) {
            return broken_pipe_is_fine(e);
        }
    }
    if let Err(e) = out.flush() {
        return broken_pipe_is_fine(e);
    }
    Ok(ok)
}

/// A reader that stops early (`| head`) is not an error.
fn broken_pipe_is_fine(e: io::Error) -> dechaff::Result<bool> {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Ok(true)
    } else {
        Err(Error::Io {
            path: "<stdout>".into(),
            source: e,
        })
    }
}

fn json_lines(cleaner: &Cleaner, path: &Path, text: &str, out: &mut String) {
    let file = if path == Path::new("-") {
        "-".to_string()
    } else {
        path.display().to_string()
    };
    for l in cleaner.classify(text) {
        let mut probs = serde_json::Map::new();
        for label in Label::ALL {
            let p = (l.probs[label.index()] as f64 * 1e4).round() / 1e4;
            probs.insert(label.name().to_string(), serde_json::json!(p));
        }
        let obj = serde_json::json!({
            "file": file,
            "line": l.line,
            "label": l.label.name(),
            "probs": probs,
            "text": &text[l.span.clone()],
        });
        out.push_str(&obj.to_string());
        out.push('\n');
    }
}
