//! Statistics of one line, gathered in a single pass over its characters.

use super::cues::{CueHits, CueMatcher};
use super::vocab::{hash_word, kind, lowercase_into, Vocab};

/// How a line ends, after closing quotes and brackets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Ending {
    /// `.`, `!`, `?` and their CJK forms: a sentence.
    Sentence,
    /// `:`, introducing what follows.
    Colon,
    /// `…` or `...`: a truncated teaser.
    Ellipsis,
    /// Any other punctuation or symbol.
    Other,
    /// A letter or digit: a heading, a menu item, a name.
    #[default]
    Bare,
}

/// Flags for shapes a line may hold.
pub mod shape {
    /// A `©` or `®` sign.
    pub const COPYRIGHT: u32 = 1 << 0;
    /// An `@` inside a word, as an e-mail address has.
    pub const EMAIL: u32 = 1 << 1;
    /// Nine digits or more in a run broken only by `-`, `(`, `)`, `+`, `.`.
    pub const PHONE: u32 = 1 << 2;
    /// The name of a month or a weekday.
    pub const MONTH: u32 = 1 << 3;
    /// A date in digits: `12/03/2024`, `2024-03-12`.
    pub const NUMERIC_DATE: u32 = 1 << 4;
    /// A time of day: `10:45`, `9h`.
    pub const TIME: u32 = 1 << 5;
    /// Starts with a bullet standing alone: `• Item`.
    pub const BULLET: u32 = 1 << 6;
    /// A quotation mark.
    pub const QUOTE: u32 = 1 << 7;
    /// An `@` starting a word, as a social media handle does.
    pub const HANDLE: u32 = 1 << 8;
    /// A currency sign: `$`, `€`, `£`, `¥`, `₹`, `₽`.
    pub const CURRENCY: u32 = 1 << 9;
    /// A `#` starting a word.
    pub const HASHTAG: u32 = 1 << 10;
    /// A parenthesis or square bracket.
    pub const PAREN: u32 = 1 << 11;
    /// The first non-white-space character is a capital letter.
    pub const STARTS_UPPER: u32 = 1 << 12;
    /// Starts with a number of up to three digits and a full stop: `3. Step`.
    pub const NUMBERED: u32 = 1 << 13;
    /// A run of exactly four digits, as a year is.
    pub const YEAR: u32 = 1 << 14;
    /// A `%` sign.
    pub const PERCENT: u32 = 1 << 15;
    /// Ends in a count in brackets, as archive and category lists do: `Junho (170)`.
    pub const COUNTED: u32 = 1 << 16;
    /// Two to four capitalised words and nothing else, as a name is: `Natasha Kumar`.
    pub const NAME: u32 = 1 << 17;
    /// Number of flags.
    pub const COUNT: usize = 18;
}

/// What the features need to know of one line.
#[derive(Clone, Debug, Default)]
pub struct LineStats {
    /// Non-white-space characters.
    pub chars: u32,
    /// Words (a CJK character counts as one).
    pub words: u32,
    /// Characters inside words.
    pub word_chars: u32,
    /// Longest word in characters.
    pub max_word: u32,
    /// Letters, CJK characters included.
    pub letters: u32,
    /// Capital letters.
    pub upper: u32,
    /// Digits.
    pub digits: u32,
    /// Punctuation and symbols.
    pub punct: u32,
    /// Commas, the CJK ones included.
    pub commas: u32,
    /// CJK characters.
    pub cjk: u32,
    /// Words that start with a capital letter.
    pub cap_words: u32,
    /// Words on a stop-word list.
    pub stop_words: u32,
    /// Non-white-space characters inside markdown links and bare URLs.
    pub link_chars: u32,
    /// Markdown links and bare URLs.
    pub urls: u32,
    /// Separators between menu items: `|`, `•`, `·`, `»`, `›`, `>`, `/` standing alone.
    pub separators: u32,
    /// The kind of the last non-white-space character.
    pub ending: Ending,
    /// [`shape`] flags.
    pub shape: u32,
    /// The cue phrases the line holds.
    pub cues: CueHits,
    /// Hash of the first word, lower-cased.
    pub first_word: u64,
    /// Hash of the last word, lower-cased.
    pub last_word: u64,
    /// Hash of the line's lower-cased words: equal lines, up to case and punctuation,
    /// hash alike.
    pub words_hash: u64,
}

impl LineStats {
    /// Share of the line's characters that are link text.
    pub fn link_density(&self) -> f32 {
        ratio(self.link_chars, self.chars)
    }

    /// Share of the words that are function words.
    pub fn stop_ratio(&self) -> f32 {
        ratio(self.stop_words, self.words)
    }

    /// Whether the line reads as running prose: long enough, full of function words,
    /// mostly not links.
    pub fn is_prose(&self) -> bool {
        let long = self.words >= 10 || self.cjk >= 25;
        long && (self.stop_ratio() >= 0.15 || self.cjk >= 25) && self.link_density() < 0.5
    }
}

pub(crate) fn ratio(a: u32, b: u32) -> f32 {
    if b == 0 {
        0.0
    } else {
        a as f32 / b as f32
    }
}

pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30ff | 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xf900..=0xfaff)
}

fn is_quote(c: char) -> bool {
    matches!(
        c,
        '"' | '“' | '”' | '„' | '«' | '»' | '‘' | '’' | '\'' | '「' | '」'
    )
}

fn is_bullet(c: char) -> bool {
    matches!(
        c,
        '•' | '·'
            | '-'
            | '*'
            | '–'
            | '—'
            | '»'
            | '>'
            | '■'
            | '□'
            | '▪'
            | '●'
            | '○'
            | '◦'
            | '►'
            | '▶'
            | '✓'
            | '✔'
            | '+'
            | '→'
    )
}

fn is_separator(c: char) -> bool {
    matches!(
        c,
        '|' | '•' | '·' | '»' | '›' | '>' | '/' | '\\' | '‹' | '«' | '–'
    )
}

/// What the scan asks of a character, as bit flags: one table lookup for ASCII.
mod class {
    pub const SPACE: u8 = 1 << 0;
    pub const ALNUM: u8 = 1 << 1;
    /// A digit or other numeric character.
    pub const DIGIT: u8 = 1 << 2;
    pub const UPPER: u8 = 1 << 3;
    pub const CJK: u8 = 1 << 4;
    pub const QUOTE: u8 = 1 << 5;
    pub const BULLET: u8 = 1 << 6;
    pub const SEPARATOR: u8 = 1 << 7;
}

fn class_of(c: char) -> u8 {
    let mut k = 0;
    for (on, bit) in [
        (c.is_whitespace(), class::SPACE),
        (c.is_alphanumeric(), class::ALNUM),
        (c.is_ascii_digit() || c.is_numeric(), class::DIGIT),
        (c.is_uppercase(), class::UPPER),
        (is_cjk(c), class::CJK),
        (is_quote(c), class::QUOTE),
        (is_bullet(c), class::BULLET),
        (is_separator(c), class::SEPARATOR),
    ] {
        if on {
            k |= bit;
        }
    }
    k
}

/// [`class_of`] each ASCII character.
static ASCII_CLASS: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        let mut k = 0;
        if matches!(c, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ') {
            k |= class::SPACE;
        }
        if c.is_ascii_alphanumeric() {
            k |= class::ALNUM;
        }
        if c.is_ascii_digit() {
            k |= class::DIGIT;
        }
        if c.is_ascii_uppercase() {
            k |= class::UPPER;
        }
        if matches!(c, b'"' | b'\'') {
            k |= class::QUOTE;
        }
        if matches!(c, b'-' | b'*' | b'>' | b'+') {
            k |= class::BULLET;
        }
        if matches!(c, b'|' | b'>' | b'/' | b'\\') {
            k |= class::SEPARATOR;
        }
        t[b] = k;
        b += 1;
    }
    t
};

/// The [`class`] flags of the non-ASCII characters met lately, by a few bits of the
/// character: a text in another script repeats a small alphabet, and the Unicode tables
/// behind [`class_of`] cost hundreds of instructions a character.
struct Classes([(char, u8); 256]);

impl Default for Classes {
    fn default() -> Classes {
        // NUL is ASCII, never looked up here: its slots read as empty.
        Classes([('\0', 0); 256])
    }
}

impl Classes {
    #[inline]
    fn of(&mut self, c: char) -> u8 {
        let n = c as usize;
        let slot = &mut self.0[(n ^ (n >> 8)) & 0xff];
        if slot.0 != c {
            *slot = (c, class_of(c));
        }
        slot.1
    }
}

/// The character at byte `i` of `line`, its length in bytes and its [`class`] flags.
#[inline(always)]
fn char_at(line: &str, i: usize, classes: &mut Classes) -> (char, usize, u8) {
    let b = line.as_bytes()[i];
    if b < 0x80 {
        (b as char, 1, ASCII_CLASS[b as usize])
    } else {
        let c = line[i..]
            .chars()
            .next()
            .unwrap_or(char::REPLACEMENT_CHARACTER);
        (c, c.len_utf8(), classes.of(c))
    }
}

/// Whether the character at byte `i` of `line`, if any, is white space.
fn space_or_end_at(line: &str, i: usize, classes: &mut Classes) -> bool {
    i >= line.len() || char_at(line, i, classes).2 & class::SPACE != 0
}

/// Reusable buffers for [`scan`]: with them, scanning a line allocates nothing.
#[derive(Default)]
pub struct Scratch {
    /// A word lower-cased, when it is too long or not ASCII.
    lower: Vec<u8>,
    classes: Classes,
}

/// The word being read.
struct Word {
    /// Byte offset of its first character.
    start: usize,
    /// Characters so far; 0 when outside a word.
    chars: u32,
    capital: bool,
    ascii: bool,
    /// No capital letter so far: an ASCII word is then hashed as it stands.
    lower: bool,
}

/// Hashes the word at bytes `range` of `line` lower-cased: short ASCII words, nearly all
/// of them, on the stack.
#[inline(always)]
fn hash_lower(
    line: &str,
    range: std::ops::Range<usize>,
    ascii: bool,
    is_lower: bool,
    lower: &mut Vec<u8>,
) -> u64 {
    const SHORT: usize = 24;
    if !ascii {
        lowercase_into(&line[range], lower);
        return hash_word(lower);
    }
    let word = &line.as_bytes()[range];
    if is_lower {
        hash_word(word)
    } else if word.len() <= SHORT {
        let mut buf = [0u8; SHORT];
        let buf = &mut buf[..word.len()];
        buf.copy_from_slice(word);
        buf.make_ascii_lowercase();
        hash_word(buf)
    } else {
        lower.clear();
        lower.extend(word.iter().map(u8::to_ascii_lowercase));
        hash_word(lower)
    }
}

/// Words of one line that get a hashed feature: enough to judge a paragraph.
pub const MAX_HASHED_WORDS: usize = 96;

/// The hashes of words lower-cased, as [`scan`] pushes them, line after line.
#[derive(Default)]
pub struct WordHashes {
    /// The first [`MAX_HASHED_WORDS`] words of each line: no more are read, and a line of a
    /// gigabyte holds a hundred million words.
    hashed: Vec<u64>,
    /// The words on no stop-word list, whose sharing with the document's prose is a
    /// feature of each line.
    content: Vec<u64>,
    /// Where each line's words end in `hashed` and in `content`.
    ends: Vec<(u32, u32)>,
}

impl WordHashes {
    /// Forgets every line's hashes, keeping the memory for the next document.
    pub fn clear(&mut self) {
        self.hashed.clear();
        self.content.clear();
        self.ends.clear();
    }

    /// How many lines were scanned.
    pub fn lines(&self) -> usize {
        self.ends.len()
    }

    fn end_line(&mut self) {
        self.ends
            .push((self.hashed.len() as u32, self.content.len() as u32));
    }

    fn starts(&self, line: usize) -> (usize, usize) {
        match line.checked_sub(1) {
            Some(before) => (self.ends[before].0 as usize, self.ends[before].1 as usize),
            None => (0, 0),
        }
    }

    /// The first [`MAX_HASHED_WORDS`] words of line `line` (counting the lines scanned).
    pub fn hashed(&self, line: usize) -> &[u64] {
        &self.hashed[self.starts(line).0..self.ends[line].0 as usize]
    }

    /// The words of line `line` that are on no stop-word list.
    pub fn content(&self, line: usize) -> &[u64] {
        &self.content[self.starts(line).1..self.ends[line].1 as usize]
    }
}

/// What the end of each word updates beyond the line's counts.
struct Hashing<'a> {
    vocab: &'a Vocab,
    cues: &'a CueMatcher,
    lower: &'a mut Vec<u8>,
    words: &'a mut WordHashes,
    /// See [`LineStats::words_hash`].
    words_hash: u64,
}

impl Hashing<'_> {
    /// Closes `word`, if one is open, at byte `end` of `line`: hashes it and counts it.
    fn end_word(&mut self, line: &str, word: &mut Word, end: usize, s: &mut LineStats) {
        let n = std::mem::take(&mut word.chars);
        if n == 0 {
            return;
        }
        let h = hash_lower(line, word.start..end, word.ascii, word.lower, self.lower);
        if (s.words as usize) < MAX_HASHED_WORDS {
            self.words.hashed.push(h);
        }
        self.cues.word(line, word.start, h, &mut s.cues);
        if s.words == 0 {
            s.first_word = h;
        }
        s.last_word = h;
        s.words += 1;
        s.word_chars += n;
        s.max_word = s.max_word.max(n);
        let kinds = self.vocab.kinds(h);
        if kinds & kind::STOPWORD != 0 {
            s.stop_words += 1;
        } else {
            self.words.content.push(h);
        }
        if kinds & kind::MONTH != 0 {
            s.shape |= shape::MONTH;
        }
        if word.capital {
            s.cap_words += 1;
        }
        self.words_hash = self.words_hash.rotate_left(7) ^ h.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// Counts the token at bytes `start..end` of `line` as a link when it is a bare URL.
#[inline(always)]
fn end_token(line: &str, start: usize, end: usize, s: &mut LineStats) {
    let tok = &line.as_bytes()[start..end];
    if matches!(tok[0], b'h' | b'w')
        && (tok.starts_with(b"http://") || tok.starts_with(b"https://") || tok.starts_with(b"www."))
    {
        s.urls += 1;
        s.link_chars += line[start..end].chars().count() as u32;
    }
}

/// Gathers the statistics of `line`, the phrases of `cues` among them, adding the hashes
/// of its words to `words` as its next line.
pub fn scan(
    line: &str,
    scratch: &mut Scratch,
    cues: &CueMatcher,
    words: &mut WordHashes,
) -> LineStats {
    let mut s = LineStats::default();
    let Scratch { lower, classes } = scratch;
    let mut word = Word {
        start: 0,
        chars: 0,
        capital: false,
        ascii: true,
        lower: true,
    };
    let mut token_start: Option<usize> = None;
    let mut prev = ' ';
    let mut prev_class = class::SPACE;
    let mut last_nonspace = ' ';
    let mut before_last = ' ';
    // Date and phone shapes: runs of digit groups joined by the shape's separators.
    let mut date_groups = 0u32;
    let mut phone_digits = 0u32;
    let mut digit_run = 0u32;
    let mut first_nonspace = true;
    let mut hashing = Hashing {
        vocab: Vocab::get(),
        cues,
        lower,
        words,
        words_hash: 0,
    };
    let mut i = 0;
    while i < line.len() {
        let (c, len, k) = char_at(line, i, classes);
        let at = i;
        i += len;
        if k & class::SPACE != 0 {
            hashing.end_word(line, &mut word, at, &mut s);
            if let Some(ts) = token_start.take() {
                end_token(line, ts, at, &mut s);
            }
            if digit_run > 0 || !matches!(prev, '-' | '(' | ')' | '+' | '.') {
                phone_digits = if c == ' ' && digit_run > 0 {
                    phone_digits
                } else {
                    0
                };
            }
            digit_run = 0;
            prev = c;
            prev_class = k;
            continue;
        }
        s.chars += 1;
        if token_start.is_none() {
            token_start = Some(at);
        }
        if first_nonspace {
            first_nonspace = false;
            if k & class::UPPER != 0 {
                s.shape |= shape::STARTS_UPPER;
            }
            if k & class::BULLET != 0 && space_or_end_at(line, i, classes) {
                s.shape |= shape::BULLET;
            }
        }
        if k & class::CJK != 0 {
            // Each CJK character stands for a word: the script has no spaces.
            hashing.end_word(line, &mut word, at, &mut s);
            s.cjk += 1;
            s.letters += 1;
            word = Word {
                start: at,
                chars: 1,
                capital: k & class::UPPER != 0,
                ascii: false,
                lower: false,
            };
            hashing.end_word(line, &mut word, i, &mut s);
        } else if k & class::ALNUM != 0 {
            if word.chars == 0 {
                word.start = at;
                word.capital = k & class::UPPER != 0;
                word.ascii = true;
                word.lower = true;
            }
            word.chars += 1;
            word.ascii &= len == 1;
            word.lower &= k & class::UPPER == 0;
            if k & class::DIGIT != 0 {
                s.digits += 1;
                digit_run += 1;
                phone_digits += 1;
                if phone_digits >= 9 {
                    s.shape |= shape::PHONE;
                }
            } else {
                s.letters += 1;
                if k & class::UPPER != 0 {
                    s.upper += 1;
                }
                if digit_run > 0 && (c == 'h' || c == 'H') {
                    s.shape |= shape::TIME;
                }
                digit_run = 0;
                phone_digits = 0;
                date_groups = 0;
            }
        } else {
            hashing.end_word(line, &mut word, at, &mut s);
            s.punct += 1;
            cues.mark(line, at, &mut s.cues);
            match c {
                ',' | '、' | '，' => s.commas += 1,
                '©' | '®' => s.shape |= shape::COPYRIGHT,
                '$' | '€' | '£' | '¥' | '₹' | '₽' => s.shape |= shape::CURRENCY,
                '%' => s.shape |= shape::PERCENT,
                '#' if prev_class & class::SPACE != 0 => s.shape |= shape::HASHTAG,
                '(' | ')' | '[' | ']' => s.shape |= shape::PAREN,
                '@' => {
                    if prev_class & class::SPACE != 0 {
                        s.shape |= shape::HANDLE;
                    } else if prev_class & class::ALNUM != 0 {
                        s.shape |= shape::EMAIL;
                    }
                }
                ':' if digit_run > 0 && digit_run <= 2 => {
                    let after = line.as_bytes()[i..].iter().take(2);
                    if after.clone().count() == 2 && after.into_iter().all(|b| b.is_ascii_digit()) {
                        s.shape |= shape::TIME;
                    }
                }
                _ => {}
            }
            if k & class::QUOTE != 0 {
                s.shape |= shape::QUOTE;
            }
            if k & class::SEPARATOR != 0
                && prev_class & class::SPACE != 0
                && space_or_end_at(line, i, classes)
            {
                s.separators += 1;
            }
            if matches!(c, '.' | '/' | '-') && digit_run > 0 {
                date_groups += 1;
                if date_groups >= 2 {
                    s.shape |= shape::NUMERIC_DATE;
                }
            } else if !matches!(c, '-' | '(' | ')' | '+' | '.') {
                phone_digits = 0;
                date_groups = 0;
            }
            if c == '.' && digit_run > 0 && digit_run <= 3 && s.words == 0 && s.chars <= 4 {
                s.shape |= shape::NUMBERED;
            }
            if digit_run == 4 {
                s.shape |= shape::YEAR;
            }
            digit_run = 0;
        }
        if digit_run == 4 && line.as_bytes().get(i).is_none_or(|b| !b.is_ascii_digit()) {
            s.shape |= shape::YEAR;
        }
        before_last = last_nonspace;
        last_nonspace = c;
        prev = c;
        prev_class = k;
        if c.is_ascii_alphabetic() {
            // The rest of a run of ASCII letters only adds to the counts: most characters
            // are read here.
            let (run, upper) = letter_run(&line.as_bytes()[i..]);
            if run > 0 {
                let letters = &line.as_bytes()[i..i + run];
                let n = run as u32;
                s.chars += n;
                s.letters += n;
                s.upper += upper;
                word.lower &= upper == 0;
                word.chars += n;
                before_last = if run >= 2 {
                    letters[run - 2] as char
                } else {
                    c
                };
                last_nonspace = letters[run - 1] as char;
                prev = last_nonspace;
                prev_class = ASCII_CLASS[letters[run - 1] as usize];
                i += run;
            }
        }
    }
    hashing.end_word(line, &mut word, line.len(), &mut s);
    hashing.words.end_line();
    if let Some(ts) = token_start {
        end_token(line, ts, line.len(), &mut s);
    }
    s.link_chars += markdown_link_chars(line);
    s.link_chars = s.link_chars.min(s.chars);
    s.words_hash = hashing.words_hash;
    s.ending = ending(last_nonspace, before_last, line);
    if ends_counted(line) {
        s.shape |= shape::COUNTED;
    }
    if (2..=4).contains(&s.words)
        && s.cap_words == s.words
        && s.stop_words == 0
        && s.digits == 0
        && s.cjk == 0
        && s.ending == Ending::Bare
    {
        s.shape |= shape::NAME;
    }
    s
}

/// Whether `line` ends in a number in brackets after some text: `Junho (170)`, `News [12]`.
fn ends_counted(line: &str) -> bool {
    let b = line.trim_end().as_bytes();
    let Some((&close, rest)) = b.split_last() else {
        return false;
    };
    let open = match close {
        b')' => b'(',
        b']' => b'[',
        _ => return false,
    };
    let digits = rest.iter().rev().take_while(|c| c.is_ascii_digit()).count();
    let before = &rest[..rest.len() - digits];
    digits > 0 && before.len() > 1 && before.last() == Some(&open)
}

/// The length of the run of ASCII letters that starts `bytes`, and how many of them are
/// upper-case.
#[inline(always)]
fn letter_run(bytes: &[u8]) -> (usize, u32) {
    let (mut run, mut upper) = (0, 0);
    // Sixteen bytes at a time with SSE2, which every x86-64 CPU has: a byte loop
    // mispredicts its exit at the end of nearly every word.
    #[cfg(target_arch = "x86_64")]
    while bytes.len() - run >= 16 {
        // SAFETY: the 16 bytes read lie inside `bytes`.
        let (letters, capitals) = unsafe { sse2::letters(bytes.as_ptr().add(run)) };
        let n = (!letters).trailing_zeros();
        upper += (capitals & ((1u32 << n) - 1)).count_ones();
        run += n as usize;
        if n < 16 {
            return (run, upper);
        }
    }
    for &b in &bytes[run..] {
        if !b.is_ascii_alphabetic() {
            break;
        }
        run += 1;
        upper += u32::from(b.is_ascii_uppercase());
    }
    (run, upper)
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::*;

    /// Bit masks of the ASCII letters and of the capitals among the 16 bytes at `p`
    /// (bit `k` for byte `k`; bits 16 and up are zero).
    ///
    /// # Safety
    /// `p` must point to 16 readable bytes.
    #[inline(always)]
    pub unsafe fn letters(p: *const u8) -> (u32, u32) {
        // `x - lo <= span` as unsigned bytes: the minimum with `span` leaves it unchanged.
        let within = |x: __m128i, lo: u8, span: u8| {
            let d = _mm_sub_epi8(x, _mm_set1_epi8(lo as i8));
            _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(span as i8)), d)
        };
        let v = _mm_loadu_si128(p.cast());
        let lower_cased = _mm_or_si128(v, _mm_set1_epi8(0x20));
        let letters = _mm_movemask_epi8(within(lower_cased, b'a', 25)) as u32;
        let capitals = _mm_movemask_epi8(within(v, b'A', 25)) as u32;
        (letters, capitals)
    }
}

fn ending(last: char, before: char, line: &str) -> Ending {
    let c = if is_quote(last) || matches!(last, ')' | ']') {
        before
    } else {
        last
    };
    match c {
        '.' if line.trim_end().ends_with("...") => Ending::Ellipsis,
        '.' | '!' | '?' | '。' | '！' | '？' => Ending::Sentence,
        ':' | '：' => Ending::Colon,
        '…' => Ending::Ellipsis,
        c if c.is_alphanumeric() => Ending::Bare,
        _ => Ending::Other,
    }
}

/// Non-white-space characters of the texts of markdown links `[text](target)`.
fn markdown_link_chars(line: &str) -> u32 {
    let bytes = line.as_bytes();
    let mut total = 0;
    let mut from = 0;
    // Each `](` closes a link text opened by the last `[` before it.
    while let Some(close_text) = memchr::memchr(b']', &bytes[from..]).map(|m| from + m) {
        if bytes.get(close_text + 1) != Some(&b'(') {
            from = close_text + 1;
            continue;
        }
        let Some(open) = memchr::memrchr(b'[', &bytes[from..close_text]).map(|o| from + o) else {
            from = close_text + 2;
            continue;
        };
        let Some(close) = memchr::memchr(b')', &bytes[close_text..]).map(|c| close_text + c) else {
            break;
        };
        total += line[open + 1..close_text]
            .chars()
            .filter(|c| !c.is_whitespace())
            .count() as u32;
        from = close + 1;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(line: &str) -> LineStats {
        scan(
            line,
            &mut Scratch::default(),
            CueMatcher::get(),
            &mut WordHashes::default(),
        )
    }

    #[test]
    fn cached_classes_are_the_classes() {
        // Enough characters that many share a slot, each asked twice in turn.
        let mut classes = Classes::default();
        let chars = (0x80..0x3100u32)
            .chain(0x4e00..0x4f00)
            .filter_map(char::from_u32);
        for c in chars.clone().chain(chars.rev()) {
            assert_eq!(classes.of(c), class_of(c), "{c:?}");
            assert_eq!(classes.of(c), class_of(c), "{c:?}");
        }
    }

    #[test]
    fn letter_runs_agree_with_a_byte_loop() {
        let text = "Straßenbahn@ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz[`{ Zürich \
                    mixedCASEwordsThatRunOnAndOnForMoreThanSixteenBytes, end";
        let bytes = text.as_bytes();
        for from in 0..bytes.len() {
            let rest = &bytes[from..];
            let run = rest.iter().take_while(|b| b.is_ascii_alphabetic()).count();
            let upper = rest[..run]
                .iter()
                .filter(|b| b.is_ascii_uppercase())
                .count() as u32;
            assert_eq!(letter_run(rest), (run, upper), "from byte {from}");
        }
    }

    #[test]
    fn counts_words_and_function_words() {
        let s = stats("The treaty was signed in Pyongyang on Wednesday.");
        assert_eq!(s.words, 8);
        assert_eq!(s.stop_words, 4); // the, was, in, on
        assert_eq!(s.ending, Ending::Sentence);
        assert_ne!(s.shape & shape::MONTH, 0); // Wednesday
        assert!(s.shape & shape::STARTS_UPPER != 0);
    }

    #[test]
    fn sees_links() {
        let s = stats("[Home](/) | [World](/world)");
        assert_eq!(s.link_chars, 9);
        assert_eq!(s.separators, 1);
        let s = stats("Read it at https://example.com/a");
        assert_eq!(s.urls, 1);
        assert!(s.link_density() > 0.5);
    }

    #[test]
    fn sees_shapes() {
        assert_ne!(stats("© 2019 Hearst").shape & shape::COPYRIGHT, 0);
        assert_ne!(stats("mail me: jo@example.org").shape & shape::EMAIL, 0);
        assert_ne!(stats("Call +1 (555) 123-4567").shape & shape::PHONE, 0);
        assert_ne!(stats("Updated 12/03/2024").shape & shape::NUMERIC_DATE, 0);
        assert_ne!(stats("at 10:45 today").shape & shape::TIME, 0);
        assert_ne!(stats("• Item one").shape & shape::BULLET, 0);
        assert_ne!(stats("Follow @dechaff").shape & shape::HANDLE, 0);
        assert_eq!(stats("Plain words only").shape & shape::PHONE, 0);
        assert_ne!(stats("Junho (170)").shape & shape::COUNTED, 0);
        assert_ne!(
            stats("First Person Shooter [107] ").shape & shape::COUNTED,
            0
        );
        assert_eq!(stats("(170)").shape & shape::COUNTED, 0);
        assert_eq!(stats("See page (a)").shape & shape::COUNTED, 0);
        assert_ne!(stats("Natasha Kumar").shape & shape::NAME, 0);
        assert_ne!(stats("Sergey V. Daga").shape & shape::NAME, 0);
        assert_eq!(stats("Natasha").shape & shape::NAME, 0);
        assert_eq!(stats("News of the Day").shape & shape::NAME, 0);
        assert_eq!(stats("Natasha Kumar said so.").shape & shape::NAME, 0);
    }

    #[test]
    fn ending_looks_past_closing_quotes() {
        assert_eq!(stats("he said \"yes.\"").ending, Ending::Sentence);
        assert_eq!(stats("Read more…").ending, Ending::Ellipsis);
        assert_eq!(stats("Read more...").ending, Ending::Ellipsis);
        assert_eq!(stats("Sports").ending, Ending::Bare);
        assert_eq!(stats("Notes:").ending, Ending::Colon);
    }

    #[test]
    fn cjk_characters_are_words() {
        let s = stats("北朝鮮との条約");
        assert_eq!(s.words, 7);
        assert_eq!(s.cjk, 7);
    }

    #[test]
    fn the_ascii_table_agrees_with_the_character_classes() {
        for b in 0u8..128 {
            assert_eq!(ASCII_CLASS[b as usize], class_of(b as char), "byte {b:#x}");
        }
    }

    #[test]
    fn words_are_hashed_lower_cased() {
        let mut words = WordHashes::default();
        let s = scan(
            "Ünïcode WORD, x2 北",
            &mut Scratch::default(),
            CueMatcher::get(),
            &mut words,
        );
        assert_eq!(s.words, 4);
        assert_eq!(s.cap_words, 2);
        let expect: Vec<u64> = ["ünïcode", "word", "x2", "北"]
            .iter()
            .map(|w| hash_word(w.as_bytes()))
            .collect();
        assert_eq!(words.hashed(0), expect);
        assert_eq!(words.content(0), expect);
        let line: String = (0..100)
            .map(|k| format!("The cat{k} and THE dog "))
            .collect();
        scan(
            &line,
            &mut Scratch::default(),
            CueMatcher::get(),
            &mut words,
        );
        let hash = |w: &str| hash_word(w.as_bytes());
        assert_eq!(words.hashed(1).len(), MAX_HASHED_WORDS);
        assert_eq!(
            words.hashed(1)[..3],
            [hash("the"), hash("cat0"), hash("and")]
        );
        assert_eq!(words.content(1).len(), 200);
        assert_eq!(words.content(1)[..2], [hash("cat0"), hash("dog")]);
        assert_eq!(words.hashed(0), expect);
    }

    #[test]
    fn equal_words_hash_alike() {
        assert_eq!(
            stats("Share this!").words_hash,
            stats("share THIS").words_hash
        );
        assert_ne!(
            stats("Share this").words_hash,
            stats("this Share").words_hash
        );
    }
}
