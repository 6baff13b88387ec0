//! `dechaff clean` over directories, JSON Lines and compressed files: the batch runner
//! of the library ([`dechaff::batch`]) behind the command line.

use std::fs::File;
use std::io::{self, IsTerminal, Read};
use std::path::{Path, PathBuf};

use clap::Args;
use dechaff::batch::{Batch, Compression, Format, Options, Progress, Stats};
use dechaff::Error;

use crate::args::CleanArgs;

/// Options of `clean` for corpora: directories, JSON Lines, compressed files.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Corpora")]
pub struct BatchArgs {
    /// Write each input's output to this directory instead of standard output: the
    /// files of an input directory to the same relative paths, other files to their
    /// names, each with the input's compression. Outputs appear only once complete.
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: Option<PathBuf>,

    /// Threads to clean with [default: one per core].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Clean only the files of input directories whose relative path matches this glob
    /// (`*` crosses `/`; may be repeated), e.g. `--glob '*.jsonl.gz'`.
    #[arg(long, value_name = "GLOB", requires = "output")]
    pub glob: Vec<String>,

    /// What the inputs hold: auto (JSON Lines for .jsonl and .ndjson, with or without
    /// .gz or .zst; text otherwise), text, or jsonl. Compression (gzip, zstd) is told
    /// from the first bytes. `--format jsonl -` streams standard input.
    #[arg(long, value_name = "FORMAT", default_value = "auto")]
    pub format: FormatArg,

    /// Field of each JSON Lines record whose text is cleaned; the other fields are
    /// copied as they are. Records that are not valid JSON or lack the field are copied
    /// unchanged and counted.
    #[arg(long, value_name = "NAME", default_value = "text")]
    pub field: String,

    /// Skip inputs whose output already exists and is newer than the input.
    #[arg(long, requires = "output")]
    pub resume: bool,

    /// Write the summary of the run as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub stats: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FormatArg {
    #[default]
    Auto,
    Text,
    Jsonl,
}

impl FormatArg {
    fn format(self) -> Option<Format> {
        match self {
            FormatArg::Auto => None,
            FormatArg::Text => Some(Format::Text),
            FormatArg::Jsonl => Some(Format::Jsonl),
        }
    }
}

/// Whether `clean` goes through the batch runner: for an output directory, a
/// statistics file, JSON Lines, a directory, or a compressed input.
pub fn wanted(a: &CleanArgs) -> bool {
    let b = &a.batch;
    b.output.is_some()
        || b.stats.is_some()
        || b.format == FormatArg::Jsonl
        || a.files
            .iter()
            .any(|p| !crate::input::is_stdin(p) && needs_batch(p, b.format))
}

fn needs_batch(path: &Path, format: FormatArg) -> bool {
    if path.is_dir() {
        return true;
    }
    if format == FormatArg::Auto && Format::from_path(path) == Format::Jsonl {
        return true;
    }
    if Compression::from_path(path) != Compression::None {
        return true;
    }
    let mut head = [0u8; 4];
    let n = File::open(path)
        .and_then(|f| f.take(4).read(&mut head))
        .unwrap_or(0);
    Compression::from_magic(&head[..n]) != Compression::None
}

pub fn run(a: &CleanArgs) -> dechaff::Result<bool> {
    let b = &a.batch;
    if a.json {
        crate::usage_error(
            "clean",
            "--json describes the lines of plain-text inputs on standard output; it does not \
             combine with --output, --stats, directories, JSON Lines or compressed inputs",
        );
    }
    let stdin = [PathBuf::from("-")];
    let files = if a.files.is_empty() {
        &stdin[..]
    } else {
        &a.files[..]
    };
    let reads_stdin = files.iter().any(|p| crate::input::is_stdin(p));
    if reads_stdin && b.output.is_some() {
        crate::usage_error(
            "clean",
            "standard input cannot be written to an output directory; drop -o to write to \
             standard output",
        );
    }
    if reads_stdin && crate::input::stdin_is_terminal() && a.files.is_empty() {
        crate::usage_error(
            "clean",
            "no input: name the files to clean, or pipe text in (`-` reads the terminal)",
        );
    }
    if b.output.is_none() {
        if let Some(dir) = files.iter().find(|p| p.is_dir()) {
            crate::usage_error(
                "clean",
                &format!(
                    "{} is a directory: give -o DIR to clean it into another directory",
                    dir.display()
                ),
            );
        }
    }
    if b.threads == Some(0) {
        crate::usage_error("clean", "--threads must be at least 1");
    }

    let options = Options {
        keep: a.keep,
        threshold: a.threshold,
        annotate: a.annotate,
        field: b.field.clone(),
        format: b.format.format(),
        globs: b.glob.clone(),
        resume: b.resume,
        input: a.input.kind(),
        output_format: a.output_format.into(),
        ..Options::default()
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(b.threads.unwrap_or(0))
        .thread_name(|i| format!("dechaff-{i}"))
        .build()
        .map_err(|e| Error::Invalid(format!("cannot start threads: {e}")))?;
    // A status line on a terminal, unless the output goes to that terminal too.
    let progress = Progress::new(b.output.is_some() || !io::stdout().is_terminal(), a.quiet);
    let batch = match &a.model.model {
        Some(path) => Batch::new(&crate::load_model(path)?, options),
        None => Batch::embedded(options),
    }
    .observer(progress.clone());

    let result = pool.install(|| match &b.output {
        Some(dir) => {
            interrupts_remove_temporaries();
            batch.clean_tree(files, dir)
        }
        None => {
            let out = io::BufWriter::with_capacity(1 << 20, io::stdout());
            batch.clean_to(files, out)
        }
    });
    progress.finish();
    let stats = match result {
        Ok(s) => s,
        Err(Error::Io { source, .. }) if source.kind() == io::ErrorKind::BrokenPipe => {
            // The reader went away (`| head`): nothing left to do.
            return Ok(true);
        }
        Err(e) => return Err(e),
    };
    if !a.quiet {
        progress.message(&summary(&stats));
    }
    if let Some(path) = &b.stats {
        std::fs::write(path, stats.to_json() + "\n").map_err(|e| Error::Io {
            path: path.clone(),
            source: e,
        })?;
    }
    Ok(stats.ok())
}

/// The summary, each line starting with `dechaff: `.
fn summary(stats: &Stats) -> String {
    stats
        .to_string()
        .lines()
        .map(|l| format!("dechaff: {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// On Ctrl-C or `kill`, removes the outputs being written before exiting, so that an
/// interrupted run leaves only complete outputs.
fn interrupts_remove_temporaries() {
    let _ = ctrlc::set_handler(|| {
        dechaff::batch::remove_temporaries();
        eprintln!("\ndechaff: interrupted; outputs being written were removed");
        std::process::exit(130);
    });
}
