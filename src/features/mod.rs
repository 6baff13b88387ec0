//! Features of each non-blank line: dense statistics of the line, its neighbours and its
//! document, and sparse hashed words.
//!
//! Every dense feature is written through a `Sink` with a name, so the one function that
//! computes the features also names them: the names feed `dechaff explain` and the
//! feature-set fingerprint that model files carry.

mod context;
mod counts;
pub mod cues;
pub mod line;
pub mod markup;
pub mod tables;
pub mod vocab;

use std::sync::{LazyLock, OnceLock};

use xxhash_rust::xxh3::xxh3_64;

use crate::document::{is_blank, LineSpan};
use context::{Context, DocContext};
use cues::{CueHits, CueMatcher};
use line::{shape, Ending, LineStats};
pub use markup::Markup;
use markup::{depth_bin, Placed, N_TAGS};
use tables::{CUES, MONTHS, N_CUES, STOPWORDS};

/// Number of buckets of the hashed word features.
pub const HASH_BUCKETS: usize = 1 << 17;

/// Receives dense features in order: rows for training, weighted sums for inference.
pub(crate) trait Sink {
    fn put(&mut self, name: &'static str, value: f32);
    /// One of a numbered family of features, such as the bins of a value.
    fn put_nth(&mut self, name: &'static str, n: usize, value: f32);

    #[inline(always)]
    fn flag(&mut self, name: &'static str, on: bool) {
        self.put(name, if on { 1.0 } else { 0.0 });
    }

    /// One-hot bins of `value`: bin `k` holds values below `edges[k]`, the last bin the rest.
    #[inline(always)]
    fn bins(&mut self, name: &'static str, value: f32, edges: &[f32]) {
        let k = edges.iter().position(|e| value < *e).unwrap_or(edges.len());
        self.one_hot(name, k, edges.len() + 1);
    }

    /// `n` features of which feature `hot` is one and the others zero.
    #[inline(always)]
    fn one_hot(&mut self, name: &'static str, hot: usize, n: usize) {
        for k in 0..n {
            self.put_nth(name, k, if k == hot { 1.0 } else { 0.0 });
        }
    }

    /// `n` features `value(k)`, numbered from `first`, all of them zero when `any` is
    /// false, as the cue families are on most lines.
    #[inline(always)]
    fn family(
        &mut self,
        name: &'static str,
        first: usize,
        n: usize,
        any: bool,
        value: impl Fn(usize) -> f32,
    ) {
        for k in 0..n {
            self.put_nth(name, first + k, if any { value(k) } else { 0.0 });
        }
    }
}

struct Row<'a> {
    out: &'a mut [f32],
    at: usize,
}

impl Sink for Row<'_> {
    #[inline]
    fn put(&mut self, _: &'static str, value: f32) {
        self.out[self.at] = value;
        self.at += 1;
    }
    #[inline]
    fn put_nth(&mut self, _: &'static str, _: usize, value: f32) {
        self.out[self.at] = value;
        self.at += 1;
    }
}

struct Names(Vec<String>);

impl Sink for Names {
    fn put(&mut self, name: &'static str, _: f32) {
        self.0.push(name.to_string());
    }
    fn put_nth(&mut self, name: &'static str, n: usize, _: f32) {
        self.0.push(format!("{name}#{n}"));
    }
}

/// Names of the dense features, in order.
pub fn dense_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names = Names(Vec::new());
        let stats = [LineStats::default()];
        let view = DocView {
            stats: &stats,
            ctx: &[Context::default()],
            doc: DocContext::default(),
            markup: &[],
        };
        view.dense(0, &mut names);
        names.0
    })
}

/// Number of dense features.
pub fn dense_len() -> usize {
    dense_names().len()
}

/// Number of dense features of the page's markup: the last ones, zero for plain text.
pub fn markup_len() -> usize {
    static LEN: OnceLock<usize> = OnceLock::new();
    *LEN.get_or_init(|| {
        let mut names = Names(Vec::new());
        let view = DocView {
            stats: &[LineStats::default()],
            ctx: &[Context::default()],
            doc: DocContext::default(),
            markup: &[],
        };
        view.structure(0, &mut names);
        names.0.len()
    })
}

/// A fingerprint of the feature set: feature names, hashing and word tables. A model
/// trained under another fingerprint would be read with the wrong meaning.
pub fn fingerprint() -> u64 {
    static FP: OnceLock<u64> = OnceLock::new();
    *FP.get_or_init(|| {
        let mut desc = format!("buckets={HASH_BUCKETS};hash=xxh3;");
        for name in dense_names() {
            desc.push_str(name);
            desc.push(',');
        }
        for (kind, list) in CUES {
            desc.push_str(&format!("{kind:?}={list:?};"));
        }
        desc.push_str(&format!("{STOPWORDS:?}{MONTHS:?}"));
        xxh3_64(desc.as_bytes())
    })
}

/// The features of one document's non-blank lines.
#[derive(Default)]
pub struct DocFeatures {
    /// For each non-blank line, its index among the document's lines.
    pub line_index: Vec<usize>,
    /// Dense features, `dense_len()` per line, written by [`Extractor::extract`] only:
    /// inference feeds them straight into the model (see `DocFeatures::dense_into`).
    pub dense: Vec<f32>,
    /// Sparse features: bucket and value, line `i` owning `sparse_start[i]..sparse_start[i + 1]`.
    pub sparse: Vec<(u32, f32)>,
    /// Where each line's sparse features start in `sparse`, and after the last line's,
    /// where they end.
    pub sparse_start: Vec<u32>,
    /// The statistics of each line, kept for the explanations and decoding.
    pub stats: Vec<LineStats>,
    /// The markup of each line; empty for plain text.
    pub markup: Vec<Placed>,
    /// The attribute tokens the lines' markup indexes.
    pub tokens: Vec<u64>,
    ctx: Vec<Context>,
    doc: DocContext,
}

impl DocFeatures {
    /// Number of non-blank lines.
    pub fn len(&self) -> usize {
        self.line_index.len()
    }

    /// Whether the document has no non-blank line.
    pub fn is_empty(&self) -> bool {
        self.line_index.is_empty()
    }

    /// Dense features of line `i`.
    pub fn dense_row(&self, i: usize) -> &[f32] {
        let d = dense_len();
        &self.dense[i * d..(i + 1) * d]
    }

    /// Sparse features of line `i`.
    pub fn sparse_row(&self, i: usize) -> &[(u32, f32)] {
        &self.sparse[self.sparse_start[i] as usize..self.sparse_start[i + 1] as usize]
    }

    /// Feeds the dense features of line `i` to `sink`, in order.
    #[inline]
    pub(crate) fn dense_into(&self, i: usize, sink: &mut impl Sink) {
        self.view().dense(i, sink);
    }

    fn view(&self) -> DocView<'_> {
        DocView {
            stats: &self.stats,
            ctx: &self.ctx,
            doc: self.doc,
            markup: &self.markup,
        }
    }
}

/// Reusable buffers: one per thread lets feature extraction run without allocating
/// once the buffers have grown to the largest document seen.
#[derive(Default)]
pub struct Extractor {
    line: line::Scratch,
    context: context::Scratch,
    words: line::WordHashes,
    blank_before: Vec<bool>,
    markup: markup::Scratch,
    title_words: line::WordHashes,
}

/// Marks one sparse family from another in the hash space.
const SALT_FIRST: u64 = 0x1f;
const SALT_LAST: u64 = 0x2f;
const SALT_LINE: u64 = 0x3f;
const SALT_PREV_LINE: u64 = 0x4f;
const SALT_NEXT_FIRST: u64 = 0x5f;
const SALT_BIGRAM: u64 = 0x7f;
const SALT_PREV_FIRST: u64 = 0x6f;
const SALT_TOKEN: u64 = 0x8f;
const SALT_TAGS: u64 = 0x9f;
/// Lines up to this many words also count as a whole ("Advertisement", "Read more").
const SHORT_LINE: u32 = 6;

fn bucket(h: u64, salt: u64) -> u32 {
    ((h ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15)).rotate_left(17) % HASH_BUCKETS as u64) as u32
}

impl Extractor {
    /// Computes the features of the non-blank lines among `spans` of `text`, dense rows
    /// included; `markup`, when the text was rendered from a page, has an entry per span.
    pub fn extract(
        &mut self,
        text: &str,
        spans: &[LineSpan],
        markup: Option<Markup>,
        out: &mut DocFeatures,
    ) {
        self.analyse(text, spans, markup, out);
        let d = dense_len();
        let mut dense = std::mem::take(&mut out.dense);
        dense.clear();
        dense.resize(out.len() * d, 0.0);
        for (i, row) in dense.chunks_exact_mut(d).enumerate() {
            let mut sink = Row { out: row, at: 0 };
            out.dense_into(i, &mut sink);
            debug_assert_eq!(sink.at, d);
        }
        out.dense = dense;
    }

    /// Computes the features of the non-blank lines among `spans` of `text`, all but the
    /// dense rows: what [`crate::model::Predictor::predict`] needs.
    pub fn analyse(
        &mut self,
        text: &str,
        spans: &[LineSpan],
        markup: Option<Markup>,
        out: &mut DocFeatures,
    ) {
        out.line_index.clear();
        out.stats.clear();
        self.words.clear();
        self.blank_before.clear();
        let mut blank = true;
        let cues = CueMatcher::get();
        for (i, span) in spans.iter().enumerate() {
            let t = span.text(text);
            if is_blank(t) {
                blank = true;
                continue;
            }
            out.line_index.push(i);
            self.blank_before.push(blank);
            blank = false;
            out.stats
                .push(line::scan(t, &mut self.line, cues, &mut self.words));
        }
        match markup {
            Some(m) => {
                self.title_words.clear();
                if !is_blank(m.title) {
                    line::scan(m.title, &mut self.line, cues, &mut self.title_words);
                }
                markup::place(
                    &m,
                    &out.line_index,
                    &mut out.stats,
                    &self.words,
                    &self.title_words,
                    &mut self.markup,
                    &mut out.markup,
                    &mut out.tokens,
                )
            }
            None => {
                out.markup.clear();
                out.tokens.clear();
            }
        }
        out.doc = context::analyse(
            &out.stats,
            &self.words,
            &self.blank_before,
            &mut self.context,
            &mut out.ctx,
        );
        out.dense.clear();
        let n = out.len();

        let mut rows = std::mem::take(&mut out.sparse);
        rows.clear();
        out.sparse_start.clear();
        for i in 0..n {
            out.sparse_start.push(rows.len() as u32);
            sparse(out, &self.words, i, |b, v, _| rows.push((b, v)));
        }
        out.sparse_start.push(rows.len() as u32);
        out.sparse = rows;
    }

    /// The sparse features of line `i` of the document last analysed, in the order of
    /// [`DocFeatures::sparse_row`], each with what it hashes: slower than the row, for
    /// `dechaff explain`.
    pub fn hashed_of(&self, f: &DocFeatures, i: usize) -> Vec<(u32, f32, Hashed)> {
        let mut out = Vec::new();
        sparse(f, &self.words, i, |b, v, what| out.push((b, v, what)));
        out
    }
}

/// What a hashed feature hashes; words are hashed lower-cased (see [`vocab::hash_word`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hashed {
    /// One of the line's words.
    Word(u64),
    /// Two words in a row.
    Bigram(u64, u64),
    /// The line's first word.
    First(u64),
    /// The line's last word.
    Last(u64),
    /// The whole line, short enough to count as a phrase.
    Line,
    /// The whole previous line, short enough to count as a phrase.
    PrevLine,
    /// The previous line's first word.
    PrevFirst(u64),
    /// The next line's first word.
    NextFirst(u64),
    /// A class, id or role word of an element the line sits in.
    Token(u64),
    /// The set of elements the line sits in, as [`crate::render::tag`] bits.
    Tags(u32),
}

/// Hands `put` the sparse features of line `i` of a document: bucket, value and what the
/// bucket hashes. Labelling ignores the last; inlined, it costs nothing there.
#[inline(always)]
fn sparse(
    f: &DocFeatures,
    all_words: &line::WordHashes,
    i: usize,
    mut put: impl FnMut(u32, f32, Hashed),
) {
    let stats = &f.stats;
    let s = &stats[i];
    // The scan keeps the first `MAX_HASHED_WORDS` of a line's words.
    let words = all_words.hashed(i);
    if !words.is_empty() {
        let w = 1.0 / (words.len() as f32).sqrt();
        for h in words {
            put(bucket(*h, 0), w, Hashed::Word(*h));
        }
        for p in words.windows(2) {
            let pair = p[0].rotate_left(21) ^ p[1].wrapping_mul(0xff51_afd7_ed55_8ccd);
            put(bucket(pair, SALT_BIGRAM), w, Hashed::Bigram(p[0], p[1]));
        }
        put(
            bucket(s.first_word, SALT_FIRST),
            1.0,
            Hashed::First(s.first_word),
        );
        put(
            bucket(s.last_word, SALT_LAST),
            1.0,
            Hashed::Last(s.last_word),
        );
        if s.words <= SHORT_LINE {
            put(bucket(s.words_hash, SALT_LINE), 1.0, Hashed::Line);
        }
    }
    if i > 0 {
        let p = &stats[i - 1];
        if p.words > 0 && p.words <= SHORT_LINE {
            put(bucket(p.words_hash, SALT_PREV_LINE), 1.0, Hashed::PrevLine);
        }
        put(
            bucket(p.first_word, SALT_PREV_FIRST),
            0.5,
            Hashed::PrevFirst(p.first_word),
        );
    }
    if let Some(nx) = stats.get(i + 1) {
        put(
            bucket(nx.first_word, SALT_NEXT_FIRST),
            0.5,
            Hashed::NextFirst(nx.first_word),
        );
    }
    if let Some(m) = f.markup.get(i) {
        let tokens = &f.tokens[m.tokens.0 as usize..m.tokens.1 as usize];
        if !tokens.is_empty() {
            let w = 1.0 / (tokens.len() as f32).sqrt();
            for t in tokens {
                put(bucket(*t, SALT_TOKEN), w, Hashed::Token(*t));
            }
        }
        let tags = u64::from(m.tags).wrapping_mul(0xff51_afd7_ed55_8ccd);
        put(bucket(tags, SALT_TAGS), 1.0, Hashed::Tags(m.tags));
    }
}

/// Everything the dense features of one line are computed from.
struct DocView<'a> {
    stats: &'a [LineStats],
    ctx: &'a [Context],
    doc: DocContext,
    /// Empty for plain text.
    markup: &'a [Placed],
}

/// `ln(1 + n)` of a count: small counts, nearly all of them, from a table, as the
/// logarithm costs more than the rest of a feature.
fn ln_1p_count(n: u32) -> f32 {
    static TABLE: LazyLock<[f32; 1024]> =
        LazyLock::new(|| std::array::from_fn(|n| (n as f32).ln_1p()));
    match TABLE.get(n as usize) {
        Some(v) => *v,
        None => (n as f32).ln_1p(),
    }
}

const WORD_EDGES: [f32; 8] = [2.0, 3.0, 4.0, 6.0, 10.0, 16.0, 26.0, 51.0];

impl DocView<'_> {
    // Inlined, so that at inference each feature's place in the weights is a constant.
    #[inline(always)]
    fn dense(&self, i: usize, sink: &mut impl Sink) {
        let s = &self.stats[i];
        let c = &self.ctx[i];
        sink.put("bias", 1.0);
        line_stats(s, sink);
        cue_hits(&s.cues, s, sink);
        for (name, j) in [("prev", i.checked_sub(1)), ("next", i.checked_add(1))] {
            let neighbour = j.and_then(|j| self.stats.get(j));
            neighbour_stats(name, neighbour, s, sink);
        }
        for (name, j) in [("prev2", i.checked_sub(2)), ("next2", i.checked_add(2))] {
            let s2 = j.and_then(|j| self.stats.get(j));
            sink.flag(name, s2.is_some());
            let default = LineStats::default();
            let s2 = s2.unwrap_or(&default);
            sink.put_nth(name, 1, ln_1p_count(s2.words) / 5.0);
            sink.put_nth(name, 2, s2.stop_ratio());
            sink.put_nth(name, 3, s2.link_density());
            sink.put_nth(name, 4, if s2.is_prose() { 1.0 } else { 0.0 });
        }
        self.position(i, c, sink);
        self.structure(i, sink);
    }

    /// Where the line sits in the page's markup: every feature is zero for plain text,
    /// which skips them all.
    #[inline(always)]
    fn structure(&self, i: usize, sink: &mut impl Sink) {
        let any = !self.markup.is_empty();
        let none = Placed::default();
        let m = self.markup.get(i).unwrap_or(&none);
        let prev = i.checked_sub(1).and_then(|j| self.markup.get(j));
        let next = self.markup.get(i + 1);
        let bit = |tags: u32, k: usize| if tags & (1 << k) != 0 { 1.0 } else { 0.0 };
        let on = |b: bool| if b { 1.0 } else { 0.0 };
        sink.family("tag", 0, N_TAGS, any, |k| bit(m.tags, k));
        sink.family("heading", 0, 7, any, |k| on(m.heading as usize == k));
        let depth = depth_bin(m.depth);
        sink.family("depth", 0, markup::DEPTH_EDGES.len() + 1, any, |k| {
            on(k == depth)
        });
        let same = |o: Option<&Placed>| o.is_some_and(|o| o.container == m.container);
        let step = |o: Option<&Placed>| {
            o.map_or(0.0, |o| {
                (o.depth as f32 - m.depth as f32).clamp(-8.0, 8.0) / 8.0
            })
        };
        sink.family("container", 0, 7, any, |k| match k {
            0 => m.container_prose,
            1 => m.container_lines_ln / 5.0,
            2 => on(m.main_container),
            3 => on(same(prev)),
            4 => on(same(next)),
            5 => step(prev),
            _ => step(next),
        });
        sink.family("element", 0, markup::N_ELEMENT, any, |k| m.element[k]);
        sink.family("title", 0, 2, any, |k| m.title[k]);
    }

    #[inline(always)]
    fn position(&self, i: usize, c: &Context, sink: &mut impl Sink) {
        let lines = self.doc.lines.max(1);
        let n = lines as f32;
        let rel = i as f32 / (n - 1.0).max(1.0);
        sink.bins("pos.rel", rel, &[0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9]);
        sink.put("pos.from_start", ln_1p_count(i as u32) / 6.0);
        sink.put("pos.to_end", ln_1p_count(lines - 1 - i as u32) / 6.0);
        sink.put("doc.lines", ln_1p_count(lines) / 7.0);
        sink.put("doc.prose_share", self.doc.prose_share);
        sink.bins("block.len", c.block_len as f32, &[2.0, 3.0, 5.0, 10.0]);
        sink.flag("block.first", c.block_pos == 0);
        sink.flag("block.last", c.block_pos + 1 == c.block_len);
        sink.flag("blank.before", c.blank_before);
        sink.flag("blank.after", c.blank_after);
        sink.put("block.words", c.block_words_ln / 5.0);
        sink.put("block.prose", c.block_prose);
        sink.bins(
            "run.chrome",
            c.chrome_run as f32,
            &[1.0, 2.0, 4.0, 8.0, 16.0],
        );
        sink.bins("run.prose", c.prose_run as f32, &[1.0, 2.0, 4.0]);
        let off = c.main_offset;
        sink.flag("main.none", self.doc.main_start >= self.doc.main_end);
        sink.flag(
            "main.inside",
            off == 0 && self.doc.main_start < self.doc.main_end,
        );
        sink.bins(
            "main.before",
            if off < 0 { (-off) as f32 } else { 0.0 },
            &[1.0, 2.0, 3.0, 5.0, 10.0, 25.0],
        );
        sink.bins(
            "main.after",
            if off > 0 { off as f32 } else { 0.0 },
            &[1.0, 2.0, 3.0, 5.0, 10.0, 25.0],
        );
        sink.put("main.rel", c.main_rel);
        sink.flag("headline", c.headline);
        sink.bins("repeats", c.repeats as f32, &[2.0, 3.0, 5.0]);
        sink.flag("repeat.seen_before", c.seen_before);
        sink.put("near.prose", c.near_prose);
        sink.put("near.links", c.near_links);
        sink.put("vocab.overlap", c.vocab_overlap);
        sink.flag("vocab.none", c.vocab_overlap == 0.0);
        sink.bins(
            "run.similar",
            c.similar_run as f32,
            &[2.0, 3.0, 5.0, 9.0, 17.0],
        );
        sink.bins(
            "comments.after",
            c.after_comments as f32,
            &[1.0, 2.0, 4.0, 10.0, 30.0, 100.0],
        );
        sink.bins(
            "headline.after",
            c.after_headline as f32,
            &[1.0, 2.0, 3.0, 4.0, 6.0, 10.0],
        );
    }
}

#[inline(always)]
fn line_stats(s: &LineStats, sink: &mut impl Sink) {
    let words = s.words as f32;
    sink.put("chars", ln_1p_count(s.chars) / 7.0);
    sink.put("words", ln_1p_count(s.words) / 5.0);
    sink.bins("words.bin", words, &WORD_EDGES);
    sink.put(
        "word.mean",
        (line::ratio(s.word_chars, s.words) / 10.0).min(2.0),
    );
    sink.put("word.max", ln_1p_count(s.max_word) / 4.0);
    let links = s.link_density();
    sink.put("links", links);
    sink.bins("links.bin", links, &[0.01, 0.3, 0.7]);
    let stop = s.stop_ratio();
    sink.put("stop", stop);
    sink.bins("stop.bin", stop, &[0.01, 0.1, 0.25, 0.4]);
    sink.put("upper", line::ratio(s.upper, s.letters));
    sink.flag("allcaps", s.letters >= 4 && s.upper * 10 >= s.letters * 8);
    sink.put("capwords", line::ratio(s.cap_words, s.words));
    sink.put("digits", line::ratio(s.digits, s.chars));
    sink.put("punct", line::ratio(s.punct, s.chars));
    sink.put("commas", (s.commas.min(5) as f32) / 5.0);
    sink.put("cjk", line::ratio(s.cjk, s.chars));
    sink.put("separators", (s.separators.min(4) as f32) / 4.0);
    sink.flag("urls", s.urls > 0);
    sink.flag("prose", s.is_prose());
    let ending = [
        Ending::Sentence,
        Ending::Colon,
        Ending::Ellipsis,
        Ending::Other,
        Ending::Bare,
    ];
    let hot = ending.iter().position(|e| *e == s.ending).unwrap_or(0);
    sink.one_hot("ending", hot, ending.len());
    for k in 0..shape::COUNT {
        sink.put_nth("shape", k, if s.shape & (1 << k) != 0 { 1.0 } else { 0.0 });
    }
}

#[inline(always)]
fn cue_hits(cue: &CueHits, s: &LineStats, sink: &mut impl Sink) {
    let any = cue.any();
    sink.family("cue", 0, N_CUES, any, |k| {
        (cue.counts[k].min(3) as f32) / 3.0
    });
    sink.family("cue.start", 0, N_CUES, any, |k| {
        if cue.at_start & (1 << k) != 0 {
            1.0
        } else {
            0.0
        }
    });
    // How much of the line the longest cue covers: "Advertisement" alone is an ad label,
    // a paragraph that mentions advertising is not.
    let cover = (cue.longest as f32 / (s.chars as f32 + s.words.saturating_sub(1) as f32).max(1.0))
        .min(1.0);
    sink.put("cue.cover", cover);
    sink.flag("cue.whole", cover >= 0.8);
    sink.family("cue.whole", 0, N_CUES, any && cover >= 0.8, |k| {
        if cue.counts[k] > 0 {
            1.0
        } else {
            0.0
        }
    });
}

#[inline(always)]
fn neighbour_stats(
    name: &'static str,
    neighbour: Option<&LineStats>,
    me: &LineStats,
    sink: &mut impl Sink,
) {
    sink.flag(name, neighbour.is_some());
    let default = LineStats::default();
    let s = neighbour.unwrap_or(&default);
    let cue = &s.cues;
    sink.bins(name, s.words as f32, &WORD_EDGES);
    sink.put_nth(name, 100, s.link_density());
    sink.put_nth(name, 101, s.stop_ratio());
    sink.put_nth(name, 102, if s.is_prose() { 1.0 } else { 0.0 });
    sink.put_nth(
        name,
        103,
        if s.ending == Ending::Sentence {
            1.0
        } else {
            0.0
        },
    );
    sink.put_nth(name, 104, if s.ending == Ending::Bare { 1.0 } else { 0.0 });
    let similar = neighbour.is_some() && context::similar(s, me);
    sink.put_nth(name, 105, if similar { 1.0 } else { 0.0 });
    sink.family(name, 200, N_CUES, cue.any(), |k| {
        if cue.counts[k] > 0 {
            1.0
        } else {
            0.0
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::split_lines;

    fn features(text: &str) -> DocFeatures {
        let mut spans = Vec::new();
        split_lines(text, &mut spans);
        let mut out = DocFeatures::default();
        Extractor::default().extract(text, &spans, None, &mut out);
        out
    }

    #[test]
    fn one_row_per_non_blank_line() {
        let f = features("Home\n\nA first paragraph of the piece, with words.\n  \nEnd");
        assert_eq!(f.line_index, vec![0, 2, 4]);
        assert_eq!(f.dense.len(), 3 * dense_len());
        assert_eq!(f.sparse_start.len(), 4);
        assert!(f.dense.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn names_are_unique() {
        let names = dense_names();
        let mut sorted = names.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
    }

    #[test]
    fn extraction_is_repeatable_with_reused_buffers() {
        let text = "Menu\nThe first sentence of the article is here, and it is long enough.\n";
        let mut spans = Vec::new();
        split_lines(text, &mut spans);
        let mut ex = Extractor::default();
        let (mut a, mut b) = (DocFeatures::default(), DocFeatures::default());
        ex.extract(text, &spans, None, &mut a);
        ex.extract("Other\ntext", &[], None, &mut b);
        ex.extract(text, &spans, None, &mut b);
        assert_eq!(a.dense, b.dense);
        assert_eq!(a.sparse, b.sparse);
    }

    #[test]
    fn hashed_features_say_what_they_hash() {
        let text = "Menu\nShare this story\nThe end";
        let mut spans = Vec::new();
        split_lines(text, &mut spans);
        let mut ex = Extractor::default();
        let mut f = DocFeatures::default();
        ex.extract(text, &spans, None, &mut f);
        let word = |w: &str| vocab::hash_word(w.as_bytes());
        for i in 0..f.len() {
            let named = ex.hashed_of(&f, i);
            let row: Vec<(u32, f32)> = named.iter().map(|(b, v, _)| (*b, *v)).collect();
            assert_eq!(row, f.sparse_row(i));
        }
        let what: Vec<Hashed> = ex.hashed_of(&f, 1).into_iter().map(|(_, _, w)| w).collect();
        for want in [
            Hashed::Word(word("story")),
            Hashed::Bigram(word("share"), word("this")),
            Hashed::First(word("share")),
            Hashed::Last(word("story")),
            Hashed::Line,
            Hashed::PrevLine,
            Hashed::PrevFirst(word("menu")),
            Hashed::NextFirst(word("the")),
        ] {
            assert!(what.contains(&want), "{want:?} missing from {what:?}");
        }
    }
}
