//! The scripted (`--no-tui`) mode of `iemsim play`: plays for `--duration`, switches every
//! `--switch-every`, prints one line (or JSON object with `--json`) per event, needs no
//! terminal. Separate from the terminal UI, with which it shares nothing but the player.

use crate::cli::PlayArgs;
use crate::error::Error;
use crate::error::Result;
use crate::playback::player::{display_name, underrun_advice, ExactArrived, MatchState, Player};
use crate::playback::reconnect::Reconnect;
use crate::playback::Realtime;
use crate::ui::tui::hangup::Signals;
use serde_json::json;
use std::sync::atomic::Ordering::*;
use std::time::Duration;

/// One event of the run: its JSON object and its text line.
type Event = (serde_json::Value, String);

/// The line saying the exact loudness gains arrived (the estimate's gains glide to them), or
/// that the exact pass failed and the estimate stays (stderr, like every warning).
fn exact_line(player: &Player, e: &ExactArrived, played: f64) -> Option<Event> {
    let warn = |w: &str| crate::io::diag::diag!("iemsim: warning: {w}");
    if let Some(w) = &e.warning {
        warn(w);
    }
    if let Some(err) = &e.error {
        warn(&format!(
            "the exact loudness analysis failed, the estimated gains stay: {err}"
        ));
        return None;
    }
    let db = crate::ui::fmt::db;
    // With matching off the gains are measured (the `m` key's), not applied.
    let applied = if player.ctl.matching() {
        format!(
            "gliding over {:.0} ms",
            crate::playback::engine::GLIDE_S * 1e3
        )
    } else {
        "not applied: loudness matching is off".to_string()
    };
    Some((
        json!({
            "event": "exact_gains",
            "t_s": played,
            "since_start_s": e.t_s,
            "from_db": e.from_db,
            "gain_db": e.gain_db,
            "gains": player.match_state(),
            "applied": player.ctl.matching(),
        }),
        format!(
            "{played:7.3} s  exact loudness gains: A {} dB, B {} dB (estimated {} / {} dB), {applied}",
            db(e.gain_db[0]),
            db(e.gain_db[1]),
            db(e.from_db[0]),
            db(e.from_db[1]),
        ),
    ))
}

/// The scripted mode: plays `--duration`, switching every `--switch-every`, one line per switch.
pub(super) fn scripted(player: &mut Player, args: &PlayArgs, signals: &Signals) -> Result<()> {
    // Where it began, not where it is now: the device has taken its first buffer already, and
    // the file's end came that much early (a 1 s file was 'done after 0.957 s').
    let start_pos = player.began_at_s;
    let duration = args
        .duration
        .unwrap_or(f64::INFINITY)
        .min(if player.loop_s().is_some() {
            f64::INFINITY
        } else {
            player.duration_s() - start_pos
        });
    if duration.is_infinite() {
        return Err(Error::usage(
            "--loop",
            "--loop without --duration would play forever in --no-tui mode: add --duration",
        ));
    }
    // A line per event; a stdout that cannot be written stops the run (exit 1), see `out`.
    let emit = |(v, text): Event| crate::commands::out::event(args.report.json, &v, &text);
    if !args.report.json {
        for n in &player.notes {
            crate::io::diag::diag!("iemsim: note: {n}");
        }
    }
    emit(start_event(player))?;
    // Seconds played: the device frames the callback has rendered (kept across a restart), so
    // that an outage does not come off the end of a --duration (or of the file). The time since
    // the start less the time without a device counted the second a loss takes to be noticed.
    // Counted from the device's first frame, not from here: the device was handed its buffer
    // (0.7 s at 8 kHz through PulseAudio) before, and every time printed was that late.
    let played_s = Player::played_s;
    if let Some(d) = args.duration {
        // The sound ends at --duration, its fade included, wherever a buffer ends.
        player.end_at_s(d);
    }
    let mut down_before_s = 0.0;
    let mut next_switch = args.switch_every;
    let mut played;
    let mut warned = false;
    let mut rt_told = false;
    loop {
        if signals.caught() {
            return crate::error::check_interrupted();
        }
        if let Some(news) = player.check()? {
            let down_s = player.time_down().as_secs_f64() - down_before_s;
            let event = reconnect_event(&news, played_s(player), down_s, player.position_s());
            if let Reconnect::Back(_) = news {
                down_before_s += down_s;
            }
            emit(event)?;
        }
        let underruns = player.underruns_to_advise();
        if underruns > 0 && !warned {
            // Once, on stderr (stdout carries the event stream).
            warned = true;
            let advice = underrun_advice(underruns, player.buffer_frames);
            crate::io::diag::diag!("iemsim: warning: {advice}");
        }
        if let Some(note) = player.realtime().note().filter(|_| !rt_told) {
            rt_told = true;
            crate::io::diag::diag!("iemsim: warning: {note}");
        }
        played = played_s(player);
        if let Some(event) = player
            .take_exact_arrived()
            .and_then(|e| exact_line(player, &e, played))
        {
            emit(event)?;
        }
        if played >= duration || player.finished() {
            break;
        }
        if let Some(at) = next_switch {
            if played >= at {
                emit(switch_sides(player, played))?;
                next_switch = Some(at + args.switch_every.unwrap_or(f64::INFINITY));
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    player.check_back()?;
    // A file played to its end: where its sound ended, and the file's end (`played` missed the
    // buffer the callback found the end in: a 1 s file was 'done after 0.954 s at 0.959 s').
    // Else rendered by whole buffers: past the end at --duration, which is what was heard.
    let (played, position) = match player.ended_s() {
        Some(end) if played < duration => (end, player.duration_s()),
        _ => (played.min(duration), player.position_s()),
    };
    emit(end_event(player, played, position))?;
    Ok(())
}

/// A lost device and its return, as `live --no-tui` reports them. The return's line does not
/// repeat the loss's reason (said on the line before, and kept in the JSON `reason`).
/// `t`: seconds played (which stand still while the device is away); `down_s`: how long it has
/// been away.
fn reconnect_event(news: &Reconnect, t: f64, down_s: f64, pos: f64) -> Event {
    match news {
        Reconnect::Waiting(why) => (
            json!({"event": "lost", "t_s": t, "position_s": pos, "reason": why}),
            format!("{t:7.3} s  at {pos:.3} s: lost the audio device ({why}); opening it again"),
        ),
        Reconnect::Back(why) => (
            json!({"event": "restart", "t_s": t, "down_s": down_s, "position_s": pos, "reason": why}),
            format!(
                "{t:7.3} s  at {pos:.3} s: restarted the audio device after {down_s:.1} s without it"
            ),
        ),
    }
}

/// The first event: what plays where, the sides and their gains, and how long starting took.
fn start_event(player: &Player) -> Event {
    let s = &player.sides;
    (
        json!({
            "event": "start",
            "file": crate::io::diag::escaped(player.input.as_os_str()),
            "device": player.device_name,
            "rate_hz": player.device_rate,
            "channels": player.device_channels,
            "buffer_frames": player.buffer_frames,
            "file_rate_hz": player.info.sample_rate,
            "a": s[0], "b": s[1],
            "matching": player.ctl.matching(),
            "analysis_s": player.analysis_s,
            "gains": player.match_state(),
            "notes": player.notes,
            "first_callback_s": player.first_callback_s,
        }),
        format!(
            "playing {} on {} ({} Hz, {} frames/buffer); A = {} ({} dB), B = {} ({} dB), loudness matching {} ({} gains); analysis {:.0} ms, first audio after {:.0} ms",
            display_name(&player.input),
            player.device_name,
            player.device_rate,
            player.buffer_frames.map_or("?".into(), |b| b.to_string()),
            s[0].profile,
            crate::ui::fmt::db(if player.ctl.matching() { s[0].gain_matched_db } else { s[0].preamp_db }),
            s[1].profile,
            crate::ui::fmt::db(if player.ctl.matching() { s[1].gain_matched_db } else { s[1].preamp_db }),
            if player.ctl.matching() { "on" } else { "off" },
            match player.match_state() {
                MatchState::Exact => "exact",
                MatchState::Estimated => "estimated",
            },
            player.analysis_s * 1e3,
            player.first_callback_s.unwrap_or(f64::NAN) * 1e3,
        ),
    )
}

/// Switches to the other side, waits (up to 500 ms and two buffers) for the callback to
/// acknowledge at its next buffer, and says where in what is heard, and in the file, it took
/// effect.
fn switch_sides(player: &Player, played: f64) -> Event {
    let rate = f64::from(player.info.sample_rate);
    let to = player.ctl.live().other();
    let requested = player.position_s();
    let period_s = f64::from(player.buffer_frames.unwrap_or(0)) / f64::from(player.device_rate);
    let before = player.ctl.switches.load(Acquire);
    // The callback acknowledges at its next buffer (≤ one period); on the clock of `t_s`.
    let at = player
        .ctl
        .switch_and_wait(to, Duration::from_secs_f64(0.5 + 2.0 * period_s));
    let ack_t_s = player.played_s();
    // Where the crossfade begins in the sound (heard that far after its first sample): up to a
    // buffer after the request; the time of the request was printed, a buffer early.
    let heard = if player.ctl.switches.load(Acquire) != before {
        player.last_switch_s()
    } else {
        played
    };
    let applied = at as f64 / rate;
    let profile = &player.sides[to.index()].profile;
    (
        json!({
            "event": "switch",
            "t_s": heard,
            "requested_t_s": played,
            "ack_t_s": ack_t_s,
            "to": to,
            "profile": profile,
            "requested_position_s": requested,
            "position_s": applied,
        }),
        format!(
            "{heard:7.3} s  -> {} ({profile})  at file position {applied:.3} s",
            to.label()
        ),
    )
}

/// The last event: where playback stopped, underruns and the callback's load.
fn end_event(player: &Player, played: f64, position: f64) -> Event {
    let underruns = player.underruns();
    let frames = player.ctl.frames_rendered.load(Acquire);
    (
        json!({
            "event": "end",
            "t_s": played,
            "position_s": position,
            "frames_rendered": frames,
            "underruns": underruns,
            "restarts": player.restarts(),
            "load_pct": player.ctl.load_pct(),
            "output_latency_s": player.output_latency_s(),
            "realtime": player.realtime(),
        }),
        format!(
            "done after {played:.3} s at {:.3} s; {underruns} underruns, callback load {:.2}%, real-time priority {}",
            position,
            player.ctl.load_pct(),
            match player.realtime() {
                Realtime::Granted => "granted",
                Realtime::Denied => "denied",
                Realtime::NotRequested => "not requested (a sound server's device)",
                Realtime::Unknown => "unknown",
            }
        ),
    )
}
