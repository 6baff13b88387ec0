//! HTML to lines, as the project's reference renderer (`html2lines.py`, lxml) renders
//! them: the lines its data was labelled on. See docs/html.md.
//!
//! html5gum tokenizes (libxml2 2.14, under lxml, tokenizes as HTML5 does too); the tree
//! is libxml2's HTML 4 one, built here as a stack of open elements with libxml2's rules
//! for closing and implying elements (`tags`), and never stored: the walk html2lines
//! makes over the tree happens as elements open and close, so nothing recurses and
//! memory is the page plus its open elements.

mod charset;
mod tags;

use std::ops::Range;

use html5gum::emitters::callback::{CallbackEmitter, CallbackEvent};
use html5gum::{Span, State, Tokenizer};

pub use charset::looks_like_html;
use tags::{Data, Names, Tag};

use super::{token_hash, LineMarkup, Rendered};

/// Renders an HTML page: its charset is found as [`charset::decode`] says; any bytes
/// give a result.
pub fn render(bytes: &[u8]) -> Rendered {
    render_str(&charset::decode(bytes))
}

/// Renders an HTML page already decoded, such as a JSON string: a charset it declares
/// is ignored.
pub fn render_str(text: &str) -> Rendered {
    let mut page = Page::new(false);
    page.run(text);
    if !page.saw_body {
        // A page without <body> (a frameset) is walked from its root, as html2lines
        // does; knowing that takes the whole page, and such pages are rare.
        page = Page::new(true);
        page.run(text);
    }
    page.finish()
}

/// At most this many attribute tokens per line.
const MAX_TOKENS: usize = 32;
/// At most this many enclosing elements per line, the outermost: a page's main text
/// sits well within them, and absurd nesting costs no more than this per line.
const MAX_ELEMENTS: usize = 64;
/// How far down the open elements' tokens a text segment looks for new ones: bounds
/// the work per segment on deep pages.
const TOKEN_SCAN: usize = 256;

/// Zero-width and format characters html2lines strips at the ends of a line.
const INVISIBLE: &[char] = &[
    '\u{200b}', '\u{200c}', '\u{200d}', '\u{200e}', '\u{200f}', '\u{2060}', '\u{feff}', '\u{ad}',
];

/// Python's `str.isspace`, what html2lines' `\s` and `strip()` match.
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// `re.sub(r"\s+", " ", src).strip()` into `dst`.
fn collapse(src: &str, dst: &mut String) {
    dst.clear();
    let mut gap = false;
    for c in src.chars() {
        if py_space(c) {
            gap = !dst.is_empty();
        } else {
            if gap {
                dst.push(' ');
                gap = false;
            }
            dst.push(c);
        }
    }
}

/// html2lines' `.strip().strip(INVISIBLE).strip()` of a collapsed line.
fn strip_line(s: &str) -> &str {
    s.trim_matches(INVISIBLE).trim_matches(py_space)
}

/// One open element.
#[derive(Clone, Copy)]
struct Open {
    tag: Tag,
    /// The [`super::tag`] bits of it and its ancestors.
    bits: u32,
    /// The innermost heading level.
    heading: u8,
    /// The link its text is in: 0 for none, else an index + 1 into `Page::hrefs`.
    href: u32,
    /// Where its attribute tokens start on `Page::tokens`.
    tokens: u32,
    /// html2lines' walk visits it: its line breaks count.
    rendered: bool,
    /// It is the page's `serial`-th element to open: names it in
    /// [`LineMarkup::elements`].
    serial: u32,
}

/// What the tokenizer loop must do for the tree builder.
enum Signal {
    Switch(State),
    Stop,
}

/// The attributes of a start tag that matter, as they come.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Attr {
    Hidden,
    AriaHidden,
    Style,
    Href,
    Cue(u8),
    Other,
}

fn attr_kind(name: &[u8]) -> Attr {
    match name {
        b"hidden" => Attr::Hidden,
        b"aria-hidden" => Attr::AriaHidden,
        b"style" => Attr::Style,
        b"href" => Attr::Href,
        b"class" => Attr::Cue(0),
        b"id" => Attr::Cue(1),
        b"role" => Attr::Cue(2),
        b"itemprop" => Attr::Cue(3),
        b"rel" => Attr::Cue(4),
        b"data-testid" => Attr::Cue(5),
        b"aria-label" => Attr::Cue(6),
        _ => Attr::Other,
    }
}

impl Attr {
    /// A bit per kind: the first of duplicate attributes wins, as in libxml2.
    fn bit(self) -> u16 {
        match self {
            Attr::Hidden => 1,
            Attr::AriaHidden => 2,
            Attr::Style => 4,
            Attr::Href => 8,
            Attr::Cue(i) => 16 << i,
            Attr::Other => 0,
        }
    }
}

/// The start tag being read.
#[derive(Default)]
struct StartTag {
    tag: Tag,
    attr: Option<Attr>,
    seen: u16,
    hidden: bool,
    /// `href` of an `<a>`: a range of `Page::href_buf`.
    href: Option<Range<u32>>,
    /// Its attribute tokens, pushed onto `Page::tokens` if the element opens.
    tokens: Vec<u64>,
}

/// The line being built: its text segments as they come.
#[derive(Default)]
struct Line {
    raw: String,
    /// Each segment's end in `raw` and link (as [`Open::href`]).
    segs: Vec<(u32, u32)>,
    link_chars: u32,
    tags: u32,
    heading: u8,
    depth: u16,
    has_text: bool,
    tokens: Vec<u64>,
    /// The serials of the elements enclosing the line's first text, outermost first.
    elements: Vec<u32>,
}

/// The state of one page's rendering.
struct Page {
    /// Walk from the root rather than from `<body>` (pages without one).
    doc_mode: bool,
    names: Names,
    stack: Vec<Open>,
    tokens: Vec<u64>,
    hrefs: Vec<Range<u32>>,
    href_buf: String,
    /// Index on `stack` of the element whose content is dropped (SKIP or hidden).
    skip_at: Option<usize>,
    /// Index on `stack` of the (first) body while it is open.
    body_at: Option<usize>,
    saw_body: bool,
    /// The first body has closed: html2lines never walks what follows.
    body_done: bool,
    /// libxml2's `ctxt->html`: a head (3) or a body (10) has been opened.
    seen_head: bool,
    /// Misplaced html/head/body start tags dropped, whose end tags are dropped too
    /// (libxml2's `ctxt->depth`).
    discarded: u32,
    /// The first `<title>`'s index on `stack` while it is open.
    title_at: Option<usize>,
    title_seen: bool,
    title: String,
    /// The text that follows is the tail of an `<a>`: html2lines puts it outside any
    /// link.
    after_a: bool,
    start: StartTag,
    scratch: Vec<u8>,
    line: Line,
    collapsed: String,
    md_raw: String,
    md_inner: String,
    out: Rendered,
    last_blank: bool,
    /// Elements opened so far.
    opened: u32,
}

impl Page {
    fn new(doc_mode: bool) -> Page {
        Page {
            doc_mode,
            names: Names::default(),
            stack: Vec::new(),
            tokens: Vec::new(),
            hrefs: Vec::new(),
            href_buf: String::new(),
            skip_at: None,
            body_at: None,
            saw_body: false,
            body_done: false,
            seen_head: false,
            discarded: 0,
            title_at: None,
            title_seen: false,
            title: String::new(),
            after_a: false,
            start: StartTag::default(),
            scratch: Vec::new(),
            line: Line::default(),
            collapsed: String::new(),
            md_raw: String::new(),
            md_inner: String::new(),
            out: Rendered::default(),
            last_blank: false,
            opened: 0,
        }
    }

    fn run(&mut self, text: &str) {
        let emitter = CallbackEmitter::new(|ev: CallbackEvent<'_>, _: Span<()>| self.event(ev));
        let mut tokenizer = Tokenizer::new_with_emitter(text, emitter);
        while let Some(Ok(signal)) = tokenizer.next() {
            match signal {
                Signal::Switch(state) => tokenizer.set_state(state),
                Signal::Stop => break,
            }
        }
    }

    fn event(&mut self, ev: CallbackEvent<'_>) -> Option<Signal> {
        match ev {
            CallbackEvent::OpenStartTag { name } => {
                self.start.tag = self.names.id(name);
                self.start.attr = None;
                self.start.seen = 0;
                self.start.hidden = false;
                self.start.href = None;
                self.start.tokens.clear();
            }
            CallbackEvent::AttributeName { name } => self.attribute_name(name),
            CallbackEvent::AttributeValue { value } => self.attribute_value(value),
            CallbackEvent::CloseStartTag { self_closing } => return self.start_tag(self_closing),
            CallbackEvent::EndTag { name } => {
                let tag = self.names.id(name);
                return self.end_tag(tag);
            }
            CallbackEvent::String { value } => self.text(&String::from_utf8_lossy(value)),
            CallbackEvent::Comment { .. } | CallbackEvent::Doctype { .. } | CallbackEvent::Error(_) => {}
        }
        None
    }

    fn attribute_name(&mut self, name: &[u8]) {
        let kind = attr_kind(name);
        let bit = kind.bit();
        if self.start.seen & bit != 0 {
            self.start.attr = None;
            return;
        }
        self.start.seen |= bit;
        self.start.attr = Some(kind);
        match kind {
            Attr::Hidden => self.start.hidden = true,
            Attr::Href if self.start.tag == tags::A => {
                let at = self.href_buf.len() as u32;
                self.start.href = Some(at..at);
            }
            _ => {}
        }
    }

    fn attribute_value(&mut self, value: &[u8]) {
        let Some(kind) = self.start.attr.take() else {
            return;
        };
        match kind {
            Attr::AriaHidden => self.start.hidden |= value == b"true",
            Attr::Style => {
                self.scratch.clear();
                self.scratch.extend(value.iter().filter(|&&b| b != b' ').map(u8::to_ascii_lowercase));
                let find = |needle: &[u8]| memchr::memmem::find(&self.scratch, needle).is_some();
                self.start.hidden |= find(b"display:none") || find(b"visibility:hidden");
            }
            Attr::Href => {
                if let Some(r) = &mut self.start.href {
                    self.href_buf.push_str(&String::from_utf8_lossy(value));
                    r.end = self.href_buf.len() as u32;
                }
            }
            Attr::Cue(_) => push_tokens(&String::from_utf8_lossy(value), &mut self.start.tokens, &mut self.scratch),
            Attr::Hidden | Attr::Other => {}
        }
    }

    /// Whether html2lines' walk reaches what opens now.
    fn walking(&self) -> bool {
        !self.body_done && (self.doc_mode || self.body_at.is_some()) && self.skip_at.is_none()
    }

    fn start_tag(&mut self, self_closing: bool) -> Option<Signal> {
        let tag = self.start.tag;
        // libxml2's htmlParseStartTag: close what the tag closes, imply what it needs,
        // drop a misplaced html, head or body.
        while self.stack.last().is_some_and(|top| tags::closes(tag, top.tag)) {
            self.pop();
        }
        self.imply(tag);
        let misplaced = match tag {
            tags::HTML => !self.stack.is_empty(),
            tags::HEAD => self.stack.len() != 1,
            tags::BODY => self.stack.iter().any(|e| e.tag == tags::BODY),
            _ => false,
        };
        if misplaced {
            self.discarded += 1;
            return None;
        }
        self.push(tag, true);
        let info = tags::info(tag);
        if info.void || self_closing {
            self.pop();
            return None;
        }
        if tag == tags::TITLE && !self.title_seen {
            self.title_seen = true;
            self.title_at = Some(self.stack.len() - 1);
        }
        info.data.map(|d| {
            Signal::Switch(match d {
                Data::RawText => State::RawText,
                Data::RcData => State::RcData,
                Data::Script => State::ScriptData,
                Data::PlainText => State::PlainText,
            })
        })
    }

    /// libxml2's htmlCheckImplied: the html, head or body a new tag needs.
    fn imply(&mut self, tag: Tag) {
        if tag == tags::HTML {
            return;
        }
        if self.stack.is_empty() {
            self.push(tags::HTML, false);
        }
        if tag == tags::BODY || tag == tags::HEAD {
            return;
        }
        if self.stack.len() <= 1 && tags::info(tag).head_ok {
            if !self.seen_head && !self.saw_body {
                self.push(tags::HEAD, false);
            }
        } else if !matches!(tag, tags::NOFRAMES | tags::FRAME | tags::FRAMESET)
            && !self.saw_body
            && !self.stack.iter().any(|e| e.tag == tags::BODY || e.tag == tags::HEAD)
        {
            self.push(tags::BODY, false);
        }
    }

    /// Opens an element: `own` takes the start tag's attributes, an implied one has none.
    fn push(&mut self, tag: Tag, own: bool) {
        let info = tags::info(tag);
        let (bits, heading, href) = self
            .stack
            .last()
            .map_or((0, 0, 0), |p| (p.bits, p.heading, p.href));
        let mut open = Open {
            tag,
            bits: bits | info.bits,
            heading: if info.heading > 0 { info.heading } else { heading },
            href,
            tokens: self.tokens.len() as u32,
            rendered: false,
            serial: self.opened,
        };
        self.opened = self.opened.wrapping_add(1);
        let hidden = own && self.start.hidden;
        if own {
            self.tokens.extend_from_slice(&self.start.tokens);
            if let Some(r) = self.start.href.take() {
                self.hrefs.push(r);
                open.href = self.hrefs.len() as u32;
            }
        }
        match tag {
            tags::HEAD => self.seen_head = true,
            tags::BODY if !self.saw_body => {
                self.saw_body = true;
                self.body_at = Some(self.stack.len());
            }
            _ => {}
        }
        if self.walking() {
            if info.skip || hidden {
                self.skip_at = Some(self.stack.len());
            } else {
                open.rendered = true;
                if info.block || tag == tags::BR {
                    self.newline(false);
                }
            }
        }
        self.after_a = false;
        self.stack.push(open);
    }

    fn pop(&mut self) {
        let Some(open) = self.stack.pop() else {
            return;
        };
        let at = self.stack.len();
        self.tokens.truncate(open.tokens as usize);
        if self.skip_at == Some(at) {
            self.skip_at = None;
        } else if open.rendered {
            let info = tags::info(open.tag);
            if info.block {
                self.newline(info.paragraph);
            }
        }
        if self.body_at == Some(at) {
            self.body_at = None;
            self.body_done = true;
        }
        if self.title_at == Some(at) {
            self.title_at = None;
        }
        self.after_a = open.tag == tags::A && open.rendered;
    }

    fn end_tag(&mut self, tag: Tag) -> Option<Signal> {
        if matches!(tag, tags::HTML | tags::BODY | tags::HEAD) && self.discarded > 0 {
            self.discarded -= 1;
            return None;
        }
        let at = self.stack.iter().rposition(|e| e.tag == tag)?;
        if tag == tags::HTML {
            // lxml keeps nothing of what follows </html>.
            return Some(Signal::Stop);
        }
        // libxml2's htmlAutoCloseOnClose: an end tag closes nothing of a higher priority.
        let priority = tags::info(tag).priority;
        if self.stack[at + 1..].iter().any(|e| tags::info(e.tag).priority > priority) {
            return None;
        }
        while self.stack.len() > at {
            self.pop();
        }
        None
    }

    fn text(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        let raw = self.stack.last().is_some_and(|top| tags::info(top.tag).data.is_some());
        if !raw && s.bytes().any(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')) {
            // libxml2's htmlStartCharData: text leaves the head and implies a body.
            if self.stack.last().is_some_and(|top| top.tag == tags::HEAD) {
                while self.stack.last().is_some_and(|top| tags::closes(tags::P, top.tag)) {
                    self.pop();
                }
            }
            self.imply(tags::P);
        }
        let Some(&top) = self.stack.last() else {
            return;
        };
        if self.title_at == Some(self.stack.len() - 1) {
            self.title.push_str(s);
        }
        if !self.walking() {
            return;
        }
        let href = if self.after_a { 0 } else { top.href };
        let line = &mut self.line;
        line.raw.push_str(s);
        match line.segs.last_mut() {
            Some(last) if last.1 == href => last.0 = line.raw.len() as u32,
            _ => line.segs.push((line.raw.len() as u32, href)),
        }
        let mut solid = 0u32;
        let mut any = false;
        for c in s.chars() {
            if !py_space(c) {
                solid += 1;
                any = true;
            }
        }
        if href != 0 {
            line.link_chars += solid;
        }
        if !any {
            return;
        }
        if !line.has_text {
            line.has_text = true;
            line.depth = u16::try_from(self.stack.len()).unwrap_or(u16::MAX);
            line.heading = top.heading;
            let chain = self.stack.iter().take(MAX_ELEMENTS).map(|o| o.serial);
            line.elements.extend(chain);
        }
        line.tags |= top.bits;
        for &t in self.tokens.iter().rev().take(TOKEN_SCAN) {
            if line.tokens.len() >= MAX_TOKENS {
                break;
            }
            if !line.tokens.contains(&t) {
                line.tokens.push(t);
            }
        }
    }

    fn href(&self, id: u32) -> &str {
        let r = &self.hrefs[id as usize - 1];
        &self.href_buf[r.start as usize..r.end as usize]
    }

    fn same_link(&self, a: u32, b: u32) -> bool {
        a == b || (a != 0 && b != 0 && self.href(a) == self.href(b))
    }

    /// Ends the line being built, if any, and adds a blank line after it if `blank`.
    fn newline(&mut self, blank: bool) {
        if !self.line.segs.is_empty() {
            collapse(&self.line.raw, &mut self.collapsed);
            let text = strip_line(&self.collapsed);
            if !text.is_empty() {
                if !self.out.lines.is_empty() {
                    self.out.text.push('\n');
                }
                self.out.text.push_str(text);
                let md = self.markdown();
                let tokens = self.out.tokens.len() as u32;
                self.out.tokens.extend_from_slice(&self.line.tokens);
                let elements = self.out.elements.len() as u32;
                self.out.elements.extend_from_slice(&self.line.elements);
                let line = &self.line;
                self.out.lines.push(LineMarkup {
                    link_chars: line.link_chars,
                    tags: line.tags,
                    heading: line.heading,
                    depth: line.depth,
                    md,
                    tokens: tokens..self.out.tokens.len() as u32,
                    elements: elements..self.out.elements.len() as u32,
                });
                self.last_blank = false;
            }
            let line = &mut self.line;
            line.raw.clear();
            line.segs.clear();
            line.tokens.clear();
            line.elements.clear();
            line.link_chars = 0;
            line.tags = 0;
            line.heading = 0;
            line.depth = 0;
            line.has_text = false;
        }
        if blank && !self.out.lines.is_empty() && !self.last_blank {
            self.out.text.push('\n');
            let at = self.out.md.len() as u32;
            self.out.lines.push(LineMarkup {
                md: at..at,
                ..LineMarkup::default()
            });
            self.last_blank = true;
        }
    }

    /// The line as html2lines' `markdown`: each run of text under one href as
    /// `[text](href)`; appended to `out.md`.
    fn markdown(&mut self) -> Range<u32> {
        let mut md = std::mem::take(&mut self.md_raw);
        let mut inner = std::mem::take(&mut self.md_inner);
        md.clear();
        let segs = &self.line.segs;
        let (mut i, mut from) = (0, 0usize);
        while i < segs.len() {
            let href = segs[i].1;
            let mut j = i + 1;
            while j < segs.len() && self.same_link(segs[j].1, href) {
                j += 1;
            }
            let to = segs[j - 1].0 as usize;
            let s = &self.line.raw[from..to];
            collapse(s, &mut inner);
            if href == 0 || inner.is_empty() {
                md.push_str(s);
            } else {
                if s.starts_with(py_space) {
                    md.push(' ');
                }
                md.push('[');
                md.push_str(&inner);
                md.push_str("](");
                md.push_str(self.href(href));
                md.push(')');
                if s.ends_with(py_space) {
                    md.push(' ');
                }
            }
            from = to;
            i = j;
        }
        collapse(&md, &mut inner);
        let start = self.out.md.len() as u32;
        self.out.md.push_str(strip_line(&inner));
        self.md_raw = md;
        self.md_inner = inner;
        start..self.out.md.len() as u32
    }

    fn finish(mut self) -> Rendered {
        while !self.stack.is_empty() {
            self.pop();
        }
        self.newline(false);
        if self.last_blank {
            self.out.lines.pop();
            self.out.text.pop();
        }
        collapse(&self.title, &mut self.out.title);
        self.out.kind = super::InputKind::Html;
        self.out
    }
}

/// Appends the hashes of the `[a-z0-9]+` tokens of the lower-cased `value` to `out`.
fn push_tokens(value: &str, out: &mut Vec<u64>, token: &mut Vec<u8>) {
    token.clear();
    let mut add = |c: char, token: &mut Vec<u8>| {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            token.push(c as u8);
        } else if !token.is_empty() {
            out.push(token_hash(token));
            token.clear();
        }
    };
    for c in value.chars() {
        if c.is_ascii() {
            add(c.to_ascii_lowercase(), token);
        } else {
            // Python's lower() turns a few non-ASCII letters (the Kelvin sign) into ASCII.
            for l in c.to_lowercase() {
                add(l, token);
            }
        }
    }
    add(' ', token);
}
