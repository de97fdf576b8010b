//! One module per subcommand: glue between the CLI, `io`, `dsp`, `render`, `playback` and `ui`.
//! A command does not import another: what two share is here (this file, `out`, `charts`,
//! `session`) or in the library below (`tests/architecture.rs` checks it).

pub mod abx;
pub mod analyze;
pub mod charts;
pub mod completions;
pub mod config;
pub mod demo;
pub mod devices;
pub mod export;
pub mod fit;
pub mod generate;
pub mod live;
pub mod man;
pub mod out;
pub mod play;
pub mod profile;
pub mod profiles;
pub mod session;
pub mod show;

use crate::cli::Command;
use crate::error::Result;
use std::path::{Path, PathBuf};

/// Starts a player, showing the bar of its loudness analysis (unless `cfg.quiet`): the commands
/// own the user interface, `playback` only reports the frames done.
pub fn start_player(
    cfg: crate::playback::player::PlayerConfig,
) -> Result<crate::playback::player::Player> {
    let label = format!("measuring loudness of {}", cfg.input.display());
    let mut bar = crate::ui::progress::Progress::new(0, label, cfg.quiet);
    let player =
        crate::playback::player::Player::start(cfg, &mut |done, total| bar.set_of(done, total));
    bar.finish();
    player
}

pub fn run(command: Command) -> Result<()> {
    match command {
        Command::Profiles(a) => profiles::run(&a),
        Command::Show(a) => show::run(&a),
        Command::Profile(a) => profile::run(&a),
        Command::Fit(a) => fit::run(&a),
        Command::Analyze(a) => analyze::run(&a),
        Command::Export(a) => export::run(&a),
        Command::Generate(a) => generate::run(&a),
        Command::Devices(a) => devices::run(&a),
        Command::Abx(a) => abx::run(&a),
        Command::Play(a) => play::run(&a),
        Command::Live(a) => live::run(&a),
        Command::Demo(a) => demo::run(&a),
        Command::Config(a) => config::run(&a),
        Command::Completions(a) => completions::run(&a),
        Command::Man(a) => man::run(&a),
    }
}

/// INPUT, or the bundled sample when omitted: `samples/music.wav` from disk when it is here,
/// else the copy built into the binary (so every command works from any folder). Only an omitted
/// INPUT means the built-in: a typed `samples/music.wav` that is not here is a missing file.
pub fn input_or_default(input: Option<&Path>) -> Result<PathBuf> {
    Ok(match input {
        Some(p) => p.to_path_buf(),
        None => {
            crate::io::decode::builtin::choose(crate::cli::DEFAULT_INPUT);
            PathBuf::from(crate::cli::DEFAULT_INPUT)
        }
    })
}

/// The rate of an input read now (a file, or the bundled sample when it is the built-in copy),
/// for the one Nyquist rule; `None` for one read once, by the render or the player (standard
/// input, a FIFO), whose rate is known only then.
pub fn file_rate(input: &Path) -> Result<Option<f64>> {
    if !(input.is_file() || crate::io::decode::builtin::is_builtin(input)) {
        return Ok(None);
    }
    let info = *crate::io::Decoder::open(input)?.info();
    Ok(Some(f64::from(info.sample_rate)))
}

/// The output device `--device NAME` means: an ALSA device by (part of) its name or description
/// (its full name, so the device layer opens that one), else a PulseAudio / PipeWire sink by (part
/// of) its name, reached through the server's ALSA device with `PULSE_SINK` set (libpulse reads
/// it when the stream connects; set before any audio thread exists). A name neither knows stays,
/// for the device layer to refuse with the list. A part that matches several is noted.
pub fn output_device(want: Option<&str>) -> Option<String> {
    use crate::playback::routing::{self, Named};
    let want = want?;
    let devices = crate::playback::device::list_devices().unwrap_or_default();
    let pairs = devices
        .iter()
        .map(|d| (d.name.as_str(), d.description.as_str()));
    let (named, others) = routing::resolve_name(pairs, routing::sink_names, want);
    routing::note_others("--device", want, &named, &others);
    match named {
        Named::Server(sink) => {
            routing::name_sink(&sink);
            None
        }
        Named::Device(name) => Some(name),
        Named::Unknown => Some(want.to_string()),
    }
}

/// The headphone correction this run applies (`--headphones`, else the remembered one unless
/// `--no-headphones`), announced in one line on stderr so stdout stays clean for `-o -` and JSON.
pub fn headphones(
    args: &crate::cli::HeadphoneArgs,
    rate_hz: Option<f64>,
) -> Result<Option<crate::profiles::headphones::Correction>> {
    let c = choose_headphones(args, rate_hz)?;
    if let Some(c) = &c {
        crate::io::diag::diag!(
            "Headphone correction: {} ({}, before each profile)",
            c.label,
            c.summary()
        );
    }
    Ok(c)
}

/// `-a` and `-b` of an A/B, as [`resolve_arg`] resolves them, with a note when they are the same
/// filters: accepted (the screen can pick others), but switching then changes nothing to hear,
/// which `abx` refuses outright.
pub fn resolve_pair(
    hp: Option<&crate::profiles::headphones::Correction>,
    pair: &crate::cli::ProfilePair,
    rate: Option<f64>,
) -> Result<[crate::dsp::Profile; 2]> {
    // Both, before either's error: each says its own warnings.
    let [a, b] = [&pair.a, &pair.b].map(|p| resolve_arg(hp, p, rate));
    let [a, b] = [a?, b?];
    if a.filters == b.filters && a.channels == b.channels {
        crate::io::diag::diag!(
            "iemsim: note: A ({}) and B ({}) are the same filters: switching changes nothing you can hear",
            a.name,
            b.name
        );
    }
    Ok([a, b])
}

/// [`headphones`] unannounced: for a correction chosen again at another rate.
pub fn choose_headphones(
    args: &crate::cli::HeadphoneArgs,
    rate_hz: Option<f64>,
) -> Result<Option<crate::profiles::headphones::Correction>> {
    let (file, target) = (args.headphones.as_deref(), args.headphone_target.as_deref());
    Ok(crate::profiles::headphones::choose(
        file,
        target,
        args.no_headphones,
        rate_hz,
    )?)
}

/// A `-p` value resolved at `rate` (the one Nyquist rule) as it plays: through the headphone
/// correction `hp`, if any.
pub fn resolve_through(
    hp: Option<&crate::profiles::headphones::Correction>,
    name: &str,
    rate: Option<f64>,
) -> Result<crate::dsp::Profile> {
    let profile = crate::profiles::resolve(name, rate)?;
    Ok(crate::profiles::headphones::through(hp, profile))
}

/// A `-p`/`-a`/`-b` value the user typed, resolved as [`resolve_through`] does, with one warning
/// on stderr when a file in the user's profile folder gives itself that name and is skipped for
/// it (see [`crate::profiles::shadowed_warning`]). Not for names iemsim picks itself (a demo's
/// parts) or the play screen's picker, where stderr is under the screen.
pub fn resolve_arg(
    hp: Option<&crate::profiles::headphones::Correction>,
    name: &str,
    rate: Option<f64>,
) -> Result<crate::dsp::Profile> {
    let profile = resolve_through(hp, name, rate)?;
    warn_shadowed(name);
    Ok(profile)
}

/// The warning of [`crate::profiles::shadowed_warning`] for `name`, once in a run whatever the
/// number of times the name is resolved (`play -a ba -b ba`, export's every rate).
pub fn warn_shadowed(name: &str) {
    static SAID: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let Some(warning) = crate::profiles::shadowed_warning(name) else {
        return;
    };
    let mut said = SAID
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !said.contains(&warning) {
        crate::io::diag::diag!("iemsim: warning: {warning}");
        said.push(warning);
    }
}

/// Every `-p` value of `names`, as [`resolve_arg`] resolves it.
pub fn resolve_all(
    hp: Option<&crate::profiles::headphones::Correction>,
    names: &[String],
    rate: Option<f64>,
) -> Result<Vec<crate::dsp::Profile>> {
    names.iter().map(|n| resolve_arg(hp, n, rate)).collect()
}

/// Writes `bytes` to `path` atomically: a temporary file, synced, then named `path` (over an
/// existing file only with `replace`). A failure is "cannot write", except a file that appeared
/// at `path` meanwhile when `exists` says `why` it is refused.
pub fn write_atomic(path: &Path, bytes: &[u8], replace: bool, exists: Option<&str>) -> Result<()> {
    use std::io::Write;
    let cannot = |e| crate::error::output_error(path, "cannot write", e);
    let (tmp, mut file) = crate::io::atomic::TempFile::create(path).map_err(cannot)?;
    file.write_all(bytes)
        .and_then(|_| file.sync_all())
        .map_err(cannot)?;
    drop(file);
    tmp.commit(replace).map_err(|e| match exists {
        Some(why) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            crate::error::Error::input(path, format!("{}: {why}", path.display()))
        }
        _ => cannot(e),
    })
}
