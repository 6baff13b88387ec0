//! dechaff strips boilerplate from scraped web text.
//!
//! Every non-blank line of a document is labelled `content`, `navigation`,
//! `advertisement` or `bio` by a trained model over shallow features of the line, its
//! neighbours and its document; [`Cleaner`] keeps the lines whose labels you ask for.
//!
//! # Where to start
//!
//! [`Cleaner::default`] loads the model built into the crate (no file to ship), and
//! [`Cleaner::clean`] returns the kept lines of a text:
//!
//! ```
//! let cleaner = dechaff::Cleaner::default();
//! let text = "Menu\nSearch\n\n\
//!             The council voted on Tuesday to expand the city's bus network, adding four \
//!             routes that will serve the northern suburbs from March.\n\n\
//!             The new routes will run every ten minutes at peak times, the transport \
//!             committee said, and fares will stay the same.\n\n\
//!             Share this article\n";
//! let kept = cleaner.clean(text);
//! assert!(kept.starts_with("The council voted"));
//! assert!(!kept.contains("Share this article"));
//!
//! // Every line's label and probabilities, blank lines left out.
//! for line in cleaner.classify(text) {
//!     println!("{:>13} {:.2} {}", line.label.name(), line.confidence(), &text[line.span]);
//! }
//!
//! // Bylines kept too, and a line kept when content or bio is at least 30 % likely.
//! use dechaff::{Label, LabelSet};
//! let generous = dechaff::Cleaner::default()
//!     .keep(LabelSet::only(Label::Content).with(Label::Bio))
//!     .threshold(Some(0.3));
//! print!("{}", generous.clean(text));
//! # fn shared<T: Send + Sync>(_: &T) {}
//! # shared(&generous);
//! ```
//!
//! A `Cleaner` is cheap to clone (the model is shared) and can be used from many threads.
//! [`Cleaner::from_model_file`] loads a model written by `dechaff train`; the [`batch`]
//! module cleans directories and JSON Lines files in parallel, and [`explain`] says why a
//! line got its label.
//!
//! The stages, each a module: [`document`] splits lines, [`features`] describes them,
//! [`model`] scores them, [`decode`] picks the labels of a whole document, [`clean`]
//! puts them together; [`train`] and [`metrics`] build and measure models.

// Loops over the four labels index several parallel arrays at once; an index reads
// plainer there than zipped iterators.
#![allow(clippy::needless_range_loop)]
#![warn(missing_docs)]

pub mod batch;
pub mod clean;
pub mod data;
pub mod decode;
pub mod document;
pub mod error;
pub mod explain;
pub mod features;
pub mod label;
pub mod metrics;
pub mod model;
pub mod render;
pub mod train;

pub use clean::{Cleaner, LineCounts, LineLabel, OutputFormat};
pub use error::{Error, ModelError, Result};
pub use label::{Label, LabelSet};
pub use render::InputKind;
