//! `iemsim live`: A/B of two profiles on whatever is playing (a capture device), with the
//! terminal UI or scripted (`--no-tui`), and `--setup` for the virtual sink the apps play into.
//! Glue only: the audio path is `playback::live`, the routing `playback::routing`.

use super::session::{check_mode, Key, Panel};
use crate::cli::LiveArgs;
use crate::dsp::Profile;
use crate::error::{Class, Context, Error, Result};
use crate::playback::engine::Side;
use crate::playback::live::{LiveConfig, LiveSession};
use crate::playback::reconnect::{Confirm, Reconnect, Reconnector};
use crate::playback::routing;
use crate::profiles::headphones::Correction;
use crate::profiles::resolve;
use crate::ui::tui::hangup::{Signals, TtyWatch};
use crate::ui::tui::{self, Action, LiveView, TerminalGuard};
use serde_json::json;
use std::time::{Duration, Instant};

pub fn run(args: &LiveArgs) -> Result<()> {
    if args.setup {
        return setup(args.undo);
    }
    check_mode(
        args.no_tui,
        args.switch_every,
        args.duration,
        args.report.json,
    )?;
    if args.no_tui && args.duration.is_none() {
        return Err(Error::usage(
            "--duration",
            "--no-tui needs --duration SECS: a live input has no end",
        ));
    }
    let hp = super::headphones(&args.hp, None)?;
    let profiles = super::resolve_pair(hp.as_ref(), &args.pair, None)?;
    let device = super::output_device(args.audio.device.as_deref());
    let reconnect = Reconnector::new()?;
    let (input, device) = crate::playback::live::route(args.input.as_deref(), device)?;
    let cfg = LiveConfig {
        profiles,
        input,
        device,
        buffer_frames: args.audio.buffer,
        input_rate: input_rate_override()?,
        matching: !args.no_match,
        start_gain_db: None,
    };
    let session = LiveSession::start(cfg.clone())?;
    // Dropping the session on a refusal closes its streams.
    check_rate(args, &cfg.profiles, hp.as_ref(), session.device_rate)?;
    let mut live = Live {
        session,
        cfg,
        hp,
        reconnect,
        side_when_lost: Side::A,
        carried: [0; 3],
        routing_checked: Instant::now(),
    };
    if args.no_tui {
        // As in `play --no-tui`: a signal ends the run in `scripted`, and stays taken while the
        // session fades out (a second Ctrl-C then cut it dead).
        let signals = Signals::install();
        let result =
            super::out::json_error_event(args.report.json, scripted(&mut live, args, &signals));
        live.session.shutdown();
        drop(signals);
        result
    } else {
        super::session::on_terminal(|s, t, g| screen_loop(&mut live, s, t, g))?
            .unwrap_or(Ok(()))?;
        crate::error::check_interrupted()
    }
}

/// `IEMSIM_LIVE_INPUT_RATE=HZ`: capture at this rate rather than the output's (soak runs:
/// `benches/live-soak.sh` makes our resampler convert 44.1 to 48 kHz, not the sound server).
fn input_rate_override() -> Result<Option<u32>> {
    let Some(v) = std::env::var_os("IEMSIM_LIVE_INPUT_RATE") else {
        return Ok(None);
    };
    match v.to_str().and_then(|v| v.parse::<u32>().ok()) {
        Some(hz) if (8_000..=384_000).contains(&hz) => Ok(Some(hz)),
        _ => Err(Error::usage(
            "IEMSIM_LIVE_INPUT_RATE",
            format!("IEMSIM_LIVE_INPUT_RATE must be a rate in Hz from 8000 to 384000, not {v:?}"),
        )),
    }
}

/// The one Nyquist rule at the rate the chain runs at, the output's (known once it is open), as
/// play, show and export apply it at theirs and keys 1-9 at this one: a user file's filter at or
/// above it (in `-a`/`-b` or the headphone correction) is refused, never dropped. What holds
/// such a filter is loaded again at the rate, for the file's own message; nothing else is (a
/// measurement's correction is not fitted twice).
fn check_rate(
    args: &LiveArgs,
    profiles: &[Profile; 2],
    hp: Option<&Correction>,
    rate: u32,
) -> Result<()> {
    let fs = f64::from(rate);
    let past = |p: &Profile| {
        p.all_filters()
            .any(|(_, f)| f.fc_hz >= fs / 2.0 && !f.is_identity_at(fs))
    };
    if hp.is_some_and(|c| past(&c.profile)) {
        super::choose_headphones(&args.hp, Some(fs))?;
    }
    for (spec, profile) in [&args.pair.a, &args.pair.b].into_iter().zip(profiles) {
        if past(profile) {
            resolve(spec, Some(fs))?;
        }
    }
    Ok(())
}

/// A session and what it takes to start it again.
struct Live {
    session: LiveSession,
    cfg: LiveConfig,
    /// The headphone correction every loaded profile goes through.
    hp: Option<Correction>,
    /// Lost devices: opened again for a while (the session is shut down meanwhile).
    reconnect: Reconnector,
    /// The live side when the devices were lost, kept over the restart.
    side_when_lost: Side,
    /// Underruns, overruns and resyncs of the sessions before a restart.
    carried: [u64; 3],
    /// When the streams' routing was last checked for feedback.
    routing_checked: Instant,
}

impl Live {
    /// `LiveSession::check`, but a device that stopped working is opened again (see
    /// `playback::reconnect`), live side, matching and gains kept: a live input has no end, and
    /// an hour of listening should not end on one glitch.
    fn check(&mut self) -> Result<Option<Reconnect>> {
        if self.reconnect.is_down() {
            return self.reopen();
        }
        // Every 2 s: the server may have moved our streams into a feedback loop since start.
        if self.routing_checked.elapsed() >= Duration::from_secs(2) {
            self.routing_checked = Instant::now();
            routing::check_moved_streams().map_err(Error::machine)?;
        }
        let Err(e) = self.session.check() else {
            return Ok(None);
        };
        let why = self.reconnect.lost(e)?;
        self.retire();
        match self.reopen()? {
            Some(back) => Ok(Some(back)),
            None => Ok(Some(Reconnect::Waiting(why))),
        }
    }

    /// Shuts the session down (lost, or a reopened one that failed), keeping its counts and what
    /// the listener set (live side, matching, gains) for the next one. The old streams close
    /// before new ones open (a device that allows one client at a time would refuse the new ones
    /// otherwise).
    fn retire(&mut self) {
        self.carried = self.counts();
        self.cfg.start_gain_db = Some(self.session.matched_gains_db());
        self.cfg.matching = self.session.ctl.matching();
        self.side_when_lost = self.session.ctl.live();
        self.session.shutdown();
    }

    /// One attempt to open the lost devices, when it is due; reopened ones are back once the
    /// output keeps asking for audio ([`Reconnector::confirm`]: a stalled output still takes its
    /// first buffer). Ones that stall or fail before are closed, and the outage goes on.
    fn reopen(&mut self) -> Result<Option<Reconnect>> {
        if self.reconnect.on_probation() {
            let callbacks = self.session.output_callbacks();
            let error = self.session.check().err();
            return match self.reconnect.confirm(callbacks, error)? {
                Confirm::Pending => Ok(None),
                Confirm::Back(why) => Ok(Some(Reconnect::Back(why))),
                Confirm::Failed => {
                    self.retire();
                    Ok(None)
                }
            };
        }
        if !self.reconnect.due() {
            return Ok(None);
        }
        match LiveSession::start(self.cfg.clone()) {
            Ok(session) => {
                self.session = session;
                self.session.ctl.set_live(self.side_when_lost);
                self.reconnect.reopened();
                Ok(None)
            }
            Err(e) => self.reconnect.failed(e).map(|()| None),
        }
    }

    /// Loads `profile` into the live side (keys 1-9 and the picker); returns the message to show.
    /// A restart after a lost device keeps it.
    fn load(&mut self, profile: Profile) -> String {
        // The one Nyquist rule, at the output's rate, as on the command line: a user file's
        // filter at or above it is refused, never dropped.
        let rate = Some(f64::from(self.session.device_rate));
        if let Err(e) = resolve(&profile.name, rate) {
            return e.to_string();
        }
        let name = profile.name.clone();
        match self.session.load_profile(profile) {
            Ok(side) => {
                self.cfg.profiles = self.session.profiles().clone();
                // The new pair starts from its own match, not the old pair's gains.
                self.cfg.start_gain_db = None;
                let [a, b] = self.session.profiles();
                super::session::load_notice(side, &name, a.name == b.name)
            }
            Err(e) => e.to_string(),
        }
    }

    /// Underruns, overruns and resyncs over every session of this run.
    fn counts(&self) -> [u64; 3] {
        let s = &self.session;
        let now = [s.underruns(), s.overruns(), s.resyncs()];
        [0, 1, 2].map(|i| self.carried[i] + now[i])
    }
}

/// Which capture and output devices to open. A name that no ALSA device has but a PulseAudio /
/// PipeWire source (sink) does is reached through the server's ALSA device with `PULSE_SOURCE`
/// (`PULSE_SINK`) set. Refuses the monitor of the sink we would play to (exit 2).
fn setup(undo: bool) -> Result<()> {
    let out = |s: String| crate::commands::out::line(format_args!("{s}"));
    let _held = setup_lock()?;
    if undo {
        let mods = routing::undo_setup().map_err(crate::error::Error::machine)?;
        if mods.is_empty() {
            let none = || format!("no `{}` sink to remove", routing::SETUP_SINK);
            out(routing::left_foreign_sink().unwrap_or_else(none))?;
        } else {
            out(format!(
                "removed the `{}` sink (module {}); apps that played into it moved to the default output",
                routing::SETUP_SINK,
                mods.join(", ")
            ))?;
        }
        return Ok(());
    }
    let (verb, module) = match routing::setup() {
        Ok(routing::Setup::Created { module }) => ("created", module),
        Ok(routing::Setup::AlreadyThere { module }) => ("already there:", module),
        // The user's own sink of our name: theirs to remove or use (exit 2), not a failure.
        Err(routing::SetupError::NotOurs(m)) => return Err(Error::new(Class::Input, m)),
        Err(routing::SetupError::Failed(m)) => return Err(Error::machine(m)),
    };
    let s = routing::SETUP_SINK;
    out(format!("{verb} a virtual sink `{s}` (pactl module {module}).\n\n\
        Route an app into it:\n  \
        pavucontrol: Playback tab, the app's output -> {s}\n  \
        or: pactl list short sink-inputs       (find the app's id)\n      \
        pactl move-sink-input ID {s}\n  \
        or start it with PULSE_SINK={s}, e.g. PULSE_SINK={s} firefox\n\n\
        Then listen:\n  iemsim live --input {s}.monitor -a iem:moondrop-ssr -b iem:etymotic-er4sr\n\n\
        Undo:\n  iemsim live --setup --undo             (or: pactl unload-module {module})"))?;
    Ok(())
}

/// `--setup` and `--undo` one at a time: an exclusive lock on `iemsim-setup.lock` in the runtime
/// folder (else iemsim's data folder), held until the file drops, and the check for a sink made
/// under it. Three `--setup` at once each saw no sink and loaded one, and the server named them
/// iemsim, iemsim.2 and iemsim.3. `None` when the system has neither folder.
fn setup_lock() -> Result<Option<std::fs::File>> {
    let Some(dir) = dirs::runtime_dir().or_else(|| dirs::data_dir().map(|d| d.join("iemsim")))
    else {
        return Ok(None);
    };
    let path = dir.join("iemsim-setup.lock");
    let what = || format!("cannot lock {}", path.display());
    std::fs::create_dir_all(&dir).with_context(what)?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(what)?;
    crate::io::lock_exclusive(&file).with_context(what)?;
    Ok(Some(file))
}

/// A line of `--no-tui` output: JSON or text.
fn emit(json_mode: bool, v: serde_json::Value, text: String) -> Result<()> {
    Ok(super::out::event(json_mode, &v, &text)?)
}

/// The sides' loudness as heard: window loudness at 0 dB plus the gain now.
fn heard_lufs(s: &LiveSession) -> [f64; 2] {
    let (l, g) = (s.window_lufs(), s.gains_db());
    [l[0] + g[0], l[1] + g[1]]
}

/// `v` in JSON, null when it is not finite (JSON has no infinity).
fn finite(v: f64) -> serde_json::Value {
    json!(Some(v).filter(|v| v.is_finite()))
}

/// The first line of `--no-tui`: both devices and both sides.
fn start_line(s: &LiveSession, json_mode: bool) -> Result<()> {
    let db = crate::ui::fmt::db;
    emit(
        json_mode,
        json!({
            "event": "start",
            "input": s.input_name, "input_rate_hz": s.input_rate, "input_channels": s.input_channels,
            "device": s.device_name, "rate_hz": s.device_rate, "channels": s.device_channels,
            "buffer_frames": s.buffer_frames,
            "target_fill_ms": s.target_fill_frames as f64 / f64::from(s.device_rate) * 1e3,
            "a": s.sides[0], "b": s.sides[1],
            "matching": s.ctl.matching(),
            "gain_db": s.gains_db(),
        }),
        format!(
            "live: {} ({} Hz, {} ch) -> {} ({} Hz, {} frames/buffer); A = {} ({} dB), B = {} ({} dB), loudness matching {}",
            s.input_name, s.input_rate, s.input_channels, s.device_name, s.device_rate,
            s.buffer_frames.map_or("?".into(), |b| b.to_string()),
            s.sides[0].profile, db(s.gains_db()[0]), s.sides[1].profile, db(s.gains_db()[1]),
            if s.ctl.matching() { "on" } else { "off" },
        ),
    )
}

/// Switches the live side and says so, once the engine has taken the switch (its stream position
/// is the switch's).
fn switch_line(live: &Live, played: f64, json_mode: bool) -> Result<()> {
    let s = &live.session;
    let to = s.ctl.live().other();
    let at = s.ctl.switch_and_wait(to, Duration::from_millis(500));
    let stream_s = at as f64 / f64::from(s.device_rate);
    let (g, l, h) = (s.gains_db(), s.window_lufs(), heard_lufs(s));
    let db = crate::ui::fmt::db;
    let [underruns, overruns, _] = live.counts();
    emit(
        json_mode,
        json!({
            "event": "switch", "t_s": played, "to": to,
            "profile": s.sides[to.index()].profile,
            "stream_s": stream_s,
            "gain_db": g,
            "window_lufs": [finite(l[0]), finite(l[1])],
            "heard_lufs": [finite(h[0]), finite(h[1])],
            "holding": s.holding(),
            "underruns": underruns, "overruns": overruns,
            "latency": s.latency(),
        }),
        format!(
            "{played:7.3} s  -> {} ({})  gains A {} dB, B {} dB; heard A {:.1} LUFS, B {:.1} LUFS{}",
            to.label(), s.sides[to.index()].profile, db(g[0]), db(g[1]), h[0], h[1],
            if s.holding() { " (holding)" } else { "" },
        ),
    )
}

/// IEMSIM_LIVE_TRACE=1: the rings and the drift ratio on stderr (soak runs).
fn trace_line(s: &LiveSession, played: f64) {
    let l = s.latency();
    crate::io::diag::diag!(
        "trace {played:.2} s: captured {} frames, rendered {}, output ring {:.1} ms, \
         capture ring {:.1} ms, ratio {:.5}, {:?}",
        s.stats.frames_in.load(std::sync::atomic::Ordering::Relaxed),
        s.frames_rendered(),
        l.output_ring_s * 1e3,
        l.capture_ring_s * 1e3,
        s.drift_ratio(),
        s.glitches(),
    );
}

/// The last line of `--no-tui`: the counts over the whole run and the latency measured now.
fn end_line(live: &Live, played: f64, json_mode: bool) -> Result<()> {
    let s = &live.session;
    let lat = s.latency();
    let (g, h) = (s.gains_db(), heard_lufs(s));
    let [u, o, resyncs] = live.counts();
    emit(
        json_mode,
        json!({
            "event": "end", "t_s": played,
            "frames_rendered": s.frames_rendered(),
            "underruns": u, "overruns": o,
            "resyncs": resyncs, "restarts": live.reconnect.restarted,
            "glitches": s.glitches(),
            "frames_captured": s.stats.frames_in.load(std::sync::atomic::Ordering::Relaxed),
            "latency": lat,
            "drift_ratio": s.drift_ratio(),
            "clock_drift_ppm": s.clock_drift_ppm(),
            "gain_db": g,
            "heard_lufs": [finite(h[0]), finite(h[1])],
            "load_pct": s.ctl.load_pct(),
        }),
        format!(
            "done after {played:.3} s; {u} underruns, {o} overruns, {} resyncs; latency {:.1} ms measured \
             (capture {:.1} + rings {:.1} + resampler {:.1} + output {:.1}); {}; callback load {:.2}%",
            resyncs, lat.total_s * 1e3, lat.capture_s * 1e3, (lat.capture_ring_s + lat.output_ring_s) * 1e3,
            lat.resampler_s * 1e3, lat.output_s * 1e3, drift_words(s.clock_drift_ppm()), s.ctl.load_pct(),
        ),
    )
}

/// The clocks' drift for the last line: measured once the correction has settled, 3 minutes
/// in (before, the resampling ratio is mostly the start-up's buffer fill, not the clocks).
fn drift_words(ppm: Option<f64>) -> String {
    match ppm {
        Some(ppm) => format!("clock drift corrected {ppm:+.0} ppm"),
        None => "clock drift not measured (it takes 3 minutes)".to_string(),
    }
}

fn scripted(live: &mut Live, args: &LiveArgs, signals: &Signals) -> Result<()> {
    let json_mode = args.report.json;
    let duration = args.duration.unwrap_or(0.0);
    start_line(&live.session, json_mode)?;
    let trace = std::env::var_os("IEMSIM_LIVE_TRACE").is_some();
    let t0 = Instant::now();
    let mut next_switch = args.switch_every;
    let mut played;
    let mut down_before_s = 0.0;
    loop {
        if let Some(news) = live.check()? {
            let t = t0.elapsed().as_secs_f64();
            match news {
                Reconnect::Waiting(why) => emit(
                    json_mode,
                    json!({"event": "lost", "t_s": t, "reason": why}),
                    format!("{t:7.3} s  lost the audio devices ({why}); opening them again"),
                )?,
                Reconnect::Back(why) => {
                    // This outage's, from the loss being noticed to the devices running again.
                    let down_s = live.reconnect.time_down().as_secs_f64() - down_before_s;
                    down_before_s += down_s;
                    emit(
                        json_mode,
                        json!({"event": "restart", "t_s": t, "down_s": down_s, "reason": why}),
                        format!(
                            "{t:7.3} s  restarted the audio devices after {down_s:.1} s without them"
                        ),
                    )?
                }
            }
        }
        if signals.caught() {
            return crate::error::check_interrupted();
        }
        played = t0.elapsed().as_secs_f64();
        if played >= duration {
            break;
        }
        if let Some(at) = next_switch.filter(|&at| played >= at) {
            switch_line(live, played, json_mode)?;
            next_switch = Some(at + args.switch_every.unwrap_or(f64::INFINITY));
        }
        if trace && (played * 2.0).fract() < 0.005 {
            trace_line(&live.session, played);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    live.reconnect.check_back()?;
    end_line(live, played, json_mode)
}

/// What a key asks of the loop: true to quit.
fn on_key(live: &mut Live, panel: &mut Panel, key: crossterm::event::KeyEvent) -> bool {
    let action = match panel.key(key, tui::Mode::Play, |p| live.load(p)) {
        Key::Quit => return true,
        Key::Done => return false,
        Key::Act(action) => action,
    };
    let s = &live.session;
    match action {
        Action::TogglePause => {
            s.ctl.toggle_pause();
        }
        Action::Select(tui::Live::A) => s.ctl.set_live(Side::A),
        Action::Select(tui::Live::B) => s.ctl.set_live(Side::B),
        Action::Toggle => s.ctl.set_live(s.ctl.live().other()),
        Action::ToggleMatch => s.ctl.set_matching(!s.ctl.matching()),
        // Seeking and loops belong to files (`play`).
        _ => {}
    }
    false
}

/// The screen's view of the session now.
fn view<'a>(live: &'a Live, panel: &'a Panel) -> LiveView<'a> {
    let s = &live.session;
    let [underruns, overruns, _] = live.counts();
    LiveView {
        input: &s.input_name,
        device: &s.device_name,
        live: s.ctl.live().label(),
        profiles: s.sides.each_ref().map(|d| d.profile.as_str()),
        descriptions: s.sides.each_ref().map(|d| d.description.as_str()),
        gain_db: s.gains_db(),
        window_lufs: s.window_lufs(),
        momentary_lufs: s.momentary_lufs(),
        matching: s.ctl.matching(),
        holding: s.holding(),
        paused: s.ctl.paused(),
        level_dbfs: panel.levels,
        latency_ms: s.latency().total_s * 1e3,
        underruns,
        overruns,
        drift_ppm: s.clock_drift_ppm(),
        load_pct: s.ctl.load_pct(),
        show_help: panel.show_help,
        message: panel.message.text(),
        loadable: panel.all.len(),
    }
}

/// The live screen, on the terminal as `play`'s (`session::on_terminal`: a terminal gone ends
/// it with exit code 0).
fn screen_loop(
    live: &mut Live,
    signals: &Signals,
    tty: &TtyWatch,
    guard: &mut TerminalGuard,
) -> Result<()> {
    // Keys 1-9: the built-ins, then the user's own profiles (as in `play`).
    let mut panel = Panel::new(live.hp.as_ref(), None, Duration::from_secs(6));
    loop {
        if let Some(news) = live.check()? {
            panel.tell(news.message("audio devices"));
        }
        if signals.caught() {
            return Ok(());
        }
        panel.follow(live.session.ctl.take_levels_dbfs());
        guard.terminal().draw(|f| {
            tui::draw_live(f, &view(live, &panel));
            panel.draw_picker(f);
        })?;
        let Some(mut keys) = tty.keys(Duration::from_millis(33))? else {
            return Ok(());
        };
        guard.suspend_if_asked(&mut keys)?;
        for key in keys {
            if on_key(live, &mut panel, key) {
                return Ok(());
            }
        }
    }
}
