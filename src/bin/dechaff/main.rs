//! The `dechaff` command: a thin layer over the library.

mod args;
mod clean;
mod explain;
mod learn;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Clean(a) => clean::run(&a),
        Command::Explain(a) => explain::run(&a),
        Command::Train(a) => learn::train(&a),
        Command::Eval(a) => learn::eval(&a),
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

/// Loads the model named on the command line, or the built-in one.
fn cleaner(model: &args::ModelArg) -> dechaff::Result<dechaff::Cleaner> {
    match &model.model {
        Some(path) => dechaff::Cleaner::from_model_file(path),
        None => Ok(dechaff::Cleaner::default()),
    }
}
