//! `dechaff._dechaff`: the Python binding of the dechaff crate.
//!
//! A thin layer: [`Cleaner`] wraps [`dechaff::Cleaner`] with the settings a Python
//! user gives (model file, labels to keep, threshold, threads) and a rayon pool of its
//! own, which `clean_batch` runs on with the GIL released. The pure-Python package
//! (`python/dechaff/`) re-exports these names and adds the datatrove step.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use dechaff::{Error, Label, LabelSet};
use pyo3::exceptions::{
    PyException, PyFileNotFoundError, PyIsADirectoryError, PyOSError, PyPermissionError,
    PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
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

/// A rayon pool and the process that built it: a pool does not survive `fork` (its
/// threads stay in the parent), so a forked child builds its own.
struct Pool {
    pid: u32,
    pool: Arc<rayon::ThreadPool>,
}

/// Lines per label, in [`Label::ALL`] order.
type Counts = [u64; 4];

/// Labels lines of scraped web text and keeps the ones asked for.
///
/// Every non-blank line is labelled ``content``, ``navigation``, ``advertisement`` or
/// ``bio`` by a trained model over features of the line, its neighbours and its
/// document; the lines whose label is in ``keep`` are kept.
///
/// Args:
///     model_path: a model file written by ``dechaff train``; ``None`` for the model
///         built into dechaff.
///     keep: labels to keep, as an iterable of names or a comma-separated string.
///     threshold: keep a line when the summed probability of the kept labels is at
///         least this (0 to 1), instead of when its decoded label is kept. Lower keeps
///         more (recall), higher keeps less (precision).
///     threads: threads ``clean_batch`` uses; ``None`` for one per core (or
///         ``RAYON_NUM_THREADS`` when set).
///
/// Raises:
///     ModelError: the model file is not a valid dechaff model for this version.
///     OSError: the model file cannot be read (``FileNotFoundError`` when missing).
///     ValueError: an unknown label, a threshold outside [0, 1], or ``threads=0``.
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

    /// The kept lines of `text` and its lines per label, from one run of the model.
    fn clean_counted(&self, text: &str) -> (String, Counts) {
        let mut out = String::with_capacity(text.len() / 2);
        let counts = self.core.clean_into(text, &mut out);
        (out, counts.labels)
    }

    /// The texts of a Python iterable of strings (not a string itself).
    fn strings<'py>(texts: &Bound<'py, PyAny>) -> PyResult<Vec<Bound<'py, PyString>>> {
        if texts.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(
                "texts must be an iterable of strings, not one string: use clean() for one text",
            ));
        }
        let mut out = Vec::with_capacity(texts.len().unwrap_or(0));
        for (i, item) in texts.try_iter()?.enumerate() {
            let item = item?;
            match item.cast_into::<PyString>() {
                Ok(s) => out.push(s),
                Err(e) => {
                    let ty = e.into_inner().get_type().name()?.to_string();
                    return Err(PyTypeError::new_err(format!("texts[{i}] is {ty}, not str")));
                }
            }
        }
        Ok(out)
    }

    /// Runs `f` over every text in parallel on this cleaner's pool, without the GIL.
    fn par_map<'py, T: Send>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        f: impl Fn(&str) -> T + Sync + Send,
    ) -> PyResult<Vec<T>> {
        let strings = Self::strings(texts)?;
        let views: Vec<Cow<'_, str>> = strings.iter().map(text_of).collect();
        let pool = self.pool()?;
        Ok(py.detach(|| pool.install(|| views.par_iter().map(|t| f(t)).collect())))
    }
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
        signature = (model_path=None, keep=None, threshold=None, threads=None),
        text_signature = "(model_path=None, keep=('content',), threshold=None, threads=None)"
    )]
    fn new(
        py: Python<'_>,
        model_path: Option<PathBuf>,
        keep: Option<&Bound<'_, PyAny>>,
        threshold: Option<f32>,
        threads: Option<usize>,
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
        let core = match &model_path {
            Some(path) => py
                .detach(|| dechaff::Cleaner::from_model_file(path))
                .map_err(py_err)?,
            None => std::panic::catch_unwind(dechaff::Cleaner::default).map_err(|panic| {
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "unknown error".to_string());
                ModelError::new_err(format!("the built-in model cannot be loaded: {why}"))
            })?,
        };
        Ok(Cleaner {
            core: core.keep(keep).threshold(threshold),
            // Absolute, so that a pickled cleaner finds it from another folder.
            model_path: model_path.map(|p| std::path::absolute(&p).unwrap_or(p)),
            keep,
            threshold,
            threads,
            pool: Mutex::new(None),
        })
    }

    /// The kept lines of ``text``, each with its own line ending; one blank line stands
    /// where blank lines stood between two kept lines.
    fn clean(&self, py: Python<'_>, text: &Bound<'_, PyString>) -> String {
        let text = text_of(text);
        py.detach(|| self.core.clean(&text))
    }

    /// Every non-blank line of ``text`` with its label and the four probabilities, in
    /// order.
    ///
    /// Offsets are character offsets into ``text``: ``text[l.start:l.end] == l.text``.
    fn classify(&self, py: Python<'_>, text: &Bound<'_, PyString>) -> Vec<LineLabel> {
        let text = text_of(text);
        let labels = py.detach(|| self.core.classify(&text));
        // Byte offsets to character offsets, walking the text once.
        let (mut byte, mut chars) = (0usize, 0usize);
        let mut char_at = |b: usize| {
            chars += text[byte..b].chars().count();
            byte = b;
            chars
        };
        labels
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
            .collect()
    }

    /// ``[self.clean(t) for t in texts]``, cleaned in parallel on the cleaner's threads
    /// with the GIL released.
    ///
    /// ``texts`` is any iterable of strings (a list is fastest); its strings are read
    /// in place, without a copy. Memory grows with the batch: for a large corpus, pass
    /// chunks of a few thousand documents.
    fn clean_batch<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let cleaned = self.par_map(py, texts, |t| self.core.clean(t))?;
        PyList::new(py, cleaned)
    }

    /// As ``clean_batch``, with each text's lines per label from the same run of the
    /// model: a list of ``(cleaned, counts)``, ``counts`` a dict from each of the four
    /// label names to the number of non-blank lines that got it.
    fn clean_batch_with_counts<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let results = self.par_map(py, texts, |t| self.clean_counted(t))?;
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

    /// Pickles as the settings; unpickling loads the model again.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let me = slf.get();
        let args = (
            me.model_path.clone(),
            me.keep(py)?,
            me.threshold,
            me.threads,
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
            "Cleaner(model_path={path}, keep={keep}, threshold={threshold}, threads={threads})"
        ))
    }
}

/// One non-blank line of a text, with its label and the model's probabilities.
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
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
