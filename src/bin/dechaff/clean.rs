//! `dechaff clean`: kept lines, annotations or JSON for each input.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use dechaff::{Cleaner, InputKind, Label};

use crate::args::CleanArgs;
use crate::input::{self, Input};

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
    let cleaners = crate::cleaners(&a.model)?.map(|c| c.keep(a.keep).threshold(a.threshold));
    let stdin = [PathBuf::from("-")];
    let files = if a.files.is_empty() {
        &stdin[..]
    } else {
        &a.files[..]
    };
    let mut ok = true;
    let written = write_all(a, &cleaners, files, &mut ok);
    crate::stdout_done(written)?;
    Ok(ok)
}

/// Writes the output of every input, reporting the inputs that cannot be read and
/// clearing `ok` for them.
fn write_all(
    a: &CleanArgs,
    cleaners: &[Cleaner; 3],
    files: &[PathBuf],
    ok: &mut bool,
) -> io::Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut buf = String::new();
    let mut wrote_any = false;
    for path in files {
        let doc = match input::read_input(path, a.input.kind(), a.quiet) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("dechaff: {e}");
                *ok = false;
                continue;
            }
        };
        let cleaner = &cleaners[match &doc {
            Input::Text(_) => InputKind::Text.index(),
            Input::Page(p) => p.kind.index(),
        }];
        buf.clear();
        if a.json {
            json_lines(cleaner, path, &doc, &mut buf);
        } else if a.annotate {
            match &doc {
                Input::Text(t) => cleaner.annotate_into(t, &mut buf),
                Input::Page(p) => cleaner.annotate_page_into(p, &mut buf),
            };
        } else {
            match &doc {
                Input::Text(t) => cleaner.clean_into(t, &mut buf),
                Input::Page(p) => cleaner.clean_page_into(p, a.output_format.into(), &mut buf),
            };
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

fn json_lines(cleaner: &Cleaner, path: &Path, doc: &Input, out: &mut String) {
    let text = doc.text();
    let file = if input::is_stdin(path) {
        "-".to_string()
    } else {
        path.display().to_string()
    };
    let labels = match doc {
        Input::Text(t) => cleaner.classify(t),
        Input::Page(p) => cleaner.classify_page(p),
    };
    for l in labels {
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
