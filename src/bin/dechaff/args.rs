//! Command-line arguments, each documented where it is defined.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use dechaff::LabelSet;

/// Strip boilerplate (menus, ads, bylines, link lists) from scraped web text.
///
/// Every non-blank line is labelled content, navigation, advertisement or bio by a
/// trained model; `clean` keeps the labels you ask for.
#[derive(Parser, Debug)]
#[command(name = "dechaff", version, about, long_about = None, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

const EXAMPLES: &str = "\
Examples:
  dechaff clean samples/*.txt                 keep the content of each file
  cat page.txt | dechaff clean                read standard input
  dechaff clean --keep content,bio page.txt   keep bylines too
  dechaff clean --annotate page.txt           label every line
  dechaff explain page.txt                    why each line got its label
  dechaff train --out model.bin               rebuild a model from ../shared/data
  dechaff eval --model model.bin              score a model on the dev split";

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Write the kept lines of each input to standard output.
    Clean(CleanArgs),
    /// Show each line with its label, confidence and strongest features.
    Explain(ExplainArgs),
    /// Train a model from labelled JSON Lines documents.
    Train(TrainArgs),
    /// Score a model against labelled JSON Lines documents.
    Eval(EvalArgs),
}

/// Which model to use.
#[derive(Args, Debug)]
pub struct ModelArg {
    /// Model file written by `dechaff train` [default: the model built into dechaff].
    #[arg(long, value_name = "MODEL.bin")]
    pub model: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CleanArgs {
    /// Files to clean; standard input when none is given or for `-`.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,

    #[command(flatten)]
    pub model: ModelArg,

    /// Labels to keep, comma-separated: content, navigation, advertisement, bio.
    #[arg(long, value_name = "LABELS", default_value = "content")]
    pub keep: LabelSet,

    /// Keep a line when the probability of a kept label is at least T (0 to 1), instead
    /// of when its decoded label is kept: lower for recall, higher for precision.
    #[arg(long, value_name = "T", value_parser = parse_probability)]
    pub threshold: Option<f32>,

    /// Write every input line as `LABEL<TAB>line` (blank lines stay empty).
    #[arg(long, conflicts_with = "json")]
    pub annotate: bool,

    /// Write one JSON object per non-blank line: file, line, label, probabilities, text.
    #[arg(long)]
    pub json: bool,

    /// Print no warnings, only errors.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// File to explain; standard input for `-`.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    #[command(flatten)]
    pub model: ModelArg,

    /// How many of the strongest features to show per line.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub top: usize,

    /// When to colour the output: auto (on a terminal), always or never.
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    pub color: Color,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// Where the labelled data is when no `--data` is given.
pub const DEFAULT_DATA_DIR: &str = "../shared/data/lines";
/// Sources whose licences allow shipping a model trained on them.
pub const SHIPPABLE_SOURCES: [&str; 3] = ["wcxb", "trafilatura", "readability"];
/// Every source of the data, for evaluation.
pub const ALL_SOURCES: [&str; 8] = [
    "wcxb",
    "trafilatura",
    "readability",
    "cleaneval",
    "cleanportaleval",
    "dragnet",
    "htmltotext",
    "l3s-gn1",
];

#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Labelled JSON Lines files (.jsonl or .jsonl.gz) [default: the permissively
    /// licensed sources wcxb, trafilatura and readability in ../shared/data/lines].
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub data: Vec<PathBuf>,

    /// Split of the data to train on.
    #[arg(long, default_value = "train")]
    pub split: String,

    /// Where to write the model.
    #[arg(long, value_name = "MODEL.bin")]
    pub out: PathBuf,

    /// Seed of the training order; the same seed and data give the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,

    /// Passes over the data per stage.
    #[arg(long, default_value_t = dechaff::train::Options::default().epochs)]
    pub epochs: usize,

    /// Print no progress.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    #[command(flatten)]
    pub model: ModelArg,

    /// Labelled JSON Lines files [default: every source in ../shared/data/lines].
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub data: Vec<PathBuf>,

    /// Split of the data to score on.
    #[arg(long, default_value = "dev")]
    pub split: String,

    /// Write the pooled scores over the model's training sources to this JSON file.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,

    /// Fail (exit 1) when pooled content F1 or macro-F1 over the model's training
    /// sources falls more than 0.01 below the scores recorded in this JSON file.
    #[arg(long, value_name = "FILE")]
    pub check: Option<PathBuf>,
}

fn parse_probability(s: &str) -> Result<f32, String> {
    let t: f32 = s.parse().map_err(|_| format!("'{s}' is not a number"))?;
    if (0.0..=1.0).contains(&t) {
        Ok(t)
    } else {
        Err(format!("{t} is not between 0 and 1"))
    }
}
