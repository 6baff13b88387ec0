//! Lines of a page rendered from HTML, written as markdown that reads back the same.

use super::{entity, space, NextAt};
use crate::document::split_lines;
use crate::render::{tag, Rendered};

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Most `[` waiting for their `]` while finding links; more are text.
const MAX_OPEN: usize = 32;

/// Appends line `i` of `page` (rendered from HTML) as markdown: see
/// [`super::write_line`].
pub(super) fn html_line(page: &Rendered, i: usize, out: &mut String) {
    let line = &page.lines[i];
    let md = page.line_md(i);
    if md.is_empty() {
        return;
    }
    if line.tags & tag::BLOCKQUOTE != 0 {
        out.push_str("> ");
    }
    if line.tags & tag::LI != 0 {
        out.push_str("- ");
    }
    let table = line.heading == 0 && line.tags & tag::TABLE != 0;
    if line.heading > 0 {
        out.extend(std::iter::repeat_n('#', line.heading.min(6) as usize));
        out.push(' ');
    } else if table {
        out.push_str("| ");
    }
    let start = out.len();
    if line.link_chars == 0 {
        // No link: the markdown is the text.
        escape(md, true, false, out);
    } else if let Some(parse) = parse_of(page, i, md) {
        write_links(md, parse, out);
    } else {
        // Links that cannot be found again are left out, their text kept.
        escape(line_text(page, i).unwrap_or(md), true, false, out);
    }
    if line.heading > 0 {
        guard_closing_hashes(out, start);
    }
    if table {
        guard_delimiter_row(out, start);
        out.push_str(" |");
    }
}

/// How to read the links of a line's markdown. The HTML renderer writes them
/// unescaped, `[text](href)`, so that `[[1]](#c)`, `[a [b](u)`, `[a](b_(c))` and
/// `[a](b)c)` each have two readings: which `[` a `](` closes, the last open or the
/// first (a `]` in its text then being text), and which `)` ends the href, the one that balances its parentheses or its
/// first.
#[derive(Clone, Copy)]
struct Parse {
    outer: bool,
    balanced: bool,
}

const PARSES: [Parse; 4] = [
    Parse {
        outer: false,
        balanced: true,
    },
    Parse {
        outer: true,
        balanced: true,
    },
    Parse {
        outer: false,
        balanced: false,
    },
    Parse {
        outer: true,
        balanced: false,
    },
];

/// The reading of line `i`'s markdown `md` that gives back its text, if any.
fn parse_of(page: &Rendered, i: usize, md: &str) -> Option<Parse> {
    let want = page.lines[i].link_chars;
    if unambiguous(md, PARSES[0], want) {
        return Some(PARSES[0]);
    }
    // Only now the line's text is worth finding: the page keeps no index of its lines.
    let text = line_text(page, i)?;
    let mut scratch = String::new();
    let mut gives_text = |p: Parse| {
        scratch.clear();
        push_text(md, p, &mut scratch);
        super::trim_edges(&mut scratch, 0);
        scratch == text
    };
    let found = PARSES
        .into_iter()
        .find(|&p| link_chars(md, p) == want && gives_text(p));
    found.or_else(|| PARSES.into_iter().find(|&p| gives_text(p)))
}

/// Whether `md` read with `parse` is the only reading: every `[`, `](` and `)` is
/// a link's, and the links hold `want` characters.
fn unambiguous(md: &str, parse: Parse, want: u32) -> bool {
    let links = Links::new(md, parse).count();
    let b = md.as_bytes();
    memchr::memchr_iter(b'[', b).count() == links
        && memchr::memchr_iter(b')', b).count() == links
        && memchr::memmem::find_iter(b, b"](").count() == links
        && link_chars(md, parse) == want
}

/// Non-white-space characters of the links of `md` read with `parse`.
fn link_chars(md: &str, parse: Parse) -> u32 {
    Links::new(md, parse)
        .map(|l| {
            md[l.open + 1..l.close]
                .chars()
                .filter(|&c| !space(c))
                .count() as u32
        })
        .sum()
}

/// The text of `md` read with `parse`: links replaced by their text.
fn push_text(md: &str, parse: Parse, out: &mut String) {
    let mut from = 0;
    for link in Links::new(md, parse) {
        out.push_str(&md[from..link.open]);
        out.push_str(&md[link.open + 1..link.close]);
        from = link.end;
    }
    out.push_str(&md[from..]);
}

/// Writes `md`, read with `parse`, as markdown.
fn write_links(md: &str, parse: Parse, out: &mut String) {
    let start = out.len();
    let mut from = 0;
    for link in Links::new(md, parse) {
        escape(&md[from..link.open], out.len() == start, false, out);
        out.push('[');
        escape(&md[link.open + 1..link.close], false, true, out);
        out.push_str("](");
        push_href(&md[link.close + 2..link.end - 1], out);
        out.push(')');
        from = link.end;
    }
    escape(&md[from..], out.len() == start, false, out);
}

/// Line `i` of the page's text.
fn line_text(page: &Rendered, i: usize) -> Option<&str> {
    let mut spans = Vec::new();
    split_lines(&page.text, &mut spans);
    spans.get(i).map(|s| s.text(&page.text))
}

/// A link of an HTML page's markdown line: its `[`, its `](`, and the end of its `)`.
struct Link {
    open: usize,
    close: usize,
    end: usize,
}

/// The links of an HTML page's markdown line, in order.
struct Links<'a> {
    md: &'a [u8],
    pos: usize,
    parse: Parse,
    /// From here on, no href's parentheses balance.
    unbalanced: usize,
    paren: NextAt,
}

impl<'a> Links<'a> {
    fn new(md: &'a str, parse: Parse) -> Self {
        Links {
            md: md.as_bytes(),
            pos: 0,
            parse,
            unbalanced: usize::MAX,
            paren: NextAt::default(),
        }
    }

    /// Where the href starting at `j` ends, after its `)`: the `)` that balances its
    /// parentheses if the parse says so and there is one, else its first `)`.
    fn href_end(&mut self, j: usize) -> Option<usize> {
        if self.parse.balanced && j < self.unbalanced {
            let mut depth = 0usize;
            for (k, &b) in self.md[j..].iter().enumerate() {
                match b {
                    b'(' => depth += 1,
                    b')' if depth == 0 => return Some(j + k + 1),
                    b')' => depth -= 1,
                    _ => {}
                }
            }
            self.unbalanced = j;
        }
        let md = self.md;
        self.paren
            .find(j, |p| memchr::memchr(b')', &md[p..]).map(|e| p + e))
            .map(|e| e + 1)
    }
}

impl Iterator for Links<'_> {
    type Item = Link;

    fn next(&mut self) -> Option<Link> {
        let mut open = [0; MAX_OPEN];
        let mut n = 0;
        let mut k = self.pos;
        while k < self.md.len() {
            match self.md[k] {
                b'[' if n < MAX_OPEN => {
                    open[n] = k;
                    n += 1;
                }
                b']' if n > 0 => {
                    if self.md.get(k + 1) == Some(&b'(') {
                        if let Some(end) = self.href_end(k + 2) {
                            let first = if self.parse.outer { 0 } else { n - 1 };
                            self.pos = end;
                            return Some(Link {
                                open: open[first],
                                close: k,
                                end,
                            });
                        }
                    }
                    // Read the outer way, a `]` in a link's text is text.
                    if !self.parse.outer {
                        n -= 1;
                    }
                }
                _ => {}
            }
            k += 1;
        }
        self.pos = self.md.len();
        None
    }
}

/// Appends `text` with a backslash before each character that would read as markup:
/// emphasis, code, brackets, table pipes, HTML, character references, and, at the
/// start of a line's content (`at_start`), block markers. Inside a link's text
/// (`in_link`), `]` too.
fn escape(text: &str, at_start: bool, in_link: bool, out: &mut String) {
    let b = text.as_bytes();
    let lead = if at_start { block_marker(b) } else { None };
    for (k, c) in text.char_indices() {
        let next = b.get(k + 1).copied();
        let markup = match c {
            // What follows may be a link's `[`, hence the escapes at the end.
            '\\' => next.is_none_or(|n| n.is_ascii_punctuation()),
            '!' => next.is_none(),
            '`' | '*' | '_' | '[' | '|' | '<' => true,
            ']' => in_link,
            '~' => next == Some(b'~') || (k > 0 && b[k - 1] == b'~'),
            '&' => entity::decode(&b[k..]).is_some(),
            _ => false,
        };
        if markup || lead == Some(k) {
            out.push('\\');
        }
        out.push(c);
    }
}

/// Where the block marker opening a line's content is, if it has one (`#`, `>`, a list
/// marker, a setext underline).
fn block_marker(b: &[u8]) -> Option<usize> {
    match b.first()? {
        b'#' | b'>' | b'-' | b'+' | b'=' => Some(0),
        c if c.is_ascii_digit() => {
            let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
            matches!(b.get(digits), Some(b'.' | b')')).then_some(digits)
        }
        _ => None,
    }
}

/// Escapes the run of `#` ending a heading's content at `start` in `out`, which would
/// read as a closing sequence.
fn guard_closing_hashes(out: &mut String, start: usize) {
    let content = &out[start..];
    let body = content.trim_end_matches('#');
    if body.len() < content.len() && (body.is_empty() || body.ends_with(' ')) {
        out.insert(start + body.len(), '\\');
    }
}

/// Escapes the `-` of a table cell's content at `start` in `out` made only of `-`, `:`
/// and spaces, which would read as a delimiter row.
fn guard_delimiter_row(out: &mut String, start: usize) {
    let content = &out[start..];
    if content.contains('-') && content.bytes().all(|b| matches!(b, b'-' | b':' | b' ')) {
        let escaped = content.replace('-', "\\-");
        out.truncate(start);
        out.push_str(&escaped);
    }
}

/// Appends `href` as a link destination: percent-encoded where it would end the
/// destination or be read as markup.
fn push_href(href: &str, out: &mut String) {
    for c in href.chars() {
        if matches!(c, '(' | ')' | '<' | '>' | '\\' | '|') || space(c) || c.is_control() {
            let mut utf8 = [0; 4];
            for b in c.encode_utf8(&mut utf8).bytes() {
                out.push('%');
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 15) as usize] as char);
            }
        } else {
            out.push(c);
        }
    }
}
