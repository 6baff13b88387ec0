//! What the renderer and libxml2's HTML 4 tree builder know of each element.
//!
//! Element names become small ids: the names of the tables below get fixed ids, any
//! other name gets one from [`Names`] for the page.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::render::tag;

/// The names with fixed ids, in id order. Id 0 is never used, so that a default entry
/// matches nothing.
const KNOWN: &[&str] = &[
    "", "a", "abbr", "acronym", "address", "applet", "area", "article", "aside", "audio", "b",
    "base", "basefont", "bdo", "big", "blockquote", "body", "br", "button", "canvas", "caption",
    "center", "cite", "code", "col", "colgroup", "dd", "details", "dfn", "dialog", "dir", "div",
    "dl", "dt", "em", "embed", "fieldset", "figcaption", "figure", "font", "footer", "form",
    "frame", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hr", "html",
    "i", "iframe", "img", "input", "isindex", "kbd", "label", "legend", "li", "link",
    "listing", "main", "map", "math", "menu", "meta", "nav", "noembed", "noframes",
    "noscript", "object", "ol", "optgroup", "option", "p", "param", "plaintext", "pre", "q",
    "s", "samp", "script", "section", "select", "small", "span", "strike", "strong", "style",
    "sub", "summary", "sup", "svg", "table", "tbody", "td", "template", "textarea", "tfoot",
    "th", "thead", "time", "title", "tr", "tt", "u", "ul", "var", "video", "xmp",
];

/// An element name's id.
pub type Tag = u16;

macro_rules! ids {
    ($($name:ident = $s:literal),* $(,)?) => {
        $(pub const $name: Tag = known($s);)*
    };
}

/// The fixed id of `name`, at compile time.
const fn known(name: &str) -> Tag {
    let mut i = 0;
    while i < KNOWN.len() {
        if eq(KNOWN[i].as_bytes(), name.as_bytes()) {
            return i as Tag;
        }
        i += 1;
    }
    panic!("not a known tag")
}

const fn eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

ids! {
    A = "a", BODY = "body", BR = "br", FRAME = "frame", FRAMESET = "frameset", HEAD = "head",
    HTML = "html", NOFRAMES = "noframes", P = "p", TITLE = "title",
}

/// Per-page ids of the names [`KNOWN`] lacks; an allocation per distinct name.
#[derive(Default)]
pub struct Names {
    other: HashMap<Box<[u8]>, Tag>,
}

impl Names {
    /// The id of a lower-cased element name.
    pub fn id(&mut self, name: &[u8]) -> Tag {
        if let Some(&t) = known_map().get(name) {
            return t;
        }
        if let Some(&t) = self.other.get(name) {
            return t;
        }
        // Ids past the known ones; a page with more than 65k distinct names shares the
        // last id among the rest, which only merges their end tags.
        let t = (KNOWN.len() + self.other.len()).min(usize::from(Tag::MAX)) as Tag;
        self.other.insert(name.into(), t);
        t
    }
}

fn known_map() -> &'static HashMap<&'static [u8], Tag> {
    static MAP: OnceLock<HashMap<&'static [u8], Tag>> = OnceLock::new();
    MAP.get_or_init(|| {
        KNOWN
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, n)| (n.as_bytes(), i as Tag))
            .collect()
    })
}

/// How the tokenizer reads an element's content (libxml2's `dataMode`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Data {
    RawText,
    RcData,
    Script,
    PlainText,
}

/// What is known of one element.
#[derive(Clone, Copy, Default)]
pub struct Info {
    /// html2lines' SKIP: dropped with its content.
    pub skip: bool,
    /// html2lines' BLOCK: breaks lines before and after.
    pub block: bool,
    /// html2lines' PARAGRAPH: a blank line after.
    pub paragraph: bool,
    /// libxml2's empty elements: never hold content.
    pub void: bool,
    /// The [`tag`] bits the element gives its text.
    pub bits: u32,
    /// 1–6 for h1–h6.
    pub heading: u8,
    /// libxml2's `htmlEndPriority`: an end tag closes nothing of a higher priority.
    pub priority: u8,
    /// How libxml2 reads the content of its raw-text elements.
    pub data: Option<Data>,
    /// Placed in `<head>` when no body has begun (libxml2's htmlCheckImplied).
    pub head_ok: bool,
}

const SKIP: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "iframe", "head", "object", "embed",
    "canvas", "math", "video", "audio", "map",
];
const BLOCK: &[&str] = &[
    "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "dialog",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
    "h4", "h5", "h6", "header", "hr", "li", "main", "menu", "nav", "ol", "p", "pre", "section",
    "summary", "table", "tbody", "thead", "tfoot", "tr", "td", "th", "ul", "option", "legend",
    "center",
];
const PARAGRAPH: &[&str] = &[
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "figure", "table", "ul",
    "ol", "dl", "section", "article", "header", "footer", "nav", "aside", "form", "main",
];
/// libxml2 2.14's empty elements (its later `wbr`, `source`, `track` are not: lxml's
/// trees hold content in them).
const VOID: &[&str] = &[
    "area", "base", "basefont", "br", "col", "embed", "frame", "hr", "img", "input",
    "isindex", "link", "meta", "param",
];
const BITS: &[(&str, u32)] = &[
    ("nav", tag::NAV),
    ("header", tag::HEADER),
    ("footer", tag::FOOTER),
    ("aside", tag::ASIDE),
    ("form", tag::FORM),
    ("article", tag::ARTICLE),
    ("main", tag::MAIN),
    ("figure", tag::FIGURE),
    ("figcaption", tag::FIGCAPTION),
    ("li", tag::LI),
    ("button", tag::BUTTON),
    ("time", tag::TIME),
    ("address", tag::ADDRESS),
    ("blockquote", tag::BLOCKQUOTE),
    ("table", tag::TABLE),
    ("tr", tag::TABLE),
    ("td", tag::TABLE),
    ("th", tag::TABLE),
    ("menu", tag::MENU),
    ("label", tag::LABEL),
    ("p", tag::P),
    ("section", tag::SECTION),
    ("pre", tag::PRE),
    ("code", tag::PRE),
    ("dl", tag::DL),
    ("dt", tag::DL),
    ("dd", tag::DL),
    ("select", tag::SELECT),
    ("option", tag::SELECT),
    ("strong", tag::STRONG),
    ("b", tag::STRONG),
    ("small", tag::SMALL),
    ("ul", tag::LIST),
    ("ol", tag::LIST),
];
const PRIORITY: &[(&str, u8)] = &[
    ("div", 150),
    ("td", 160),
    ("th", 160),
    ("tr", 170),
    ("thead", 180),
    ("tbody", 180),
    ("tfoot", 180),
    ("table", 190),
    ("head", 200),
    ("body", 200),
    ("html", 220),
];
const DATA: &[(&str, Data)] = &[
    ("iframe", Data::RawText),
    ("noembed", Data::RawText),
    ("noframes", Data::RawText),
    ("style", Data::RawText),
    ("xmp", Data::RawText),
    ("script", Data::Script),
    ("textarea", Data::RcData),
    ("title", Data::RcData),
    ("plaintext", Data::PlainText),
];
const HEAD_OK: &[&str] = &["script", "style", "meta", "link", "title", "base"];

/// libxml2's `htmlStartClose`: (open element, start tag that closes it).
const START_CLOSE: &[(&str, &str)] = &[
    ("a", "a"), ("a", "fieldset"), ("a", "table"), ("a", "td"), ("a", "th"),
    ("address", "dd"), ("address", "dl"), ("address", "dt"), ("address", "form"),
    ("address", "li"), ("address", "ul"), ("b", "center"), ("b", "p"), ("b", "td"),
    ("b", "th"), ("big", "p"), ("caption", "col"), ("caption", "colgroup"),
    ("caption", "tbody"), ("caption", "tfoot"), ("caption", "thead"), ("caption", "tr"),
    ("col", "col"), ("col", "colgroup"), ("col", "tbody"), ("col", "tfoot"), ("col", "thead"),
    ("col", "tr"), ("colgroup", "colgroup"), ("colgroup", "tbody"), ("colgroup", "tfoot"),
    ("colgroup", "thead"), ("colgroup", "tr"), ("dd", "dt"), ("dir", "dd"), ("dir", "dl"),
    ("dir", "dt"), ("dir", "form"), ("dir", "ul"), ("dl", "form"), ("dl", "li"), ("dt", "dd"),
    ("dt", "dl"), ("font", "center"), ("font", "td"), ("font", "th"), ("form", "form"),
    ("h1", "fieldset"), ("h1", "form"), ("h1", "li"), ("h1", "p"), ("h1", "table"),
    ("h2", "fieldset"), ("h2", "form"), ("h2", "li"), ("h2", "p"), ("h2", "table"),
    ("h3", "fieldset"), ("h3", "form"), ("h3", "li"), ("h3", "p"), ("h3", "table"),
    ("h4", "fieldset"), ("h4", "form"), ("h4", "li"), ("h4", "p"), ("h4", "table"),
    ("h5", "fieldset"), ("h5", "form"), ("h5", "li"), ("h5", "p"), ("h5", "table"),
    ("h6", "fieldset"), ("h6", "form"), ("h6", "li"), ("h6", "p"), ("h6", "table"),
    ("head", "a"), ("head", "abbr"), ("head", "acronym"), ("head", "address"), ("head", "b"),
    ("head", "bdo"), ("head", "big"), ("head", "blockquote"), ("head", "body"), ("head", "br"),
    ("head", "center"), ("head", "cite"), ("head", "code"), ("head", "dd"), ("head", "dfn"),
    ("head", "dir"), ("head", "div"), ("head", "dl"), ("head", "dt"), ("head", "em"),
    ("head", "fieldset"), ("head", "font"), ("head", "form"), ("head", "frameset"),
    ("head", "h1"), ("head", "h2"), ("head", "h3"), ("head", "h4"), ("head", "h5"),
    ("head", "h6"), ("head", "hr"), ("head", "i"), ("head", "iframe"), ("head", "img"),
    ("head", "kbd"), ("head", "li"), ("head", "listing"), ("head", "map"), ("head", "menu"),
    ("head", "ol"), ("head", "p"), ("head", "pre"), ("head", "q"), ("head", "s"),
    ("head", "samp"), ("head", "small"), ("head", "span"), ("head", "strike"),
    ("head", "strong"), ("head", "sub"), ("head", "sup"), ("head", "table"), ("head", "tt"),
    ("head", "u"), ("head", "ul"), ("head", "var"), ("head", "xmp"), ("hr", "form"),
    ("i", "center"), ("i", "p"), ("i", "td"), ("i", "th"), ("legend", "fieldset"),
    ("li", "li"), ("link", "body"), ("link", "frameset"), ("listing", "dd"), ("listing", "dl"),
    ("listing", "dt"), ("listing", "fieldset"), ("listing", "form"), ("listing", "li"),
    ("listing", "table"), ("listing", "ul"), ("menu", "dd"), ("menu", "dl"), ("menu", "dt"),
    ("menu", "form"), ("menu", "ul"), ("ol", "form"), ("option", "optgroup"),
    ("option", "option"), ("p", "address"), ("p", "blockquote"), ("p", "body"),
    ("p", "caption"), ("p", "center"), ("p", "col"), ("p", "colgroup"), ("p", "dd"),
    ("p", "dir"), ("p", "div"), ("p", "dl"), ("p", "dt"), ("p", "fieldset"), ("p", "form"),
    ("p", "frameset"), ("p", "h1"), ("p", "h2"), ("p", "h3"), ("p", "h4"), ("p", "h5"),
    ("p", "h6"), ("p", "head"), ("p", "hr"), ("p", "li"), ("p", "listing"), ("p", "menu"),
    ("p", "ol"), ("p", "p"), ("p", "pre"), ("p", "table"), ("p", "tbody"), ("p", "td"),
    ("p", "tfoot"), ("p", "th"), ("p", "title"), ("p", "tr"), ("p", "ul"), ("p", "xmp"),
    ("pre", "dd"), ("pre", "dl"), ("pre", "dt"), ("pre", "fieldset"), ("pre", "form"),
    ("pre", "li"), ("pre", "table"), ("pre", "ul"), ("s", "p"), ("script", "noscript"),
    ("small", "p"), ("span", "td"), ("span", "th"), ("strike", "p"), ("style", "body"),
    ("style", "frameset"), ("tbody", "tbody"), ("tbody", "tfoot"), ("td", "tbody"),
    ("td", "td"), ("td", "tfoot"), ("td", "th"), ("td", "tr"), ("tfoot", "tbody"),
    ("th", "tbody"), ("th", "td"), ("th", "tfoot"), ("th", "th"), ("th", "tr"),
    ("thead", "tbody"), ("thead", "tfoot"), ("title", "body"), ("title", "frameset"),
    ("tr", "tbody"), ("tr", "tfoot"), ("tr", "tr"), ("tt", "p"), ("u", "p"), ("u", "td"),
    ("u", "th"), ("ul", "address"), ("ul", "form"), ("ul", "menu"), ("ul", "pre"),
    ("xmp", "dd"), ("xmp", "dl"), ("xmp", "dt"), ("xmp", "fieldset"), ("xmp", "form"),
    ("xmp", "li"), ("xmp", "table"), ("xmp", "ul"),
];

struct Tables {
    info: Vec<Info>,
    /// For each known open element, the set of known start tags that close it.
    closed_by: Vec<u128>,
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        let id = |n: &str| usize::from(known_map()[n.as_bytes()]);
        let mut info = vec![Info::default(); KNOWN.len()];
        for i in info.iter_mut() {
            i.priority = 100;
        }
        for n in SKIP {
            info[id(n)].skip = true;
        }
        for n in BLOCK {
            info[id(n)].block = true;
        }
        for n in PARAGRAPH {
            info[id(n)].paragraph = true;
        }
        for n in VOID {
            info[id(n)].void = true;
        }
        for n in HEAD_OK {
            info[id(n)].head_ok = true;
        }
        for &(n, b) in BITS {
            info[id(n)].bits |= b;
        }
        for &(n, p) in PRIORITY {
            info[id(n)].priority = p;
        }
        for &(n, d) in DATA {
            info[id(n)].data = Some(d);
        }
        for (level, n) in ["h1", "h2", "h3", "h4", "h5", "h6"].iter().enumerate() {
            info[id(n)].heading = level as u8 + 1;
        }
        let mut closed_by = vec![0u128; KNOWN.len()];
        for &(old, new) in START_CLOSE {
            closed_by[id(old)] |= 1 << id(new);
        }
        Tables { info, closed_by }
    })
}

const OTHER: Info = Info {
    skip: false,
    block: false,
    paragraph: false,
    void: false,
    bits: 0,
    heading: 0,
    priority: 100,
    data: None,
    head_ok: false,
};

/// What is known of element `t`.
pub fn info(t: Tag) -> &'static Info {
    tables().info.get(usize::from(t)).unwrap_or(&OTHER)
}

/// Whether a start tag `new` closes the open element `old` (libxml2's htmlAutoClose).
pub fn closes(new: Tag, old: Tag) -> bool {
    let by = tables().closed_by.get(usize::from(old)).copied().unwrap_or(0);
    usize::from(new) < 128 && by & (1 << new) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_fit_the_close_table() {
        // closes() keeps the closing tags in a u128.
        assert!(KNOWN.len() <= 128);
        let mut names = Names::default();
        assert_eq!(names.id(b"p"), P);
        assert!(closes(names.id(b"div"), P));
        assert!(!closes(names.id(b"section"), P));
        let custom = names.id(b"my-widget");
        assert_eq!(names.id(b"my-widget"), custom);
        assert!(!closes(custom, P));
    }
}
