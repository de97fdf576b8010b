//! `iemsim play`: real-time A/B of two profiles, loudness-matched, with a terminal UI or scripted.
//!
//! This file checks the arguments and starts the player; `scripted.rs` holds the `--no-tui` mode
//! and `commands::session` the terminal UI loop (shared with `demo`).

mod scripted;

use super::session::{check_mode, interactive};
use crate::playback::player::MIN_LOOP_S;

use super::input_or_default;
use crate::cli::PlayArgs;
use crate::error::Error;
use crate::error::Result;
use crate::playback::player::PlayerConfig;
use crate::ui::tui::hangup::Signals;
use scripted::scripted;

pub fn run(args: &PlayArgs) -> Result<()> {
    let input = input_or_default(args.input.as_deref())?;
    // The file's rate, for the one Nyquist rule (`profile_file::check_rate`); a stream is refused
    // by the player itself, so it is not read here.
    let rate = super::file_rate(&input)?;
    let hp = super::headphones(&args.hp, rate)?;
    let profiles = super::resolve_pair(hp.as_ref(), &args.pair, rate)?;
    let (start_s, loop_s) = positions(args)?;
    check_mode(
        args.no_tui,
        args.switch_every,
        args.duration,
        args.report.json,
    )?;
    let cfg = PlayerConfig {
        input,
        profiles,
        device: super::output_device(args.audio.device.as_deref()),
        buffer_frames: args.audio.buffer,
        matching: !args.no_match,
        start_s,
        loop_s,
        quiet: args.no_tui,
        exact_first: false,
        cache: !args.no_cache,
    };
    // Check the whole setup before touching the terminal: errors then print as one plain line.
    let mut player = super::start_player(cfg)?;
    player.headphones = hp;
    if let Some((a, b)) = loop_s {
        if b > player.duration_s() + 0.001 || a >= player.duration_s() {
            return Err(Error::usage(
                "--loop",
                format!(
                    "--loop {a}-{b} s is outside the file ({:.1} s)",
                    player.duration_s()
                ),
            ));
        }
    }
    if start_s >= player.duration_s() {
        return Err(Error::usage(
            "--start",
            format!(
                "--start {start_s} s is past the end of the file ({:.1} s)",
                player.duration_s()
            ),
        ));
    }
    if args.no_tui {
        // SIGINT, SIGTERM and SIGHUP end the run in `scripted`, not in the signal thread: the
        // player then fades out as at the end (a cut at full level clicks), and a --json stream
        // ends with its `error` event (exit 128 + the signal). They stay taken until the fade is
        // over: a second Ctrl-C during it cut the sound dead.
        let signals = Signals::install();
        let result =
            super::out::json_error_event(args.report.json, scripted(&mut player, args, &signals));
        // Let the device play out its buffer: the last note is heard whole.
        player.stop();
        drop(signals);
        result
    } else {
        interactive(&mut player)?;
        crate::error::check_interrupted()
    }
}

/// `--start` and `--loop` in seconds, checked against each other (not yet against the file).
fn positions(args: &PlayArgs) -> Result<(f64, Option<(f64, f64)>)> {
    let start_s = args.start.as_deref().map(|s| {
        parse_time(s).ok_or_else(|| {
            let why = format!("--start {s}: use seconds (12.5) or minutes:seconds (1:05)");
            Error::usage("--start", why)
        })
    });
    let start_s = start_s.transpose()?.unwrap_or(0.0);
    let loop_s = args.loop_range.as_deref().map(|s| {
        parse_range(s).ok_or_else(|| {
            let why = format!(
                "--loop {s}: use START-END, e.g. 12-20 or 0:12-0:20, with END at least \
                 {MIN_LOOP_S} s after START"
            );
            Error::usage("--loop", why)
        })
    });
    let loop_s = loop_s.transpose()?;
    if let (Some((a, b)), Some(s)) = (loop_s, args.start.as_deref()) {
        if !(a..b).contains(&start_s) {
            return Err(Error::usage(
                "--start",
                format!("--start {s} is outside --loop {a}-{b} s: start inside the loop, or leave --start out to start at its beginning"),
            ));
        }
    }
    Ok((start_s, loop_s))
}

/// `SECS`, `M:SS(.s)` or `H:MM:SS(.s)`: minutes and seconds after a colon below 60, only the
/// seconds with a fraction (`1:99` was 159 s and `0:00:00:05` 5 s: a typo seeked elsewhere).
pub fn parse_time(s: &str) -> Option<f64> {
    let parts: Vec<&str> = s.trim().split(':').collect();
    if parts.len() > 3 {
        return None;
    }
    let mut total = 0.0;
    for (i, part) in parts.iter().enumerate() {
        let v: f64 = part.parse().ok()?;
        let last = i + 1 == parts.len();
        if !(v.is_finite() && v >= 0.0) || (i > 0 && v >= 60.0) || (!last && v.fract() != 0.0) {
            return None;
        }
        total = total * 60.0 + v;
    }
    Some(total)
}

/// `START-END` with times as in [`parse_time`], at least [`MIN_LOOP_S`] long.
pub fn parse_range(s: &str) -> Option<(f64, f64)> {
    let (a, b) = s.split_once('-')?;
    let (a, b) = (parse_time(a)?, parse_time(b)?);
    (b - a >= MIN_LOOP_S).then_some((a, b))
}
