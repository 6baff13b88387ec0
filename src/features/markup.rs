//! What a page's markup says of a line: the elements it sits in, its heading level, how
//! deep it is, the class and id words of its ancestors, and how much prose the rest of
//! its container holds. Plain text has none of it, and costs nothing here.

use std::collections::HashMap;

use xxhash_rust::xxh3::xxh3_64;

use super::line::{LineStats, WordHashes};
use crate::render::{tag, LineMarkup};

/// Number of [`tag`] bits the features read.
pub const N_TAGS: usize = tag::NAMES.len();

/// Depth bins' upper edges: pages nest their main text 5 to 25 elements deep, their
/// menus and footers shallower or deeper, depending on the site.
pub const DEPTH_EDGES: [u16; 6] = [4, 7, 10, 14, 19, 26];

/// The markup of a page's lines, as the features read it.
#[derive(Clone, Copy)]
pub struct Markup<'a> {
    /// One entry per line of the text, aligned with its line spans.
    pub lines: &'a [LineMarkup],
    /// The token hashes the lines' ranges index.
    pub tokens: &'a [u64],
    /// The element numbers the lines' ranges index.
    pub elements: &'a [u32],
    /// The page's title.
    pub title: &'a str,
}

impl<'a> Markup<'a> {
    /// The markup of a rendered page's lines.
    pub fn of(page: &'a crate::render::Rendered) -> Markup<'a> {
        Markup {
            lines: &page.lines,
            tokens: &page.tokens,
            elements: &page.elements,
            title: &page.title,
        }
    }

    /// The markup of lines `range` of the page alone.
    pub fn slice(&self, range: std::ops::Range<usize>) -> Markup<'a> {
        Markup {
            lines: &self.lines[range],
            ..*self
        }
    }
}

/// How many elements up from a line's innermost the [`Placed::element`] figures look:
/// its own paragraph or link, the block around it, and the section around that.
pub const LEVELS: [usize; 3] = [1, 3, 6];

/// Figures of the page's main element, then of each of [`LEVELS`].
pub const N_ELEMENT: usize = 3 + 4 * LEVELS.len();

/// The markup of one non-blank line, as the features keep it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Placed {
    /// The line's [`tag`] bits.
    pub tags: u32,
    /// Heading level, 0 for none.
    pub heading: u8,
    /// Element depth.
    pub depth: u16,
    /// Where its tokens start and end in the document's copy of them.
    pub tokens: (u32, u32),
    /// Hash of the line's container: its tags and tokens together. Lines of one
    /// paragraph run, one menu or one comment thread share it.
    pub container: u64,
    /// Share of the lines of the line's container that are prose.
    pub container_prose: f32,
    /// `ln(1 + lines of the line's container)`.
    pub container_lines_ln: f32,
    /// Whether the line's container is the one with the most prose on the page.
    pub main_container: bool,
    /// Where the line sits against the page's main element, the innermost that holds
    /// half of the page's prose: inside it, whether there is one, how deep below it;
    /// then, for the elements [`LEVELS`] up from the line, the share of their text in
    /// prose lines, the share that is links, how many lines they hold, and their share
    /// of the page's prose.
    pub element: [f32; N_ELEMENT],
    /// The share of the line's content words that the page's title has, and the share
    /// of the title's that the line has: the headline repeats the title.
    pub title: [f32; 2],
}

/// Buffers reused from page to page.
#[derive(Default)]
pub struct Scratch {
    containers: HashMap<u64, (u32, u32)>,
    elements: Vec<Element>,
}

/// What the lines inside one element add up to.
#[derive(Clone, Copy, Default)]
struct Element {
    chars: u32,
    link_chars: u32,
    prose_chars: u32,
    lines: u32,
}

/// Takes the markup of the non-blank lines `line_index` of a page, after their
/// statistics: the page's link characters replace those the text alone shows.
#[allow(clippy::too_many_arguments)]
pub fn place(
    markup: &Markup,
    line_index: &[usize],
    stats: &mut [LineStats],
    words: &WordHashes,
    title: &WordHashes,
    scratch: &mut Scratch,
    out: &mut Vec<Placed>,
    out_tokens: &mut Vec<u64>,
) {
    out.clear();
    out_tokens.clear();
    let containers = &mut scratch.containers;
    containers.clear();
    for (&i, s) in line_index.iter().zip(stats.iter_mut()) {
        let m = &markup.lines[i];
        s.link_chars = s.link_chars.max(m.link_chars).min(s.chars);
        let tokens = &markup.tokens[m.tokens.start as usize..m.tokens.end as usize];
        let start = out_tokens.len() as u32;
        out_tokens.extend_from_slice(tokens);
        let container = tokens.iter().fold(xxh3_64(&m.tags.to_le_bytes()), |h, t| {
            h.rotate_left(5) ^ t.wrapping_mul(0x9e37_79b9_7f4a_7c15)
        });
        let entry = containers.entry(container).or_insert((0, 0));
        entry.0 += 1;
        entry.1 += u32::from(s.is_prose());
        out.push(Placed {
            tags: m.tags,
            heading: m.heading,
            depth: m.depth,
            tokens: (start, out_tokens.len() as u32),
            container,
            ..Placed::default()
        });
    }
    // Ties go to the smaller hash, so that the choice does not hang on the map's order.
    let main = containers
        .iter()
        .filter(|(_, c)| c.1 > 0)
        .max_by_key(|(h, c)| (c.1, std::cmp::Reverse(**h)))
        .map(|(h, _)| *h);
    for p in out.iter_mut() {
        let (lines, prose) = containers[&p.container];
        p.container_prose = prose as f32 / lines as f32;
        p.container_lines_ln = (lines as f32).ln_1p();
        p.main_container = Some(p.container) == main;
    }
    place_in_elements(markup, line_index, stats, &mut scratch.elements, out);
    if title.lines() > 0 {
        let title = title.content(0);
        for (i, p) in out.iter_mut().enumerate() {
            let line = words.content(i);
            let shared = line.iter().filter(|w| title.contains(w)).count() as f32;
            let covered = title.iter().filter(|w| line.contains(w)).count() as f32;
            p.title = [
                shared / line.len().max(1) as f32,
                covered / title.len().max(1) as f32,
            ];
        }
    }
}

/// Sums the lines of each element, finds the main one, and gives each line the
/// figures of [`Placed::element`].
fn place_in_elements(
    markup: &Markup,
    line_index: &[usize],
    stats: &[LineStats],
    acc: &mut Vec<Element>,
    out: &mut [Placed],
) {
    let chain = |i: usize| {
        let r = &markup.lines[i].elements;
        &markup.elements[r.start as usize..r.end as usize]
    };
    acc.clear();
    let mut total_prose = 0u64;
    for (&i, s) in line_index.iter().zip(stats) {
        let prose = if s.is_prose() { s.chars } else { 0 };
        total_prose += u64::from(prose);
        for &e in chain(i) {
            let e = e as usize;
            if e >= acc.len() {
                acc.resize(e + 1, Element::default());
            }
            let a = &mut acc[e];
            a.chars += s.chars;
            a.link_chars += s.link_chars;
            a.prose_chars += prose;
            a.lines += 1;
        }
    }
    // The elements holding half the prose nest in one another: the main one is the
    // deepest of them.
    let mut main: Option<(usize, u32)> = None;
    if total_prose > 0 {
        for &i in line_index {
            for (depth, &e) in chain(i).iter().enumerate() {
                let holds = u64::from(acc[e as usize].prose_chars) * 2 >= total_prose;
                if holds && main.is_none_or(|(d, _)| depth > d) {
                    main = Some((depth, e));
                }
            }
        }
    }
    for (&i, p) in line_index.iter().zip(out.iter_mut()) {
        let chain = chain(i);
        let inside = main.filter(|&(d, e)| chain.get(d) == Some(&e));
        let f = &mut p.element;
        f[0] = if inside.is_some() { 1.0 } else { 0.0 };
        f[1] = if main.is_some() { 1.0 } else { 0.0 };
        f[2] = inside.map_or(0.0, |(d, _)| ((chain.len() - 1 - d) as f32 / 8.0).min(2.0));
        for (k, up) in LEVELS.iter().enumerate() {
            let Some(&e) = chain.len().checked_sub(*up).and_then(|j| chain.get(j)) else {
                continue;
            };
            let a = acc[e as usize];
            let chars = a.chars.max(1) as f32;
            f[3 + 3 * k] = a.prose_chars as f32 / chars;
            f[4 + 3 * k] = a.link_chars as f32 / chars;
            f[5 + 3 * k] = (a.lines as f32).ln_1p() / 6.0;
            f[3 + 3 * LEVELS.len() + k] = a.prose_chars as f32 / total_prose.max(1) as f32;
        }
    }
}

/// The bin of a depth among [`DEPTH_EDGES`].
pub fn depth_bin(depth: u16) -> usize {
    DEPTH_EDGES
        .iter()
        .position(|e| depth < *e)
        .unwrap_or(DEPTH_EDGES.len())
}

#[cfg(test)]
mod tests {
    use crate::document::split_lines;
    use crate::features::{DocFeatures, Extractor, Markup};
    use crate::render::html;

    const PAGE: &str = "<html><head><title>Council backs four new bus routes</title></head>\
        <body><nav><ul><li><a href=\"/\">Home</a></li><li><a href=\"/w\">World news</a></li>\
        </ul></nav><article><h1>Council backs four new bus routes</h1>\
        <p>The council voted on Tuesday to expand the city's bus network, adding four \
        routes that will serve the northern suburbs from March next year.</p>\
        <p>Officials said the plan would cost less than expected, because the buses are \
        already owned by the city and only the drivers are new.</p>\
        <p>Residents of the northern suburbs have asked for better buses for years, and \
        the new routes will also reach the hospital and the two schools.</p>\
        </article></body></html>";

    fn features() -> (Vec<String>, DocFeatures) {
        let page = html::render(PAGE.as_bytes());
        let mut spans = Vec::new();
        split_lines(&page.text, &mut spans);
        let mut f = DocFeatures::default();
        Extractor::default().extract(&page.text, &spans, Some(Markup::of(&page)), &mut f);
        let lines = f
            .line_index
            .iter()
            .map(|&i| spans[i].text(&page.text).to_string())
            .collect();
        (lines, f)
    }

    #[test]
    fn the_page_places_each_line() {
        let (lines, f) = features();
        assert_eq!(lines[0], "Home");
        assert_eq!(lines.len(), 6);
        // Menu items are all link text; the paragraphs' link density is the text's.
        assert_eq!(f.stats[0].link_density(), 1.0);
        assert_eq!(f.stats[3].link_density(), 0.0);
        let m = &f.markup;
        // The article holds all the prose, no paragraph half of it: the article is the
        // main element.
        let inside: Vec<f32> = m.iter().map(|p| p.element[0]).collect();
        assert_eq!(inside, [0.0, 0.0, 1.0, 1.0, 1.0, 1.0]);
        assert_eq!(m[2].heading, 1);
        // The headline repeats the title; a paragraph shares little of it.
        assert_eq!(m[2].title, [1.0, 1.0]);
        assert!(m[4].title[1] < 0.5);
        // The two menu items share a container, the paragraphs another.
        assert_eq!(m[0].container, m[1].container);
        assert_eq!(m[3].container, m[4].container);
        assert_ne!(m[0].container, m[3].container);
        assert_eq!(m[3].container_prose, 1.0);
    }

    #[test]
    fn plain_text_has_no_markup_features() {
        let text = "Home\nThe council voted on Tuesday to expand the city's bus network.";
        let mut spans = Vec::new();
        split_lines(text, &mut spans);
        let mut f = DocFeatures::default();
        Extractor::default().extract(text, &spans, None, &mut f);
        assert!(f.markup.is_empty() && f.tokens.is_empty());
        let markup = crate::features::dense_len() - crate::features::markup_len();
        assert!(f.dense_row(1)[markup..].iter().all(|v| *v == 0.0));
    }
}
