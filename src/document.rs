//! Splitting a text into lines, keeping each line's own ending.

use memchr::memchr2;

/// One line of a document: byte offsets into the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineSpan {
    /// First byte of the line.
    pub start: usize,
    /// One past the last byte of the line, before its ending.
    pub end: usize,
    /// One past the line's ending (`\n`, `\r\n` or `\r`); equals `end` on a last line
    /// without one.
    pub next: usize,
}

impl LineSpan {
    /// The line's text, without its ending.
    pub fn text(self, doc: &str) -> &str {
        &doc[self.start..self.end]
    }

    /// The line's ending as it stands in the text (empty on a last unterminated line).
    pub fn ending(self, doc: &str) -> &str {
        &doc[self.end..self.next]
    }
}

/// Whether a line holds nothing but white space: such lines only separate blocks.
pub fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// Splits `text` into lines at `\n`, `\r\n` and lone `\r`, appending them to `out`.
///
/// A text ending with a line ending has no empty last line, as in `str::lines`.
pub fn split_lines(text: &str, out: &mut Vec<LineSpan>) {
    let bytes = text.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        match memchr2(b'\n', b'\r', &bytes[start..]) {
            Some(off) => {
                let end = start + off;
                let next = if bytes[end] == b'\r' && bytes.get(end + 1) == Some(&b'\n') {
                    end + 2
                } else {
                    end + 1
                };
                out.push(LineSpan { start, end, next });
                start = next;
            }
            None => {
                out.push(LineSpan {
                    start,
                    end: bytes.len(),
                    next: bytes.len(),
                });
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<(&str, &str)> {
        let mut spans = Vec::new();
        split_lines(text, &mut spans);
        spans
            .iter()
            .map(|s| (s.text(text), s.ending(text)))
            .collect()
    }

    #[test]
    fn keeps_each_ending() {
        assert_eq!(
            lines("a\r\nb\nc\rd"),
            vec![("a", "\r\n"), ("b", "\n"), ("c", "\r"), ("d", "")]
        );
    }

    #[test]
    fn no_phantom_last_line() {
        assert_eq!(lines("a\n\n"), vec![("a", "\n"), ("", "\n")]);
        assert!(lines("").is_empty());
    }

    #[test]
    fn blank_means_only_white_space() {
        assert!(is_blank(" \t\u{a0}"));
        assert!(!is_blank(" x "));
    }
}
