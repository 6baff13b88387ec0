//! Command-line arguments, each documented where it is defined.

use std::path::PathBuf;

use clap::builder::RangedU64ValueParser;
use clap::{Args, Parser, Subcommand};
use dechaff::{InputKind, LabelSet, OutputFormat};

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
  dechaff train --out model.bin               rebuild a model from ../shared/data/lines
  dechaff eval --model model.bin              score a model on the dev split
  dechaff completions bash > dechaff.bash     tab completion for bash
  dechaff man > dechaff.1                     the manual page

Exit status: 0 on success, 1 when an input, the model or the data could not be used
(the other inputs are still processed), 2 on a usage error.";

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Write the kept lines of each input to standard output.
    #[command(after_help = CLEAN_NOTES)]
    Clean(CleanArgs),
    /// Show each line with its label, confidence and strongest features.
    #[command(long_about = EXPLAIN_ABOUT)]
    Explain(ExplainArgs),
    /// Train a model from labelled JSON Lines documents.
    Train(TrainArgs),
    /// Score a model against labelled JSON Lines documents.
    ///
    /// Prints a table of F1 scores per source, then for each source and pooled over the
    /// sources: per-label precision, recall and F1, the share of the content's words
    /// kept, and the confusion matrix.
    Eval(EvalArgs),
    /// Write the tab-completion script of a shell to standard output.
    #[command(after_help = COMPLETIONS_NOTES)]
    Completions(CompletionsArgs),
    /// Write a manual page (roff) to standard output.
    ///
    /// Without COMMAND, the page of dechaff, dechaff(1), which lists the commands; with
    /// one, the page of that command, such as dechaff-clean(1) for `clean`.
    #[command(after_help = MAN_NOTES)]
    Man(ManArgs),
}

const COMPLETIONS_NOTES: &str = "\
Where to put the script, for the current user:
  bash        dechaff completions bash > ~/.local/share/bash-completion/completions/dechaff
  zsh         dechaff completions zsh > DIR/_dechaff, with DIR a folder of $fpath
  fish        dechaff completions fish > ~/.config/fish/completions/dechaff.fish
  powershell  add to $PROFILE: dechaff completions powershell | Out-String | Invoke-Expression
  elvish      add to ~/.config/elvish/rc.elv: eval (dechaff completions elvish | slurp)";

const MAN_NOTES: &str = "\
To install the pages for the current user:
  dechaff man > ~/.local/share/man/man1/dechaff.1
  for c in clean explain train eval completions man; do
      dechaff man $c > ~/.local/share/man/man1/dechaff-$c.1
  done";

const CLEAN_NOTES: &str = "\
Inputs are UTF-8 text: invalid UTF-8 is decoded with replacement characters (with a
warning), and files holding NUL bytes are refused as binary. The outputs of several
inputs follow each other, separated by a blank line.";

const EXPLAIN_ABOUT: &str = "\
Show each non-blank line with its line number, label, confidence and text, then the
model inputs that weighed most for its label.

Each input is shown as `EFFECT NAME` or `EFFECT NAME=VALUE`: the effect is how much the
input raised (+) or lowered (-) the line's log-probability of its label against the
mean over the four labels. Inputs starting with `s1.` are the first stage's
probabilities around the line: `s1.at-1.navigation` is the previous line's probability
of navigation.";

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
    #[arg(long, value_name = "T", value_parser = parse_probability, allow_negative_numbers = true)]
    pub threshold: Option<f32>,

    /// Write every input line as `LABEL<TAB>line` instead of the kept lines: one output
    /// line per input line, blank lines left empty.
    #[arg(long, conflicts_with_all = ["json", "keep", "threshold"])]
    pub annotate: bool,

    /// Write one JSON object per non-blank line instead of the kept lines: file, line
    /// (from 1), label, probabilities and text.
    #[arg(long, conflicts_with_all = ["keep", "threshold"])]
    pub json: bool,

    /// What the inputs are written in: auto, text, html or markdown; for JSON Lines,
    /// what the --field holds. auto reads .html, .htm, .xhtml and .shtml files as HTML, .md
    /// and .markdown files as markdown, .txt files as text, and any other input that
    /// opens with a doctype or an <html> tag as HTML (standard input too); JSON Lines
    /// fields as text.
    #[arg(long, value_name = "KIND", default_value = "auto")]
    pub input: InputArg,

    /// How to write the kept lines of HTML and markdown: text, or markdown (links,
    /// headings, list items and quotes kept).
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    pub output_format: OutputFormatArg,

    /// Print no warnings, only errors.
    #[arg(long, short)]
    pub quiet: bool,

    #[command(flatten)]
    pub batch: crate::batch::BatchArgs,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OutputFormatArg {
    #[default]
    Text,
    Markdown,
}

impl From<OutputFormatArg> for OutputFormat {
    fn from(f: OutputFormatArg) -> OutputFormat {
        match f {
            OutputFormatArg::Text => OutputFormat::Text,
            OutputFormatArg::Markdown => OutputFormat::Markdown,
        }
    }
}

/// What `--input` names: a kind, or `auto` to tell it from each input.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InputArg {
    #[default]
    Auto,
    Text,
    Html,
    #[value(alias = "md")]
    Markdown,
}

impl InputArg {
    /// The kind named, `None` for auto.
    pub fn kind(self) -> Option<InputKind> {
        match self {
            InputArg::Auto => None,
            InputArg::Text => Some(InputKind::Text),
            InputArg::Html => Some(InputKind::Html),
            InputArg::Markdown => Some(InputKind::Markdown),
        }
    }
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// File to explain; standard input when none is given or for `-`.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,

    #[command(flatten)]
    pub model: ModelArg,

    /// How many of the strongest inputs to show per line (0 for none).
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub top: usize,

    /// What the input is written in: auto, text, html or markdown (as for `clean`).
    #[arg(long, value_name = "KIND", default_value = "auto")]
    pub input: InputArg,

    /// When to colour the output: auto (when writing to a terminal, unless the NO_COLOR
    /// environment variable is set or TERM is dumb), always or never.
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    pub color: Color,

    /// Print no warnings, only errors.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// Where the labelled data is when no `--data` is given, relative to the current folder.
pub const DEFAULT_DATA_DIR: &str = "../shared/data/lines";
/// Sources whose licences allow shipping a model trained on them.
pub const SHIPPABLE_SOURCES: [&str; 5] =
    ["wcxb", "trafilatura", "readability", "fundus", "zh-news"];
/// Every source of the data, for evaluation.
pub const ALL_SOURCES: [&str; 10] = [
    "wcxb",
    "trafilatura",
    "readability",
    "fundus",
    "zh-news",
    "cleaneval",
    "cleanportaleval",
    "dragnet",
    "htmltotext",
    "l3s-gn1",
];

#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Labelled JSON Lines files (.jsonl or .jsonl.gz), one document per line:
    /// {"id", "source", "split", "lines": [{"text", "label"}, …]} [default: the
    /// permissively licensed sources wcxb, trafilatura, readability, fundus and zh-news
    /// in ../shared/data/lines, relative to the current folder].
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub data: Vec<PathBuf>,

    /// Split of the data to train on.
    #[arg(long, default_value = "train")]
    pub split: String,

    /// Where to write the model (written whole or not at all).
    #[arg(long, value_name = "MODEL.bin")]
    pub out: PathBuf,

    /// Seed of the training order; the same seed and data give the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,

    /// Passes over the data per stage (at least 1).
    #[arg(
        long,
        value_name = "N",
        default_value_t = dechaff::train::Options::default().epochs,
        value_parser = RangedU64ValueParser::<usize>::new().range(1..),
    )]
    pub epochs: usize,

    /// Train on this share of the sites (0–1], chosen by a hash of each site so that
    /// smaller shares nest in larger ones: for learning curves.
    #[arg(long, value_name = "SHARE", default_value_t = 1.0, value_parser = parse_share)]
    pub sites: f64,

    #[command(flatten)]
    pub pages: PagesArg,

    /// Print no progress.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    #[command(flatten)]
    pub model: ModelArg,

    /// Labelled JSON Lines files, as for `train` [default: every source in
    /// ../shared/data/lines, relative to the current folder].
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub data: Vec<PathBuf>,

    /// Split of the data to score on.
    #[arg(long, default_value = "dev")]
    pub split: String,

    /// Write the pooled scores over the model's training sources to this JSON file.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,

    /// Fail (exit 1) when pooled content F1 or macro-F1 over the model's training
    /// sources, or the page metric's F1 on article pages, falls more than 0.01 below the
    /// scores recorded in this JSON file.
    #[arg(long, value_name = "FILE")]
    pub check: Option<PathBuf>,

    /// Also score the model with parts switched off (stage 2, its hidden units,
    /// sequence decoding), to show what each part adds.
    #[arg(long)]
    pub ablate: bool,

    #[command(flatten)]
    pub pages: PagesArg,

    /// Compare with this model on the same documents: the differences in pooled content
    /// F1 and macro-F1 and in the articles' page F1, with the middle 95 % of them over
    /// resamplings of the documents.
    #[arg(long, value_name = "MODEL.bin")]
    pub baseline: Option<PathBuf>,
}

/// What the labelled documents are read from, for `train` and `eval`.
#[derive(Args, Debug)]
pub struct PagesArg {
    /// Read each document as this kind of page: text (the labelled lines as they are),
    /// html (its page in the --html folder, rendered by dechaff, the labels carried over
    /// by matching the lines' texts) or markdown (that rendering written as markdown and
    /// read back). `eval` takes the kind from --model when one is given.
    #[arg(long, value_name = "KIND", default_value = "text", value_parser = parse_input)]
    pub input: InputKind,

    /// The folder of the pages: <source>/<id>.html.gz for each document.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_HTML_DIR)]
    pub html: PathBuf,
}

/// The default folder of the labelled documents' pages.
pub const DEFAULT_HTML_DIR: &str = "../shared/data/html";

fn parse_input(s: &str) -> Result<InputKind, String> {
    InputKind::from_name(s)
        .ok_or_else(|| format!("'{s}' is not an input kind: text, html or markdown"))
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// Shell to complete for.
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Args, Debug)]
pub struct ManArgs {
    /// Command whose page to write [default: the page of dechaff itself].
    #[arg(value_name = "COMMAND", value_parser = parse_command)]
    pub command: Option<String>,
}

fn parse_command(s: &str) -> Result<String, String> {
    let cli = <Cli as clap::CommandFactory>::command();
    if cli.find_subcommand(s).is_some() {
        return Ok(s.to_owned());
    }
    let names: Vec<&str> = cli.get_subcommands().map(|c| c.get_name()).collect();
    Err(format!(
        "'{s}' is not a command of dechaff; the commands are {}",
        names.join(", ")
    ))
}

fn parse_share(s: &str) -> Result<f64, String> {
    let v = parse_probability(s)?;
    if v > 0.0 {
        Ok(f64::from(v))
    } else {
        Err(format!("{s} is no share of the sites: give one above 0"))
    }
}

fn parse_probability(s: &str) -> Result<f32, String> {
    let t: f32 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number"))?;
    if (0.0..=1.0).contains(&t) {
        Ok(t)
    } else {
        Err(format!("{s} is not between 0 and 1"))
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn arguments_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn probabilities_are_checked() {
        assert_eq!(parse_probability("0.5"), Ok(0.5));
        assert_eq!(parse_probability("1"), Ok(1.0));
        assert_eq!(parse_probability("0"), Ok(0.0));
        for bad in ["1.5", "-0.1", "NaN", "inf", "half", ""] {
            assert!(parse_probability(bad).is_err(), "{bad} accepted");
        }
    }
}
