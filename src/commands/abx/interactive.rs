//! The interactive ABX: the listener switches freely between A, B and X on the real-time player
//! (click-free crossfades, loudness matching always on) and answers on the ABX screen.
//!
//! Blindness rules kept here: X is not an engine side, it is routed to the hidden side of the
//! trial in progress; the screen gets only an [`AbxView`], which has no field that depends on X;
//! per-trial results are handed to it only once the last trial is answered; and every step of
//! starting a trial (routing, seeking to the loop start) is the same call whatever X is. The one
//! difference left is inherent to ABX and is what the listener judges: switching from A to X
//! makes no crossfade when X is A.
//!
//! The screen opens at once on an intro: the player starts on estimated gains, the exact
//! loudness pass runs behind it with its progress on screen (the input's SHA-256 for the log
//! too, which nothing waits for before the end), and the trials can start only once the gains heard are final (exact and no glide
//! left), so no level moves during a trial. Before that there is no X: the listener may hear A
//! and B, whose gains moving tells nothing about a hidden side. A cached loudness is final at
//! once.

use super::{finish_session, hidden_source, print_report, Setup};
use crate::abx::{AbxSession, Choice};
use crate::commands::session::{opening_notes, toggle_loop, Messages, MESSAGE_FOR};
use crate::error::Error;
use crate::error::Result;
use crate::playback::engine::Side;
use crate::playback::player::{display_name, MatchState, Player, PlayerConfig};
use crate::ui::tui::{
    self, hangup, AbxIntro, AbxView, Action, Live, Mode, StatusView, TerminalGuard,
};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Runs the session on the player, logs it (completed or abandoned, also when the device fails
/// mid-session) and prints the score once the terminal is restored.
pub fn run(setup: &Setup, device: Option<&str>, buffer_frames: Option<u32>) -> Result<()> {
    // Checked before the device opens, so a pipe or a script gets one clear line.
    if !crate::commands::session::terminal_at_hand() {
        return Err(Error::usage(
            "--no-tui",
            "interactive ABX needs a terminal; for scripts use --no-tui --answers a,b,...",
        ));
    }
    let mut player = crate::commands::start_player(PlayerConfig {
        input: setup.input.clone(),
        profiles: [setup.profile_a.clone(), setup.profile_b.clone()],
        device: device.map(str::to_string),
        buffer_frames,
        matching: true,
        start_s: 0.0,
        loop_s: None,
        quiet: false,
        // The intro screen opens at once; trials wait for the exact gains (see above).
        exact_first: false,
        cache: setup.cache,
    })?;
    player.exact_is_awaited();
    // Before the screen hides them, at the rate the filters run at, the device's (`prepare`
    // opened none): the file resampled, and the filters dropped there.
    let profiles = [&setup.profile_a, &setup.profile_b];
    for line in super::device_lines(&player.notes, profiles, player.device_rate) {
        crate::io::diag::diag!("{line}");
    }
    let mut session = AbxSession::new(setup.trials, hidden_source(setup.seed));
    let hangup = hangup::Signals::install();
    let mut started = Started {
        hash: Some(super::spawn_input_sha256(&setup.input)),
        sha256: None,
        gains: None,
    };
    let (outcome, terminal_gone) = screen(&mut player, &mut session, setup, &hangup, &mut started);
    player.stop();
    let Some(gains) = started.gains else {
        // Quit, stopped by a signal (or the screen failed) before the first trial: there is no
        // session to log. A signal sets the exit code (128 + n) as it does mid-session.
        let outcome = outcome.and_then(|()| {
            crate::error::check_interrupted()
                .map_err(|e| e.note("before the first trial: nothing logged"))
        });
        if outcome.is_ok() && !terminal_gone {
            crate::io::diag::diag!("iemsim: quit before the first trial: nothing logged");
        }
        return outcome;
    };
    let setup = &Setup {
        file_sha256: started.sha256()?,
        ..setup.clone()
    };
    let (record, logged) = finish_session(setup, &session, gains);
    // With the terminal gone there is nobody to print to (and println! would panic).
    if terminal_gone {
        return logged.and_then(|_| crate::error::check_interrupted());
    }
    drop(hangup);
    // The score first, whatever happened to its log line: a finished session is never lost.
    print_report(setup, &record, &session.verdict(), logged.is_ok())?;
    // A failed session's own error is the one returned; a log error with it is said here.
    if let (Err(_), Err(log_err)) = (&outcome, &logged) {
        crate::io::diag::diag!("iemsim: {log_err:#}");
    }
    outcome
        .and(logged)
        .and_then(|()| crate::error::check_interrupted())
}

/// The engine side that plays when the listener has chosen `listening`.
fn route(listening: Live, hidden: Choice) -> Side {
    match (listening, hidden) {
        (Live::A, _) | (Live::X, Choice::A) => Side::A,
        (Live::B, _) | (Live::X, Choice::B) => Side::B,
    }
}

/// A → B → X → A (Tab).
fn cycle(l: Live) -> Live {
    match l {
        Live::A => Live::B,
        Live::B => Live::X,
        Live::X => Live::A,
    }
}

/// What the session gets during the intro, and its log at the end.
struct Started {
    /// The input's SHA-256 being taken (for the log), until it is in `sha256`. A long file
    /// takes seconds (1.4-2.8 s for 1 GB here): the trials do not wait for it.
    hash: Option<JoinHandle<Result<String>>>,
    sha256: Option<String>,
    /// The final matched gains (dB) the trials are heard at, once the first trial started.
    gains: Option<[f64; 2]>,
}

impl Started {
    fn join_hash(&mut self) -> Result<()> {
        if let Some(h) = self.hash.take() {
            let sha = h.join().map_err(|_| {
                crate::error::Error::machine("the file hashing thread stopped unexpectedly")
            })?;
            self.sha256 = Some(sha?);
        }
        Ok(())
    }

    /// The input's SHA-256, waiting for it if need be.
    fn sha256(&mut self) -> Result<String> {
        self.join_hash()?;
        self.sha256
            .clone()
            .ok_or_else(|| crate::error::Error::machine("the input was not hashed"))
    }
}

/// What the screen remembers between frames.
struct State {
    /// The hidden side of the trial in progress (after the last trial: of the last one); `None`
    /// on the intro, before the first trial.
    hidden: Option<Choice>,
    /// What the listener chose to hear: A, B or X.
    listening: Live,
    show_help: bool,
    /// Loop start marked by a first `l`.
    loop_mark: Option<f64>,
    /// Feedback on the loop keys (shown for [`MESSAGE_FOR`], as in `play`).
    message: Messages,
    /// Verdict and per-trial correctness, filled only after the last answer so nothing about
    /// past trials is on screen before.
    results: Option<(String, Vec<bool>)>,
    /// When the last answer key came (seconds into the session), taken or not: see
    /// [`ANSWER_GAP_S`].
    last_answer_key: Option<f64>,
}

/// An answer counts only this long after the answer key before it (taken or not): a held key
/// repeats (after 0.25-0.66 s, then some 30 times a second), and each repeat answered the next
/// trial, blind, before its X could be heard. 0.7 s is above the usual repeat delays (X11's
/// default is 0.66 s) and below the time it takes to listen to an X.
const ANSWER_GAP_S: f64 = 0.7;

/// The terminal UI. Returns when the listener quits (before or after the last trial), on SIGHUP
/// or SIGTERM, or when the terminal hangs up; errors are device, decoding or terminal failures.
/// The terminal is restored before it returns, however it ends, unless it is gone: then the
/// second value is true.
fn screen(
    player: &mut Player,
    session: &mut AbxSession,
    setup: &Setup,
    hangup: &hangup::Signals,
    started: &mut Started,
) -> (Result<()>, bool) {
    let opened = (|| -> Result<_> { Ok((hangup::TtyWatch::new()?, TerminalGuard::new()?)) })();
    let (tty, mut guard) = match opened {
        Ok(opened) => opened,
        Err(e) => return (Err(e), false),
    };
    let result = frames(&mut guard, &tty, player, session, setup, hangup, started);
    let gone = tty.gone();
    if gone {
        // Restoring would fail and report it on the dead terminal (a panic): before the session
        // is logged.
        guard.abandon();
    }
    (result, gone)
}

/// The frame loop of [`screen`].
fn frames(
    guard: &mut TerminalGuard,
    tty: &hangup::TtyWatch,
    player: &mut Player,
    session: &mut AbxSession,
    setup: &Setup,
    hangup: &hangup::Signals,
    started: &mut Started,
) -> Result<()> {
    let file = display_name(&player.input);
    let device = player.device_name.clone();
    let clock = Instant::now();
    // Printed before the screen too, where the full-screen UI hides it at once: it stays on the
    // message line whenever no other message is there. Depends only on --trials, never on X.
    let warning = super::trials_warning(setup.trials).map(|w| format!("warning: {w}"));
    // The same notes on the intro, one after another, as the play screen says them (the dropped
    // filters in one message). Like the warning, they depend on the profiles only, never on X.
    let said = super::said_at_file_rate(
        [&setup.profile_a, &setup.profile_b],
        setup.info.sample_rate,
        player.device_rate,
    );
    let mut notes = opening_notes(player, &said).into_iter();
    let mut message = Messages::new(notes.next(), Instant::now(), MESSAGE_FOR);
    notes.for_each(|n| message.tell(n, Instant::now()));
    let mut st = State {
        hidden: None,
        listening: Live::A,
        show_help: false,
        loop_mark: None,
        message,
        results: None,
        last_answer_key: None,
    };
    player.ctl.set_live(Side::A);
    loop {
        if let Some(news) = player.check()? {
            st.say(&news.message("audio device"));
        }
        // The hash, once its thread is done (an error, e.g. the file unreadable, ends the session).
        if started.hash.as_ref().is_some_and(JoinHandle::is_finished) {
            started.join_hash()?;
        }
        if st.hidden.is_none() && player.match_state() == MatchState::Exact {
            // Before any trial: a file without a loudness cannot be matched (see the scripted
            // mode's `matched_gains_db`).
            let lufs = [0, 1].map(|i| player.sides[i].loudness_lufs);
            super::require_loudness(&setup.input, lufs)?;
        }
        if hangup.caught() {
            return Ok(());
        }
        st.message.expire(Instant::now());
        let view = AbxView {
            file: &file,
            a: &setup.profile_a.name,
            b: &setup.profile_b.name,
            trial: session.trial_number() as usize,
            trials: session.planned() as usize,
            listening: st.listening,
            position_s: player.heard_s(),
            duration_s: player.duration_s(),
            loop_s: player.loop_s(),
            loop_pending_start: st.loop_mark,
            paused: player.ctl.paused(),
            device_lost: player.device_lost(),
            message: st.message.text().or(warning.as_deref()),
            answered: st.results.as_ref().map_or(&[], |(_, r)| r.as_slice()),
            finished: st.results.as_ref().map(|(v, _)| v.as_str()),
            show_help: st.show_help,
            intro: st.hidden.is_none().then(|| intro(player)),
            status: StatusView {
                device: &device,
                rate_hz: player.device_rate,
                buffer_frames: player.buffer_frames.unwrap_or(0),
                // Not drawn on this screen (it could differ with X's filters); see `AbxView`.
                load_pct: 0.0,
                underruns: player.underruns(),
            },
        };
        guard.terminal().draw(|f| tui::draw_abx(f, &view))?;
        if player.rewind_when_finished() {
            st.say("end of the file: space plays it again");
        }
        let Some(mut keys) = tty.keys(Duration::from_millis(33))? else {
            return Ok(());
        };
        guard.suspend_if_asked(&mut keys)?;
        for key in keys {
            let Some(action) = tui::key_to_action(key, Mode::Abx) else {
                continue;
            };
            let t = clock.elapsed().as_secs_f64();
            if st.handle(action, player, session, started, t)? {
                return Ok(());
            }
        }
    }
}

/// Plays again if paused (by space, or at the end of the file, which rewinds and pauses): a
/// new trial, or `a`/`b`/`x`, asks to listen; answered in silence, the trials after the end
/// of a short file were heard by no one.
fn resume(player: &Player) {
    if player.ctl.paused() {
        player.ctl.toggle_pause();
    }
}

/// The intro's state: the trials may start once the gains heard are final (exact, and no glide
/// left); from the cache, at once.
fn intro(player: &Player) -> AbxIntro {
    if player.gains_settled() {
        AbxIntro::Ready
    } else if player.match_state() == MatchState::Exact {
        AbxIntro::Analysing(1.0)
    } else {
        AbxIntro::Analysing(player.exact_progress())
    }
}

impl State {
    fn say(&mut self, text: &str) {
        self.message.say(text.to_string(), Instant::now());
    }

    /// Carries out one key's action at `t_s` seconds into the session; true when it quits.
    fn handle(
        &mut self,
        action: Action,
        player: &Player,
        session: &mut AbxSession,
        started: &mut Started,
        t_s: f64,
    ) -> Result<bool> {
        if self.show_help && action != Action::Quit {
            self.show_help = false;
            if matches!(action, Action::Help | Action::Back) {
                return Ok(false);
            }
        }
        match action {
            Action::Quit | Action::Back => return Ok(true),
            Action::Help => self.show_help = true,
            Action::TogglePause => {
                player.ctl.toggle_pause();
            }
            Action::Select(l) => self.select(l, player),
            Action::Toggle => self.toggle(player),
            Action::Start if self.hidden.is_none() => self.start(player, session, started, t_s)?,
            Action::Seek(d) => {
                if player.seek_by(d) {
                    self.loop_mark = None;
                    self.say("loop cleared: the seek went past its end");
                }
            }
            Action::ToggleLoop => {
                let text = toggle_loop(player, &mut self.loop_mark);
                self.say(&text);
            }
            Action::Answer(_) if self.hidden.is_none() => {
                self.say("no trial yet: press Enter to start the trials");
            }
            Action::Answer(l) if self.results.is_none() => {
                let held = (self.last_answer_key).is_some_and(|t| t_s - t < ANSWER_GAP_S);
                self.last_answer_key = Some(t_s);
                if held {
                    self.say("one answer per key press: listen to the new X, then answer");
                } else {
                    self.answer(l, player, session, t_s)?;
                }
            }
            // After the last trial X stays the last trial's X (its answer is on screen now);
            // the other actions do not exist on the ABX screen.
            Action::ToggleMatch => {
                self.say("loudness matching stays on in ABX: a level difference would give X away");
            }
            Action::Answer(_)
            | Action::Start
            | Action::Scroll(_)
            | Action::Choose(_)
            | Action::Pick
            | Action::Next
            | Action::Prev => {}
        }
        Ok(false)
    }

    /// `a`, `b`, `x`: listen to that one (no X before the trials start).
    fn select(&mut self, l: Live, player: &Player) {
        if self.hidden.is_none() && l == Live::X {
            return self.say("X is chosen when the trials start");
        }
        resume(player);
        self.listening = l;
        player
            .ctl
            .set_live(route(l, self.hidden.unwrap_or(Choice::A)));
    }

    /// Space: the next of A, B, X (A ⇄ B before the trials start).
    fn toggle(&mut self, player: &Player) {
        self.listening = match (self.hidden, self.listening) {
            (Some(_), l) => cycle(l),
            // No X yet: A ⇄ B.
            (None, Live::A) => Live::B,
            (None, _) => Live::A,
        };
        let hidden = self.hidden.unwrap_or(Choice::A);
        player.ctl.set_live(route(self.listening, hidden));
    }

    /// Enter on the intro: the first trial, once the gains heard are final (which are logged).
    fn start(
        &mut self,
        player: &Player,
        session: &mut AbxSession,
        started: &mut Started,
        t_s: f64,
    ) -> Result<()> {
        match intro(player) {
            AbxIntro::Ready => {
                // What the intro said ("X is chosen when the trials start") is over now.
                self.message = Messages::new(None, Instant::now(), MESSAGE_FOR);
                started.gains = Some([0, 1].map(|i| player.sides[i].gain_matched_db));
                self.next_trial(player, session, t_s)?;
            }
            AbxIntro::Analysing(p) => self.say(&format!(
                "the loudness analysis is at {:.0} %: the trials start with the final gains",
                p * 100.0
            )),
        }
        Ok(())
    }

    /// Starts a trial: the listener keeps hearing what they chose (X now being the new trial's
    /// X) from the loop's start. The same calls whatever X is.
    /// A new trial: the sound fades out and back in (from the loop's start, else where it was)
    /// and the new route is taken in the silence between. Heard the same whatever X is: a
    /// crossfade from the old X to the new one (or none, when they were the same side) told the
    /// listener whether X had changed.
    fn next_trial(&mut self, player: &Player, session: &mut AbxSession, t_s: f64) -> Result<()> {
        let hidden = session.start_trial(t_s)?;
        self.hidden = Some(hidden);
        let from = player
            .loop_s()
            .map_or_else(|| player.position_s(), |(a, _)| a);
        // The seek first: the engine sees the switch with it (see `Engine::poll_control`).
        let _ = player.seek_s(from);
        player.ctl.set_live(route(self.listening, hidden));
        resume(player);
        Ok(())
    }

    /// The answer to the trial in progress: the next trial, or after the last the results.
    fn answer(
        &mut self,
        l: Live,
        player: &Player,
        session: &mut AbxSession,
        t_s: f64,
    ) -> Result<()> {
        let answer = match l {
            Live::A => Choice::A,
            Live::B => Choice::B,
            Live::X => return Ok(()),
        };
        session.answer(answer, t_s)?;
        if session.finished() {
            let correct = session.trials().iter().map(|t| t.correct).collect();
            self.results = Some((session.verdict().text, correct));
            Ok(())
        } else {
            self.next_trial(player, session, t_s)
        }
    }
}
