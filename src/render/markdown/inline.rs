//! The inline markup of one markdown line: links, images, emphasis, code spans,
//! escapes, character references and HTML tags become the line's visible text.
//!
//! One left-to-right pass writes the text, markup delimiters included, to a scratch
//! buffer; what turns out to be markup is then overwritten with marker bytes that UTF-8
//! never uses, and a last pass copies the rest out with white space collapsed. Every
//! look-ahead is bounded or remembers where it failed, so no line costs more than a few
//! passes over it, whatever it holds.

use std::collections::HashSet;

use super::entity;
use super::{space, NextAt};

/// Scratch marker: the byte is markup, not text.
const DROP: u8 = 0xFF;
/// Scratch marker: a link's text starts here.
const LINK_START: u8 = 0xFE;
/// Scratch marker: a link's text ends here.
const LINK_END: u8 = 0xFD;

/// Open `[` and `![` kept at once: more are text (CommonMark allows no links in links,
/// and pages nest images in links one deep).
const MAX_OPENERS: usize = 32;
/// Longest backtick run that opens a code span; longer runs are text.
const MAX_TICKS: usize = 32;
/// Longest link label, as in CommonMark.
const MAX_LABEL: usize = 999;
/// Deepest parenthesis nesting in a link destination, as in CommonMark's reference
/// implementation.
const MAX_PARENS: usize = 32;
/// How far down the emphasis openers a closer looks for its match.
const MAX_EMPHASIS_SEARCH: usize = 16;

/// Bytes that may start markup; the pass copies runs of all others at once.
const SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut k = 0;
    let bytes = b"\\`*_~![]<&|";
    while k < bytes.len() {
        t[bytes[k] as usize] = true;
        k += 1;
    }
    t
};

/// ASCII bytes that are not white space.
const WORD: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x80 {
        t[b] = !(b as u8).is_ascii_whitespace() && !matches!(b, 0x0b | 0x1c..=0x1f);
        b += 1;
    }
    t
};

/// What a line's inline markup held besides its text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Found {
    /// Non-white-space characters of the text inside links.
    pub link_chars: u32,
    /// An image.
    pub image: bool,
    /// A code span.
    pub code: bool,
    /// Strong emphasis (`**`, `__`).
    pub strong: bool,
}

/// The labels of a document's link reference definitions.
#[derive(Default)]
pub(super) struct Refs {
    keys: HashSet<u64>,
}

impl Refs {
    /// Adds `label`.
    pub fn insert(&mut self, label: &str, scratch: &mut String) {
        if let Some(key) = label_key(label, scratch) {
            self.keys.insert(key);
        }
    }

    /// Whether `label` is defined.
    fn contains(&self, label: &str, scratch: &mut String) -> bool {
        !self.keys.is_empty() && label_key(label, scratch).is_some_and(|k| self.keys.contains(&k))
    }
}

/// The hash of a label as CommonMark matches labels (case-folded, white space
/// collapsed); `None` for a label that cannot be one (blank or too long).
fn label_key(label: &str, scratch: &mut String) -> Option<u64> {
    if label.len() > MAX_LABEL {
        return None;
    }
    scratch.clear();
    for word in label.split(space).filter(|w| !w.is_empty()) {
        if !scratch.is_empty() {
            scratch.push(' ');
        }
        scratch.extend(word.chars().flat_map(char::to_lowercase));
    }
    (!scratch.is_empty()).then(|| xxhash_rust::xxh3::xxh3_64(scratch.as_bytes()))
}

/// A run of `*`, `_` or `~` that may open or close emphasis.
struct Delim {
    /// Where its first byte still standing is in the scratch buffer.
    at: usize,
    /// How many of its bytes still stand.
    len: usize,
    ch: u8,
    open: bool,
    close: bool,
}

/// A `[` or `![` waiting for its `]`.
struct Opener {
    /// Where it is in the scratch buffer.
    at: usize,
    /// Where its text starts in the line (for its label).
    text: usize,
    image: bool,
    /// False once a link formed after it: links do not nest.
    active: bool,
}

/// Buffers reused from line to line.
#[derive(Default)]
pub(super) struct Inline {
    buf: Vec<u8>,
    delims: Vec<Delim>,
    openers: Vec<Opener>,
    emphasis: Vec<usize>,
    label: String,
}

impl Inline {
    /// Appends the visible text of `line` to `out`, white space collapsed and trimmed,
    /// and says what markup it held. In a table row (`table`), `|` separates cells.
    pub fn line(&mut self, line: &str, table: bool, refs: &Refs, out: &mut String) -> Found {
        self.buf.clear();
        self.delims.clear();
        self.openers.clear();
        let mut pass = Pass {
            s: line,
            b: line.as_bytes(),
            table,
            refs,
            ink: self,
            found: Found::default(),
            tick_dead: [usize::MAX; MAX_TICKS + 1],
            comment: NextAt::default(),
            dest_dead: usize::MAX,
            title_dead: [usize::MAX; 3],
        };
        pass.run();
        let mut found = pass.found;
        found.strong = self.pair_emphasis();
        found.link_chars = copy_text(&self.buf, out);
        found
    }

    /// Matches emphasis closers with openers, CommonMark's way less its rule of three,
    /// and drops the matched delimiters; says whether any was strong.
    fn pair_emphasis(&mut self) -> bool {
        let mut strong = false;
        self.emphasis.clear();
        for d in 0..self.delims.len() {
            if self.delims[d].close {
                while self.delims[d].len > 0 {
                    let Some(s) = self.find_opener(d) else { break };
                    let o = self.emphasis[s];
                    let m = self.delims[o].len.min(self.delims[d].len);
                    strong |= m >= 2 && self.delims[d].ch != b'~';
                    let (open, close) = (&self.delims[o], &self.delims[d]);
                    let open_end = open.at + open.len;
                    self.buf[open_end - m..open_end].fill(DROP);
                    self.buf[close.at..close.at + m].fill(DROP);
                    self.delims[o].len -= m;
                    self.delims[d].at += m;
                    self.delims[d].len -= m;
                    // Delimiters between a matched pair can no longer match.
                    let keep = if self.delims[o].len > 0 { s + 1 } else { s };
                    self.emphasis.truncate(keep);
                }
            }
            if self.delims[d].open && self.delims[d].len > 0 {
                self.emphasis.push(d);
            }
        }
        strong
    }

    /// The position on the opener stack of the opener closer `d` matches.
    fn find_opener(&self, d: usize) -> Option<usize> {
        let close = &self.delims[d];
        self.emphasis
            .iter()
            .enumerate()
            .rev()
            .take(MAX_EMPHASIS_SEARCH)
            .find(|(_, &o)| {
                let open = &self.delims[o];
                open.ch == close.ch && (close.ch != b'~' || open.len == close.len)
            })
            .map(|(s, _)| s)
    }
}

/// Copies the text of the scratch buffer `buf` to `out`: markers left out, white space
/// collapsed, the edges trimmed of white space and invisible characters. Returns the
/// non-white-space characters copied from inside links.
fn copy_text(buf: &[u8], out: &mut String) -> u32 {
    let start = out.len();
    let mut gap = false;
    let mut in_link = false;
    let mut link_chars = 0;
    for chunk in buf.utf8_chunks() {
        let text = chunk.valid();
        let bytes = text.as_bytes();
        let mut k = 0;
        while k < bytes.len() {
            let (len, is_space) = if bytes[k] < 0x80 {
                // Runs of ASCII non-space are the bulk of any text: copy them whole.
                let run = bytes[k..].iter().take_while(|&&b| WORD[b as usize]).count();
                (run.max(1), run == 0)
            } else {
                let c = text[k..].chars().next().unwrap_or(' ');
                (c.len_utf8(), space(c))
            };
            if is_space {
                gap = out.len() > start;
            } else {
                if gap {
                    out.push(' ');
                    gap = false;
                }
                let piece = &text[k..k + len];
                out.push_str(piece);
                if in_link {
                    link_chars += piece.chars().count() as u32;
                }
            }
            k += len;
        }
        for &b in chunk.invalid() {
            match b {
                LINK_START => in_link = true,
                LINK_END => in_link = false,
                _ => {}
            }
        }
    }
    super::trim_edges(out, start);
    link_chars
}

/// One line's pass.
struct Pass<'a> {
    s: &'a str,
    b: &'a [u8],
    table: bool,
    refs: &'a Refs,
    ink: &'a mut Inline,
    found: Found,
    /// For each backtick run length, a position after which no run of that length is.
    tick_dead: [usize; MAX_TICKS + 1],
    /// The next `-->`.
    comment: NextAt,
    /// A position from which bare link destinations are known to run unclosed to the
    /// end of the line.
    dest_dead: usize,
    /// For `"`, `'` and `)`, a position after which link titles cannot close.
    title_dead: [usize; 3],
}

impl Pass<'_> {
    fn run(&mut self) {
        let n = self.b.len();
        let mut i = 0;
        while i < n {
            let b = self.b[i];
            if !SPECIAL[b as usize] {
                let run = self.b[i..]
                    .iter()
                    .take_while(|&&b| !SPECIAL[b as usize])
                    .count();
                self.ink.buf.extend_from_slice(&self.b[i..i + run]);
                i += run;
                continue;
            }
            i = match b {
                b'\\' => self.escape(i),
                b'`' => self.code(i),
                b'*' | b'_' | b'~' => self.delimiter(i),
                b'!' if self.b.get(i + 1) == Some(&b'[') => self.open(i, true),
                b'[' => self.open(i, false),
                b']' => self.close(i),
                b'<' => self.angle(i),
                b'&' => self.entity(i),
                b'|' if self.table => {
                    self.ink.buf.push(b' ');
                    i + 1
                }
                _ => {
                    self.ink.buf.push(b);
                    i + 1
                }
            };
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        self.ink.buf.extend_from_slice(bytes);
    }

    /// `\` before ASCII punctuation makes it text; at the end of a line it is a hard
    /// break, which a line of text has no use for.
    fn escape(&mut self, i: usize) -> usize {
        match self.b.get(i + 1) {
            Some(&c) if c.is_ascii_punctuation() => {
                self.push(&[c]);
                i + 2
            }
            None => i + 1,
            Some(_) => {
                self.push(b"\\");
                i + 1
            }
        }
    }

    /// A code span: its text as it stands, without the backticks.
    fn code(&mut self, i: usize) -> usize {
        let ticks = run_len(self.b, i, b'`');
        let body = i + ticks;
        if ticks <= MAX_TICKS && i < self.tick_dead[ticks] {
            let mut j = body;
            while let Some(p) = memchr::memchr(b'`', &self.b[j..]).map(|p| j + p) {
                let run = run_len(self.b, p, b'`');
                if run == ticks {
                    self.push(&self.b[body..p]);
                    self.found.code = true;
                    return p + run;
                }
                j = p + run;
            }
            self.tick_dead[ticks] = i;
        }
        self.push(&self.b[i..body]);
        body
    }

    /// A run of `*`, `_` or `~`: kept as text, and noted if it can open or close
    /// emphasis (CommonMark's flanking rules; strikethrough is `~~` only, since a lone
    /// `~` means "about" more often than not).
    fn delimiter(&mut self, i: usize) -> usize {
        let ch = self.b[i];
        let len = run_len(self.b, i, ch);
        let before = self.s[..i].chars().next_back();
        let after = self.s[i + len..].chars().next();
        let blank = |c: Option<char>| c.is_none_or(space);
        let punct = |c: Option<char>| c.is_some_and(is_punctuation);
        let left = !blank(after) && (!punct(after) || blank(before) || punct(before));
        let right = !blank(before) && (!punct(before) || blank(after) || punct(after));
        let (open, close) = match ch {
            b'_' => (
                left && (!right || punct(before)),
                right && (!left || punct(after)),
            ),
            b'~' if len != 2 => (false, false),
            _ => (left, right),
        };
        if open || close {
            let at = self.ink.buf.len();
            self.ink.delims.push(Delim {
                at,
                len,
                ch,
                open,
                close,
            });
        }
        self.push(&self.b[i..i + len]);
        i + len
    }

    /// `[` or `![`: text until a `]` makes it a link or image.
    fn open(&mut self, i: usize, image: bool) -> usize {
        let len = if image { 2 } else { 1 };
        if self.ink.openers.len() < MAX_OPENERS {
            let at = self.ink.buf.len();
            self.ink.openers.push(Opener {
                at,
                text: i + len,
                image,
                active: true,
            });
        }
        self.push(&self.b[i..i + len]);
        i + len
    }

    /// `]`: closes the last opener into a link or image when a destination or a
    /// defined label follows; else it is text.
    fn close(&mut self, i: usize) -> usize {
        let Some(op) = self.ink.openers.pop() else {
            self.push(b"]");
            return i + 1;
        };
        let end = if op.active {
            self.link_end(i, op.text)
        } else {
            None
        };
        let Some(end) = end else {
            self.push(b"]");
            return i + 1;
        };
        if op.image {
            self.ink.buf[op.at..op.at + 2].fill(DROP);
            self.found.image = true;
        } else {
            self.ink.buf[op.at] = LINK_START;
            self.ink.buf.push(LINK_END);
            for o in self.ink.openers.iter_mut().filter(|o| !o.image) {
                o.active = false;
            }
        }
        end
    }

    /// Where the link whose text ends at `]` `i` ends: after `(destination "title")`,
    /// after `[label]` or `[]` naming a definition, or after the `]` when the text
    /// itself names one.
    fn link_end(&mut self, i: usize, text: usize) -> Option<usize> {
        let s = self.s;
        match self.b.get(i + 1) {
            Some(b'(') => {
                if let Some(end) = self.inline_destination(i + 2) {
                    return Some(end);
                }
            }
            Some(b'[') => return self.reference(i + 1, &s[text..i]),
            _ => {}
        }
        self.defined(&s[text..i]).then_some(i + 1)
    }

    fn defined(&mut self, label: &str) -> bool {
        self.refs.contains(label, &mut self.ink.label)
    }

    /// `[label]` or `[]` (which means the link text is the label) at `j`, if it names
    /// a definition: where it ends.
    fn reference(&mut self, j: usize, text: &str) -> Option<usize> {
        let mut k = j + 1;
        while k < self.b.len() && k - j <= MAX_LABEL {
            match self.b[k] {
                b'\\' => k += 2,
                b'[' => return None,
                b']' => {
                    let s = self.s;
                    let label = if k == j + 1 { text } else { &s[j + 1..k] };
                    return self.defined(label).then_some(k + 1);
                }
                _ => k += 1,
            }
        }
        None
    }

    /// `destination "title")` from `j`, just after `(`: where it ends.
    fn inline_destination(&mut self, j: usize) -> Option<usize> {
        let mut j = skip_blanks(self.b, j);
        match self.b.get(j) {
            Some(b')') => return Some(j + 1),
            Some(b'<') => j = self.angle_destination(j)?,
            Some(_) => j = self.bare_destination(j)?,
            None => return None,
        }
        let k = skip_blanks(self.b, j);
        match self.b.get(k) {
            Some(b')') => Some(k + 1),
            Some(&q @ (b'"' | b'\'' | b'(')) if k > j => {
                let end = skip_blanks(self.b, self.title(k, q)?);
                (self.b.get(end) == Some(&b')')).then_some(end + 1)
            }
            _ => None,
        }
    }

    /// `<…>`: where it ends. It cannot hold `<`, so no two scans cover the same bytes.
    fn angle_destination(&self, j: usize) -> Option<usize> {
        let mut k = j + 1;
        while let Some(&c) = self.b.get(k) {
            match c {
                b'>' => return Some(k + 1),
                b'<' => return None,
                b'\\' => k += 2,
                _ => k += 1,
            }
        }
        None
    }

    /// A destination without `<>`: up to white space or the `)` that balances, no
    /// deeper than [`MAX_PARENS`].
    fn bare_destination(&mut self, j: usize) -> Option<usize> {
        if j >= self.dest_dead {
            return None;
        }
        let mut depth = 0;
        let mut k = j;
        while let Some(&c) = self.b.get(k) {
            match c {
                c if c <= b' ' || c == 0x7f => break,
                b'(' if depth == MAX_PARENS => break,
                b'(' => depth += 1,
                b')' if depth == 0 => return Some(k),
                b')' => depth -= 1,
                b'\\' => k += 1,
                _ => {}
            }
            k += 1;
        }
        if k >= self.b.len() || self.b[k] == b'(' {
            // Later destinations start inside this one's unbroken run: they would fail
            // the same way (but for a rare `)` they alone balance).
            self.dest_dead = j;
            return None;
        }
        (depth == 0).then_some(k)
    }

    /// A link title opening with `q` at `k`: where it ends.
    fn title(&mut self, k: usize, q: u8) -> Option<usize> {
        let (close, slot) = match q {
            b'"' => (b'"', 0),
            b'\'' => (b'\'', 1),
            _ => (b')', 2),
        };
        if k >= self.title_dead[slot] {
            return None;
        }
        let mut from = k + 1;
        while let Some(p) = memchr::memchr(close, &self.b[from..]).map(|p| from + p) {
            if !escaped(self.b, p) {
                return Some(p + 1);
            }
            from = p + 1;
        }
        self.title_dead[slot] = k;
        None
    }

    /// `<`: an autolink (a link whose text is its address), an HTML tag or comment
    /// (left out; `<br>` is a space), or text.
    fn angle(&mut self, i: usize) -> usize {
        if let Some(end) = autolink(self.b, i) {
            self.ink.buf.push(LINK_START);
            self.push(&self.b[i + 1..end - 1]);
            self.ink.buf.push(LINK_END);
            return end;
        }
        if self.b[i..].starts_with(b"<!--") {
            let from = i + 4;
            let b = self.b;
            if let Some(end) = self.comment.find(from, |p| {
                memchr::memmem::find(&b[p..], b"-->").map(|e| p + e)
            }) {
                return end + 3;
            }
        } else if let Some((end, br)) = html_tag(self.b, i) {
            if br {
                self.push(b" ");
            }
            return end;
        }
        self.push(b"<");
        i + 1
    }

    fn entity(&mut self, i: usize) -> usize {
        match entity::decode(&self.b[i..]) {
            Some((c, len)) => {
                let mut utf8 = [0; 4];
                self.push(c.encode_utf8(&mut utf8).as_bytes());
                i + len
            }
            None => {
                self.push(b"&");
                i + 1
            }
        }
    }
}

/// The length of the run of `c` at `i`.
fn run_len(b: &[u8], i: usize, c: u8) -> usize {
    b[i..].iter().take_while(|&&x| x == c).count()
}

fn skip_blanks(b: &[u8], mut j: usize) -> usize {
    while matches!(b.get(j), Some(b' ' | b'\t')) {
        j += 1;
    }
    j
}

/// Whether the byte at `p` is backslash-escaped.
fn escaped(b: &[u8], p: usize) -> bool {
    b[..p].iter().rev().take_while(|&&c| c == b'\\').count() % 2 == 1
}

/// Punctuation in CommonMark's sense, near enough: ASCII punctuation, and any other
/// character that is neither a letter, a digit nor white space.
fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation() || !(c.is_ascii() || c.is_alphanumeric() || c.is_whitespace())
}

/// `<scheme:address>` or `<user@host>` at `i`: where it ends. Neither holds white space
/// or `<`, so the scans of all the `<` of a line cover it once.
fn autolink(b: &[u8], i: usize) -> Option<usize> {
    let body = &b[i + 1..];
    let scheme = body
        .iter()
        .take(33)
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-'))
        .count();
    if (2..=32).contains(&scheme)
        && body[0].is_ascii_alphabetic()
        && body.get(scheme) == Some(&b':')
    {
        let len = body
            .iter()
            .take_while(|&&c| c > b' ' && c != b'<' && c != b'>' && c != 0x7f)
            .count();
        return (body.get(len) == Some(&b'>')).then_some(i + len + 2);
    }
    let local = body
        .iter()
        .take_while(|&&c| c.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-".contains(&c))
        .count();
    if local == 0 || body.get(local) != Some(&b'@') {
        return None;
    }
    let host = body[local + 1..]
        .iter()
        .take_while(|&&c| c.is_ascii_alphanumeric() || c == b'.' || c == b'-')
        .count();
    (host > 0 && body.get(local + 1 + host) == Some(&b'>')).then_some(i + local + host + 3)
}

/// An HTML open or closing tag at `i`, in CommonMark's grammar: where it ends, and
/// whether it is `<br>`. Attribute values cannot hold `<` unquoted, nor can names, so
/// a failed scan stops at the next `<` at the latest, but for quoted values.
fn html_tag(b: &[u8], i: usize) -> Option<(usize, bool)> {
    let closing = b.get(i + 1) == Some(&b'/');
    let name_at = i + 1 + closing as usize;
    let name = b.get(name_at..)?;
    if !name.first()?.is_ascii_alphabetic() {
        return None;
    }
    let name_len = name
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-')
        .count();
    let br = !closing && name[..name_len].eq_ignore_ascii_case(b"br");
    let mut k = name_at + name_len;
    loop {
        let spaced = skip_spaces(b, k);
        match b.get(spaced) {
            Some(b'>') => return Some((spaced + 1, br)),
            Some(b'/') if !closing && b.get(spaced + 1) == Some(&b'>') => {
                return Some((spaced + 2, br))
            }
            Some(c) if !closing && spaced > k && (c.is_ascii_alphabetic() || b"_:".contains(c)) => {
                k = attribute(b, spaced)?;
            }
            _ => return None,
        }
    }
}

fn skip_spaces(b: &[u8], mut k: usize) -> usize {
    while b.get(k).is_some_and(|c| c.is_ascii_whitespace()) {
        k += 1;
    }
    k
}

/// An attribute at `k` (`name`, `name=value`, `name="value"`): where it ends.
fn attribute(b: &[u8], k: usize) -> Option<usize> {
    let name = b[k..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || b"_.:-".contains(c))
        .count();
    let after = k + name;
    let eq = skip_spaces(b, after);
    if b.get(eq) != Some(&b'=') {
        return Some(after);
    }
    let v = skip_spaces(b, eq + 1);
    match *b.get(v)? {
        q @ (b'"' | b'\'') => memchr::memchr(q, &b[v + 1..]).map(|e| v + e + 2),
        _ => {
            let len = b[v..]
                .iter()
                .take_while(|&&c| c > b' ' && !b"\"'=<>`".contains(&c))
                .count();
            (len > 0).then_some(v + len)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_bytes_are_the_non_space_ascii() {
        for b in 0..0x80u8 {
            assert_eq!(WORD[b as usize], !space(b as char), "{b:#x}");
        }
        assert!(!WORD[0x80..].iter().any(|&w| w));
    }
}
