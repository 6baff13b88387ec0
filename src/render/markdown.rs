//! Markdown to lines.

use super::Rendered;

/// Renders a markdown document.
pub fn render(_text: &str) -> Rendered {
    Rendered::default()
}

/// Writes line `i` of `page` as markdown.
pub fn write_line(page: &Rendered, i: usize, _from_markdown: bool, out: &mut String) {
    out.push_str(page.line_md(i));
}
