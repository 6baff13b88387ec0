//! `dechaff completions` and `dechaff man`: files for installing dechaff, generated from
//! the argument definitions of [`crate::args`] so that they cannot fall behind them.

use std::io::{self, Write};

use clap::CommandFactory;
use clap_mangen::Man;

use crate::args::{Cli, CompletionsArgs, ManArgs};

pub fn completions(a: &CompletionsArgs) -> dechaff::Result<bool> {
    // Generated into memory first: clap_complete panics when a write fails, and a reader
    // that goes away early is not an error here (see `stdout_done`).
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut Cli::command(), "dechaff", &mut script);
    crate::print(&script)?;
    Ok(true)
}

pub fn man(a: &ManArgs) -> dechaff::Result<bool> {
    // Without the implicit `help` command, as clap_mangen's own generator does: its page
    // would only repeat --help.
    let mut cli = Cli::command().disable_help_subcommand(true);
    // Building names the commands' pages (dechaff-clean) and their synopses (dechaff
    // clean).
    cli.build();
    let cmd = match &a.command {
        None => cli,
        Some(name) => cli
            .find_subcommand(name)
            .expect("checked by the argument parser")
            .clone(),
    };
    let page = Man::new(cmd).source(concat!("dechaff ", env!("CARGO_PKG_VERSION")));
    let mut out = io::stdout().lock();
    crate::stdout_done(page.render(&mut out).and_then(|()| out.flush()))?;
    Ok(true)
}
