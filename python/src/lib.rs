//! `dechaff._dechaff`: the Python binding of the dechaff crate.
//!
//! A thin layer: [`Cleaner`] wraps [`dechaff::Cleaner`] with the settings a Python
//! user gives (model file, labels to keep, threshold, threads, what pages are written
//! in and how kept lines are written) and a rayon pool of its own, which `clean_batch`
//! runs on with the GIL released. The pure-Python package
//! (`python/dechaff/`) re-exports these names and adds the datatrove step.

use std::borrow::Cow;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use dechaff::render::{self, Rendered};
use dechaff::{Error, InputKind, Label, LabelSet, OutputFormat};
use pyo3::exceptions::{
    PyException, PyFileNotFoundError, PyIsADirectoryError, PyOSError, PyPermissionError,
    PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use rayon::prelude::*;

pyo3::create_exception!(
    dechaff,
    DechaffError,
    PyException,
    "Base class of the errors dechaff raises itself; the message is the Rust library's."
);
pyo3::create_exception!(
    dechaff,
    ModelError,
    DechaffError,
    "A model file was refused: not a dechaff model, truncated, corrupt, or trained for \
     another version or feature set. The message says which and how to fix it."
);

/// A library error as the Python exception that fits it, carrying the library's message.
fn py_err(e: Error) -> PyErr {
    let message = e.to_string();
    match &e {
        Error::Io { source, .. } => match source.kind() {
            std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(message),
            std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(message),
            std::io::ErrorKind::IsADirectory => PyIsADirectoryError::new_err(message),
            _ => PyOSError::new_err(message),
        },
        Error::Model { .. } => ModelError::new_err(message),
        _ => DechaffError::new_err(message),
    }
}

/// The text of a Python string, borrowed when it is valid Unicode; lone surrogates
/// (which UTF-8 cannot hold) become U+FFFD, one code point for one, so character
/// offsets stay those of the Python string.
fn text_of<'a>(s: &'a Bound<'_, PyString>) -> Cow<'a, str> {
    match s.to_str() {
        Ok(t) => Cow::Borrowed(t),
        Err(_) => Cow::Owned(replace_surrogates(s)),
    }
}

/// A string holding lone surrogates, each replaced by U+FFFD.
fn replace_surrogates(s: &Bound<'_, PyString>) -> String {
    let encoded = s
        .call_method1("encode", ("utf-8", "surrogatepass"))
        .and_then(|b| b.extract::<Vec<u8>>());
    let Ok(bytes) = encoded else {
        return s.to_string_lossy().into_owned();
    };
    // "surrogatepass" writes a surrogate as the three bytes ED A0..BF 80..BF, the
    // same length as U+FFFD (EF BF BD).
    let mut out = String::with_capacity(bytes.len());
    let mut rest = &bytes[..];
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                out.push_str(valid);
                break;
            }
            Err(e) => {
                let (valid, bad) = rest.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(valid).expect("checked"));
                let skip = match bad {
                    [0xED, 0xA0..=0xBF, 0x80..=0xBF, ..] => 3,
                    _ => e.error_len().unwrap_or(bad.len()),
                };
                out.push('\u{FFFD}');
                rest = &bad[skip..];
            }
        }
    }
    out
}

/// Labels to keep from a comma-separated string or an iterable of label names.
fn parse_keep(keep: Option<&Bound<'_, PyAny>>) -> PyResult<LabelSet> {
    let Some(keep) = keep else {
        return Ok(LabelSet::default());
    };
    let mut set = LabelSet::EMPTY;
    if let Ok(s) = keep.cast::<PyString>() {
        set = s.to_str()?.parse().map_err(PyValueError::new_err)?;
    } else {
        let items = keep.try_iter().map_err(|_| {
            PyTypeError::new_err(
                "keep must be a label name, a comma-separated string or an iterable of label names",
            )
        })?;
        for item in items {
            let item = item?;
            let name = item.cast::<PyString>().map_err(|_| {
                PyTypeError::new_err(format!(
                    "keep holds {}, not a label name",
                    item.repr()
                        .map_or_else(|_| "?".to_string(), |r| r.to_string())
                ))
            })?;
            let label: Label = name.to_str()?.parse().map_err(PyValueError::new_err)?;
            set = set.with(label);
        }
    }
    if set == LabelSet::EMPTY {
        return Err(PyValueError::new_err(
            "keep names no label (expected e.g. (\"content\", \"bio\"))",
        ));
    }
    Ok(set)
}

/// The input kind named `name` (`text`, `html`, `markdown`, or `txt`, `htm`, `md`).
fn parse_input(name: &str) -> PyResult<InputKind> {
    InputKind::from_name(name).ok_or_else(|| {
        PyValueError::new_err(format!(
            "unknown input '{name}' (expected \"text\", \"html\" or \"markdown\")"
        ))
    })
}

/// The output format named `name` (`text` or `markdown`, or `txt`, `md`).
fn parse_output(name: &str) -> PyResult<OutputFormat> {
    match name.to_ascii_lowercase().as_str() {
        "text" | "txt" => Ok(OutputFormat::Text),
        "markdown" | "md" => Ok(OutputFormat::Markdown),
        _ => Err(PyValueError::new_err(format!(
            "unknown output_format '{name}' (expected \"text\" or \"markdown\")"
        ))),
    }
}

fn output_name(format: OutputFormat) -> &'static str {
    match format {
        OutputFormat::Text => "text",
        OutputFormat::Markdown => "markdown",
    }
}

/// A page handed in from Python: a string, read in place, or bytes.
enum Page<'a> {
    Str(Cow<'a, str>),
    Bytes(&'a [u8]),
}

impl Page<'_> {
    /// The page as UTF-8 text: bytes are decoded, invalid sequences replaced.
    fn utf8(&self) -> Cow<'_, str> {
        match self {
            Page::Str(s) => Cow::Borrowed(s),
            Page::Bytes(b) => String::from_utf8_lossy(b),
        }
    }
}

/// The page a Python object holds, if it is a `str` or `bytes`.
fn page_of<'a>(obj: &'a Bound<'_, PyAny>) -> Option<Page<'a>> {
    if let Ok(s) = obj.cast::<PyString>() {
        Some(Page::Str(text_of(s)))
    } else if let Ok(b) = obj.cast::<PyBytes>() {
        Some(Page::Bytes(b.as_bytes()))
    } else {
        None
    }
}

/// The name of an object's type, for error messages.
fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "?".to_string(), |n| n.to_string())
}

/// What a caught panic said.
fn panic_message(panic: Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown error".to_string())
}

/// `f()`, with a panic (a bug in dechaff) turned into a `DechaffError` rather than
/// unwinding into Python.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(panic_message)
}

fn bug(what: &str, message: &str) -> PyErr {
    DechaffError::new_err(format!(
        "dechaff failed on {what}: {message} (a bug in dechaff: please report it)"
    ))
}

/// A page ready for the model: text as it stands, or HTML or markdown rendered.
enum Prepared<'a> {
    Text(Cow<'a, str>),
    Page(Rendered),
}

impl Prepared<'_> {
    /// The lines the model reads.
    fn text(&self) -> &str {
        match self {
            Prepared::Text(t) => t,
            Prepared::Page(p) => &p.text,
        }
    }
}

/// A rayon pool and the process that built it: a pool does not survive `fork` (its
/// threads stay in the parent), so a forked child builds its own.
struct Pool {
    pid: u32,
    pool: Arc<rayon::ThreadPool>,
}

/// Lines per label, in [`Label::ALL`] order.
type Counts = [u64; 4];

/// Labels lines of scraped web pages and keeps the ones asked for.
///
/// Every non-blank line is labelled ``content``, ``navigation``, ``advertisement`` or
/// ``bio`` by a trained model over features of the line, its neighbours and its
/// document; the lines whose label is in ``keep`` are kept. Pages are plain text, HTML
/// or markdown (``input``): HTML and markdown are rendered to lines first, and the
/// model of that kind reads each line with the markup it came from.
///
/// Args:
///     model_path: a model file written by ``dechaff train``; ``None`` for the model
///         built into dechaff for ``input``.
///     keep: labels to keep, as an iterable of names or a comma-separated string.
///     threshold: keep a line when the summed probability of the kept labels is at
///         least this (0 to 1), instead of when its decoded label is kept. Lower keeps
///         more (recall), higher keeps less (precision).
///     threads: threads ``clean_batch`` uses; ``None`` for one per core (or
///         ``RAYON_NUM_THREADS`` when set).
///     input: what pages are written in: ``"text"``, ``"html"`` or ``"markdown"``.
///         ``None``: the kind the model reads (text for the built-in model). With a
///         model file of another kind, pages are rendered as ``input`` says and the
///         model reads what it can of them (a text model reads rendered HTML's lines
///         as text).
///     output_format: how kept lines are written: ``"text"``, or ``"markdown"``
///         (links, headings, lists and quotes of HTML and markdown pages kept; text
///         is written as it stands).
///
/// Raises:
///     ModelError: the model file is not a valid dechaff model for this version.
///     OSError: the model file cannot be read (``FileNotFoundError`` when missing).
///     ValueError: an unknown label, input or output format, a threshold outside
///         [0, 1], or ``threads=0``.
///
/// A cleaner is safe to share between threads. It pickles as its settings: unpickling
/// loads the model again (from the same path, which must exist where it is unpickled).
#[pyclass(module = "dechaff", frozen)]
struct Cleaner {
    core: dechaff::Cleaner,
    model_path: Option<PathBuf>,
    keep: LabelSet,
    threshold: Option<f32>,
    threads: Option<usize>,
    input: InputKind,
    output_format: OutputFormat,
    pool: Mutex<Option<Pool>>,
}

impl Cleaner {
    /// This process's pool, built on first use.
    fn pool(&self) -> PyResult<Arc<rayon::ThreadPool>> {
        let pid = std::process::id();
        let mut guard = self.pool.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = guard.as_ref() {
            if p.pid == pid {
                return Ok(Arc::clone(&p.pool));
            }
        }
        // A pool inherited through fork has no threads here; dropping it would signal
        // threads that do not exist, so it is forgotten instead.
        if let Some(stale) = guard.take() {
            std::mem::forget(stale);
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(self.threads.unwrap_or(0))
            .thread_name(|i| format!("dechaff-{i}"))
            .build()
            .map_err(|e| DechaffError::new_err(format!("cannot start threads: {e}")))?;
        let pool = Arc::new(pool);
        *guard = Some(Pool {
            pid,
            pool: Arc::clone(&pool),
        });
        Ok(pool)
    }

    /// `page` as the model reads it: text as it stands (bytes decoded as UTF-8), HTML
    /// rendered (bytes decoded by the page's charset, a `str` as it is), markdown
    /// rendered.
    fn prepare<'a>(&self, page: &'a Page<'_>) -> Prepared<'a> {
        match (self.input, page) {
            (InputKind::Text, _) => Prepared::Text(page.utf8()),
            (InputKind::Html, Page::Str(s)) => Prepared::Page(render::html::render_str(s)),
            (InputKind::Html, Page::Bytes(b)) => Prepared::Page(render::html::render(b)),
            (InputKind::Markdown, _) => Prepared::Page(render::markdown::render(&page.utf8())),
        }
    }

    /// The kept lines of `page` and its lines per label, from one run of the model.
    fn clean_counted(&self, page: &Page<'_>) -> (String, Counts) {
        let prepared = self.prepare(page);
        let mut out = String::with_capacity(prepared.text().len() / 2);
        let counts = match &prepared {
            Prepared::Text(t) => self.core.clean_into(t, &mut out),
            Prepared::Page(p) => self.core.clean_page_into(p, self.output_format, &mut out),
        };
        (out, counts.labels)
    }

    /// The pages of a Python iterable of `str` or `bytes` (not one page itself).
    fn pages<'py>(texts: &Bound<'py, PyAny>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        if texts.is_instance_of::<PyString>() || texts.is_instance_of::<PyBytes>() {
            return Err(PyTypeError::new_err(
                "texts must be an iterable of pages, not one string: use clean() for one page",
            ));
        }
        let mut out = Vec::with_capacity(texts.len().unwrap_or(0));
        for (i, item) in texts.try_iter()?.enumerate() {
            let item = item?;
            if !(item.is_instance_of::<PyString>() || item.is_instance_of::<PyBytes>()) {
                return Err(PyTypeError::new_err(format!(
                    "texts[{i}] is {}, not str or bytes",
                    type_name(&item)
                )));
            }
            out.push(item);
        }
        Ok(out)
    }

    /// Runs `f` over every page in parallel on this cleaner's pool, without the GIL.
    fn par_map<'py, T: Send>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        f: impl Fn(&Page<'_>) -> T + Sync + Send,
    ) -> PyResult<Vec<T>> {
        let items = Self::pages(texts)?;
        let pages: Vec<Page<'_>> = items
            .iter()
            .map(|item| page_of(item).expect("checked by pages()"))
            .collect();
        let pool = self.pool()?;
        let results: Vec<Result<T, String>> =
            py.detach(|| pool.install(|| pages.par_iter().map(|p| guarded(|| f(p))).collect()));
        results
            .into_iter()
            .enumerate()
            .map(|(i, r)| r.map_err(|message| bug(&format!("texts[{i}]"), &message)))
            .collect()
    }
}

/// The page a Python argument holds, or a `TypeError`.
fn page_arg<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Page<'a>> {
    page_of(obj).ok_or_else(|| {
        PyTypeError::new_err(format!(
            "the page must be str or bytes, not {}",
            type_name(obj)
        ))
    })
}

/// A dict of the four labels' counts.
fn counts_dict<'py>(py: Python<'py>, counts: &Counts) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for label in Label::ALL {
        d.set_item(label.name(), counts[label.index()])?;
    }
    Ok(d)
}

#[pymethods]
impl Cleaner {
    #[new]
    #[pyo3(
        signature = (model_path=None, keep=None, threshold=None, threads=None, input=None, output_format=None),
        text_signature = "(model_path=None, keep=('content',), threshold=None, threads=None, input=None, output_format='text')"
    )]
    fn new(
        py: Python<'_>,
        model_path: Option<PathBuf>,
        keep: Option<&Bound<'_, PyAny>>,
        threshold: Option<f32>,
        threads: Option<usize>,
        input: Option<&str>,
        output_format: Option<&str>,
    ) -> PyResult<Self> {
        let keep = parse_keep(keep)?;
        if let Some(t) = threshold {
            if !(0.0..=1.0).contains(&t) {
                return Err(PyValueError::new_err(format!(
                    "threshold {t} is not between 0 and 1"
                )));
            }
        }
        if threads == Some(0) {
            return Err(PyValueError::new_err("threads must be at least 1"));
        }
        let input = input.map(parse_input).transpose()?;
        let output_format = output_format
            .map(parse_output)
            .transpose()?
            .unwrap_or_default();
        let core = match &model_path {
            Some(path) => py
                .detach(|| dechaff::Cleaner::from_model_file(path))
                .map_err(py_err)?,
            None => {
                let kind = input.unwrap_or_default();
                guarded(|| dechaff::Cleaner::for_input(kind)).map_err(|why| {
                    ModelError::new_err(format!(
                        "the built-in {} model cannot be loaded: {why}",
                        kind.name()
                    ))
                })?
            }
        };
        Ok(Cleaner {
            // Without `input`, pages are what the model reads.
            input: input.unwrap_or_else(|| core.input()),
            core: core.keep(keep).threshold(threshold),
            // Absolute, so that a pickled cleaner finds it from another folder.
            model_path: model_path.map(|p| std::path::absolute(&p).unwrap_or(p)),
            keep,
            threshold,
            threads,
            output_format,
            pool: Mutex::new(None),
        })
    }

    /// The kept lines of ``page``, each with its own line ending; one blank line stands
    /// where blank lines stood between two kept lines.
    ///
    /// ``page`` is a ``str``, or ``bytes``: HTML bytes are decoded by the page's own
    /// charset (byte order mark, ``<meta charset>``, else UTF-8 or a fallback), text
    /// and markdown bytes as UTF-8.
    fn clean(&self, py: Python<'_>, page: &Bound<'_, PyAny>) -> PyResult<String> {
        let page = page_arg(page)?;
        py.detach(|| guarded(|| self.clean_counted(&page).0))
            .map_err(|m| bug("the page", &m))
    }

    /// The page's lines as the model reads them: text as it stands, HTML and markdown
    /// rendered to lines. ``classify``'s offsets are into this string.
    fn render(&self, py: Python<'_>, page: &Bound<'_, PyAny>) -> PyResult<String> {
        let page = page_arg(page)?;
        py.detach(|| guarded(|| self.prepare(&page).text().to_string()))
            .map_err(|m| bug("the page", &m))
    }

    /// Every non-blank line of the page with its label and the four probabilities, in
    /// order.
    ///
    /// The lines are those of ``render(page)`` (for text, the text itself), and offsets
    /// are character offsets into it: ``render(page)[l.start:l.end] == l.text``.
    fn classify(&self, py: Python<'_>, page: &Bound<'_, PyAny>) -> PyResult<Vec<LineLabel>> {
        let page = page_arg(page)?;
        let (prepared, labels) = py
            .detach(|| {
                guarded(|| {
                    let prepared = self.prepare(&page);
                    let labels = match &prepared {
                        Prepared::Text(t) => self.core.classify(t),
                        Prepared::Page(p) => self.core.classify_page(p),
                    };
                    (prepared, labels)
                })
            })
            .map_err(|m| bug("the page", &m))?;
        let text = prepared.text();
        // Byte offsets to character offsets, walking the text once.
        let (mut byte, mut chars) = (0usize, 0usize);
        let mut char_at = |b: usize| {
            chars += text[byte..b].chars().count();
            byte = b;
            chars
        };
        Ok(labels
            .into_iter()
            .map(|l| {
                let start = char_at(l.span.start);
                let end = char_at(l.span.end);
                LineLabel {
                    line: l.line,
                    start,
                    end,
                    text: text[l.span.clone()].to_string(),
                    label: l.label.name(),
                    content: l.probs[Label::Content.index()],
                    navigation: l.probs[Label::Navigation.index()],
                    advertisement: l.probs[Label::Advertisement.index()],
                    bio: l.probs[Label::Bio.index()],
                }
            })
            .collect())
    }

    /// ``[self.clean(p) for p in texts]``, cleaned in parallel on the cleaner's threads
    /// with the GIL released.
    ///
    /// ``texts`` is any iterable of pages, ``str`` or ``bytes`` (a list is fastest); they
    /// are read in place, without a copy. Memory grows with the batch: for a large
    /// corpus, pass chunks of a few thousand documents.
    fn clean_batch<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let cleaned = self.par_map(py, texts, |p| self.clean_counted(p).0)?;
        PyList::new(py, cleaned)
    }

    /// As ``clean_batch``, with each page's lines per label from the same run of the
    /// model: a list of ``(cleaned, counts)``, ``counts`` a dict from each of the four
    /// label names to the number of non-blank lines that got it.
    fn clean_batch_with_counts<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let results = self.par_map(py, texts, |p| self.clean_counted(p))?;
        let list = PyList::empty(py);
        for (text, counts) in results {
            let pair = PyTuple::new(
                py,
                [
                    PyString::new(py, &text).into_any(),
                    counts_dict(py, &counts)?.into_any(),
                ],
            )?;
            list.append(pair)?;
        }
        Ok(list)
    }

    /// The model file given, made absolute, or ``None`` for the built-in model.
    #[getter]
    fn model_path(&self) -> Option<PathBuf> {
        self.model_path.clone()
    }

    /// The labels kept, in label order.
    #[getter]
    fn keep<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.keep.iter().map(Label::name).collect::<Vec<_>>())
    }

    /// The probability threshold, or ``None`` to keep by decoded label.
    #[getter]
    fn threshold(&self) -> Option<f32> {
        self.threshold
    }

    /// Threads ``clean_batch`` uses, as given (``None``: one per core).
    #[getter]
    fn threads(&self) -> Option<usize> {
        self.threads
    }

    /// What pages are written in: ``"text"``, ``"html"`` or ``"markdown"``.
    #[getter]
    fn input(&self) -> &'static str {
        self.input.name()
    }

    /// What the model was trained to read: ``"text"``, ``"html"`` or ``"markdown"``.
    #[getter]
    fn model_input(&self) -> &'static str {
        self.core.input().name()
    }

    /// How kept lines are written: ``"text"`` or ``"markdown"``.
    #[getter]
    fn output_format(&self) -> &'static str {
        output_name(self.output_format)
    }

    /// Pickles as the settings; unpickling loads the model again.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let me = slf.get();
        let args = (
            me.model_path.clone(),
            me.keep(py)?,
            me.threshold,
            me.threads,
            me.input(),
            me.output_format(),
        );
        PyTuple::new(
            py,
            [
                slf.get_type().into_any(),
                args.into_pyobject(py)?.into_any(),
            ],
        )
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let path = match &self.model_path {
            Some(p) => p
                .display()
                .to_string()
                .into_pyobject(py)?
                .repr()?
                .to_string(),
            None => "None".to_string(),
        };
        let keep = self.keep(py)?.repr()?.to_string();
        let threshold = self
            .threshold
            .map_or_else(|| "None".to_string(), |t| t.to_string());
        let threads = self
            .threads
            .map_or_else(|| "None".to_string(), |t| t.to_string());
        Ok(format!(
            "Cleaner(model_path={path}, keep={keep}, threshold={threshold}, threads={threads}, \
             input='{}', output_format='{}')",
            self.input(),
            self.output_format()
        ))
    }
}

/// One non-blank line of a page, with its label and the model's probabilities.
///
/// The lines of an HTML or markdown page are those it renders to
/// (``Cleaner.render``); a text's are its own.
///
/// Attributes:
///     line: index of the line in the text, from 0, counting blank lines.
///     start: character offset of the line in the text.
///     end: character offset one past the line, before its ending.
///     text: the line, without its ending.
///     label: ``"content"``, ``"navigation"``, ``"advertisement"`` or ``"bio"``.
///     content: probability that the line is content.
///     navigation: probability that the line is navigation.
///     advertisement: probability that the line is an advertisement.
///     bio: probability that the line is a bio.
#[pyclass(module = "dechaff", frozen, eq, get_all, skip_from_py_object)]
#[derive(Clone, PartialEq)]
struct LineLabel {
    line: usize,
    start: usize,
    end: usize,
    text: String,
    label: &'static str,
    content: f32,
    navigation: f32,
    advertisement: f32,
    bio: f32,
}

impl LineLabel {
    fn probs_array(&self) -> [f32; 4] {
        [self.content, self.navigation, self.advertisement, self.bio]
    }
}

#[pymethods]
impl LineLabel {
    /// The four probabilities by label name.
    #[getter]
    fn probs<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (label, p) in Label::ALL.iter().zip(self.probs_array()) {
            d.set_item(label.name(), p)?;
        }
        Ok(d)
    }

    /// The probability of the line's own label.
    #[getter]
    fn confidence(&self) -> f32 {
        let label: Label = self.label.parse().expect("a label name");
        self.probs_array()[label.index()]
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let text = self.text.as_str().into_pyobject(py)?.repr()?.to_string();
        Ok(format!(
            "LineLabel(line={}, label='{}', confidence={:.3}, text={text})",
            self.line,
            self.label,
            self.confidence()
        ))
    }
}

/// The compiled core of dechaff; use the ``dechaff`` package, which re-exports it.
#[pymodule]
fn _dechaff(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<Cleaner>()?;
    m.add_class::<LineLabel>()?;
    m.add("DechaffError", py.get_type::<DechaffError>())?;
    m.add("ModelError", py.get_type::<ModelError>())?;
    m.add("LABELS", PyTuple::new(py, Label::ALL.map(Label::name))?)?;
    m.add(
        "INPUTS",
        PyTuple::new(py, InputKind::ALL.map(InputKind::name))?,
    )?;
    m.add(
        "OUTPUT_FORMATS",
        PyTuple::new(
            py,
            [OutputFormat::Text, OutputFormat::Markdown].map(output_name),
        )?,
    )?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
