//! The block structure of a markdown document, read one line at a time: each line's
//! containers (quotes, list items) and leaf block (heading, table row, code, paragraph)
//! decide its tags and which of its characters are text.

use super::inline::{Inline, Refs};
use super::{push_collapsed, space};
use crate::document::LineSpan;
use crate::render::{tag, LineMarkup, Rendered};

/// Most list items open at once; deeper markers start a sibling of the deepest.
const MAX_LIST: usize = 64;

/// An open fenced code block.
#[derive(Clone, Copy)]
struct Fence {
    ch: u8,
    len: usize,
    tags: u32,
    depth: u16,
}

/// The paragraph the last line was in, for a setext underline to make a heading of.
#[derive(Clone, Copy)]
struct Para {
    /// Its first line.
    first: usize,
    /// Where its text starts in the page's text.
    text_at: usize,
    quotes: usize,
    items: usize,
}

/// What is open after the lines read so far.
pub(super) struct Reader<'a> {
    refs: &'a Refs,
    inline: Inline,
    /// Lines before this one are front matter.
    front_matter: usize,
    fence: Option<Fence>,
    indented_code: bool,
    /// The content columns of the open list items, outermost first.
    list: Vec<usize>,
    table: bool,
    para: Option<Para>,
}

impl<'a> Reader<'a> {
    /// A reader of the document `text`, split in `spans`, whose definitions are `refs`.
    pub fn new(refs: &'a Refs, text: &str, spans: &[LineSpan]) -> Self {
        Reader {
            refs,
            inline: Inline::default(),
            front_matter: front_matter(text, spans),
            fence: None,
            indented_code: false,
            list: Vec::new(),
            table: false,
            para: None,
        }
    }

    /// Reads the next line, `line`, into `page`; `next` is the line after it.
    pub fn line(&mut self, page: &mut Rendered, line: &str, next: Option<&str>) {
        let i = page.lines.len();
        if i > 0 {
            page.text.push('\n');
            page.md.push('\n');
        }
        let md_at = page.md.len() as u32;
        page.md.push_str(line);
        let text_at = page.text.len();
        let mut markup = self.read(page, i, line, next);
        if page.text.len() == text_at {
            // A blank line separates blocks and carries nothing else.
            markup = LineMarkup::default();
            self.para = None;
        }
        markup.md = md_at..page.md.len() as u32;
        page.lines.push(markup);
    }

    /// Reads line `i`, appending its text to the page's.
    fn read(
        &mut self,
        page: &mut Rendered,
        i: usize,
        line: &str,
        next: Option<&str>,
    ) -> LineMarkup {
        if i < self.front_matter {
            return LineMarkup::default();
        }
        let (quotes, rest) = strip_quotes(line);
        if let Some(fence) = self.fence {
            return self.fenced(page, fence, rest);
        }
        if rest.trim_matches(space).is_empty() {
            self.table = false;
            return LineMarkup::default();
        }
        let (indent, at) = indentation(rest);
        let code_may_start = self.para.is_none() && self.list.is_empty() && !self.table;
        self.indented_code = indent >= 4 && (self.indented_code || code_may_start);
        if self.indented_code {
            push_collapsed(rest, &mut page.text);
            return markup(tag::PRE | quote_tag(quotes), quotes);
        }
        if self.setext(page, quotes, &rest[at..], indent) {
            return LineMarkup::default();
        }
        if thematic_break(&rest[at..]) {
            self.list.clear();
            self.table = false;
            self.para = None;
            return LineMarkup::default();
        }
        let (content, item) = self.list_item(rest, indent, at);
        let (more_quotes, content) = if item {
            strip_quotes(content)
        } else {
            (0, content)
        };
        let quotes = quotes + more_quotes;
        let mut tags = quote_tag(quotes);
        if !self.list.is_empty() {
            tags |= tag::LI | tag::LIST;
        }
        let depth = quotes + self.list.len();
        let leaf = Leaf {
            i,
            content: content.trim_start_matches(space),
            next,
            tags,
            depth,
            quotes,
            item,
        };
        self.leaf(page, leaf)
    }

    /// A line inside a fenced code block: its text, or the closing fence.
    fn fenced(&mut self, page: &mut Rendered, fence: Fence, rest: &str) -> LineMarkup {
        let t = rest.trim_start_matches(space).as_bytes();
        let run = t.iter().take_while(|&&b| b == fence.ch).count();
        if run >= fence.len && t[run..].iter().all(|&b| space(b as char)) {
            self.fence = None;
            return LineMarkup::default();
        }
        push_collapsed(rest, &mut page.text);
        LineMarkup {
            tags: fence.tags,
            depth: fence.depth,
            ..LineMarkup::default()
        }
    }

    /// A setext underline (`===`, `---`) under a paragraph makes it a heading and is
    /// itself blank.
    fn setext(&mut self, page: &mut Rendered, quotes: usize, rest: &str, indent: usize) -> bool {
        let Some(para) = self.para else { return false };
        let inside = if para.items > 0 {
            self.list.last().copied().unwrap_or(0)
        } else {
            0
        };
        let t = rest.trim_end_matches(space);
        let level = match t.as_bytes().first() {
            Some(b'=') if t.bytes().all(|b| b == b'=') => 1,
            Some(b'-') if t.bytes().all(|b| b == b'-') => 2,
            _ => return false,
        };
        if para.quotes != quotes || indent < inside || indent >= inside + 4 {
            return false;
        }
        for line in &mut page.lines[para.first..] {
            line.heading = level;
        }
        if level == 1 && page.title.is_empty() {
            let text = page.text[para.text_at..].trim_end_matches('\n');
            page.title = text.replace('\n', " ");
        }
        self.para = None;
        true
    }

    /// The list markers opening `rest` (indented `indent` columns, its first
    /// non-blank byte at `at`) or the indentation continuing an open item: the content
    /// after them, and whether a new item starts. Keeps the open items up to date.
    fn list_item<'r>(&mut self, rest: &'r str, indent: usize, at: usize) -> (&'r str, bool) {
        let Some(mut marker) = list_marker(rest, at, indent) else {
            // A line indented less than an item's content closes it.
            while self.list.last().is_some_and(|&col| col > indent) {
                self.list.pop();
            }
            return (&rest[at..], false);
        };
        while self.list.last().is_some_and(|&col| col > indent) {
            self.list.pop();
        }
        loop {
            if self.list.len() == MAX_LIST {
                self.list.pop();
            }
            self.list.push(marker.col);
            // `- - item`, `1. - item`: items nested on one line.
            match list_marker(rest, marker.at, marker.col) {
                Some(inner) => marker = inner,
                None => break,
            }
        }
        (task_box(&rest[marker.at..]), true)
    }

    /// The leaf block a line's content is.
    fn leaf(&mut self, page: &mut Rendered, leaf: Leaf) -> LineMarkup {
        let content = leaf.content;
        let mut m = markup(leaf.tags, leaf.depth);
        let table = self.table;
        self.table = false;
        if let Some((ch, len)) = fence_open(content) {
            self.fence = Some(Fence {
                ch,
                len,
                tags: leaf.tags | tag::PRE,
                depth: m.depth,
            });
            self.para = None;
            return LineMarkup::default();
        }
        if let Some((level, inner)) = atx_heading(content) {
            self.para = None;
            let at = page.text.len();
            self.inline_into(page, inner, false, &mut m);
            m.heading = level;
            if level == 1 && page.title.is_empty() {
                page.title = page.text[at..].to_owned();
            }
            return m;
        }
        if delimiter_row(content) {
            self.table = true;
            self.para = None;
            return LineMarkup::default();
        }
        let header = || {
            leaf.next
                .is_some_and(|n| delimiter_row(strip_quotes(n).1.trim_start_matches(space)))
        };
        if content.starts_with('|') || (has_pipe(content) && (table || header())) {
            self.table = true;
            self.para = None;
            m.tags |= tag::TABLE;
            self.inline_into(page, content, true, &mut m);
            return m;
        }
        if let Some((label, after)) = definition(content) {
            self.para = None;
            if label.starts_with('^') {
                // A footnote: its text is the page's.
                self.inline_into(page, after, false, &mut m);
                return m;
            }
            return LineMarkup::default();
        }
        let at = page.text.len();
        self.inline_into(page, content, false, &mut m);
        self.para = match self.para {
            Some(p) if !leaf.item && p.quotes == leaf.quotes && p.items == self.list.len() => {
                Some(p)
            }
            _ => Some(Para {
                first: leaf.i,
                text_at: at,
                quotes: leaf.quotes,
                items: self.list.len(),
            }),
        };
        m
    }

    /// The text of `content` into the page, its inline markup into `m`.
    fn inline_into(&mut self, page: &mut Rendered, content: &str, table: bool, m: &mut LineMarkup) {
        let found = self.inline.line(content, table, self.refs, &mut page.text);
        m.link_chars = found.link_chars;
        for (has, bit) in [
            (found.image, tag::FIGURE),
            (found.code, tag::PRE),
            (found.strong, tag::STRONG),
        ] {
            if has {
                m.tags |= bit;
            }
        }
    }
}

/// A line's content and its place, for [`Reader::leaf`].
struct Leaf<'l> {
    i: usize,
    content: &'l str,
    next: Option<&'l str>,
    tags: u32,
    depth: usize,
    quotes: usize,
    item: bool,
}

fn markup(tags: u32, depth: usize) -> LineMarkup {
    LineMarkup {
        tags,
        depth: depth.min(u16::MAX as usize) as u16,
        ..LineMarkup::default()
    }
}

fn quote_tag(quotes: usize) -> u32 {
    if quotes > 0 {
        tag::BLOCKQUOTE
    } else {
        0
    }
}

/// Adds the labels of `text`'s link reference definitions to `refs`: links may use
/// them before they stand.
pub(super) fn collect_refs(text: &str, spans: &[LineSpan], refs: &mut Refs) {
    let mut scratch = String::new();
    let colon = memchr::memmem::Finder::new("]:");
    for span in spans {
        let line = span.text(text);
        if colon.find(line.as_bytes()).is_none() {
            continue;
        }
        let rest = strip_quotes(line).1.trim_start_matches(space);
        if let Some((label, _)) = definition(rest) {
            if !label.starts_with('^') {
                refs.insert(label, &mut scratch);
            }
        }
    }
}

/// The number of lines of YAML front matter (`---` … `---` or `...`) opening the
/// document: 0 for none.
fn front_matter(text: &str, spans: &[LineSpan]) -> usize {
    let is = |i: usize, ends: &[&str]| ends.contains(&spans[i].text(text).trim_end_matches(space));
    if spans.is_empty() || !is(0, &["---"]) {
        return 0;
    }
    (1..spans.len())
        .find(|&i| is(i, &["---", "..."]))
        .map_or(0, |end| end + 1)
}

/// The `>` markers opening `line`: how many, and the rest of the line.
fn strip_quotes(line: &str) -> (usize, &str) {
    let mut quotes = 0;
    let mut rest = line;
    loop {
        let t = rest.trim_start_matches(' ');
        if rest.len() - t.len() > 3 || !t.starts_with('>') {
            return (quotes, rest);
        }
        quotes += 1;
        rest = &t[1..];
        rest = rest.strip_prefix([' ', '\t']).unwrap_or(rest);
    }
}

/// The columns `rest` is indented by (tabs stop every 4) and where its text starts.
fn indentation(rest: &str) -> (usize, usize) {
    let mut col = 0;
    for (k, b) in rest.bytes().enumerate() {
        match b {
            b' ' => col += 1,
            b'\t' => col += 4 - col % 4,
            _ => return (col, k),
        }
    }
    (col, rest.len())
}

/// A list marker in `rest` at byte `at`, column `col`.
struct Marker {
    /// Where the item's content starts.
    at: usize,
    /// Its column: where continuation lines must be indented to.
    col: usize,
}

/// The list marker (`-`, `+`, `*`, `1.`, `1)`) at `at` in `rest`, if any.
fn list_marker(rest: &str, at: usize, col: usize) -> Option<Marker> {
    let b = rest.as_bytes();
    let len = match *b.get(at)? {
        b'-' | b'+' | b'*' => 1,
        c if c.is_ascii_digit() => {
            let digits = b[at..]
                .iter()
                .take(10)
                .take_while(|c| c.is_ascii_digit())
                .count();
            if digits > 9 || !matches!(b.get(at + digits), Some(b'.' | b')')) {
                return None;
            }
            digits + 1
        }
        _ => return None,
    };
    let end = at + len;
    let (gap, content) = indentation(&rest[end..]);
    if content == 0 && end < b.len() {
        return None;
    }
    let marker_col = col + len;
    // Content indented five or more is code inside the item; an empty item's
    // continuation is indented one past its marker.
    let col = if end + content == b.len() || gap > 4 {
        marker_col + 1
    } else {
        marker_col + gap
    };
    let at = if gap > 4 { end + 1 } else { end + content };
    Some(Marker { at, col })
}

/// `content` without a task box (`[ ]`, `[x]`) opening it.
fn task_box(content: &str) -> &str {
    for open in ["[ ]", "[x]", "[X]"] {
        if let Some(after) = content.strip_prefix(open) {
            if after.is_empty() || after.starts_with([' ', '\t']) {
                return after;
            }
        }
    }
    content
}

/// `***`, `---`, `___` (spaces allowed between): a line that draws a rule.
fn thematic_break(t: &str) -> bool {
    let Some(&c) = t.as_bytes().first() else {
        return false;
    };
    matches!(c, b'*' | b'-' | b'_')
        && t.bytes().filter(|&b| b == c).count() >= 3
        && t.bytes().all(|b| b == c || b == b' ' || b == b'\t')
}

/// An opening code fence: its character and length.
fn fence_open(content: &str) -> Option<(u8, usize)> {
    let b = content.as_bytes();
    let ch = *b.first().filter(|c| matches!(c, b'`' | b'~'))?;
    let len = b.iter().take_while(|&&c| c == ch).count();
    // A backtick fence's info string holds no backtick, or it would be a code span.
    (len >= 3 && (ch == b'~' || !b[len..].contains(&b'`'))).then_some((ch, len))
}

/// An ATX heading (`## Title ##`): its level and its text.
fn atx_heading(content: &str) -> Option<(u8, &str)> {
    let level = content.bytes().take(7).take_while(|&b| b == b'#').count();
    let after = &content[level..];
    if level == 0 || level > 6 || !(after.is_empty() || after.starts_with([' ', '\t'])) {
        return None;
    }
    let inner = after.trim_matches(space);
    let body = inner.trim_end_matches('#');
    // A closing run of `#` must stand apart; escaped, it is text.
    let inner = if body.is_empty() {
        body
    } else if body.ends_with([' ', '\t']) {
        body.trim_end_matches(space)
    } else {
        inner
    };
    Some((level as u8, inner))
}

/// A table's delimiter row (`|---|:---:|`).
fn delimiter_row(content: &str) -> bool {
    let t = content.trim_end_matches(space);
    // The byte test first: it fails at the first letter of any other line.
    t.bytes()
        .all(|b| matches!(b, b'|' | b'-' | b':' | b' ' | b'\t'))
        && t.contains('|')
        && t.contains('-')
}

/// Whether `content` holds a `|` not escaped.
fn has_pipe(content: &str) -> bool {
    let b = content.as_bytes();
    memchr::memchr_iter(b'|', b).any(|p| p == 0 || b[p - 1] != b'\\')
}

/// A link reference definition (`[label]: destination "title"`) or footnote
/// (`[^label]: text`): the label and what follows the colon.
fn definition(content: &str) -> Option<(&str, &str)> {
    let b = content.as_bytes();
    if b.first() != Some(&b'[') {
        return None;
    }
    let mut k = 1;
    while k < b.len() && k <= 1000 {
        match b[k] {
            b'\\' => k += 2,
            b'[' => return None,
            b']' => break,
            _ => k += 1,
        }
    }
    if b.get(k) != Some(&b']') || b.get(k + 1) != Some(&b':') {
        return None;
    }
    let label = &content[1..k];
    let after = content[k + 2..].trim_matches(space);
    let is_label = !label.trim_matches(space).is_empty();
    (is_label && (label.starts_with('^') || !after.is_empty())).then_some((label, after))
}
