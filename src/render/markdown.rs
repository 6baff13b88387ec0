//! Markdown to lines.

use super::Rendered;

/// Renders a markdown document.
pub fn render(_text: &str) -> Rendered {
    Rendered::default()
}
