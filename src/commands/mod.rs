//! One module per subcommand: glue between the CLI, `io`, `dsp`, `playback` and `ui`.

pub mod abx;
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

/// INPUT, or the bundled sample when omitted: `samples/music.wav` from disk when it is here,
/// else the copy built into the binary (so every command works from any folder).
pub fn input_or_default(input: Option<&Path>) -> Result<PathBuf> {
    Ok(input
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(crate::cli::DEFAULT_INPUT)))
}
