//! `dechaff explain`: each line with its label, confidence and strongest features.

use crate::args::ExplainArgs;

pub fn run(a: &ExplainArgs) -> dechaff::Result<bool> {
    let cleaner = crate::cleaner(&a.model)?;
    let text = crate::clean::read_text(&a.file, false)?;
    for l in cleaner.classify(&text) {
        println!(
            "{:>5} {:<13} {:.2}  {}",
            l.line + 1,
            l.label.name(),
            l.confidence(),
            &text[l.span.clone()]
        );
    }
    Ok(true)
}
