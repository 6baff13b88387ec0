//! `dechaff clean`: kept lines, annotations or JSON for each input.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use dechaff::{Cleaner, Label};

use crate::args::CleanArgs;
use crate::input;

pub fn run(a: &CleanArgs) -> dechaff::Result<bool> {
    if crate::batch::wanted(a) {
        return crate::batch::run(a);
    }
    if a.files.is_empty() && input::stdin_is_terminal() {
        crate::usage_error(
            "clean",
            "no input: name the files to clean, or pipe text in (`-` reads the terminal)",
        );
    }
    let cleaner = crate::cleaner(&a.model)?
        .keep(a.keep)
        .threshold(a.threshold);
    let stdin = [PathBuf::from("-")];
    let files = if a.files.is_empty() {
        &stdin[..]
    } else {
        &a.files[..]
    };
    let mut ok = true;
    let written = write_all(a, &cleaner, files, &mut ok);
    crate::stdout_done(written)?;
    Ok(ok)
}

/// Writes the output of every input, reporting the inputs that cannot be read and
/// clearing `ok` for them.
fn write_all(a: &CleanArgs, cleaner: &Cleaner, files: &[PathBuf], ok: &mut bool) -> io::Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut buf = String::new();
    let mut wrote_any = false;
    for path in files {
        let text = match input::read_text(path, a.quiet) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("dechaff: {e}");
                *ok = false;
                continue;
            }
        };
        buf.clear();
        if a.json {
            json_lines(cleaner, path, &text, &mut buf);
        } else if a.annotate {
            cleaner.annotate_into(&text, &mut buf);
        } else {
            cleaner.clean_into(&text, &mut buf);
            if buf.is_empty() {
                continue;
            }
            // Each input's last line ends, and a blank line parts one input's paragraphs
            // from the next one's.
            if !buf.ends_with(['\n', '\r']) {
                buf.push('\n');
            }
            if wrote_any {
                out.write_all(b"\n")?;
            }
        }
        out.write_all(buf.as_bytes())?;
        wrote_any = true;
    }
    out.flush()
}

fn json_lines(cleaner: &Cleaner, path: &Path, text: &str, out: &mut String) {
    let file = if input::is_stdin(path) {
        "-".to_string()
    } else {
        path.display().to_string()
    };
    for l in cleaner.classify(text) {
        let mut probs = serde_json::Map::new();
        for label in Label::ALL {
            let p = (f64::from(l.probs[label.index()]) * 1e4).round() / 1e4;
            probs.insert(label.name().to_string(), serde_json::json!(p));
        }
        let obj = serde_json::json!({
            "file": file,
            "line": l.line + 1,
            "label": l.label.name(),
            "probs": probs,
            "text": &text[l.span.clone()],
        });
        out.push_str(&obj.to_string());
        out.push('\n');
    }
}
