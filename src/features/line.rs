//! Statistics of one line, gathered in a single pass over its characters.

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
    pub const COPYRIGHT: u32 = 1 << 0;
    pub const EMAIL: u32 = 1 << 1;
    pub const PHONE: u32 = 1 << 2;
    pub const MONTH: u32 = 1 << 3;
    pub const NUMERIC_DATE: u32 = 1 << 4;
    pub const TIME: u32 = 1 << 5;
    pub const BULLET: u32 = 1 << 6;
    pub const QUOTE: u32 = 1 << 7;
    pub const HANDLE: u32 = 1 << 8;
    pub const CURRENCY: u32 = 1 << 9;
    pub const HASHTAG: u32 = 1 << 10;
    pub const PAREN: u32 = 1 << 11;
    pub const STARTS_UPPER: u32 = 1 << 12;
    pub const NUMBERED: u32 = 1 << 13;
    pub const YEAR: u32 = 1 << 14;
    pub const PERCENT: u32 = 1 << 15;
    /// Number of flags.
    pub const COUNT: usize = 16;
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
    pub letters: u32,
    pub upper: u32,
    pub digits: u32,
    pub punct: u32,
    pub commas: u32,
    pub cjk: u32,
    /// Words that start with a capital letter.
    pub cap_words: u32,
    pub stop_words: u32,
    /// Non-white-space characters inside markdown links and bare URLs.
    pub link_chars: u32,
    pub urls: u32,
    /// Separators between menu items: `|`, `•`, `·`, `»`, `›`, `>`, `/` standing alone.
    pub separators: u32,
    pub ending: Ending,
    /// [`shape`] flags.
    pub shape: u32,
    pub first_word: u64,
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

fn is_cjk(c: char) -> bool {
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

/// Reusable buffers for [`scan`]: with them, scanning a line allocates nothing.
#[derive(Default)]
pub struct Scratch {
    lower: Vec<u8>,
}

/// Gathers the statistics of `line`, pushing the hash of each lower-cased word onto `words`.
pub fn scan(line: &str, scratch: &mut Scratch, words: &mut Vec<u64>) -> LineStats {
    let vocab = Vocab::get();
    let mut s = LineStats::default();
    let mut word_start: Option<usize> = None;
    let mut token_start: Option<usize> = None;
    let mut prev = ' ';
    let mut last_nonspace = ' ';
    let mut before_last = ' ';
    // Date and phone shapes: runs of digit groups joined by the shape's separators.
    let mut date_groups = 0u32;
    let mut phone_digits = 0u32;
    let mut digit_run = 0u32;
    let mut first_nonspace = true;
    let mut words_hash: u64 = 0;

    let mut end_word = |start: usize, end: usize, s: &mut LineStats, words_hash: &mut u64| {
        let word = &line[start..end];
        let n = lowercase_into(word, &mut scratch.lower) as u32;
        let h = hash_word(&scratch.lower);
        words.push(h);
        if s.words == 0 {
            s.first_word = h;
        }
        s.last_word = h;
        s.words += 1;
        s.word_chars += n;
        s.max_word = s.max_word.max(n);
        let kinds = vocab.kinds(h);
        if kinds & kind::STOPWORD != 0 {
            s.stop_words += 1;
        }
        if kinds & kind::MONTH != 0 {
            s.shape |= shape::MONTH;
        }
        if word.as_bytes()[0].is_ascii_uppercase()
            || (word.as_bytes()[0] >= 0x80 && word.starts_with(char::is_uppercase))
        {
            s.cap_words += 1;
        }
        *words_hash = words_hash.rotate_left(7) ^ h.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    };
    let end_token = |start: usize, end: usize, s: &mut LineStats| {
        let tok = &line[start..end];
        if tok.starts_with("http://") || tok.starts_with("https://") || tok.starts_with("www.") {
            s.urls += 1;
            s.link_chars += tok.chars().count() as u32;
        }
    };

    for (i, c) in line.char_indices() {
        if c.is_whitespace() {
            if let Some(ws) = word_start.take() {
                end_word(ws, i, &mut s, &mut words_hash);
            }
            if let Some(ts) = token_start.take() {
                end_token(ts, i, &mut s);
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
            continue;
        }
        s.chars += 1;
        if token_start.is_none() {
            token_start = Some(i);
        }
        if first_nonspace {
            first_nonspace = false;
            if c.is_uppercase() {
                s.shape |= shape::STARTS_UPPER;
            }
            let next = line[i + c.len_utf8()..].chars().next();
            if is_bullet(c) && next.is_none_or(char::is_whitespace) {
                s.shape |= shape::BULLET;
            }
        }
        if is_cjk(c) {
            // Each CJK character stands for a word: the script has no spaces.
            if let Some(ws) = word_start.take() {
                end_word(ws, i, &mut s, &mut words_hash);
            }
            s.cjk += 1;
            s.letters += 1;
            end_word(i, i + c.len_utf8(), &mut s, &mut words_hash);
        } else if c.is_alphanumeric() {
            if word_start.is_none() {
                word_start = Some(i);
            }
            if c.is_ascii_digit() || c.is_numeric() {
                s.digits += 1;
                digit_run += 1;
                phone_digits += 1;
                if phone_digits >= 9 {
                    s.shape |= shape::PHONE;
                }
            } else {
                s.letters += 1;
                if c.is_uppercase() {
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
            if let Some(ws) = word_start.take() {
                end_word(ws, i, &mut s, &mut words_hash);
            }
            s.punct += 1;
            match c {
                ',' | '、' | '，' => s.commas += 1,
                '©' | '®' => s.shape |= shape::COPYRIGHT,
                '$' | '€' | '£' | '¥' | '₹' | '₽' => s.shape |= shape::CURRENCY,
                '%' => s.shape |= shape::PERCENT,
                '#' if prev.is_whitespace() => s.shape |= shape::HASHTAG,
                '(' | ')' | '[' | ']' => s.shape |= shape::PAREN,
                '@' => {
                    if prev.is_whitespace() {
                        s.shape |= shape::HANDLE;
                    } else if prev.is_alphanumeric() {
                        s.shape |= shape::EMAIL;
                    }
                }
                ':' if digit_run > 0 && digit_run <= 2 => {
                    let after = line[i + 1..].bytes().take(2);
                    if after.clone().count() == 2 && after.into_iter().all(|b| b.is_ascii_digit()) {
                        s.shape |= shape::TIME;
                    }
                }
                _ => {}
            }
            if is_quote(c) {
                s.shape |= shape::QUOTE;
            }
            if is_separator(c) && prev.is_whitespace() {
                let next = line[i + c.len_utf8()..].chars().next();
                if next.is_none_or(char::is_whitespace) {
                    s.separators += 1;
                }
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
        if digit_run == 4 {
            let next = line[i + c.len_utf8()..].chars().next();
            if !next.is_some_and(|n| n.is_ascii_digit()) {
                s.shape |= shape::YEAR;
            }
        }
        before_last = last_nonspace;
        last_nonspace = c;
        prev = c;
    }
    if let Some(ws) = word_start {
        end_word(ws, line.len(), &mut s, &mut words_hash);
    }
    if let Some(ts) = token_start {
        end_token(ts, line.len(), &mut s);
    }
    s.link_chars += markdown_link_chars(line);
    s.link_chars = s.link_chars.min(s.chars);
    s.words_hash = words_hash;
    s.ending = ending(last_nonspace, before_last, line);
    s
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
        scan(line, &mut Scratch::default(), &mut Vec::new())
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
