//! HTML to lines.

use super::Rendered;

/// Renders an HTML page.
pub fn render(_bytes: &[u8]) -> Rendered {
    Rendered::default()
}

/// Renders an HTML page already decoded.
pub fn render_str(_text: &str) -> Rendered {
    Rendered {
        kind: super::InputKind::Html,
        ..Rendered::default()
    }
}

/// Whether the first bytes of a page open an HTML document.
pub fn looks_like_html(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let head = &head[start..];
    let starts = |p: &[u8]| head.len() >= p.len() && head[..p.len()].eq_ignore_ascii_case(p);
    starts(b"<!doctype html") || starts(b"<html")
}
