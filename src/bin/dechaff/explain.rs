//! `dechaff explain`: each line with its label, confidence and strongest inputs.
//!
//! Each input on a line of its own, under the line it weighed for:
//!
//! ```text
//!     3  content        0.99  "The treaty on comprehensive strategic partnership between…
//!                             +2.41  the lines before and after (sequence layer)
//!                             +0.61  the line on its own did not look like bio (0.06), …
//!                             +0.23  the line's length (51 words or more)
//! ```

use std::env;
use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use dechaff::explain::{explain, explain_page, LineExplanation};
use dechaff::{InputKind, Label};

use crate::args::{Color, ExplainArgs};
use crate::input::{self, Input};

pub fn run(a: &ExplainArgs) -> dechaff::Result<bool> {
    let stdin = PathBuf::from("-");
    let path = a.file.as_deref().unwrap_or(&stdin);
    if a.file.is_none() && input::stdin_is_terminal() {
        crate::usage_error(
            "explain",
            "no input: name the file to explain, or pipe text in (`-` reads the terminal)",
        );
    }
    let doc = input::read_input(path, a.input.kind(), a.quiet)?;
    let cleaners = crate::cleaners(&a.model)?;
    let style = Style::new(use_color(a.color));
    let lines = match &doc {
        Input::Text(t) => explain(&cleaners[InputKind::Text.index()], t, a.top),
        Input::Page(p) => explain_page(&cleaners[p.kind.index()], p, a.top),
    };
    let text = doc.text();
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut buf = String::new();
    let written = lines
        .iter()
        .try_for_each(|line| {
            buf.clear();
            render(line, text, &style, &mut buf);
            out.write_all(buf.as_bytes())
        })
        .and_then(|()| out.flush());
    crate::stdout_done(written)?;
    Ok(true)
}

/// Whether to colour: `auto` colours a terminal, unless NO_COLOR is set (no-color.org)
/// or the terminal is dumb.
fn use_color(when: Color) -> bool {
    match when {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            io::stdout().is_terminal()
                && env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && env::var_os("TERM").is_none_or(|t| t != "dumb")
        }
    }
}

/// ANSI escapes, or nothing when not colouring.
struct Style {
    on: bool,
}

const RESET: &str = "\x1b[0m";
const DIM: &str = "\x1b[2m";
const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";

impl Style {
    fn new(on: bool) -> Style {
        Style { on }
    }

    fn label(&self, label: Label) -> &'static str {
        if !self.on {
            return "";
        }
        match label {
            Label::Content => "\x1b[1;32m",
            Label::Navigation => "\x1b[1;34m",
            Label::Advertisement => "\x1b[1;31m",
            Label::Bio => "\x1b[1;33m",
        }
    }

    fn code(&self, code: &'static str) -> &'static str {
        if self.on {
            code
        } else {
            ""
        }
    }

    fn reset(&self) -> &'static str {
        self.code(RESET)
    }
}

/// Width of the label column: the longest label, "advertisement".
const LABEL_WIDTH: usize = 13;
/// Width of the columns before a line's text: number, label, confidence.
const INDENT: usize = 7 + LABEL_WIDTH + 2 + 6;

/// Writes one line and its strongest inputs.
fn render(l: &LineExplanation, text: &str, style: &Style, out: &mut String) {
    let reset = style.reset();
    let name = l.label.name();
    let _ = write!(
        out,
        "{}{:>5}{reset}  {}{name}{reset}{:pad$}  {:.2}  ",
        style.code(DIM),
        l.line + 1,
        style.label(l.label),
        "",
        l.confidence(),
        pad = LABEL_WIDTH - name.len(),
    );
    push_text(&text[l.span.clone()], style, out);
    out.push('\n');
    for c in &l.strongest {
        let sign = if c.effect >= 0.0 { GREEN } else { RED };
        let _ = write!(
            out,
            "{:INDENT$}{}{:+.2}{reset}  ",
            "",
            style.code(sign),
            c.effect
        );
        // Descriptions quote the page's words.
        push_text(&c.description, style, out);
        out.push('\n');
    }
}

/// Writes text of the page; on a terminal, escapes in scraped text would fight with ours.
fn push_text(text: &str, style: &Style, out: &mut String) {
    if style.on {
        out.extend(text.chars().map(|c| {
            if c.is_control() && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        }));
    } else {
        out.push_str(text);
    }
}

#[cfg(test)]
mod tests {
    use dechaff::explain::Contribution;

    use super::*;

    fn line() -> (LineExplanation, &'static str) {
        let text = "Menu\n\nSubscribe \x1b[31mnow\n";
        let l = LineExplanation {
            line: 2,
            span: 6..text.len() - 1,
            label: Label::Advertisement,
            probs: [0.05, 0.1, 0.8, 0.05],
            strongest: vec![
                Contribution {
                    name: "cue#7",
                    description: "cue \"subscribe\" (newsletter phrase)".into(),
                    value: 1.0,
                    effect: 2.5,
                },
                Contribution {
                    name: "words",
                    description: "the line's length (2 words)".into(),
                    value: 0.22,
                    effect: -0.5,
                },
            ],
        };
        (l, text)
    }

    #[test]
    fn plain_output_has_no_escapes_and_keeps_the_text() {
        let (l, text) = line();
        let mut out = String::new();
        render(&l, text, &Style::new(false), &mut out);
        assert_eq!(
            out,
            format!(
                "    3  advertisement  0.80  Subscribe \x1b[31mnow\n\
                 {:INDENT$}+2.50  cue \"subscribe\" (newsletter phrase)\n\
                 {:INDENT$}-0.50  the line's length (2 words)\n",
                "", ""
            )
        );
    }

    #[test]
    fn coloured_output_marks_label_and_effects_and_defuses_escapes() {
        let (l, text) = line();
        let mut out = String::new();
        render(&l, text, &Style::new(true), &mut out);
        assert!(
            out.contains("\x1b[1;31madvertisement\x1b[0m  0.80"),
            "{out:?}"
        );
        assert!(out.contains(&format!("{GREEN}+2.50{RESET}")), "{out:?}");
        assert!(out.contains(&format!("{RED}-0.50{RESET}")), "{out:?}");
        assert!(out.contains("Subscribe \u{fffd}[31mnow"), "{out:?}");
    }
}
