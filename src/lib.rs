//! dechaff strips boilerplate from scraped web text.
//!
//! Every non-blank line of a document is labelled `content`, `navigation`,
//! `advertisement` or `bio` by a trained model over shallow features of the line, its
//! neighbours and its document; [`Cleaner`] keeps the lines whose labels you ask for.
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
//! ```
//!
//! The stages, each a module: [`document`] splits lines, [`features`] describes them,
//! [`model`] scores them, [`decode`] picks the labels of a whole document, [`clean`]
//! puts them together; [`train`] and [`metrics`] build and measure models.

// Loops over the four labels index several parallel arrays at once; an index reads
// plainer there than zipped iterators.
#![allow(clippy::needless_range_loop)]

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
pub mod train;

pub use clean::{Cleaner, LineCounts, LineLabel};
pub use error::{Error, ModelError, Result};
pub use label::{Label, LabelSet};
