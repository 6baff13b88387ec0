//! The `dechaff` command: a thin layer over the library.
//!
//! Exit status: 0 on success, 1 when an input, the model or the data could not be used
//! (each subcommand still processes the inputs it can), 2 on a usage error.

mod args;
mod batch;
mod clean;
mod explain;
mod generate;
mod input;
mod learn;

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};
use dechaff::model::file;
use dechaff::{Cleaner, Error, InputKind, ModelError};

use args::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Clean(a) => clean::run(&a),
        Command::Explain(a) => explain::run(&a),
        Command::Train(a) => learn::train(&a),
        Command::Eval(a) => learn::eval(&a),
        Command::Completions(a) => generate::completions(&a),
        Command::Man(a) => generate::man(&a),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("dechaff: {e}");
            ExitCode::from(1)
        }
    }
}

/// Exits with status 2 and `message`, as clap does for a malformed command line.
fn usage_error(subcommand: &str, message: &str) -> ! {
    let mut cmd = Cli::command();
    cmd.build();
    let cmd = cmd
        .find_subcommand_mut(subcommand)
        .expect("a known subcommand");
    cmd.error(ErrorKind::MissingRequiredArgument, message)
        .exit()
}

/// Finishes writing to standard output: failing to is an error, except when the reader
/// went away early (`dechaff clean big.txt | head`): then there is nothing left to do.
fn stdout_done(written: io::Result<()>) -> dechaff::Result<()> {
    match written {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(Error::Io {
            path: "<stdout>".into(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// Writes `bytes` to standard output, as [`stdout_done`] says.
fn print(bytes: &[u8]) -> dechaff::Result<()> {
    let mut out = io::stdout().lock();
    stdout_done(out.write_all(bytes).and_then(|()| out.flush()))
}

/// The model for each kind of input: the one named on the command line for all of
/// them, or the built-in one of each kind.
fn cleaners(model: &args::ModelArg) -> dechaff::Result<[Cleaner; 3]> {
    Ok(match &model.model {
        Some(path) => {
            let c = load_model(path)?;
            InputKind::ALL.map(|_| c.clone())
        }
        None => InputKind::ALL.map(Cleaner::for_input),
    })
}

/// Bytes read first from a model file: more than any header, so that a file that is not
/// a model of this dechaff (a data file given by mistake, a device) is refused from them
/// without reading all of it.
const HEAD: u64 = 4096;

fn load_model(path: &Path) -> dechaff::Result<Cleaner> {
    let io_error = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let model_error = |source| Error::Model {
        path: path.to_path_buf(),
        source,
    };
    let mut f = File::open(path).map_err(io_error)?;
    let mut bytes = Vec::new();
    Read::by_ref(&mut f)
        .take(HEAD)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 == HEAD {
        // A prefix is refused for what its header says before it is found short.
        if let Err(
            e @ (ModelError::BadMagic
            | ModelError::WrongVersion { .. }
            | ModelError::WrongFeatureSet { .. }),
        ) = file::from_bytes(&bytes)
        {
            return Err(model_error(e));
        }
        f.read_to_end(&mut bytes).map_err(io_error)?;
    }
    let model = file::from_bytes(&bytes).map_err(model_error)?;
    Ok(Cleaner::with_model(Arc::new(model)))
}
