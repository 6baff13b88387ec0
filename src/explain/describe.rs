//! What each input of the model is, in the words people read.
//!
//! Inputs are named by the features that compute them (see
//! [`crate::features::dense_names`]) and by [`crate::model::stack`]; the tables here say
//! what each family of names measures. Families are looked up by name, the `#n` of a
//! numbered member taken off, so that a feature added to the set only lacks its own
//! phrase: an unknown name is spelt out as words, never shown as an id.
//!
//! The bin edges below repeat those of `crate::features`; a test checks that each binned
//! family still has as many bins as edges say.

use crate::features::line::MAX_HASHED_WORDS;
use crate::features::tables::N_CUES;
use crate::features::{cues::CueMatcher, Hashed};
use crate::model::stack;
use crate::render::tag;

use super::words::Words;

/// A line as its description may draw on it: its text and its neighbours' (the
/// non-blank lines before and after it).
pub(super) struct Around<'a> {
    pub line: &'a str,
    pub prev: Option<&'a str>,
    pub next: Option<&'a str>,
}

/// How to say what a family of inputs measures. In the phrases, `{}` stands for the
/// input's value, said as the variant says.
enum Say {
    /// A flag: what holds when it is on (an input of value 0 never shows).
    Flag(&'static str),
    /// `ln(1 + n) / scale` of a count `n`.
    Count(&'static str, f32),
    /// A count divided by `scale`.
    Scaled(&'static str, f32),
    /// A share from 0 to 1, said in per cent.
    Share(&'static str),
    /// One-hot bins of a count: bin `k` holds the counts below `edges[k]`.
    Bins(&'static str, &'static [f32]),
    /// One-hot bins of a share.
    ShareBins(&'static str, &'static [f32]),
    /// A family whose members each have their own phrase.
    Each(&'static [&'static str]),
    /// A family with one member per cue kind: `{}` takes the phrases found.
    Cue(&'static str),
    /// The statistics of a neighbour (see `neighbour_stats` in `crate::features`).
    Neighbour(&'static str),
    /// The few statistics of the line two before or after.
    Neighbour2(&'static str),
    /// A family with one member per [`crate::render::tag`] bit: `{}` takes the
    /// element's name.
    Tag(&'static str),
}

/// Edges of the bins of a line's length in words.
const WORD_EDGES: &[f32] = &[2.0, 3.0, 4.0, 6.0, 10.0, 16.0, 26.0, 51.0];

/// The dense features by family; a family of numbered members ends in `#`.
const DENSE: &[(&str, Say)] = &[
    (
        "bias",
        Say::Flag("the model's baseline, the same for every line"),
    ),
    (
        "chars",
        Say::Count("the line's length ({} characters)", 7.0),
    ),
    ("words", Say::Count("the line's length ({} words)", 5.0)),
    (
        "words.bin#",
        Say::Bins("the line's length ({} words)", WORD_EDGES),
    ),
    (
        "word.mean",
        Say::Scaled("the mean length of its words ({} characters)", 10.0),
    ),
    (
        "word.max",
        Say::Count("its longest word ({} characters)", 4.0),
    ),
    ("links", Say::Share("link text in the line ({})")),
    (
        "links.bin#",
        Say::ShareBins("link text in the line ({})", &[0.01, 0.3, 0.7]),
    ),
    (
        "stop",
        Say::Share("function words such as \"the\" and \"of\" ({} of its words)"),
    ),
    (
        "stop.bin#",
        Say::ShareBins(
            "function words such as \"the\" and \"of\" ({} of its words)",
            &[0.01, 0.1, 0.25, 0.4],
        ),
    ),
    ("upper", Say::Share("capital letters ({} of its letters)")),
    ("allcaps", Say::Flag("the line is written in capitals")),
    (
        "capwords",
        Say::Share("capitalised words ({} of its words)"),
    ),
    ("digits", Say::Share("digits ({} of its characters)")),
    ("punct", Say::Share("punctuation ({} of its characters)")),
    ("commas", Say::Scaled("commas in the line ({})", 5.0)),
    (
        "cjk",
        Say::Share("Chinese, Japanese or Korean script ({} of its characters)"),
    ),
    (
        "separators",
        Say::Scaled("menu separators such as | or • ({})", 4.0),
    ),
    ("urls", Say::Flag("the line holds a web address")),
    ("prose", Say::Flag("the line reads as prose")),
    (
        "ending#",
        Say::Each(&[
            "the line ends a sentence",
            "the line ends in a colon",
            "the line ends in an ellipsis",
            "the line ends in a symbol",
            "the line ends without punctuation",
        ]),
    ),
    (
        "shape#",
        Say::Each(&[
            "the line holds a copyright sign",
            "the line holds an e-mail address",
            "the line looks like a phone number",
            "the line names a month",
            "the line looks like a date",
            "the line holds a time of day",
            "the line starts with a bullet",
            "the line holds a quotation mark",
            "the line holds an @handle",
            "the line holds a currency sign",
            "the line holds a hashtag",
            "the line holds a bracket",
            "the line starts with a capital letter",
            "the line starts with a number, as a list item",
            "the line holds a year",
            "the line holds a percentage",
            "the line ends in a count in brackets, as archive lists do",
            "the line is a bare name",
        ]),
    ),
    ("cue#", Say::Cue("cue {}")),
    ("cue.start#", Say::Cue("the line starts with cue {}")),
    (
        "cue.cover",
        Say::Share("how much of the line its longest cue phrase covers ({})"),
    ),
    (
        "cue.whole",
        Say::Flag("the line is little more than a cue phrase"),
    ),
    (
        "cue.whole#",
        Say::Cue("the line is little more than cue {}"),
    ),
    ("prev", Say::Flag("there is a line before it")),
    ("prev#", Say::Neighbour("the previous line")),
    ("next", Say::Flag("there is a line after it")),
    ("next#", Say::Neighbour("the next line")),
    ("prev2", Say::Flag("there is a line two before it")),
    ("prev2#", Say::Neighbour2("the line two before")),
    ("next2", Say::Flag("there is a line two after it")),
    ("next2#", Say::Neighbour2("the line two after")),
    (
        "pos.rel#",
        Say::ShareBins(
            "where the line stands in the page ({} of the way down)",
            &[0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9],
        ),
    ),
    ("pos.from_start", Say::Count("lines before it ({})", 6.0)),
    ("pos.to_end", Say::Count("lines after it ({})", 6.0)),
    ("doc.lines", Say::Count("the page's length ({} lines)", 7.0)),
    (
        "doc.prose_share",
        Say::Share("share of the page that is prose ({})"),
    ),
    (
        "block.len#",
        Say::Bins(
            "the size of its block between blank lines ({} lines)",
            &[2.0, 3.0, 5.0, 10.0],
        ),
    ),
    ("block.first", Say::Flag("the line opens its block")),
    ("block.last", Say::Flag("the line closes its block")),
    ("blank.before", Say::Flag("a blank line before it")),
    ("blank.after", Say::Flag("a blank line after it")),
    ("block.words", Say::Count("words in its block ({})", 5.0)),
    ("block.prose", Say::Share("prose in its block ({})")),
    (
        "run.chrome#",
        Say::Bins(
            "the run of non-prose lines it belongs to ({} lines)",
            &[1.0, 2.0, 4.0, 8.0, 16.0],
        ),
    ),
    (
        "run.prose#",
        Say::Bins(
            "the run of prose lines it belongs to ({} lines)",
            &[1.0, 2.0, 4.0],
        ),
    ),
    ("main.none", Say::Flag("the page has no clear main text")),
    (
        "main.inside",
        Say::Flag("the line lies inside the page's main text"),
    ),
    (
        "main.before#",
        Say::Bins(
            "lines from it to where the main text starts ({})",
            &[1.0, 2.0, 3.0, 5.0, 10.0, 25.0],
        ),
    ),
    (
        "main.after#",
        Say::Bins(
            "lines from where the main text ends to it ({})",
            &[1.0, 2.0, 3.0, 5.0, 10.0, 25.0],
        ),
    ),
    (
        "main.rel",
        Say::Share("how far into the main text it stands ({})"),
    ),
    ("headline", Say::Flag("the line looks like the headline")),
    (
        "repeats#",
        Say::Bins(
            "lines of the page with the same words ({})",
            &[2.0, 3.0, 5.0],
        ),
    ),
    (
        "repeat.seen_before",
        Say::Flag("the same line came earlier in the page"),
    ),
    ("near.prose", Say::Share("prose within three lines ({})")),
    (
        "near.links",
        Say::Share("link text within three lines ({})"),
    ),
    (
        "vocab.overlap",
        Say::Share("its words that the page's prose also uses ({})"),
    ),
    (
        "vocab.none",
        Say::Flag("none of its words recur in the page's prose"),
    ),
    (
        "run.similar#",
        Say::Bins(
            "the run of lines alike it belongs to ({} lines)",
            &[2.0, 3.0, 5.0, 9.0, 17.0],
        ),
    ),
    (
        "comments.after#",
        Say::Bins(
            "lines since a heading of comments ({})",
            &[1.0, 2.0, 4.0, 10.0, 30.0, 100.0],
        ),
    ),
    (
        "headline.after#",
        Say::Bins(
            "lines since the headline ({})",
            &[1.0, 2.0, 3.0, 4.0, 6.0, 10.0],
        ),
    ),
    ("tag#", Say::Tag("the line sits in a <{}> element")),
    (
        "heading#",
        Say::Each(&[
            "the line is in no heading",
            "the line is a level-1 heading",
            "the line is a level-2 heading",
            "the line is a level-3 heading",
            "the line is a level-4 heading",
            "the line is a level-5 heading",
            "the line is a level-6 heading",
        ]),
    ),
    (
        "depth#",
        Say::Bins(
            "how deep in the page's elements the line sits ({})",
            &[4.0, 7.0, 10.0, 14.0, 19.0, 26.0],
        ),
    ),
    (
        "container#",
        Say::Each(&[
            "how much of the line's container is prose",
            "how many lines the line's container holds",
            "the line's container holds the most prose of the page",
            "the previous line is in the same container",
            "the next line is in the same container",
            "how much deeper the previous line sits",
            "how much deeper the next line sits",
        ]),
    ),
    (
        "element#",
        Say::Each(&[
            "the line is inside the page's main element (the innermost with half its prose)",
            "the page has a main element",
            "how deep below the main element the line sits",
            "how much of the text of the line's own element is prose",
            "how much of the text of the line's own element is links",
            "how many lines the line's own element holds",
            "how much of the text of the block around the line is prose",
            "how much of the text of the block around the line is links",
            "how many lines the block around the line holds",
            "how much of the text of the section around the line is prose",
            "how much of the text of the section around the line is links",
            "how many lines the section around the line holds",
            "how much of the page's prose the line's own element holds",
            "how much of the page's prose the block around the line holds",
            "how much of the page's prose the section around the line holds",
        ]),
    ),
    (
        "title#",
        Say::Each(&[
            "how many of the line's words the page's title has",
            "how many of the title's words the line has",
        ]),
    ),
];

/// What each cue kind's phrases mark, in the order of [`crate::features::tables::Cue`].
const CUE_KINDS: [&str; N_CUES] = [
    "sharing",
    "related links",
    "comments",
    "menu",
    "legal",
    "follow us",
    "ad label",
    "newsletter",
    "shop",
    "byline",
    "picture credit",
    "author's role",
    "date stamp",
    "media",
];

/// Members of a neighbour's family from this number on are its cue kinds.
const NEIGHBOUR_CUES: usize = 200;

/// Phrases of the pseudo-inputs that are no feature.
pub(super) const HIDDEN_BIAS: &str = "the model's hidden units (interactions)";
pub(super) const SEQUENCE: &str = "the lines before and after (sequence layer)";

/// Words for the offsets of the stage-1 neighbour inputs.
fn offset(o: i32) -> String {
    let n = match o.abs() {
        1 => {
            return if o < 0 {
                "the previous line"
            } else {
                "the next line"
            }
            .into()
        }
        2 => "two".to_string(),
        3 => "three".to_string(),
        n => n.to_string(),
    };
    format!("the line {n} {}", if o < 0 { "before" } else { "after" })
}

/// Describes the input `name` of value `value` for a line.
pub(super) fn describe(name: &str, value: f32, line: &Around) -> String {
    if let Some(rest) = name.strip_prefix("s1.") {
        if let Some(d) = stage1(rest, value) {
            return d;
        }
    }
    let (family, n) = match name.rsplit_once('#') {
        Some((family, n)) => match n.parse::<usize>() {
            Ok(n) => (family, Some(n)),
            Err(_) => (name, None),
        },
        None => (name, None),
    };
    let say = DENSE.iter().find(|(key, _)| match n {
        Some(_) => key.strip_suffix('#') == Some(family),
        None => *key == family,
    });
    match say.and_then(|(_, say)| dense(say, n, value, line)) {
        Some(d) => d,
        None => generic(name, value),
    }
}

/// The phrase of a dense feature, if `say` covers member `n`.
fn dense(say: &Say, n: Option<usize>, value: f32, line: &Around) -> Option<String> {
    let fill = |phrase: &str, v: String| phrase.replacen("{}", &v, 1);
    Some(match *say {
        Say::Flag(p) => p.to_string(),
        Say::Count(p, scale) => fill(p, count(value * scale)),
        Say::Scaled(p, scale) => fill(p, short(value * scale)),
        Say::Share(p) => fill(p, percent(value)),
        Say::Bins(p, edges) => fill(p, count_bin(edges, n?)?),
        Say::ShareBins(p, edges) => fill(p, share_bin(edges, n?)?),
        Say::Each(list) => list.get(n?)?.to_string(),
        Say::Cue(p) => fill(p, cue(n?, Some(line.line))?),
        Say::Neighbour(who) => neighbour(who, n?, value, line)?,
        Say::Neighbour2(who) => match n? {
            1 => format!("the length of {who} ({} words)", count(value * 5.0)),
            2 => format!("function words in {who} ({})", percent(value)),
            3 => format!("link text in {who} ({})", percent(value)),
            4 => format!("{who} reads as prose"),
            _ => return None,
        },
        Say::Tag(p) => fill(p, tag::NAMES.get(n?)?.to_string()),
    })
}

/// The phrase of member `n` of a neighbour's family.
fn neighbour(who: &str, n: usize, value: f32, line: &Around) -> Option<String> {
    Some(match n {
        0..=8 => format!("the length of {who} ({} words)", count_bin(WORD_EDGES, n)?),
        100 => format!("link text in {who} ({})", percent(value)),
        101 => format!("function words in {who} ({})", percent(value)),
        102 => format!("{who} reads as prose"),
        103 => format!("{who} ends a sentence"),
        104 => format!("{who} ends without punctuation"),
        105 => format!("{who} is shaped like this one"),
        _ => {
            let text = if who.contains("previous") {
                line.prev
            } else {
                line.next
            };
            format!(
                "{who} holds cue {}",
                cue(n.checked_sub(NEIGHBOUR_CUES)?, text)?
            )
        }
    })
}

/// The phrases of cue kind `kind` in `text`, quoted, and the kind; of "share" and
/// "share this", only the longer.
fn cue(kind: usize, text: Option<&str>) -> Option<String> {
    let what = CUE_KINDS.get(kind)?;
    let found: Vec<String> = text
        .map(|t| CueMatcher::get().phrases_in(t))
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, k)| *k == kind)
        .map(|(phrase, _)| phrase.to_lowercase())
        .collect();
    let mut phrases: Vec<String> = Vec::new();
    for p in &found {
        let quoted = format!("\"{p}\"");
        let longer = found
            .iter()
            .any(|q| q.len() > p.len() && q.contains(p.as_str()));
        if !longer && !phrases.contains(&quoted) {
            phrases.push(quoted);
        }
    }
    Some(if phrases.is_empty() {
        format!("({what} phrase)")
    } else {
        format!("{} ({what} phrase)", phrases.join(", "))
    })
}

/// The phrase of a stage-1 input (see [`crate::model::stack`]), `name` without its
/// `s1.`, the label of label-valued ones spelt out.
fn stage1(name: &str, value: f32) -> Option<String> {
    let looks = |p: f32| {
        if p >= 0.5 {
            "looked like"
        } else {
            "did not look like"
        }
    };
    if let Some(label) = name.strip_prefix("self.") {
        let p = stack::own_probability(value);
        return Some(format!(
            "the line on its own {} {label} ({})",
            looks(p),
            probability(p)
        ));
    }
    if let Some(rest) = name.strip_prefix("at") {
        let (o, label) = match rest.split_once('.') {
            Some((o, label)) => (o, Some(label)),
            None => (rest, None),
        };
        let who = offset(o.parse().ok()?);
        return Some(match label {
            Some(label) => format!("{who} {} {label} ({})", looks(value), probability(value)),
            None => format!("{who} exists"),
        });
    }
    if let Some(rest) = name.strip_prefix("win") {
        let (w, label) = rest.split_once('.')?;
        let w: usize = w.parse().ok()?;
        let how = if value >= 0.5 {
            "look like"
        } else {
            "look little like"
        };
        return Some(format!(
            "lines within {w} either side {how} {label} (mean {value:.2})"
        ));
    }
    if let Some(label) = name.strip_prefix("doc.") {
        return Some(format!(
            "the page's lines as a whole, as {label} (mean {value:.2})"
        ));
    }
    Some(match name {
        "content_before" => format!(
            "the page's content that comes before it ({})",
            percent(value)
        ),
        "content_after" => format!(
            "the page's content that comes after it ({})",
            percent(value)
        ),
        "run.inside" => "the line lies inside the page's densest run of content".into(),
        _ => {
            let (side, k) = name.strip_prefix("run.")?.split_once('#')?;
            let lines = distance_bin(k.parse().ok()?)?;
            let lines = if lines == "1" {
                "1 line".into()
            } else {
                format!("{lines} lines")
            };
            match side {
                "before" => format!("the densest run of content starts {lines} after it"),
                "after" => format!("the densest run of content ended {lines} before it"),
                _ => return None,
            }
        }
    })
}

/// What a hashed feature of a line stands for.
pub(super) fn hashed(what: Hashed, line: &Around) -> String {
    let word =
        |text: Option<&str>, h: u64| text.and_then(|t| Words::of(t).get(h).map(str::to_string));
    let this = |h: u64| word(Some(line.line), h);
    match what {
        Hashed::Word(h) => match this(h) {
            Some(w) => format!("word \"{w}\""),
            None => "a word of the line".into(),
        },
        Hashed::Bigram(a, b) => match (this(a), this(b)) {
            (Some(a), Some(b)) => format!("word pair \"{a} {b}\""),
            _ => "two words of the line in a row".into(),
        },
        Hashed::First(h) => match this(h) {
            Some(w) => format!("first word \"{w}\""),
            None => "the line's first word".into(),
        },
        Hashed::Last(h) => match this(h) {
            Some(w) => format!("last word \"{w}\""),
            None => "the line's last word".into(),
        },
        Hashed::Line => format!("the whole line \"{}\"", quote(line.line)),
        Hashed::PrevLine => match line.prev {
            Some(prev) => format!("the whole previous line \"{}\"", quote(prev)),
            None => "the whole previous line".into(),
        },
        Hashed::PrevFirst(h) => match word(line.prev, h) {
            Some(w) => format!("first word of the previous line \"{w}\""),
            None => "first word of the previous line".into(),
        },
        Hashed::NextFirst(h) => match word(line.next, h) {
            Some(w) => format!("first word of the next line \"{w}\""),
            None => "first word of the next line".into(),
        },
        Hashed::Token(_) => "a class, id or role word of an element around the line".into(),
        Hashed::Tags(bits) => {
            let names: Vec<&str> = (0..tag::NAMES.len())
                .filter(|k| bits & (1 << k) != 0)
                .map(|k| tag::NAMES[k])
                .collect();
            if names.is_empty() {
                "the line sits in none of the elements that tell".into()
            } else {
                format!("the elements around the line: {}", names.join(", "))
            }
        }
    }
}

/// A short line as it stands; the hashed lines are of a few words, this only guards
/// against a long one.
fn quote(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(MAX_HASHED_WORDS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// A name the tables do not know, spelt out as words: `foo.bar_baz#3` is `foo bar baz
/// (4th of its kind) = 0.5`.
fn generic(name: &str, value: f32) -> String {
    let name = name.strip_prefix("s1.").unwrap_or(name);
    let (base, n) = match name.rsplit_once('#') {
        Some((base, n)) => (base, n.parse::<usize>().ok()),
        None => (name, None),
    };
    let mut out: String = base
        .chars()
        .map(|c| if matches!(c, '.' | '_' | '#') { ' ' } else { c })
        .collect();
    if let Some(n) = n {
        out.push_str(&format!(" (member {} of its kind)", n + 1));
    }
    if value != 1.0 {
        out.push_str(&format!(" = {}", short(value)));
    }
    out
}

/// The count `n` of `ln(1 + n)`.
fn count(logged: f32) -> String {
    (logged.exp_m1().round().max(0.0) as u64).to_string()
}

/// A probability in two decimals; one that would round to 0 or 1 says so.
fn probability(p: f32) -> String {
    if p < 0.005 {
        "under 0.01".into()
    } else if p > 0.995 {
        "over 0.99".into()
    } else {
        format!("{p:.2}")
    }
}

fn percent(share: f32) -> String {
    format!("{:.0}%", share * 100.0)
}

/// A value in at most two decimals, without trailing zeros.
fn short(v: f32) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0" } else { s }.to_string()
}

/// The counts of bin `k` of `edges`.
fn count_bin(edges: &[f32], k: usize) -> Option<String> {
    let lo = if k == 0 { 0 } else { *edges.get(k - 1)? as u64 };
    Some(match edges.get(k) {
        None => format!("{lo} or more"),
        Some(e) if *e as u64 - 1 == lo => lo.to_string(),
        Some(e) => format!("{lo} to {}", *e as u64 - 1),
    })
}

/// The shares of bin `k` of `edges`.
fn share_bin(edges: &[f32], k: usize) -> Option<String> {
    let lo = match k.checked_sub(1) {
        Some(j) => Some(edges.get(j)?),
        None => None,
    };
    Some(match (lo, edges.get(k)) {
        (None, Some(hi)) => format!("under {}", percent(*hi)),
        (Some(lo), Some(hi)) => format!("{} to {}", percent(*lo), percent(*hi)),
        (Some(lo), None) => format!("{} or more", percent(*lo)),
        (None, None) => return None,
    })
}

/// The distances of bin `k` of the stage-1 inputs about the content run
/// ([`stack::DISTANCES`]: bin `k` holds distances up to its `k`-th edge).
fn distance_bin(k: usize) -> Option<String> {
    let lo = match k.checked_sub(1) {
        Some(j) => stack::DISTANCES.get(j)? + 1,
        None => 1,
    };
    Some(match *stack::DISTANCES.get(k)? {
        usize::MAX => format!("more than {}", lo - 1),
        hi if hi == lo => lo.to_string(),
        hi => format!("{lo} to {hi}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::dense_names;
    use crate::features::vocab::hash_word;

    fn around(line: &str) -> Around<'_> {
        Around {
            line,
            prev: Some("Home | News"),
            next: Some("Posted by Jane"),
        }
    }

    #[test]
    fn numbered_families_have_a_phrase_per_member() {
        for (key, say) in DENSE {
            let Some(family) = key.strip_suffix('#') else {
                continue;
            };
            let members = dense_names()
                .iter()
                .filter(|n| n.rsplit_once('#').is_some_and(|(f, _)| f == family))
                .count();
            let want = match say {
                Say::Bins(_, edges) | Say::ShareBins(_, edges) => edges.len() + 1,
                Say::Each(list) => list.len(),
                _ => continue,
            };
            assert_eq!(members, want, "{key}: the features have {members} members");
        }
    }

    #[test]
    fn cues_name_the_phrases_the_line_holds() {
        let line = around("Prepared by: Sergey Daga");
        assert_eq!(
            describe("cue#9", 0.33, &line),
            "cue \"prepared by\" (byline phrase)"
        );
        assert_eq!(
            describe("next#209", 1.0, &line),
            "the next line holds cue \"posted by\" (byline phrase)"
        );
        assert_eq!(
            describe("cue.start#0", 1.0, &around("Share this story")),
            "the line starts with cue \"share this story\" (sharing phrase)"
        );
    }

    #[test]
    fn values_are_said_in_their_units() {
        let line = around("Reply");
        let words = describe("words", (42f32).ln_1p() / 5.0, &line);
        assert_eq!(words, "the line's length (42 words)");
        assert_eq!(
            describe("words.bin#4", 1.0, &line),
            "the line's length (6 to 9 words)"
        );
        assert_eq!(
            describe("words.bin#8", 1.0, &line),
            "the line's length (51 or more words)"
        );
        assert_eq!(
            describe("doc.prose_share", 0.25, &line),
            "share of the page that is prose (25%)"
        );
        assert_eq!(
            describe("shape#4", 1.0, &line),
            "the line looks like a date"
        );
        assert_eq!(
            describe("s1.at-1.navigation", 0.93, &line),
            "the previous line looked like navigation (0.93)"
        );
        assert_eq!(
            describe("s1.win5.content", 0.71, &line),
            "lines within 5 either side look like content (mean 0.71)"
        );
        assert_eq!(
            describe("s1.self.bio", 0.9f32.ln() / 5.0, &line),
            "the line on its own looked like bio (0.90)"
        );
        assert_eq!(
            describe("s1.run.before#0", 1.0, &line),
            "the densest run of content starts 1 line after it"
        );
    }

    #[test]
    fn unknown_names_are_spelt_out() {
        let line = around("Reply");
        assert_eq!(
            describe("new.thing#7", 1.0, &line),
            "new thing (member 8 of its kind)"
        );
        assert_eq!(describe("s1.other", 0.5, &line), "other = 0.5");
        assert_eq!(
            describe("words.bin#99", 1.0, &line),
            "words bin (member 100 of its kind)"
        );
        assert_eq!(
            describe("cue#99", 1.0, &line),
            "cue (member 100 of its kind)"
        );
        assert_eq!(
            describe("s1.run.before#9", 1.0, &line),
            "run before (member 10 of its kind)"
        );
    }

    #[test]
    fn hashed_features_name_their_words() {
        let line = around("Leave a REPLY");
        let h = |w: &str| hash_word(w.as_bytes());
        assert_eq!(hashed(Hashed::Word(h("reply")), &line), "word \"reply\"");
        assert_eq!(
            hashed(Hashed::Bigram(h("a"), h("reply")), &line),
            "word pair \"a reply\""
        );
        assert_eq!(
            hashed(Hashed::First(h("leave")), &line),
            "first word \"leave\""
        );
        assert_eq!(
            hashed(Hashed::NextFirst(h("posted")), &line),
            "first word of the next line \"posted\""
        );
        assert_eq!(
            hashed(Hashed::PrevLine, &line),
            "the whole previous line \"Home | News\""
        );
        assert_eq!(
            hashed(Hashed::Word(h("absent")), &line),
            "a word of the line"
        );
    }
}
