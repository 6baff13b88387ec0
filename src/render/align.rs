//! Carrying lines of one rendering over to another by their text.

/// For each rendered line, the index of the reference line with the same text, in order.
pub fn align_lines(reference: &[&str], rendered: &[&str]) -> Vec<Option<usize>> {
    let mut out = Vec::with_capacity(rendered.len());
    let mut j = 0;
    for r in rendered {
        let hit = reference[j.min(reference.len())..]
            .iter()
            .take(50)
            .position(|t| t == r);
        match hit {
            Some(k) if !r.is_empty() => {
                out.push(Some(j + k));
                j += k + 1;
            }
            _ => out.push(None),
        }
    }
    out
}
