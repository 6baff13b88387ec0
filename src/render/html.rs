//! HTML to lines.

use super::Rendered;

/// Renders an HTML page.
pub fn render(_bytes: &[u8]) -> Rendered {
    Rendered::default()
}
