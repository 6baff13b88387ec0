//! Rendering a page to lines: HTML and markdown become the plain-text lines a scraper
//! would produce, each line with the structure it came from (link characters, enclosing
//! elements, heading level, class and id tokens) for the features to read.
//!
//! Text needs no rendering: its lines are read as they stand, with no structure.

pub mod align;
pub mod html;
pub mod markdown;

use std::ops::Range;

use serde::{Deserialize, Serialize};

/// What a page is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum InputKind {
    /// Plain text, one line per line.
    #[default]
    Text,
    /// An HTML page.
    Html,
    /// A markdown document.
    Markdown,
}

impl InputKind {
    /// Every kind, in the order of their embedded models.
    pub const ALL: [InputKind; 3] = [InputKind::Text, InputKind::Html, InputKind::Markdown];

    /// The kind's name, as flags and model files spell it.
    pub fn name(self) -> &'static str {
        match self {
            InputKind::Text => "text",
            InputKind::Html => "html",
            InputKind::Markdown => "markdown",
        }
    }

    /// Its place in [`InputKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The kind a file name says, before any `.gz` or `.zst`: `.html`, `.htm`,
    /// `.xhtml` and `.shtml` are HTML, `.md` and `.markdown` markdown, `.txt` text;
    /// `None` for other names, whose kind the content tells (see [`InputKind::sniff`]).
    pub fn from_path(path: &std::path::Path) -> Option<InputKind> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        let name = crate::batch::format::strip_compression_suffix(&name);
        let ext = name.rsplit_once('.')?.1;
        match ext {
            "html" | "htm" | "xhtml" | "shtml" => Some(InputKind::Html),
            "md" | "markdown" => Some(InputKind::Markdown),
            "txt" | "text" => Some(InputKind::Text),
            _ => None,
        }
    }

    /// The kind the first bytes of a page show: HTML when it opens with a doctype or an
    /// `<html>` tag, text otherwise. Markdown is never guessed: it reads as text.
    pub fn sniff(head: &[u8]) -> InputKind {
        if html::looks_like_html(head) {
            InputKind::Html
        } else {
            InputKind::Text
        }
    }

    /// The kind named `name` (`text`, `html`, `markdown` or `md`).
    pub fn from_name(name: &str) -> Option<InputKind> {
        match name.to_ascii_lowercase().as_str() {
            "text" | "txt" => Some(InputKind::Text),
            "html" | "htm" => Some(InputKind::Html),
            "markdown" | "md" => Some(InputKind::Markdown),
            _ => None,
        }
    }
}

/// The elements a line can sit in, as bits of [`LineMarkup::tags`]; a line has the bit
/// of every such element that encloses any of its text.
pub mod tag {
    /// `<nav>`
    pub const NAV: u32 = 1 << 0;
    /// `<header>`
    pub const HEADER: u32 = 1 << 1;
    /// `<footer>`
    pub const FOOTER: u32 = 1 << 2;
    /// `<aside>`
    pub const ASIDE: u32 = 1 << 3;
    /// `<form>`
    pub const FORM: u32 = 1 << 4;
    /// `<article>`
    pub const ARTICLE: u32 = 1 << 5;
    /// `<main>`
    pub const MAIN: u32 = 1 << 6;
    /// `<figure>`, or a markdown image
    pub const FIGURE: u32 = 1 << 7;
    /// `<figcaption>`
    pub const FIGCAPTION: u32 = 1 << 8;
    /// `<li>`, or a markdown list item
    pub const LI: u32 = 1 << 9;
    /// `<button>`
    pub const BUTTON: u32 = 1 << 10;
    /// `<time>`
    pub const TIME: u32 = 1 << 11;
    /// `<address>`
    pub const ADDRESS: u32 = 1 << 12;
    /// `<blockquote>`, or a markdown `>` quote
    pub const BLOCKQUOTE: u32 = 1 << 13;
    /// `<table>`, or a markdown table row
    pub const TABLE: u32 = 1 << 14;
    /// `<menu>`
    pub const MENU: u32 = 1 << 15;
    /// `<label>`
    pub const LABEL: u32 = 1 << 16;
    /// `<p>`
    pub const P: u32 = 1 << 17;
    /// `<section>`
    pub const SECTION: u32 = 1 << 18;
    /// `<pre>` or `<code>`, or a markdown code block
    pub const PRE: u32 = 1 << 19;
    /// `<dl>`, `<dt>` or `<dd>`
    pub const DL: u32 = 1 << 20;
    /// `<select>` or `<option>`
    pub const SELECT: u32 = 1 << 21;
    /// `<strong>` or `<b>`
    pub const STRONG: u32 = 1 << 22;
    /// `<small>`
    pub const SMALL: u32 = 1 << 23;
    /// `<ul>` or `<ol>`
    pub const LIST: u32 = 1 << 24;

    /// Each bit's element name, for features and explanations, in bit order.
    pub const NAMES: [&str; 25] = [
        "nav",
        "header",
        "footer",
        "aside",
        "form",
        "article",
        "main",
        "figure",
        "figcaption",
        "li",
        "button",
        "time",
        "address",
        "blockquote",
        "table",
        "menu",
        "label",
        "p",
        "section",
        "pre",
        "dl",
        "select",
        "strong",
        "small",
        "list",
    ];
}

/// What the page says of one line beyond its text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineMarkup {
    /// Non-white-space characters of the line inside links.
    pub link_chars: u32,
    /// The [`tag`] bits of the elements enclosing the line's text.
    pub tags: u32,
    /// The level of the heading the line is in: 1 to 6, 0 for none.
    pub heading: u8,
    /// How many elements deep the line's first text sits (saturating).
    pub depth: u16,
    /// The line as markdown (links as `[text](href)`), a range of [`Rendered::md`].
    pub md: Range<u32>,
    /// Hashes of the lower-cased `[a-z0-9]+` tokens of the `class`, `id`, `role`,
    /// `itemprop`, `rel`, `data-testid` and `aria-label` attributes of the elements
    /// enclosing the line (each once; see [`token_hash`]), a range of
    /// [`Rendered::tokens`].
    pub tokens: Range<u32>,
    /// The elements enclosing the line's first text, outermost first (at most 64), each
    /// named by the order it opened in: lines that share an element share its number.
    /// A range of [`Rendered::elements`]; empty where the input has no elements.
    pub elements: Range<u32>,
}

/// A page rendered to lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rendered {
    /// The lines, joined by `\n`; a blank line separates paragraphs.
    pub text: String,
    /// One entry per line of `text` (as [`crate::document::split_lines`] splits it),
    /// blank lines included.
    pub lines: Vec<LineMarkup>,
    /// The lines' markdown, indexed by [`LineMarkup::md`].
    pub md: String,
    /// The lines' attribute tokens, indexed by [`LineMarkup::tokens`].
    pub tokens: Vec<u64>,
    /// The lines' enclosing elements, indexed by [`LineMarkup::elements`].
    pub elements: Vec<u32>,
    /// The page's title (`<title>`), white space collapsed; empty when it has none.
    pub title: String,
    /// What the page was rendered from.
    pub kind: InputKind,
}

impl Rendered {
    /// Line `i`'s markdown.
    pub fn line_md(&self, i: usize) -> &str {
        let r = &self.lines[i].md;
        &self.md[r.start as usize..r.end as usize]
    }

    /// Line `i`'s enclosing elements, outermost first.
    pub fn line_elements(&self, i: usize) -> &[u32] {
        let r = &self.lines[i].elements;
        &self.elements[r.start as usize..r.end as usize]
    }

    /// Line `i`'s attribute-token hashes.
    pub fn line_tokens(&self, i: usize) -> &[u64] {
        let r = &self.lines[i].tokens;
        &self.tokens[r.start as usize..r.end as usize]
    }
}

/// The hash of one attribute token, as [`LineMarkup::tokens`] holds it.
pub fn token_hash(token: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(token)
}

/// Renders a page of `kind`. HTML is decoded from its declared or sniffed charset;
/// text and markdown are read as UTF-8, invalid bytes replaced.
pub fn render(bytes: &[u8], kind: InputKind) -> Rendered {
    // A UTF-8 byte-order mark is no text; the HTML renderer reads it as a charset.
    let text_bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match kind {
        InputKind::Html => html::render(bytes),
        InputKind::Markdown => markdown::render(&String::from_utf8_lossy(text_bytes)),
        InputKind::Text => {
            let text = String::from_utf8_lossy(text_bytes).into_owned();
            let mut spans = Vec::new();
            crate::document::split_lines(&text, &mut spans);
            Rendered {
                lines: vec![LineMarkup::default(); spans.len()],
                text,
                ..Rendered::default()
            }
        }
    }
}
