//! HTML character references (`&amp;`, `&#39;`, `&#x2014;`), as markdown text decodes
//! them. Only the references crawlers' markdown actually carries are named: the rest
//! stay as written, which is also what a reader sees of a reference it does not know.

/// Named references, sorted by name for the binary search.
const NAMED: &[(&str, char)] = &[
    ("AMP", '&'),
    ("GT", '>'),
    ("LT", '<'),
    ("QUOT", '"'),
    ("acute", '\u{b4}'),
    ("amp", '&'),
    ("apos", '\''),
    ("bdquo", '\u{201e}'),
    ("bull", '\u{2022}'),
    ("cent", '\u{a2}'),
    ("copy", '\u{a9}'),
    ("darr", '\u{2193}'),
    ("deg", '\u{b0}'),
    ("divide", '\u{f7}'),
    ("emsp", '\u{2003}'),
    ("ensp", '\u{2002}'),
    ("euro", '\u{20ac}'),
    ("frac12", '\u{bd}'),
    ("frac14", '\u{bc}'),
    ("frac34", '\u{be}'),
    ("gt", '>'),
    ("harr", '\u{2194}'),
    ("hellip", '\u{2026}'),
    ("iexcl", '\u{a1}'),
    ("iquest", '\u{bf}'),
    ("laquo", '\u{ab}'),
    ("larr", '\u{2190}'),
    ("ldquo", '\u{201c}'),
    ("lsaquo", '\u{2039}'),
    ("lsquo", '\u{2018}'),
    ("lt", '<'),
    ("mdash", '\u{2014}'),
    ("middot", '\u{b7}'),
    ("minus", '\u{2212}'),
    ("nbsp", '\u{a0}'),
    ("ndash", '\u{2013}'),
    ("para", '\u{b6}'),
    ("plusmn", '\u{b1}'),
    ("pound", '\u{a3}'),
    ("quot", '"'),
    ("raquo", '\u{bb}'),
    ("rarr", '\u{2192}'),
    ("rdquo", '\u{201d}'),
    ("reg", '\u{ae}'),
    ("rsaquo", '\u{203a}'),
    ("rsquo", '\u{2019}'),
    ("sbquo", '\u{201a}'),
    ("sect", '\u{a7}'),
    ("shy", '\u{ad}'),
    ("thinsp", '\u{2009}'),
    ("times", '\u{d7}'),
    ("trade", '\u{2122}'),
    ("uarr", '\u{2191}'),
    ("yen", '\u{a5}'),
    ("zwj", '\u{200d}'),
    ("zwnj", '\u{200c}'),
];

/// The longest name in [`NAMED`].
const MAX_NAME: usize = 6;

/// The character reference `s` starts with (`s[0]` is `&`): the character it stands for
/// and its length in bytes. Numeric references to nothing (0, surrogates, past U+10FFFF)
/// stand for U+FFFD, as in HTML.
pub(super) fn decode(s: &[u8]) -> Option<(char, usize)> {
    let body = s.get(1..)?;
    if body.first() == Some(&b'#') {
        return numeric(&body[1..]).map(|(c, len)| (c, len + 2));
    }
    let len = body.iter().take(MAX_NAME + 1).position(|&b| b == b';')?;
    let name = std::str::from_utf8(&body[..len]).ok()?;
    let at = NAMED.binary_search_by(|(n, _)| n.cmp(&name)).ok()?;
    Some((NAMED[at].1, len + 2))
}

/// `123;` or `x1F;` after `&#`: the character and the length including the `;`.
fn numeric(s: &[u8]) -> Option<(char, usize)> {
    let (radix, digits_at, max_digits) = match s.first() {
        Some(b'x' | b'X') => (16, 1, 6),
        _ => (10, 0, 7),
    };
    let digits = s[digits_at..]
        .iter()
        .take(max_digits + 1)
        .take_while(|b| b.is_ascii_hexdigit() && (radix == 16 || b.is_ascii_digit()))
        .count();
    if digits == 0 || digits > max_digits || s.get(digits_at + digits) != Some(&b';') {
        return None;
    }
    let text = std::str::from_utf8(&s[digits_at..digits_at + digits]).ok()?;
    let code = u32::from_str_radix(text, radix).ok()?;
    let c = match code {
        0 => '\u{fffd}',
        _ => char::from_u32(code).unwrap_or('\u{fffd}'),
    };
    Some((c, digits_at + digits + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Option<(char, usize)> {
        decode(s.as_bytes())
    }

    #[test]
    fn names_are_sorted() {
        assert!(NAMED.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(NAMED.iter().all(|(n, _)| n.len() <= MAX_NAME));
    }

    #[test]
    fn decodes_named_and_numeric() {
        assert_eq!(dec("&amp;x"), Some(('&', 5)));
        assert_eq!(dec("&nbsp;"), Some(('\u{a0}', 6)));
        assert_eq!(dec("&#39;"), Some(('\'', 5)));
        assert_eq!(dec("&#x2014;"), Some(('\u{2014}', 8)));
        assert_eq!(dec("&#X41;"), Some(('A', 6)));
        assert_eq!(dec("&#0;"), Some(('\u{fffd}', 4)));
        assert_eq!(dec("&#xD800;"), Some(('\u{fffd}', 8)));
        assert_eq!(dec("&#1114112;"), Some(('\u{fffd}', 10)));
    }

    #[test]
    fn leaves_what_is_no_reference() {
        for s in [
            "&",
            "&amp",
            "&T",
            "&bogus;",
            "&#;",
            "&#x;",
            "&#12345678;",
            "&#xG;",
            "& amp;",
        ] {
            assert_eq!(dec(s), None, "{s}");
        }
    }
}
