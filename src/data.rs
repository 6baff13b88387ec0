//! Labelled documents in the JSON Lines format of the project's training data.
//!
//! One document per line: `{"id", "source", "split", "lines": [{"text", "label"}, …]}`,
//! optionally gzip-compressed. A line with empty text separates blocks; a non-blank line
//! with a `null` label is undecided: it stays in the document as context but is neither
//! trained nor scored on.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;

use flate2::read::MultiGzDecoder;
use serde::Deserialize;

use crate::document::split_lines;
use crate::error::{Error, Result};
use crate::features::Markup;
use crate::label::Label;
use crate::render::{self, align::align_lines, markdown, InputKind, Rendered};

/// A labelled document.
#[derive(Clone, Debug)]
pub struct LabelledDoc {
    /// The document's identifier, unique within its source.
    pub id: String,
    /// The data set it comes from (`wcxb`, `cleaneval`…).
    pub source: String,
    /// The split it belongs to (`train`, `dev`…).
    pub split: String,
    /// The site the page comes from (the URL's host), when known.
    pub site: Option<String>,
    /// The kind of page (`article`, `listing`, `forum`…), where the source says.
    pub page_type: Option<String>,
    /// The lines joined with `\n`.
    pub text: String,
    /// The label of each line of `text` (`None` for blank and undecided lines).
    pub labels: Vec<Option<Label>>,
    /// The page's markup, when `text` was rendered from its HTML or markdown.
    pub markup: Option<PageMarkup>,
}

/// The markup of a labelled document rendered from its page.
#[derive(Clone, Debug)]
pub struct PageMarkup {
    /// The rendered page; its lines from `first_line` on are the document's.
    pub page: Arc<Rendered>,
    /// The page's line the document's text starts at (a crop starts further in).
    pub first_line: usize,
    /// The lines of content that the rendering did not give back: the page metric still
    /// counts them as content missed.
    pub lost_content: Vec<String>,
}

impl PageMarkup {
    /// The markup of the document's `n` lines.
    pub fn of_lines(&self, n: usize) -> Markup<'_> {
        Markup::of(&self.page).slice(self.first_line..self.first_line + n)
    }
}

#[derive(Deserialize)]
struct RawDoc {
    id: String,
    source: String,
    #[serde(default)]
    split: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    page_type: Option<String>,
    lines: Vec<RawLine>,
}

#[derive(Deserialize)]
struct RawLine {
    text: String,
    label: Option<String>,
}

fn open(path: &Path) -> Result<Box<dyn BufRead>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut reader = BufReader::new(file);
    let gzip = reader
        .fill_buf()
        .map_err(|e| Error::io(path, e))?
        .starts_with(&[0x1f, 0x8b]);
    Ok(if gzip {
        Box::new(BufReader::new(MultiGzDecoder::new(reader)))
    } else {
        Box::new(reader) as Box<dyn BufRead>
    })
}

/// Reads the documents of `path` whose split is `split` (every document when `None`).
pub fn read(path: &Path, split: Option<&str>) -> Result<Vec<LabelledDoc>> {
    let mut docs = Vec::new();
    let mut reader = open(path)?;
    let mut line = String::new();
    let mut number = 0;
    loop {
        line.clear();
        number += 1;
        let n = reader
            .by_ref()
            .read_line(&mut line)
            .map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        if line.trim().is_empty() {
            continue;
        }
        let raw: RawDoc = serde_json::from_str(&line).map_err(|e| Error::Data {
            path: path.to_path_buf(),
            line: number,
            message: format!("not a labelled document: {e}"),
        })?;
        if split.is_some_and(|s| s != raw.split) {
            continue;
        }
        let mut text = String::new();
        let mut labels = Vec::with_capacity(raw.lines.len());
        for (i, l) in raw.lines.iter().enumerate() {
            if i > 0 {
                text.push('\n');
            }
            // A line break inside a line's text would shift every later label.
            text.extend(
                l.text
                    .chars()
                    .map(|c| if c == '\r' || c == '\n' { ' ' } else { c }),
            );
            let label = match &l.label {
                Some(name) => Some(name.parse::<Label>().map_err(|message| Error::Data {
                    path: path.to_path_buf(),
                    line: number,
                    message,
                })?),
                None => None,
            };
            labels.push(label);
        }
        docs.push(LabelledDoc {
            id: raw.id,
            source: raw.source,
            split: raw.split,
            site: raw.url.as_deref().and_then(host).map(str::to_string),
            page_type: raw.page_type,
            text,
            labels,
            markup: None,
        });
    }
    Ok(docs)
}

/// Renders the page of `doc` from the data's `html/<source>/<id>.html.gz` under
/// `html_dir` as `kind` would read it, and carries each labelled line over to the line
/// of the rendering with the same text. A markdown rendering is the HTML rendering
/// written as markdown, then read back: what crawlers made for language models give.
///
/// Lines the rendering adds stay unlabelled; content it loses is kept for the page
/// metric. Pages without their HTML are an error naming the file.
pub fn rerender(doc: &LabelledDoc, html_dir: &Path, kind: InputKind) -> Result<LabelledDoc> {
    let path = html_dir
        .join(&doc.source)
        .join(format!("{}.html.gz", doc.id));
    let mut bytes = Vec::new();
    File::open(&path)
        .and_then(|f| MultiGzDecoder::new(f).read_to_end(&mut bytes))
        .map_err(|e| Error::io(&path, e))?;
    let mut page = render::html::render(&bytes);
    if kind == InputKind::Markdown {
        page = markdown::render(&markdown::write_page(&page));
    }
    let reference: Vec<&str> = doc.text.split('\n').collect();
    let mut spans = Vec::new();
    split_lines(&page.text, &mut spans);
    let rendered: Vec<&str> = spans.iter().map(|s| s.text(&page.text)).collect();
    let found = align_lines(&reference, &rendered);
    let labels: Vec<Option<Label>> = found
        .iter()
        .map(|j| j.and_then(|j| doc.labels.get(j).copied().flatten()))
        .collect();
    let mut used = vec![false; reference.len()];
    for j in found.iter().flatten() {
        used[*j] = true;
    }
    let lost_content = (0..reference.len())
        .filter(|&j| !used[j] && doc.labels.get(j) == Some(&Some(Label::Content)))
        .map(|j| reference[j].to_string())
        .collect();
    Ok(LabelledDoc {
        text: page.text.clone(),
        labels,
        markup: Some(PageMarkup {
            page: Arc::new(page),
            first_line: 0,
            lost_content,
        }),
        ..doc.clone()
    })
}

/// The host of a URL: `https://www.example.com/a` gives `www.example.com`.
fn host(url: &str) -> Option<&str> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn reads_documents_of_one_split() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        writeln!(
            f,
            r#"{{"id":"a","source":"s","split":"train","page_type":"article","lines":[{{"text":"Home","label":"navigation"}},{{"text":"","label":null}},{{"text":"Body\rtext","label":"content"}}]}}"#
        )
        .unwrap();
        writeln!(f, r#"{{"id":"b","source":"s","split":"dev","lines":[]}}"#).unwrap();
        let docs = read(f.path(), Some("train")).unwrap();
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].text, "Home\n\nBody text");
        assert_eq!(docs[0].page_type.as_deref(), Some("article"));
        assert_eq!(
            docs[0].labels,
            vec![Some(Label::Navigation), None, Some(Label::Content)]
        );
        assert_eq!(read(f.path(), None).unwrap().len(), 2);
    }

    #[test]
    fn host_of_url() {
        assert_eq!(host("https://www.example.com/a?b"), Some("www.example.com"));
        assert_eq!(host("example.org"), Some("example.org"));
        assert_eq!(host("https://"), None);
    }

    #[test]
    fn malformed_line_names_file_and_line() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        writeln!(f, "{{not json").unwrap();
        let err = read(f.path(), None).unwrap_err().to_string();
        assert!(err.contains(":1: not a labelled document"), "{err}");
    }
}
