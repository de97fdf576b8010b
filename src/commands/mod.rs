//! One module per subcommand: glue between the CLI, `io`, `dsp`, `playback` and `ui`.

pub mod abx;
pub mod analyze;
pub mod charts;
pub mod demo;
pub mod devices;
pub mod export;
pub mod generate;
pub mod play;
pub mod profiles;
pub mod show;

use crate::cli::Command;
use crate::dsp::{builtin, profile, Profile};
use anyhow::Result;
use std::path::{Path, PathBuf};

pub fn run(command: Command) -> Result<()> {
    match command {
        Command::Profiles(a) => profiles::run(&a),
        Command::Show(a) => show::run(&a),
        Command::Analyze(a) => analyze::run(&a),
        Command::Export(a) => export::run(&a),
        Command::Generate(a) => generate::run(&a),
        Command::Devices(a) => devices::run(&a),
        Command::Abx(a) => abx::run(&a),
        Command::Play(a) => play::run(&a),
        Command::Demo(a) => demo::run(&a),
    }
}

/// Looks up a built-in profile by name (with a "did you mean" suggestion when it is unknown).
pub fn find_profile(name: &str) -> Result<Profile> {
    let all = builtin::profiles();
    Ok(profile::find(&all, name)?.clone())
}

/// INPUT, or the bundled sample when omitted (with a hint if it is missing, e.g. run from elsewhere).
pub fn input_or_default(input: Option<&Path>) -> Result<PathBuf> {
    match input {
        Some(p) => Ok(p.to_path_buf()),
        None => {
            let p = PathBuf::from(crate::cli::DEFAULT_INPUT);
            if !p.exists() {
                return Err(crate::error::usage(format!(
                    "no INPUT given and the bundled sample {} is not here; run iemsim from the project folder or name a WAV file",
                    p.display()
                )));
            }
            Ok(p)
        }
    }
}
