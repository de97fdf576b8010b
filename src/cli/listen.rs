//! Arguments of the commands that play: `play`, `devices`, `abx`, `demo`.

use super::{DeviceArgs, HeadphoneArgs, ProfilePair, ReportArgs};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct PlayArgs {
    #[command(flatten)]
    pub hp: HeadphoneArgs,
    /// Audio file to play (WAV, FLAC, MP3, Ogg Vorbis, M4A) [default: samples/music.wav, built in]
    pub input: Option<PathBuf>,
    #[command(flatten)]
    pub pair: ProfilePair,
    #[command(flatten)]
    pub audio: DeviceArgs,
    /// Start position (seconds, M:SS or H:MM:SS); with --loop, inside the loop [default: 0, or
    /// the loop's start].
    #[arg(long, value_name = "TIME")]
    pub start: Option<String>,
    /// Loop a passage, e.g. 0:12-0:20 or 12-20 (seconds).
    #[arg(long = "loop", value_name = "START-END")]
    pub loop_range: Option<String>,
    /// Do not match the loudness of A and B (not recommended: louder sounds "better").
    #[arg(long)]
    pub no_match: bool,
    /// Neither read nor write the loudness cache (the exact loudness of each file through each
    /// profile, kept in the platform cache folder, e.g. ~/.cache/iemsim, so a second start is
    /// exact at once).
    #[arg(long)]
    pub no_cache: bool,
    /// No terminal UI: play --duration seconds, switching A/B every --switch-every seconds.
    #[arg(long)]
    pub no_tui: bool,
    /// With --no-tui: switch sides every SECS seconds.
    #[arg(long, value_name = "SECS")]
    pub switch_every: Option<f64>,
    /// With --no-tui: play SECS seconds of sound, ending in a 40 ms fade-out [default: the whole
    /// file].
    #[arg(long, value_name = "SECS")]
    pub duration: Option<f64>,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct DevicesArgs {
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct AbxArgs {
    #[command(flatten)]
    pub hp: HeadphoneArgs,
    /// Audio file to listen to (WAV, FLAC, MP3, Ogg Vorbis, M4A) [default: samples/music.wav, built in]
    pub input: Option<PathBuf>,
    #[command(flatten)]
    pub pair: ProfilePair,
    /// Number of trials. Fewer than 5 cannot reach p < 0.05 even all correct (4/4 is p = 0.0625):
    /// allowed for practice, with a warning. A and B must be different profiles.
    #[arg(long, default_value_t = 16)]
    pub trials: u32,
    /// Append the session to this JSON-lines log [default: in the platform data folder]. Only a
    /// missing or empty file or an existing ABX log is written to; any other file is refused
    /// (exit 2) before the first trial and left untouched.
    #[arg(long)]
    pub log: Option<PathBuf>,
    /// Instead of a session: table every session in the log (LOG, else --log, else the default
    /// log) with its date, file, A/B, score and p, and pool the completed sessions of each pair
    /// of profiles into one exact binomial test over all their trials.
    #[arg(long, value_name = "LOG", num_args = 0..=1, conflicts_with_all = [
        "input", "a", "b", "trials", "seed", "answers", "no_tui", "no_cache", "device", "buffer",
        "headphones", "headphone_target", "no_headphones",
    ])]
    pub summary: Option<Option<PathBuf>>,
    /// Seed for the hidden choices (reproducible runs, for tests); default: fresh OS randomness.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Scripted answers, e.g. a,b,b,a or 1,2,2,1 (or a file with them, or - for stdin; an empty
    /// answer, as in a,,b or a blank line, is refused); needs --no-tui.
    #[arg(long, conflicts_with_all = ["device", "buffer"])]
    pub answers: Option<String>,
    /// No terminal UI (scripted mode).
    #[arg(long)]
    pub no_tui: bool,
    /// Neither read nor write the loudness cache (see `play --help`).
    #[arg(long)]
    pub no_cache: bool,
    #[command(flatten)]
    pub audio: DeviceArgs,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DemoKind {
    /// Harsh "s" sounds: what sibilance is and where it lives.
    Sibilance,
    /// Bass roll-off: why some IEMs lose the lowest octave.
    Bass,
    /// A tour: neutral, BA, DD, V-shaped hybrid.
    Signatures,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub hp: HeadphoneArgs,
    #[arg(value_enum)]
    pub kind: DemoKind,
    /// Render every part as WAV, with its response and spectra charts (PNG) and a README.md, into
    /// DIR instead of playing (no audio device needed).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["device", "buffer"])]
    pub export: Option<PathBuf>,
    /// No terminal UI: print the text and play each part in turn.
    #[arg(long)]
    pub no_tui: bool,
    #[command(flatten)]
    pub audio: DeviceArgs,
    /// Replace the demo's own earlier files in the export folder (a file it did not write, or a
    /// README.md edited since, is never replaced).
    // Needs --export: checked by the command, as clap's hint for a missing --export suggested
    // `--export <DIR> --no-tui` when --no-tui was given, which is refused.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct LiveArgs {
    #[command(flatten)]
    pub hp: HeadphoneArgs,
    #[command(flatten)]
    pub pair: ProfilePair,
    /// Capture device: a name or part of one from `iemsim devices` (inputs), or a PulseAudio /
    /// PipeWire source such as `iemsim.monitor` [default: the system's default input]
    #[arg(long, value_name = "NAME")]
    pub input: Option<String>,
    #[command(flatten)]
    pub audio: DeviceArgs,
    /// Do not match the loudness of A and B (not recommended: louder sounds "better").
    #[arg(long)]
    pub no_match: bool,
    /// Create a virtual sink named `iemsim` (pactl load-module module-null-sink) for the apps to
    /// play into, print how to route an app to it, and exit. With --undo: remove it.
    #[arg(long, conflicts_with_all = [
        "a", "b", "input", "device", "buffer", "no_match", "no_tui", "switch_every", "duration",
        "json", "headphones", "headphone_target", "no_headphones",
    ])]
    pub setup: bool,
    /// With --setup: remove the `iemsim` sink again.
    // clap does not enforce `requires` when a conflicting option is there too: the list that
    // --setup refuses is refused here as well (`--undo --no-tui` started a session).
    #[arg(long, requires = "setup", conflicts_with_all = [
        "a", "b", "input", "device", "buffer", "no_match", "no_tui", "switch_every", "duration",
        "json", "headphones", "headphone_target", "no_headphones",
    ])]
    pub undo: bool,
    /// No terminal UI: run --duration seconds, switching A/B every --switch-every seconds.
    #[arg(long)]
    pub no_tui: bool,
    /// With --no-tui: switch sides every SECS seconds.
    #[arg(long, value_name = "SECS")]
    pub switch_every: Option<f64>,
    /// With --no-tui: stop after SECS seconds (required there: a live input has no end).
    #[arg(long, value_name = "SECS")]
    pub duration: Option<f64>,
    #[command(flatten)]
    pub report: ReportArgs,
}
