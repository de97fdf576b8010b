//! `iemsim play`: real-time A/B of two profiles, loudness-matched, with a terminal UI or scripted.

use super::{find_profile, input_or_default};
use crate::cli::PlayArgs;
use crate::dsp::builtin;
use crate::error::usage;
use crate::playback::engine::Side;
use crate::playback::player::{display_name, Player, PlayerConfig};
use crate::ui::tui::hangup::{Signals, Tty, TtyWatch};
use crate::ui::tui::{self, Action, Live, Mode, PlayView, SideView, StatusView, TerminalGuard};
use anyhow::{Context, Result};
use crossterm::event::{self, Event};
use serde_json::json;
use std::io::Write;
use std::sync::atomic::Ordering::*;
use std::time::{Duration, Instant};

pub fn run(args: &PlayArgs) -> Result<()> {
    let input = input_or_default(args.input.as_deref())?;
    let profiles = [find_profile(&args.a)?, find_profile(&args.b)?];
    let start_s = match args.start.as_deref() {
        Some(s) => parse_time(s).ok_or_else(|| {
            usage(format!(
                "--start {s}: use seconds (12.5) or minutes:seconds (1:05)"
            ))
        })?,
        None => 0.0,
    };
    let loop_s = match args.loop_range.as_deref() {
        Some(s) => Some(parse_range(s).ok_or_else(|| {
            usage(format!(
                "--loop {s}: use START-END, e.g. 12-20 or 0:12-0:20, with START < END"
            ))
        })?),
        None => None,
    };
    if args.switch_every.is_some_and(|s| s.is_nan() || s <= 0.05) {
        return Err(usage("--switch-every must be more than 0.05 s"));
    }
    if args.duration.is_some_and(|s| s.is_nan() || s <= 0.0) {
        return Err(usage("--duration must be more than 0 s"));
    }
    if (args.switch_every.is_some() || args.duration.is_some() || args.json) && !args.no_tui {
        return Err(usage(
            "--switch-every, --duration and --json belong to the scripted mode: add --no-tui",
        ));
    }
    if !args.no_tui {
        need_terminal("--no-tui --duration SECS [--switch-every SECS]")?;
    }
    let cfg = PlayerConfig {
        input,
        profiles,
        device: args.device.clone(),
        matching: !args.no_match,
        start_s,
        loop_s,
        quiet: args.no_tui,
    };
    // Check the whole setup before touching the terminal: errors then print as one plain line.
    let mut player = Player::start(cfg)?;
    if let Some((a, b)) = loop_s {
        if b > player.duration_s() + 0.001 || a >= player.duration_s() {
            return Err(usage(format!(
                "--loop {a}-{b} s is outside the file ({:.1} s)",
                player.duration_s()
            )));
        }
    }
    if start_s >= player.duration_s() {
        return Err(usage(format!(
            "--start {start_s} s is past the end of the file ({:.1} s)",
            player.duration_s()
        )));
    }
    if args.no_tui {
        scripted(&mut player, args)?;
        // Let the device play out its buffer: the last note is heard whole.
        player.stop();
        Ok(())
    } else {
        interactive(&mut player, None).map(|_| ())
    }
}

/// The terminal UI needs a terminal on both ends; say what to use instead (before any audio starts).
pub fn need_terminal(instead: &str) -> Result<()> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        Ok(())
    } else {
        Err(usage(format!(
            "the interactive screen needs a terminal (stdin and stdout); without one use {instead}"
        )))
    }
}

/// `SECS`, `M:SS(.s)` or `H:MM:SS`.
pub fn parse_time(s: &str) -> Option<f64> {
    let mut total = 0.0;
    for part in s.trim().split(':') {
        let v: f64 = part.parse().ok()?;
        if !(v.is_finite() && v >= 0.0) {
            return None;
        }
        total = total * 60.0 + v;
    }
    Some(total)
}

/// `START-END` with times as in [`parse_time`].
pub fn parse_range(s: &str) -> Option<(f64, f64)> {
    let (a, b) = s.split_once('-')?;
    let (a, b) = (parse_time(a)?, parse_time(b)?);
    (b > a).then_some((a, b))
}

fn side_name(player: &Player, side: Side) -> String {
    player.sides[side.index()].profile.clone()
}

/// The scripted mode: plays `--duration`, switching every `--switch-every`, one line per switch.
fn scripted(player: &mut Player, args: &PlayArgs) -> Result<()> {
    let start_pos = player.position_s();
    let duration = args
        .duration
        .unwrap_or(f64::INFINITY)
        .min(if player.loop_s().is_some() {
            f64::INFINITY
        } else {
            player.duration_s() - start_pos
        });
    if duration.is_infinite() {
        return Err(usage(
            "--loop without --duration would play forever in --no-tui mode: add --duration",
        ));
    }
    let out = std::io::stdout();
    let emit = |v: serde_json::Value, text: String| {
        let mut o = out.lock();
        let _ = if args.json {
            writeln!(o, "{v}")
        } else {
            writeln!(o, "{text}")
        };
        let _ = o.flush();
    };
    let s = &player.sides;
    emit(
        json!({
            "event": "start",
            "file": player.input,
            "device": player.device_name,
            "rate_hz": player.device_rate,
            "channels": player.device_channels,
            "buffer_frames": player.buffer_frames,
            "file_rate_hz": player.info.sample_rate,
            "a": s[0], "b": s[1],
            "matching": player.matching(),
            "analysis_s": player.analysis_s,
            "first_callback_s": player.first_callback_s,
        }),
        format!(
            "playing {} on {} ({} Hz, {} frames/buffer); A = {} ({:+.1} dB), B = {} ({:+.1} dB), loudness matching {}; analysis {:.0} ms, first audio after {:.0} ms",
            display_name(&player.input),
            player.device_name,
            player.device_rate,
            player.buffer_frames.map_or("?".into(), |b| b.to_string()),
            s[0].profile,
            if player.matching() { s[0].gain_matched_db } else { s[0].preamp_db },
            s[1].profile,
            if player.matching() { s[1].gain_matched_db } else { s[1].preamp_db },
            if player.matching() { "on" } else { "off" },
            player.analysis_s * 1e3,
            player.first_callback_s.unwrap_or(f64::NAN) * 1e3,
        ),
    );
    let rate = f64::from(player.info.sample_rate);
    let t0 = Instant::now();
    let mut next_switch = args.switch_every;
    let mut played;
    loop {
        player.check()?;
        played = t0.elapsed().as_secs_f64();
        if played >= duration || player.finished() {
            break;
        }
        if let Some(at) = next_switch {
            if played >= at {
                let to = player.live().other();
                let before = player.ctl.switches.load(Acquire);
                let requested = player.position_s();
                player.set_live(to);
                // The callback acknowledges at its next buffer (≤ one period).
                let wait_until = Instant::now() + Duration::from_millis(500);
                while player.ctl.switches.load(Acquire) == before && Instant::now() < wait_until {
                    std::thread::sleep(Duration::from_millis(1));
                }
                let ack_t_s = t0.elapsed().as_secs_f64();
                let applied = player.ctl.last_switch_position.load(Acquire) as f64 / rate;
                emit(
                    json!({
                        "event": "switch",
                        "t_s": played,
                        "ack_t_s": ack_t_s,
                        "to": to,
                        "profile": side_name(player, to),
                        "requested_position_s": requested,
                        "position_s": applied,
                    }),
                    format!(
                        "{played:7.3} s  -> {} ({})  at file position {applied:.3} s",
                        to.label(),
                        side_name(player, to)
                    ),
                );
                next_switch = Some(at + args.switch_every.unwrap_or(f64::INFINITY));
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let underruns = player.underruns();
    let frames = player.ctl.frames_rendered.load(Acquire);
    emit(
        json!({
            "event": "end",
            "t_s": played,
            "position_s": player.position_s(),
            "frames_rendered": frames,
            "underruns": underruns,
            "load_pct": player.load_pct(),
            "output_latency_s": player.output_latency_s(),
        }),
        format!(
            "done after {played:.3} s at {:.3} s; {underruns} underruns, callback load {:.2}%",
            player.position_s(),
            player.load_pct()
        ),
    );
    Ok(())
}

/// Demo context shown in the play screen.
pub struct DemoScreen<'a> {
    pub text: &'a str,
    pub part: (usize, usize, &'a str),
}

/// Why the interactive screen returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Quit,
    Next,
    Prev,
}

/// The terminal UI loop for `play` and `demo`. Restores the terminal however it ends, except
/// when the terminal is gone (a killed tmux or ssh session): then it is abandoned and the outcome
/// is `Quit` whatever stopped the loop, as there is nobody left to show an error to. SIGHUP and
/// SIGTERM end the loop like `q` (so the demo still removes its files); see `tui::hangup`.
pub fn interactive(player: &mut Player, demo: Option<DemoScreen>) -> Result<Outcome> {
    let signals = Signals::install();
    let tty = TtyWatch::new().context("cannot open the terminal")?;
    let mut guard = TerminalGuard::new()?;
    let all = builtin::profiles();
    let names: Vec<(&str, &str)> = all
        .iter()
        .map(|p| (p.name.as_str(), p.description.as_str()))
        .collect();
    let mode = if demo.is_some() {
        Mode::Demo
    } else {
        Mode::Play
    };
    let mut show_help = false;
    let mut loop_mark: Option<f64> = None;
    let mut message: Option<(String, Instant)> = None;
    let mut levels = [f64::NEG_INFINITY; 2];
    let mut rewound = false;
    // Demo text rows scrolled away; each part is a call of its own, so it starts at the top.
    let mut text_scroll: u16 = 0;
    let device = player.device_name.clone();
    let mut frames = || -> Result<Outcome> {
        loop {
            player.check()?;
            if signals.caught() {
                return Ok(Outcome::Quit);
            }
            let now_levels = player.take_levels_dbfs();
            for (l, n) in levels.iter_mut().zip(now_levels) {
                // Peak meter with a fall-back of about 20 dB/s at 30 frames/s.
                *l = n.max(*l - 0.7);
            }
            if message
                .as_ref()
                .is_some_and(|(_, t)| t.elapsed() > Duration::from_secs(4))
            {
                message = None;
            }
            let live = match player.live() {
                Side::A => Live::A,
                Side::B => Live::B,
            };
            let s = &player.sides;
            let gain = |i: usize| {
                if player.matching() {
                    s[i].gain_matched_db
                } else {
                    s[i].preamp_db
                }
            };
            let view = PlayView {
                file: &display_name(&player.input),
                live,
                sides: [
                    SideView {
                        label: 'A',
                        profile: &s[0].profile,
                        description: &s[0].description,
                        gain_db: gain(0),
                        response_db: &s[0].response,
                    },
                    SideView {
                        label: 'B',
                        profile: &s[1].profile,
                        description: &s[1].description,
                        gain_db: gain(1),
                        response_db: &s[1].response,
                    },
                ],
                position_s: player.position_s(),
                duration_s: player.duration_s(),
                loop_s: player.loop_s(),
                loop_pending_start: loop_mark,
                paused: player.paused(),
                matching: player.matching(),
                level_dbfs: levels,
                status: StatusView {
                    device: &device,
                    rate_hz: player.device_rate,
                    buffer_frames: player.buffer_frames.unwrap_or(0),
                    load_pct: player.load_pct(),
                    underruns: player.underruns(),
                },
                profiles: &names,
                show_help,
                message: message.as_ref().map(|(m, _)| m.as_str()),
                text: demo.as_ref().map(|d| d.text),
                text_scroll,
                part: demo.as_ref().map(|d| d.part),
            };
            guard
                .terminal()
                .draw(|f| text_scroll = tui::draw_play(f, &view))?;
            if player.finished() && player.loop_s().is_none() {
                if !rewound {
                    // At the end: pause at the start; space plays again.
                    player.ctl.paused.store(true, Relaxed);
                    player.seek_s(0.0);
                    rewound = true;
                }
            } else {
                rewound = false;
            }
            match tty.wait(Duration::from_millis(33))? {
                Tty::Idle => continue,
                Tty::HungUp => return Ok(Outcome::Quit),
                Tty::Readable => {}
            }
            // Everything typed so far, in order (crossterm may parse several keys from one read).
            while event::poll(Duration::ZERO)? {
                let Event::Key(key) = event::read()? else {
                    continue;
                };
                let Some(action) = tui::key_to_action(key, mode) else {
                    continue;
                };
                if show_help && action != Action::Quit {
                    show_help = false;
                    if matches!(action, Action::Help | Action::Back) {
                        continue;
                    }
                }
                match action {
                    Action::Quit | Action::Back => return Ok(Outcome::Quit),
                    Action::Next => return Ok(Outcome::Next),
                    Action::Prev => return Ok(Outcome::Prev),
                    Action::Help => show_help = true,
                    Action::TogglePause => {
                        player.toggle_pause();
                    }
                    Action::Select(Live::A) => player.set_live(Side::A),
                    Action::Select(Live::B) => player.set_live(Side::B),
                    Action::Select(Live::X) | Action::Answer(_) => {}
                    Action::Toggle => player.set_live(player.live().other()),
                    Action::Seek(d) => player.seek_s(player.position_s() + d),
                    Action::Scroll(d) => text_scroll = text_scroll.saturating_add_signed(d),
                    Action::ToggleLoop => {
                        if player.loop_s().is_some() {
                            player.set_loop(None);
                            loop_mark = None;
                            message = Some(("loop cleared".into(), Instant::now()));
                        } else if let Some(a) = loop_mark.take() {
                            let b = player.position_s();
                            if b - a >= 0.5 {
                                player.set_loop(Some((a, b)));
                                message =
                                    Some((format!("looping {a:.1}-{b:.1} s"), Instant::now()));
                            } else {
                                message = Some((
                                    "a loop must be at least 0.5 s long".into(),
                                    Instant::now(),
                                ));
                            }
                        } else {
                            loop_mark = Some(player.position_s());
                            message = Some((
                                "loop start marked; press l again at the end".into(),
                                Instant::now(),
                            ));
                        }
                    }
                    Action::ToggleMatch => {
                        let on = !player.matching();
                        player.set_matching(on);
                        let text = if on {
                            "loudness matching on".to_string()
                        } else {
                            "loudness matching OFF: the louder side will tend to sound better"
                                .to_string()
                        };
                        message = Some((text, Instant::now()));
                    }
                    Action::Choose(i) => {
                        if let Some(p) = all.get(i) {
                            let side = player.live();
                            let text = match player.set_profile(side, p.clone()) {
                                Ok(()) => format!("{} is now {}", side.label(), p.name),
                                Err(e) => e.to_string(),
                            };
                            message = Some((text, Instant::now()));
                        }
                    }
                }
            }
        }
    };
    let result = frames();
    if tty.gone() {
        guard.abandon();
        return Ok(Outcome::Quit);
    }
    drop(guard);
    result
}
