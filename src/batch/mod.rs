//! Cleaning whole corpora: directory trees and JSON Lines streams, in parallel.
//!
//! ```no_run
//! use std::path::Path;
//! use dechaff::batch::{self, Options};
//!
//! let cleaner = dechaff::Cleaner::default();
//! // Mirror a tree: every file of `crawl/` cleaned to the same path under `clean/`.
//! let stats = batch::clean_dir(&cleaner, Path::new("crawl"), Path::new("clean"), &Options::default())?;
//! eprintln!("{stats}");
//!
//! // Stream JSON Lines, cleaning each record's "text" field.
//! let stdin = std::io::stdin();
//! batch::clean_jsonl(&cleaner, stdin, std::io::stdout(), &Options::default())?;
//! # Ok::<(), dechaff::Error>(())
//! ```
//!
//! Work runs on the current rayon pool (`ThreadPool::install` to choose its size):
//! files in parallel, and within a JSON Lines file, chunks of records in parallel. A
//! JSON Lines file is streamed in chunks of [`Options::chunk_bytes`], so memory stays
//! bounded whatever its size; a plain-text file is one document and is read whole.
//!
//! Inputs are plain text or JSON Lines ([`Format`]), each either uncompressed, gzip or
//! zstd ([`Compression`], told by the first bytes). Outputs keep the input's name and
//! compression and are written atomically (see [`output`]). A file that cannot be
//! read or cleaned is recorded in [`Stats::failures`] and the others go on.

pub(crate) mod format;
mod jsonl;
pub mod output;
pub mod progress;
mod stats;
mod walk;

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rayon::prelude::*;

pub use format::{compress_into, decompressed, Compression, Format};
pub use output::remove_temporaries;
pub use progress::Progress;
pub use stats::{Failure, LabelCounts, Stats};

use crate::error::{Error, Result};
use crate::render::{self, InputKind, Rendered};
use crate::{Cleaner, LabelSet, LineCounts, OutputFormat};
use output::AtomicFile;

/// How a batch cleans.
#[derive(Clone, Debug)]
pub struct Options {
    /// Labels to keep (default: content). The batch keeps by these and
    /// [`Options::threshold`], not by the cleaner's own settings: it only takes the
    /// model from the cleaner.
    pub keep: LabelSet,
    /// Keep a line when the summed probability of the kept labels reaches this,
    /// instead of when its decoded label is kept.
    pub threshold: Option<f32>,
    /// Write every line as `LABEL<TAB>line` instead of the kept lines.
    pub annotate: bool,
    /// The field of a JSON Lines record that holds its text (default: `text`).
    pub field: String,
    /// What every document is written in: the pages of plain files, or what the JSON
    /// Lines field holds. `None` tells a file's kind from its name, then its first
    /// bytes, and reads JSON Lines fields as text.
    pub input: Option<InputKind>,
    /// How the kept lines of HTML and markdown are written.
    pub output_format: OutputFormat,
    /// The format of every input, instead of telling it from the file name.
    pub format: Option<Format>,
    /// Glob patterns over paths under an input directory; when any is given, only
    /// matching files are cleaned. Files named as inputs are always cleaned.
    pub globs: Vec<String>,
    /// Skip inputs whose output exists and was modified no earlier than the input.
    pub resume: bool,
    /// When streaming JSON Lines, clean and write records as soon as a read brings
    /// them, flushing after each batch, instead of waiting for a whole chunk: for
    /// pipelines. Standard input is always read this way.
    pub eager: bool,
    /// Bytes of JSON Lines read and cleaned at a time.
    pub chunk_bytes: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            keep: LabelSet::default(),
            threshold: None,
            annotate: false,
            field: "text".to_string(),
            input: None,
            output_format: OutputFormat::Text,
            format: None,
            globs: Vec::new(),
            resume: false,
            eager: false,
            chunk_bytes: 8 << 20,
        }
    }
}

/// Hears what a batch does as it does it: for progress bars and logs. Every method
/// does nothing unless overridden, and may be called from any thread.
pub trait Observer: Send + Sync {
    /// The run found `files` inputs holding `bytes` bytes as stored.
    fn start(&self, _files: u64, _bytes: u64) {}
    /// `bytes` more bytes of input were read, as stored.
    fn read(&self, _bytes: u64) {}
    /// `n` more JSON Lines records were cleaned.
    fn records(&self, _n: u64) {}
    /// An input was written (or skipped as up to date).
    fn file_done(&self, _path: &Path) {}
    /// An input failed; the batch goes on.
    fn failed(&self, _failure: &Failure) {}
    /// Something worth telling that is not a failure, such as invalid UTF-8.
    fn warning(&self, _path: &Path, _message: &str) {}
}

/// An observer that ignores everything.
pub struct Silent;

impl Observer for Silent {}

/// What one piece of work needs to know.
pub(crate) struct Ctx<'a> {
    /// The model for each input kind, with the options' labels and threshold.
    pub cleaners: &'a [Cleaner; 3],
    pub options: &'a Options,
    pub observer: &'a dyn Observer,
    pub eager: bool,
}

impl Ctx<'_> {
    /// Appends the output for one document of `kind` to `out`: its kept lines, or its
    /// annotation.
    fn transform(&self, kind: InputKind, text: &str, out: &mut String) -> LineCounts {
        match kind {
            InputKind::Text => self.transform_text(text, out),
            InputKind::Html => self.transform_page(&render::html::render_str(text), out),
            InputKind::Markdown => self.transform_page(&render::markdown::render(text), out),
        }
    }

    fn transform_text(&self, text: &str, out: &mut String) -> LineCounts {
        let cleaner = &self.cleaners[InputKind::Text.index()];
        if self.options.annotate {
            cleaner.annotate_into(text, out)
        } else {
            cleaner.clean_into(text, out)
        }
    }

    fn transform_page(&self, page: &Rendered, out: &mut String) -> LineCounts {
        let cleaner = &self.cleaners[page.kind.index()];
        if self.options.annotate {
            cleaner.annotate_page_into(page, out)
        } else {
            cleaner.clean_page_into(page, self.options.output_format, out)
        }
    }
}

/// A batch: a model, options, and who hears about progress.
#[derive(Clone)]
pub struct Batch {
    cleaners: [Cleaner; 3],
    options: Options,
    observer: Arc<dyn Observer>,
}

/// Cleans every file under `input` into the same relative path under `output`, on the
/// current rayon pool. Files that fail are listed in the returned [`Stats`]; an error
/// is returned only when the run cannot start (bad glob, output not writable, input
/// and output the same directory).
pub fn clean_dir(
    cleaner: &Cleaner,
    input: &Path,
    output: &Path,
    options: &Options,
) -> Result<Stats> {
    Batch::new(cleaner, options.clone()).clean_tree(&[input.to_path_buf()], output)
}

/// Cleans the text field of each JSON Lines record from `reader` to `writer`, in order,
/// reading and cleaning a chunk at a time in parallel on the current rayon pool.
/// Records that are not valid JSON or lack the field are copied unchanged and counted.
/// The input is read as it is: see [`decompressed`] for compressed streams.
pub fn clean_jsonl<R: Read + Send, W: Write + Send>(
    cleaner: &Cleaner,
    reader: R,
    writer: W,
    options: &Options,
) -> Result<Stats> {
    Batch::new(cleaner, options.clone()).clean_jsonl(reader, writer)
}

/// Counts the bytes read through it, for progress and statistics.
struct Counting<'a, R> {
    inner: R,
    observer: &'a dyn Observer,
    count: u64,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        self.observer.read(n as u64);
        Ok(n)
    }
}

/// Buffers of one thread for plain-text documents, reused from file to file.
#[derive(Default)]
struct TextBuffers {
    input: Vec<u8>,
    output: String,
    packed: Vec<u8>,
}

thread_local! {
    static TEXT: RefCell<TextBuffers> = RefCell::new(TextBuffers::default());
}

/// Buffers larger than this are given back after use.
const KEEP_BUFFER: usize = 64 << 20;

/// The name standing for standard input in messages.
const STDIN: &str = "<stdin>";

impl Batch {
    /// A batch with the model of `cleaner` for every kind of input, and these options.
    pub fn new(cleaner: &Cleaner, options: Options) -> Batch {
        Batch::per_kind(InputKind::ALL.map(|_| cleaner.clone()), options)
    }

    /// A batch with the embedded model of each kind of input, and these options.
    pub fn embedded(options: Options) -> Batch {
        Batch::per_kind(InputKind::ALL.map(Cleaner::for_input), options)
    }

    fn per_kind(cleaners: [Cleaner; 3], options: Options) -> Batch {
        Batch {
            cleaners: cleaners.map(|c| c.keep(options.keep).threshold(options.threshold)),
            options,
            observer: Arc::new(Silent),
        }
    }

    /// Reports progress, failures and warnings to `observer` as they happen.
    pub fn observer(mut self, observer: Arc<dyn Observer>) -> Batch {
        self.observer = observer;
        self
    }

    /// The options the run was made with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    fn ctx(&self, eager: bool) -> Ctx<'_> {
        Ctx {
            cleaners: &self.cleaners,
            options: &self.options,
            observer: &*self.observer,
            eager: eager || self.options.eager,
        }
    }

    /// Cleans files and directory trees into `out_dir`: a directory's files go to
    /// their paths relative to it, a file named on its own to its name. Files are
    /// cleaned in parallel, largest first.
    pub fn clean_tree(&self, inputs: &[PathBuf], out_dir: &Path) -> Result<Stats> {
        let start = Instant::now();
        let globs = walk::globs(&self.options.globs)?;
        std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
        let out_canon = out_dir.canonicalize().map_err(|e| Error::io(out_dir, e))?;
        for input in inputs {
            if input.is_dir() && input.canonicalize().ok().as_ref() == Some(&out_canon) {
                return Err(Error::Invalid(format!(
                    "{}: the output directory is the input directory; choose another",
                    input.display()
                )));
            }
        }
        let found = walk::collect(inputs, Some(out_dir), globs.as_ref());
        let mut total = Stats::default();
        for (path, message) in &found.warnings {
            self.observer.warning(path, message);
        }
        for f in found.failures {
            self.observer.failed(&f);
            total.fail(f);
        }
        let mut jobs = found.jobs;
        // A page's output is renamed (`a.html` to `a.txt`): two inputs that would then
        // write one file are refused, the second named, rather than one overwriting the
        // other.
        let mut outputs = HashSet::new();
        jobs.retain_mut(|job| {
            job.relative = self.output_name(&job.relative);
            if outputs.insert(job.relative.clone()) {
                return true;
            }
            let f = Failure {
                path: job.input.clone(),
                error: format!(
                    "{}: its output {} is another input's too; rename one of them",
                    job.input.display(),
                    job.relative.display()
                ),
            };
            self.observer.failed(&f);
            total.fail(f);
            false
        });
        // A run killed outright (kill -9) leaves its temporary files; this run removes
        // them from the folders it writes to.
        let folders: HashSet<PathBuf> = jobs
            .iter()
            .filter_map(|j| out_dir.join(&j.relative).parent().map(Path::to_path_buf))
            .collect();
        folders.par_iter().for_each(|dir| {
            output::sweep_stale(dir);
        });
        jobs.sort_by_key(|j| std::cmp::Reverse(j.size));
        self.observer
            .start(jobs.len() as u64, jobs.iter().map(|j| j.size).sum());
        let total = Mutex::new(total);
        let ctx = self.ctx(false);
        jobs.par_iter().for_each(|job| {
            let dest = out_dir.join(&job.relative);
            let result = self.file(&ctx, &job.input, &dest, job.size);
            let mut total = total.lock().unwrap_or_else(|e| e.into_inner());
            match result {
                Ok(s) => {
                    self.observer.file_done(&job.input);
                    total.merge(&s);
                }
                Err(e) => {
                    let f = Failure {
                        path: job.input.clone(),
                        error: e.to_string(),
                    };
                    self.observer.failed(&f);
                    total.fail(f);
                }
            }
        });
        let mut total = total.into_inner().unwrap_or_else(|e| e.into_inner());
        total.finish(start.elapsed().as_secs_f64());
        Ok(total)
    }

    /// Where a file's output goes: a page's kept lines are text or markdown, not what
    /// the page was written in, so `a/b.html.gz` becomes `a/b.txt.gz` (or `a/b.md.gz`
    /// with markdown output); other names stay.
    pub fn output_name(&self, relative: &Path) -> PathBuf {
        let kind = self
            .options
            .input
            .or_else(|| InputKind::from_path(relative));
        let ext = match (kind, self.options.output_format) {
            (Some(InputKind::Html | InputKind::Markdown), OutputFormat::Text) => "txt",
            (Some(InputKind::Html | InputKind::Markdown), OutputFormat::Markdown) => "md",
            _ => return relative.to_path_buf(),
        };
        if Format::from_path(relative) == Format::Jsonl
            || self.options.format == Some(Format::Jsonl)
        {
            return relative.to_path_buf();
        }
        let name = relative
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        let (stem, packed) = match name.rsplit_once('.') {
            Some((stem, c)) if Compression::from_path(Path::new(&*name)) != Compression::None => {
                (stem.to_string(), format!(".{c}"))
            }
            _ => (name.to_string(), String::new()),
        };
        let stem = stem.rsplit_once('.').map_or(stem.as_str(), |(s, _)| s);
        relative.with_file_name(format!("{stem}.{ext}{packed}"))
    }

    /// Cleans one file into `output`, which appears only once complete.
    pub fn clean_file(&self, input: &Path, output: &Path) -> Result<Stats> {
        let start = Instant::now();
        let size = std::fs::metadata(input)
            .map_err(|e| Error::io(input, e))?
            .len();
        let mut stats = self.file(&self.ctx(false), input, output, size)?;
        stats.finish(start.elapsed().as_secs_f64());
        Ok(stats)
    }

    fn file(&self, ctx: &Ctx, input: &Path, dest: &Path, size: u64) -> Result<Stats> {
        if self.options.resume && output::up_to_date(input, dest) {
            self.observer.read(size);
            return Ok(Stats {
                files_skipped: 1,
                ..Stats::default()
            });
        }
        if dest.exists() && input.canonicalize().ok() == dest.canonicalize().ok() {
            return Err(Error::Invalid(format!(
                "{}: the output would replace the input; choose another output directory",
                input.display()
            )));
        }
        let mut counting = Counting {
            inner: File::open(input).map_err(|e| Error::io(input, e))?,
            observer: &*self.observer,
            count: 0,
        };
        let result = self.file_from(ctx, &mut counting, input, dest);
        // Count the unread rest of a failed file as done, for the progress bar.
        self.observer.read(size.saturating_sub(counting.count));
        let mut stats = result?;
        stats.bytes_read = counting.count;
        Ok(stats)
    }

    fn file_from<R: Read + Send>(
        &self,
        ctx: &Ctx,
        reader: R,
        input: &Path,
        dest: &Path,
    ) -> Result<Stats> {
        let (compression, reader) = decompressed(reader).map_err(|e| Error::io(input, e))?;
        let format = self
            .options
            .format
            .unwrap_or_else(|| Format::from_path(input));
        let mut out = AtomicFile::create(dest).map_err(|e| Error::io(dest, e))?;
        let mut stats = match format {
            Format::Text => self.text(ctx, reader, input, dest, &mut out, compression, false)?,
            Format::Jsonl => {
                let names = jsonl::Names {
                    input,
                    output: dest,
                };
                jsonl::stream(ctx, reader, &mut out, compression, &names)?
            }
        };
        stats.files = 1;
        stats.bytes_written = out.written();
        out.commit().map_err(|e| Error::io(dest, e))?;
        Ok(stats)
    }

    /// Cleans one plain-text document, read whole.
    #[allow(clippy::too_many_arguments)]
    fn text<R: Read, W: Write>(
        &self,
        ctx: &Ctx,
        mut reader: R,
        input: &Path,
        output: &Path,
        writer: &mut W,
        compression: Compression,
        terminate: bool,
    ) -> Result<Stats> {
        TEXT.with(|b| {
            let b = &mut *b.borrow_mut();
            b.input.clear();
            b.output.clear();
            let result = (|| {
                reader
                    .read_to_end(&mut b.input)
                    .map_err(|e| Error::io(input, e))?;
                if memchr::memchr(0, &b.input).is_some() {
                    return Err(Error::Binary {
                        path: input.to_path_buf(),
                    });
                }
                let kind = self
                    .options
                    .input
                    .or_else(|| InputKind::from_path(input))
                    .unwrap_or_else(|| InputKind::sniff(&b.input[..b.input.len().min(1024)]));
                // A UTF-8 byte-order mark is not text.
                let body = b.input.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&b.input);
                let counts = if kind == InputKind::Html {
                    // The page says its own charset.
                    ctx.transform_page(&render::html::render(&b.input), &mut b.output)
                } else {
                    let text = match std::str::from_utf8(body) {
                        Ok(s) => Cow::Borrowed(s),
                        Err(_) => {
                            self.observer.warning(
                                input,
                                "invalid UTF-8, decoded with replacement characters",
                            );
                            String::from_utf8_lossy(body)
                        }
                    };
                    ctx.transform(kind, &text, &mut b.output)
                };
                if terminate && !b.output.is_empty() && !b.output.ends_with(['\n', '\r']) {
                    b.output.push('\n');
                }
                let mut stats = Stats {
                    documents: 1,
                    bytes_in: b.input.len() as u64,
                    bytes_out: b.output.len() as u64,
                    ..Stats::default()
                };
                stats.add_counts(&counts);
                let bytes = if compression == Compression::None {
                    b.output.as_bytes()
                } else {
                    b.packed.clear();
                    compress_into(compression, b.output.as_bytes(), &mut b.packed)
                        .map_err(|e| Error::io(output, e))?;
                    &b.packed
                };
                writer.write_all(bytes).map_err(|e| Error::io(output, e))?;
                Ok(stats)
            })();
            if b.input.capacity() > KEEP_BUFFER {
                *b = TextBuffers::default();
            }
            result
        })
    }

    /// Cleans inputs one after the other to `writer`, uncompressed: for standard
    /// output. `-` is standard input, streamed when it is JSON Lines. An input that
    /// fails is recorded and the next one goes on; an error writing stops the run.
    pub fn clean_to<W: Write + Send>(&self, inputs: &[PathBuf], mut writer: W) -> Result<Stats> {
        let start = Instant::now();
        let output = Path::new("<stdout>");
        let mut total = Stats::default();
        let files = inputs.iter().filter(|p| *p != Path::new("-"));
        let sizes = files.map(|p| std::fs::metadata(p).map_or(0, |m| m.len()));
        let (count, bytes) = sizes.fold((0, 0), |(n, b), s| (n + 1, b + s));
        self.observer.start(count, bytes);
        for input in inputs {
            let stdin = input == Path::new("-");
            let name: &Path = if stdin { Path::new(STDIN) } else { input };
            let result = if stdin {
                let mut counting = Counting {
                    inner: io::stdin(),
                    observer: &*self.observer,
                    count: 0,
                };
                let r = self.stream_to(&mut counting, name, output, &mut writer, true);
                r.map(|s| Stats {
                    bytes_read: counting.count,
                    ..s
                })
            } else {
                match File::open(input) {
                    Ok(f) => {
                        let mut counting = Counting {
                            inner: f,
                            observer: &*self.observer,
                            count: 0,
                        };
                        let r = self.stream_to(&mut counting, name, output, &mut writer, false);
                        r.map(|s| Stats {
                            bytes_read: counting.count,
                            files: 1,
                            ..s
                        })
                    }
                    Err(e) => Err(Error::io(input, e)),
                }
            };
            match result {
                Ok(s) => {
                    self.observer.file_done(input);
                    total.merge(&s);
                }
                Err(Error::Io { path, source }) if path == output => {
                    return Err(Error::Io { path, source });
                }
                Err(e) => {
                    let f = Failure {
                        path: name.to_path_buf(),
                        error: e.to_string(),
                    };
                    self.observer.failed(&f);
                    total.fail(f);
                }
            }
        }
        writer.flush().map_err(|e| Error::io(output, e))?;
        total.bytes_written = total.bytes_out;
        total.finish(start.elapsed().as_secs_f64());
        Ok(total)
    }

    fn stream_to<R: Read + Send, W: Write + Send>(
        &self,
        reader: R,
        input: &Path,
        output: &Path,
        writer: &mut W,
        stdin: bool,
    ) -> Result<Stats> {
        let ctx = self.ctx(stdin);
        let (_, reader) = decompressed(reader).map_err(|e| Error::io(input, e))?;
        let format = match self.options.format {
            Some(f) => f,
            None if stdin => Format::Text,
            None => Format::from_path(input),
        };
        match format {
            // Outputs follow each other on standard output: end each with a line ending.
            Format::Text => self.text(&ctx, reader, input, output, writer, Compression::None, true),
            Format::Jsonl => jsonl::stream(
                &ctx,
                reader,
                writer,
                Compression::None,
                &jsonl::Names { input, output },
            ),
        }
    }

    /// Streams JSON Lines from `reader` to `writer` (see [`clean_jsonl`]).
    pub fn clean_jsonl<R: Read + Send, W: Write + Send>(
        &self,
        reader: R,
        mut writer: W,
    ) -> Result<Stats> {
        let start = Instant::now();
        let mut counting = Counting {
            inner: reader,
            observer: &*self.observer,
            count: 0,
        };
        let names = jsonl::Names {
            input: Path::new("<input>"),
            output: Path::new("<output>"),
        };
        let mut stats = jsonl::stream(
            &self.ctx(false),
            &mut counting,
            &mut writer,
            Compression::None,
            &names,
        )?;
        stats.bytes_read = counting.count;
        stats.bytes_written = stats.bytes_out;
        stats.finish(start.elapsed().as_secs_f64());
        Ok(stats)
    }
}
