//! Markdown to lines, and lines back to markdown.
//!
//! The markdown is what crawlers write for language models (Firecrawl, Jina Reader,
//! crawl4ai, html2text, trafilatura): menus as runs of links, headings, lists, tables,
//! images, emphasis. [`render`] reads it the CommonMark and GFM way, simplified to keep
//! one output line per input line, each line's text what a reader sees of it:
//!
//! | Markdown | The line's text | Its markup |
//! |---|---|---|
//! | `## Title ##`, or a line over `===` / `---` | `Title` | `heading` 2 (1 or 2); the underline is blank |
//! | `- item`, `* item`, `+ item`, `1. item`, `1) item`, `- [x] item` | `item` | [`tag::LI`] and [`tag::LIST`]; `depth` counts the items open, nested by indentation |
//! | a line indented to continue a list item | its text | as the item |
//! | `> quote`, `> > quote` | `quote` | [`tag::BLOCKQUOTE`]; each `>` counts in `depth` |
//! | `\| a \| b \|`, or `a \| b` over a delimiter row | `a b` | [`tag::TABLE`] |
//! | `\|---\|:---:\|` (a table's delimiter row) | blank | |
//! | a fenced (```` ``` ````, `~~~`) or indented code block | the code, white space collapsed | [`tag::PRE`]; the fences are blank |
//! | `---`, `***`, `___` (a rule) | blank | |
//! | front matter (`---` … `---` opening the document) | blank | |
//! | `[label]: url "title"` (a link definition) | blank | |
//! | `[^1]: note` (a footnote) | `note` | |
//! | `[text](url "title")`, `[text][ref]`, `[text][]`, `[ref]`, `<https://…>` | the link's text | its non-white-space characters count in `link_chars` |
//! | `![alt](src "title")` | `alt` | [`tag::FIGURE`]; in a link (`[![alt](img)](url)`) `alt` counts as link text |
//! | `*em*`, `**strong**`, `_em_`, `__strong__`, `~~struck~~` | the words | strong emphasis sets [`tag::STRONG`] |
//! | `` `code` `` | `code`, as written | [`tag::PRE`] |
//! | `\*` (backslash escapes) | `*` | |
//! | `&amp;`, `&#39;`, `&#x2014;`, `&nbsp;`… | `&`, `'`, `—`, a space… (the common named references, every numeric one) | |
//! | `<span>`, `</div>`, `<!-- … -->` (inline HTML) | nothing (`<br>`: a space) | |
//!
//! White space is collapsed and trimmed; bare URLs are text (the text features count
//! them). A line is blank when it has no text left, and a blank line carries no markup.
//! `title` is the text of the first level-1 heading.
//!
//! Departures from CommonMark, each for the line-by-line mapping or for speed: a
//! paragraph or quote does not continue on an unmarked, unindented line ("lazy"
//! continuation): such a line ends the list or quote; HTML blocks are read as inline
//! HTML line by line; emphasis pairs without the rule of three; a link destination
//! running unclosed to the end of a line makes the later ones on it fail too.
//!
//! [`write_line`] writes lines back as markdown: a markdown page's lines as they
//! stood, an HTML page's built from their text, links, heading and tags, escaped so that
//! [`render`] reads the same back.
//!
//! [`tag::LI`]: super::tag::LI
//! [`tag::LIST`]: super::tag::LIST
//! [`tag::BLOCKQUOTE`]: super::tag::BLOCKQUOTE
//! [`tag::TABLE`]: super::tag::TABLE
//! [`tag::PRE`]: super::tag::PRE
//! [`tag::FIGURE`]: super::tag::FIGURE
//! [`tag::STRONG`]: super::tag::STRONG

mod block;
mod entity;
mod inline;
mod write;

#[cfg(test)]
mod tests;

use super::{InputKind, Rendered};
use crate::document::split_lines;

/// Renders a markdown document: one line of [`Rendered::text`] per line of `text` (as
/// [`split_lines`] splits it), each line's [`LineMarkup::md`] the line as it stood.
///
/// The text is the lines joined by `\n`, plus a last `\n` when the last line is blank,
/// so that splitting it gives as many lines again.
///
/// [`LineMarkup::md`]: super::LineMarkup::md
pub fn render(text: &str) -> Rendered {
    let mut spans = Vec::new();
    split_lines(text, &mut spans);
    let mut page = Rendered {
        text: String::with_capacity(text.len()),
        md: String::with_capacity(text.len()),
        lines: Vec::with_capacity(spans.len()),
        kind: InputKind::Markdown,
        ..Rendered::default()
    };
    let mut refs = inline::Refs::default();
    block::collect_refs(text, &spans, &mut refs);
    let mut reader = block::Reader::new(&refs, text, &spans);
    for (i, span) in spans.iter().enumerate() {
        let next = spans.get(i + 1).map(|s| s.text(text));
        reader.line(&mut page, span.text(text), next);
    }
    if !page.lines.is_empty() && (page.text.is_empty() || page.text.ends_with('\n')) {
        page.text.push('\n');
    }
    page
}

/// A page rendered from HTML written as a markdown document: each line as
/// [`write_line`] writes it, joined by `\n`. [`render`] reads it back to the same lines.
pub fn write_page(page: &Rendered) -> String {
    let mut md = String::with_capacity(page.md.len() + page.text.len() / 8);
    for i in 0..page.lines.len() {
        if i > 0 {
            md.push('\n');
        }
        write_line(page, i, false, &mut md);
    }
    md
}

/// Appends line `i` of `page` to `out` as one line of markdown, without a line ending.
///
/// `from_markdown` says `page` was read by [`render`]: the line is written as it stood.
/// Otherwise `page` was rendered from HTML, its [`LineMarkup::md`] the line's text with
/// links as `[text](href)`, unescaped: the line is built from that text and its links,
/// prefixed `> ` for [`tag::BLOCKQUOTE`], `- ` for [`tag::LI`] and `#`s for a heading,
/// or wrapped `| … |` for [`tag::TABLE`], with every character that would read as
/// markup escaped. [`render`] reads such lines, joined by `\n`, back to the same
/// text, link characters, heading levels, and LI, BLOCKQUOTE and TABLE bits.
///
/// A page rendered from plain text has no markdown, and writes blank lines.
///
/// [`LineMarkup::md`]: super::LineMarkup::md
/// [`tag::BLOCKQUOTE`]: super::tag::BLOCKQUOTE
/// [`tag::LI`]: super::tag::LI
/// [`tag::TABLE`]: super::tag::TABLE
pub fn write_line(page: &Rendered, i: usize, from_markdown: bool, out: &mut String) {
    if from_markdown {
        out.push_str(page.line_md(i));
    } else {
        write::html_line(page, i, out);
    }
}

/// White space, as the HTML renderer and Python's `str.split` see it.
fn space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// Characters a line's edges are trimmed of besides white space: zero-width and
/// format characters, as the HTML renderer trims them.
const INVISIBLE: [char; 8] = [
    '\u{200b}', '\u{200c}', '\u{200d}', '\u{200e}', '\u{200f}', '\u{2060}', '\u{feff}', '\u{ad}',
];

/// Appends `s` to `out`, white space collapsed and the edges trimmed.
fn push_collapsed(s: &str, out: &mut String) {
    let start = out.len();
    for word in s.split(space).filter(|w| !w.is_empty()) {
        if out.len() > start {
            out.push(' ');
        }
        out.push_str(word);
    }
    trim_edges(out, start);
}

/// Trims what `out` holds from `start` of invisible characters (and the white space
/// they hid) at both ends.
fn trim_edges(out: &mut String, start: usize) {
    let edge = |c: char| space(c) || INVISIBLE.contains(&c);
    let kept = out[start..].trim_end_matches(edge).len();
    out.truncate(start + kept);
    let lead = kept - out[start..].trim_start_matches(edge).len();
    if lead > 0 {
        out.replace_range(start..start + lead, "");
    }
}

/// Where the next occurrence of something is, for positions that only grow: found
/// once, then reused until passed, so repeated look-aheads cost one scan.
#[derive(Default)]
pub(super) struct NextAt {
    /// The position the last search started from, and what it found (`usize::MAX`: no
    /// occurrence); valid for any position between them.
    from: usize,
    at: Option<usize>,
}

impl NextAt {
    pub(super) fn find(
        &mut self,
        pos: usize,
        search: impl FnOnce(usize) -> Option<usize>,
    ) -> Option<usize> {
        let known = self
            .at
            .is_some_and(|at| self.from <= pos && (at == usize::MAX || pos <= at));
        if !known {
            self.from = pos;
            self.at = Some(search(pos).unwrap_or(usize::MAX));
        }
        self.at.filter(|&at| at != usize::MAX)
    }
}
