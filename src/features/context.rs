//! What a line's document says about it: its block, the runs it sits in, where the
//! document's main run of prose lies, and how often the line repeats.

use super::counts::Counts;
use super::line::{LineStats, WordHashes};
use super::tables::Cue;

/// Where one line stands in its document.
#[derive(Clone, Copy, Debug, Default)]
pub struct Context {
    /// Non-blank lines in the line's block (lines between blank lines).
    pub block_len: u32,
    /// Position in the block, from 0.
    pub block_pos: u32,
    /// Whether a blank line stands right before / after.
    pub blank_before: bool,
    pub blank_after: bool,
    /// Length of the run of consecutive non-prose lines the line belongs to (0 for prose).
    pub chrome_run: u32,
    /// Length of the run of prose lines the line belongs to (0 for non-prose).
    pub prose_run: u32,
    /// Signed distance in lines to the main segment: negative before it, positive after
    /// it, 0 inside.
    pub main_offset: i32,
    /// Relative place within the main segment (0 outside it).
    pub main_rel: f32,
    /// Whether the line is the likely headline: the longest short line just before the
    /// main segment.
    pub headline: bool,
    /// Lines of the document with the same words.
    pub repeats: u32,
    /// Whether an identical line came earlier.
    pub seen_before: bool,
    /// Mean prose share and link density of the lines within three of this one.
    pub near_prose: f32,
    pub near_links: f32,
    /// Share of the line's content words (not function words) that the document's prose
    /// uses elsewhere: sub-headings, captions and table cells of the piece share its
    /// vocabulary, menus and teasers for other stories do not.
    pub vocab_overlap: f32,
    /// Length of the run of consecutive lines shaped like this one (similar length, same
    /// ending): lists of teasers, menus, table rows.
    pub similar_run: u32,
    /// `ln(1 + mean words of the block's lines)`, once for the whole block.
    pub block_words_ln: f32,
    /// Share of the block's lines that are prose.
    pub block_prose: f32,
    /// Lines since the last short line that names comments ("12 Comments", "Leave a
    /// Reply"), 0 with none before: a thread runs on long after its heading, in posts
    /// that read as prose.
    pub after_comments: u32,
    /// Lines since the headline, 0 before it or without one: bylines and credits sit
    /// just below it.
    pub after_headline: u32,
}

/// Document-wide figures.
#[derive(Clone, Copy, Debug, Default)]
pub struct DocContext {
    pub lines: u32,
    pub prose_share: f32,
    pub main_start: usize,
    pub main_end: usize,
}

/// Reusable buffers for [`analyse`].
#[derive(Default)]
pub struct Scratch {
    /// Lines by their words, in the document and so far.
    counts: Counts,
    earlier: Counts,
    prose_words: Counts,
    prose: Vec<bool>,
}

/// Prose earns its words; any other line costs this much. An article's paragraphs
/// outweigh the short lines between them, while menus and link lists sink the score.
const CHROME_COST: i64 = 6;
const PROSE_CAP: i64 = 80;

/// Whether two lines look alike: the same ending and word counts within a factor of 1.6.
pub fn similar(a: &LineStats, b: &LineStats) -> bool {
    let (x, y) = (a.words as f32 + 2.0, b.words as f32 + 2.0);
    a.ending == b.ending && x / y < 1.6 && y / x < 1.6
}

/// Computes the context of every non-blank line, whose words `words` holds as the scan
/// left them. `blank_before[i]` tells whether a blank line separates line `i` from line
/// `i - 1`.
pub fn analyse(
    stats: &[LineStats],
    words: &WordHashes,
    blank_before: &[bool],
    scratch: &mut Scratch,
    out: &mut Vec<Context>,
) -> DocContext {
    let n = stats.len();
    out.clear();
    out.resize(n, Context::default());
    if n == 0 {
        return DocContext::default();
    }
    let prose = &mut scratch.prose;
    prose.clear();
    prose.extend(stats.iter().map(LineStats::is_prose));
    let prose = &*prose;

    // Blocks.
    let mut start = 0;
    for i in 1..=n {
        if i == n || blank_before[i] {
            let len = (i - start) as u32;
            let words: u32 = stats[start..i].iter().map(|s| s.words).sum();
            let prose_lines = prose[start..i].iter().filter(|p| **p).count();
            let words_ln = (words as f32 / len as f32).ln_1p();
            for (pos, c) in out[start..i].iter_mut().enumerate() {
                c.block_len = len;
                c.block_pos = pos as u32;
                c.block_words_ln = words_ln;
                c.block_prose = prose_lines as f32 / len as f32;
            }
            start = i;
        }
    }
    for i in 0..n {
        out[i].blank_before = i == 0 || blank_before[i];
        out[i].blank_after = i + 1 == n || blank_before[i + 1];
    }

    // Runs of prose and of non-prose lines.
    let mut start = 0;
    for i in 1..=n {
        if i == n || prose[i] != prose[start] {
            let len = (i - start) as u32;
            for (c, p) in out[start..i].iter_mut().zip(&prose[start..i]) {
                if *p {
                    c.prose_run = len;
                } else {
                    c.chrome_run = len;
                }
            }
            start = i;
        }
    }

    // The main segment: the stretch of lines with the greatest prose gain (Kadane).
    let gain = |i: usize| {
        if prose[i] {
            i64::from(stats[i].words).min(PROSE_CAP)
        } else {
            -CHROME_COST
        }
    };
    let (mut best, mut best_range) = (i64::MIN, (0, 0));
    let (mut sum, mut from) = (0i64, 0usize);
    for i in 0..n {
        if sum <= 0 {
            sum = 0;
            from = i;
        }
        sum += gain(i);
        if sum > best {
            best = sum;
            best_range = (from, i + 1);
        }
    }
    let (main_start, main_end) = if best > 0 { best_range } else { (n, n) };
    for (i, c) in out.iter_mut().enumerate() {
        if i < main_start {
            c.main_offset = i as i32 - main_start as i32;
        } else if i >= main_end {
            c.main_offset = (i - main_end) as i32 + 1;
        } else {
            c.main_rel = (i - main_start) as f32 / (main_end - main_start) as f32;
        }
    }
    // The headline: the wordiest short, non-link line among the few before the main
    // segment.
    let lookback = main_start.saturating_sub(6)..main_start.min(n);
    if let Some(h) = lookback
        .filter(|&i| (3..=30).contains(&stats[i].words) && stats[i].link_density() < 0.5)
        .max_by_key(|&i| (stats[i].words, i))
    {
        out[h].headline = true;
        for (k, c) in out[h + 1..].iter_mut().enumerate() {
            c.after_headline = k as u32 + 1;
        }
    }

    // Comment sections.
    let mut heading: Option<usize> = None;
    for (i, (s, c)) in stats.iter().zip(out.iter_mut()).enumerate() {
        if let Some(h) = heading {
            c.after_comments = (i - h) as u32;
        }
        if s.words <= 8 && s.cues.counts[Cue::Comment as usize] > 0 {
            heading = Some(i);
        }
    }

    // Repeats.
    let counts = &mut scratch.counts;
    counts.reset(n);
    for s in stats.iter().filter(|s| s.words > 0) {
        counts.add(s.words_hash);
    }
    let earlier = &mut scratch.earlier;
    earlier.reset(n);
    for (s, c) in stats.iter().zip(out.iter_mut()) {
        if s.words == 0 {
            c.repeats = 1;
            continue;
        }
        c.repeats = counts.get(s.words_hash);
        c.seen_before = earlier.get(s.words_hash) > 0;
        earlier.add(s.words_hash);
    }

    // Runs of lines shaped alike.
    let mut start = 0;
    for i in 1..=n {
        if i == n || !similar(&stats[i], &stats[i - 1]) {
            for c in &mut out[start..i] {
                c.similar_run = (i - start) as u32;
            }
            start = i;
        }
    }

    // Vocabulary shared with the document's prose.
    let prose_words = &mut scratch.prose_words;
    let prose_lines = (0..n).filter(|&i| prose[i]);
    prose_words.reset(prose_lines.clone().map(|i| words.content(i).len()).sum());
    for i in prose_lines {
        for w in words.content(i) {
            prose_words.add(*w);
        }
    }
    for i in 0..n {
        let own = u32::from(prose[i]);
        let line = words.content(i);
        let shared = line.iter().filter(|w| prose_words.get(**w) > own).count();
        out[i].vocab_overlap = super::line::ratio(shared as u32, line.len() as u32);
    }

    // Neighbourhood means over three lines either side.
    const W: usize = 3;
    for i in 0..n {
        let (lo, hi) = (i.saturating_sub(W), (i + W + 1).min(n));
        let k = (hi - lo - 1).max(1) as f32;
        let others = (lo..hi).filter(|&j| j != i);
        out[i].near_prose = others.clone().filter(|&j| prose[j]).count() as f32 / k;
        out[i].near_links = others.map(|j| stats[j].link_density()).sum::<f32>() / k;
    }

    DocContext {
        lines: n as u32,
        prose_share: prose.iter().filter(|p| **p).count() as f32 / n as f32,
        main_start,
        main_end,
    }
}
