//! The terminal UI loop of `iemsim play` and `iemsim demo` (with a [`DemoScreen`], ending in an
//! [`Outcome`]): glue shared by two commands, so it sits beside them rather than inside either
//! (a command does not call another command's internals). The only part that owns the terminal.

use crate::dsp::{DroppedFilter, FilterError, Profile};
use crate::error::{Context, Error, Result};
use crate::playback::engine::Side;
use crate::playback::player::{display_name, underrun_advice, MatchState, Player, MIN_LOOP_S};
use crate::profiles::headphones::Correction;
use crate::profiles::iems;
use crate::ui::fmt::clock_tenths;
use crate::ui::tui::hangup::{Signals, TtyWatch};
use crate::ui::tui::{self, Action, Live, Mode, PlayView, SideView, StatusView, TerminalGuard};
use crossterm::event::KeyEvent;
use std::time::{Duration, Instant};

/// Demo context shown in the play screen.
pub struct DemoScreen<'a> {
    pub text: &'a str,
    pub part: (usize, usize, &'a str),
    /// Keys typed after the one that ended the previous part (`n q` in one burst): handled
    /// first, and the keys after the one that ends this part are left here for the next.
    pub keys: &'a mut Vec<KeyEvent>,
}

/// Why the interactive screen returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Quit,
    Next,
    Prev,
}

/// The terminal UI loop of `play`. Restores the terminal however it ends, except when the
/// terminal is gone (a killed tmux or ssh session): then it is abandoned and the outcome is
/// `Quit` whatever stopped the loop, as there is nobody left to show an error to. SIGHUP and
/// SIGTERM end the loop like `q`; see `tui::hangup`. The demo holds one terminal for all of its
/// parts ([`demo_part`]).
pub fn interactive(player: &mut Player) -> Result<Outcome> {
    let Some(result) = on_terminal(|s, t, g| Screen::new(player, None).run(player, s, t, g))?
    else {
        return Ok(Outcome::Quit);
    };
    // The screen said them for seconds only; `play` leaves each in full on stderr, as `abx` and
    // `play --no-tui` do (the demo's parts would repeat theirs at every part).
    for n in &player.notes {
        crate::io::diag::diag!("iemsim: note: {n}");
    }
    result
}

/// One part of the demo on the terminal the demo holds for all of its parts ([`on_terminal`]).
pub fn demo_part(
    player: &mut Player,
    demo: DemoScreen,
    (signals, tty, guard): (&Signals, &TtyWatch, &mut TerminalGuard),
) -> Result<Outcome> {
    Screen::new(player, Some(demo)).run(player, signals, tty, guard)
}

/// Runs `screen` on the terminal, which is restored however the screen ends, except when the
/// terminal is gone (a killed tmux or ssh session): then it is abandoned, since restoring it
/// panics (ratatui reports the cursor it cannot show with `eprintln!` to the dead terminal; the
/// run ended with exit code 101), and `None` says so: there is nobody left to show anything to.
pub(crate) fn on_terminal<T>(
    screen: impl FnOnce(&Signals, &TtyWatch, &mut TerminalGuard) -> Result<T>,
) -> Result<Option<Result<T>>> {
    let signals = Signals::install();
    let tty = TtyWatch::new().context("cannot open the terminal")?;
    let mut guard = TerminalGuard::new()?;
    let result = screen(&signals, &tty, &mut guard);
    if tty.gone() {
        guard.abandon();
        return Ok(None);
    }
    drop(guard);
    Ok(Some(result))
}

/// What the play, demo and ABX screens say at the start, one message after another: each note of
/// the player's not in `said` (told before the screen), but the filters dropped at the device's
/// rate in one message ([`dropped_summary`]). Only the first note was shown: the other dropped
/// filters were said nowhere.
pub fn opening_notes(player: &Player, said: &[String]) -> Vec<String> {
    let rate = player.device_rate;
    let mut dropped: Vec<(String, Vec<DroppedFilter>)> = Vec::new();
    // Every dropped filter's own message is left out of the notes, said or not.
    let mut told = said.to_vec();
    for p in [Side::A, Side::B].map(|s| player.profile(s)) {
        let mut ds = p.dropped(f64::from(rate));
        told.extend(ds.iter().map(|d| d.message(&p.name)));
        ds.retain(|d| !said.contains(&d.message(&p.name)));
        // A headphone correction's filters are its own, by its numbers, and told once: both
        // sides play through the one correction.
        let (theirs, own): (Vec<_>, Vec<_>) = ds.into_iter().partition(|d| d.correction.is_some());
        dropped.push((p.name.clone(), own));
        if let Some(owner) = theirs.first().map(|d| d.owner(&p.name)) {
            if !dropped.iter().any(|(name, _)| *name == owner) {
                dropped.push((owner, theirs));
            }
        }
    }
    let mut notes: Vec<String> = player
        .notes
        .iter()
        .filter(|n| !told.contains(n))
        .cloned()
        .collect();
    notes.extend(dropped_summary(&dropped, rate));
    notes
}

/// One message for the filters dropped at the device's `rate_hz`: a single one in the words every
/// command uses, several as "6 filters dropped, …: ba 4 (PK 8605 Hz), 5 (…); dd 2 (…)" (a
/// headphone correction's under its own name: "the headphone correction 'hp.txt' 2 (…)").
fn dropped_summary(dropped: &[(String, Vec<DroppedFilter>)], rate_hz: u32) -> Option<String> {
    let all: Vec<(&str, &DroppedFilter)> = dropped
        .iter()
        .flat_map(|(name, ds)| ds.iter().map(move |d| (name.as_str(), d)))
        .collect();
    match all.as_slice() {
        [] => return None,
        [(name, d)] => return Some(d.message(name)),
        _ => {}
    }
    let why = if all
        .iter()
        .all(|(_, d)| matches!(d.reason, FilterError::AboveNyquist { .. }))
    {
        format!(
            "at or above the Nyquist frequency ({} Hz) of the device's {rate_hz} Hz",
            f64::from(rate_hz) / 2.0
        )
    } else {
        format!("unusable at the device's {rate_hz} Hz")
    };
    let per_profile: Vec<String> = dropped
        .iter()
        .filter(|(_, ds)| !ds.is_empty())
        .map(|(name, ds)| {
            let filters: Vec<String> = ds
                .iter()
                .map(|d| format!("{} ({} {} Hz)", d.index, d.spec.kind.short(), d.spec.fc_hz))
                .collect();
            format!("{name} {}", filters.join(", "))
        })
        .collect();
    Some(format!(
        "{} filters dropped, {why}: {}",
        all.len(),
        per_profile.join("; ")
    ))
}

/// What the play and live screens say at the start when files in the user's profile folder
/// could not be used (they are left out of keys 1-9 and the picker; `iemsim profiles` lists
/// why, and loading one by name says why).
fn unusable_note(problems: &[String]) -> Option<String> {
    match problems.len() {
        0 => None,
        1 => Some(format!("left out of your profiles: {}", problems[0])),
        n => Some(format!(
            "{n} files in your profile folder could not be used; `iemsim profiles` says why"
        )),
    }
}

/// How long a transient message stays up.
pub const MESSAGE_FOR: Duration = Duration::from_secs(4);

/// The transient message line of the play, demo, live and ABX screens: the answer to a key replaces
/// what is up at once; what the player says on its own (underrun advice, a failed load, a device
/// restart) waits until the message up has had its time, so the answer to a key is never
/// replaced before it can be read.
#[derive(Debug)]
pub struct Messages {
    up: Option<(String, Instant)>,
    later: std::collections::VecDeque<String>,
    /// How long each message stays up.
    shown_for: Duration,
}

impl Messages {
    pub fn new(first: Option<String>, now: Instant, shown_for: Duration) -> Self {
        Self {
            up: first.map(|m| (m, now)),
            later: Default::default(),
            shown_for,
        }
    }

    pub fn say(&mut self, text: String, now: Instant) {
        self.up = Some((text, now));
    }

    pub fn tell(&mut self, text: String, now: Instant) {
        if self.up.is_some() {
            self.later.push_back(text);
        } else {
            self.say(text, now);
        }
    }

    /// Takes down a message that has been up for its time; puts up the next one waiting.
    pub fn expire(&mut self, now: Instant) {
        if self
            .up
            .as_ref()
            .is_some_and(|(_, t)| now.duration_since(*t) > self.shown_for)
        {
            self.up = self.later.pop_front().map(|m| (m, now));
        }
    }

    pub fn text(&self) -> Option<&str> {
        self.up.as_ref().map(|(m, _)| m.as_str())
    }
}

/// `l` in play, demo and ABX: clears the loop; or marks its start; or, at least [`MIN_LOOP_S`]
/// after the mark, sets it. Returns what to say. The messages depend only on positions the
/// listener chose, never on ABX's X.
pub fn toggle_loop(player: &Player, mark: &mut Option<f64>) -> String {
    if player.loop_s().is_some() {
        player.set_loop(None);
        *mark = None;
        "loop cleared".to_string()
    } else if let Some(m) = mark.take() {
        match crate::playback::player::loop_between(m, player.heard_s()) {
            Some((a, b)) => {
                player.set_loop(Some((a, b)));
                format!("looping {}–{}", clock_tenths(a), clock_tenths(b))
            }
            None => format!("a loop must be at least {MIN_LOOP_S} s long"),
        }
    } else {
        *mark = Some(player.heard_s());
        "loop start marked; press l again at the end".to_string()
    }
}

/// What the play, demo and live screens all keep between frames: the profiles on offer, the
/// open picker, the help overlay, the level meters and the transient message; and the keys they
/// handle alike.
pub(crate) struct Panel {
    /// The profiles keys 1-9 load, in key order: the built-ins, then the user's own profiles
    /// (the same list `iemsim profiles` shows), through the headphone correction.
    pub(crate) all: Vec<Profile>,
    /// What the picker offers (`all`, then every per-IEM profile).
    entries: Vec<tui::PickerEntry>,
    /// The headphone correction every profile loaded goes through.
    hp: Option<Correction>,
    picker: Option<tui::Picker>,
    pub(crate) show_help: bool,
    pub(crate) levels: [f64; 2],
    pub(crate) message: Messages,
}

/// What [`Panel::key`] made of a key.
pub(crate) enum Key {
    /// The key ends the screen.
    Quit,
    /// The panel handled it (or it means nothing here).
    Done,
    /// An action for the screen itself.
    Act(Action),
}

impl Panel {
    /// `first`: the message up at the start (shown for `shown_for`, as every one after it);
    /// profile files that could not be used are told after it.
    pub(crate) fn new(hp: Option<&Correction>, first: Option<String>, shown_for: Duration) -> Self {
        let (listed, unusable) = crate::profiles::all();
        let all: Vec<Profile> = listed
            .into_iter()
            .map(|l| crate::profiles::headphones::through(hp, l.profile))
            .collect();
        let mut panel = Panel {
            entries: picker_entries(&all),
            all,
            hp: hp.cloned(),
            picker: None,
            show_help: false,
            levels: [f64::NEG_INFINITY; 2],
            message: Messages::new(first, Instant::now(), shown_for),
        };
        if let Some(note) = unusable_note(&unusable) {
            panel.tell(note);
        }
        panel
    }

    /// Shows `text` as the transient message: the answer to a key, at once.
    pub(crate) fn say(&mut self, text: impl Into<String>) {
        self.message.say(text.into(), Instant::now());
    }

    /// Shows what the player says: at once when no message is up, else after it.
    pub(crate) fn tell(&mut self, text: String) {
        self.message.tell(text, Instant::now());
    }

    /// Once a frame: the output levels (`peaks`, dBFS, since the last frame) into the meters;
    /// and lets an old message go.
    pub(crate) fn follow(&mut self, peaks: [f64; 2]) {
        for (l, n) in self.levels.iter_mut().zip(peaks) {
            // Peak meter with a fall-back of about 20 dB/s at 30 frames/s.
            *l = n.max(*l - 0.7);
        }
        self.message.expire(Instant::now());
    }

    /// One key: the picker takes every key while it is open (letters are its query); otherwise
    /// the help overlay, quitting, the picker and digit `i + 1` (the `i`th profile on offer) are
    /// handled here, the rest is the screen's. A chosen profile goes to `load`, which loads it
    /// into the live side and returns what to say.
    pub(crate) fn key(
        &mut self,
        key: KeyEvent,
        mode: Mode,
        load: impl FnOnce(Profile) -> String,
    ) -> Key {
        if let Some(picker) = self.picker.as_mut() {
            match picker.key(key, &self.entries) {
                tui::PickerInput::Open => {}
                tui::PickerInput::Cancel => self.picker = None,
                tui::PickerInput::Quit => return Key::Quit,
                tui::PickerInput::Choose(i) => {
                    self.picker = None;
                    let name = &self.entries[i].name;
                    // Per-IEM profiles are resolved on demand: through the same headphone
                    // correction as every other side.
                    let profile = match self.all.iter().find(|p| &p.name == name) {
                        Some(p) => Ok(p.clone()),
                        None => super::resolve_through(self.hp.as_ref(), name, None),
                    };
                    self.say(profile.map_or_else(|e| e.to_string(), load));
                }
            }
            return Key::Done;
        }
        let Some(action) = tui::key_to_action(key, mode) else {
            return Key::Done;
        };
        if self.show_help && action != Action::Quit {
            self.show_help = false;
            if matches!(action, Action::Help | Action::Back) {
                return Key::Done;
            }
        }
        match action {
            Action::Quit | Action::Back => return Key::Quit,
            Action::Pick => self.picker = Some(tui::Picker::default()),
            Action::Help => self.show_help = true,
            Action::Choose(i) => {
                let text = match self.all.get(i) {
                    Some(p) => load(p.clone()),
                    None => format!("no profile on key {}", i + 1),
                };
                self.say(text);
            }
            action => return Key::Act(action),
        }
        Key::Done
    }

    /// Draws the picker, when open, over the screen.
    pub(crate) fn draw_picker(&self, f: &mut ratatui::Frame) {
        if let Some(p) = &self.picker {
            tui::draw_picker(f, f.area(), p, &self.entries);
        }
    }
}

/// What the play / demo screen keeps between frames besides the player and the [`Panel`]: a
/// loop start waiting for its end and the demo text's scroll.
struct Screen<'a> {
    demo: Option<DemoScreen<'a>>,
    mode: Mode,
    device: String,
    panel: Panel,
    loop_mark: Option<f64>,
    /// Demo text rows scrolled away; each part is a call of its own, so it starts at the top.
    text_scroll: u16,
    underruns_told: bool,
}

impl<'a> Screen<'a> {
    fn new(player: &Player, demo: Option<DemoScreen<'a>>) -> Self {
        let mode = if demo.is_some() {
            Mode::Demo
        } else {
            Mode::Play
        };
        // A resampled file and the filters dropped at the device's rate are said first.
        let mut notes = opening_notes(player, &[]).into_iter();
        let mut panel = Panel::new(player.headphones.as_ref(), notes.next(), MESSAGE_FOR);
        notes.for_each(|n| panel.tell(n));
        Screen {
            demo,
            mode,
            device: player.device_name.clone(),
            panel,
            loop_mark: None,
            text_scroll: 0,
            underruns_told: false,
        }
    }

    /// Frame after frame (about 30 a second): follow the player, draw, handle the keys typed
    /// meanwhile, until a key, a signal, a player error or the terminal's end stops it.
    fn run(
        &mut self,
        player: &mut Player,
        signals: &Signals,
        tty: &TtyWatch,
        guard: &mut TerminalGuard,
    ) -> Result<Outcome> {
        let mut queued = self
            .demo
            .as_mut()
            .map(|d| std::mem::take(d.keys))
            .unwrap_or_default();
        loop {
            if let Some(news) = player.check()? {
                self.panel.tell(news.message("audio device"));
            }
            if signals.caught() {
                return Ok(Outcome::Quit);
            }
            self.follow(player);
            self.draw(player, guard)?;
            if player.rewind_when_finished() {
                let next = match &self.demo {
                    Some(d) if d.part.0 + 1 < d.part.1 => ", n the next part",
                    _ => "",
                };
                self.panel
                    .say(format!("end of the file: space plays it again{next}"));
            }
            let mut keys = if queued.is_empty() {
                let Some(keys) = tty.keys(Duration::from_millis(33))? else {
                    return Ok(Outcome::Quit);
                };
                keys
            } else {
                std::mem::take(&mut queued)
            };
            guard.suspend_if_asked(&mut keys)?;
            for (k, &key) in keys.iter().enumerate() {
                if let Some(outcome) = self.handle(player, key) {
                    if let Some(d) = self.demo.as_mut() {
                        d.keys.extend_from_slice(&keys[k + 1..]);
                    }
                    return Ok(outcome);
                }
            }
        }
    }

    /// Takes what the player has to say: underrun advice (once), its notices, the output levels;
    /// and lets an old message go.
    fn follow(&mut self, player: &mut Player) {
        let underruns = player.underruns_to_advise();
        if underruns > 0 && !self.underruns_told {
            // Once, when they start: the status line's red count alone does not say why.
            self.underruns_told = true;
            self.panel
                .tell(underrun_advice(underruns, player.buffer_frames));
        }
        if let Some(notice) = player.take_notice() {
            self.panel.tell(notice);
        }
        self.panel.follow(player.ctl.take_levels_dbfs());
    }

    /// Draws one frame: the play screen from the player's state, the picker over it when open.
    fn draw(&mut self, player: &Player, guard: &mut TerminalGuard) -> Result<()> {
        let live = match player.ctl.live() {
            Side::A => Live::A,
            Side::B => Live::B,
        };
        let s = &player.sides;
        let gain = |i: usize| {
            if player.ctl.matching() {
                s[i].gain_matched_db
            } else {
                s[i].preamp_db
            }
        };
        let descriptions = [0, 1].map(|i| side_description(&s[i].profile, &s[i].description));
        let panel = &self.panel;
        let names: Vec<(&str, &str)> = panel
            .all
            .iter()
            .map(|p| (p.name.as_str(), p.description.as_str()))
            .collect();
        let view = PlayView {
            file: &display_name(&player.input),
            live,
            sides: [0, 1].map(|i| SideView {
                label: ['A', 'B'][i],
                profile: &s[i].profile,
                description: &descriptions[i],
                gain_db: gain(i),
                response_db: &s[i].response,
            }),
            position_s: player.heard_s(),
            duration_s: player.duration_s(),
            loop_s: player.loop_s(),
            loop_pending_start: self.loop_mark,
            paused: player.ctl.paused(),
            device_lost: player.device_lost(),
            matching: player.ctl.matching(),
            estimating: (player.match_state() == MatchState::Estimated)
                .then(|| player.exact_progress()),
            level_dbfs: panel.levels,
            status: StatusView {
                device: &self.device,
                rate_hz: player.device_rate,
                buffer_frames: player.buffer_frames.unwrap_or(0),
                load_pct: player.ctl.load_pct(),
                underruns: player.underruns(),
            },
            profiles: &names,
            show_help: panel.show_help,
            message: panel.message.text(),
            text: self.demo.as_ref().map(|d| d.text),
            text_scroll: self.text_scroll,
            part: self.demo.as_ref().map(|d| d.part),
        };
        let mut text_scroll = self.text_scroll;
        guard.terminal().draw(|f| {
            text_scroll = tui::draw_play(f, &view);
            panel.draw_picker(f);
        })?;
        self.text_scroll = text_scroll;
        Ok(())
    }

    /// One key: the [`Panel`]'s, else the play screen's action; the outcome when the key ends
    /// the screen.
    fn handle(&mut self, player: &mut Player, key: KeyEvent) -> Option<Outcome> {
        let action = match self.panel.key(key, self.mode, |p| load_live(player, p)) {
            Key::Quit => return Some(Outcome::Quit),
            Key::Done => return None,
            Key::Act(action) => action,
        };
        match action {
            Action::Next => return self.next_part(),
            Action::Prev => return self.prev_part(),
            Action::TogglePause => {
                player.ctl.toggle_pause();
            }
            Action::Select(Live::A) => player.ctl.set_live(Side::A),
            Action::Select(Live::B) => player.ctl.set_live(Side::B),
            Action::Toggle => player.ctl.set_live(player.ctl.live().other()),
            Action::Seek(d) => {
                let left_the_loop = player.seek_by(d);
                if left_the_loop {
                    self.loop_mark = None;
                    self.panel.say("loop cleared: the seek went past its end");
                }
            }
            Action::Scroll(d) => self.text_scroll = self.text_scroll.saturating_add_signed(d),
            Action::ToggleLoop => {
                let text = toggle_loop(player, &mut self.loop_mark);
                self.panel.say(text);
            }
            Action::ToggleMatch => self.toggle_match(player),
            // X, the answers and start are ABX's; the rest is the panel's.
            _ => {}
        }
        None
    }

    /// `n`: the next demo part, unless this is the last one.
    fn next_part(&mut self) -> Option<Outcome> {
        match self.demo.as_ref().map(|d| d.part) {
            Some((i, n, _)) if i + 1 >= n => {
                self.panel
                    .say("this is the last part: p goes back, q quits");
                None
            }
            _ => Some(Outcome::Next),
        }
    }

    /// `p`: the previous demo part, unless this is the first one.
    fn prev_part(&mut self) -> Option<Outcome> {
        match self.demo.as_ref().map(|d| d.part) {
            Some((0, _, _)) => {
                self.panel.say("this is the first part: n goes on, q quits");
                None
            }
            _ => Some(Outcome::Prev),
        }
    }

    /// `m`: loudness matching on or off, with a warning when off.
    fn toggle_match(&mut self, player: &mut Player) {
        let on = !player.ctl.matching();
        player.ctl.set_matching(on);
        self.panel.say(if on {
            "loudness matching on"
        } else {
            "loudness matching OFF: the louder side will tend to sound better"
        });
    }
}

/// Loads `profile` into the live side (loudness matching included: `Player::set_profile`, which
/// hands the measuring to a worker and returns at once), for the digit keys and the picker
/// alike; returns the message to show.
fn load_live(player: &mut Player, profile: Profile) -> String {
    // The one Nyquist rule, at the playing file's rate, as on the command line: a user file's
    // filter at or above it is refused, never dropped (resolving a loaded name again is cheap).
    let rate = Some(f64::from(player.info.sample_rate));
    if let Err(e) = crate::profiles::resolve(&profile.name, rate) {
        return e.to_string();
    }
    let side = player.ctl.live();
    let name = profile.name.clone();
    // A built-in's filter above the device's Nyquist frequency is dropped, as at start, and said.
    let dropped = profile.dropped(f64::from(player.device_rate));
    match player.set_profile(side, profile) {
        Ok(()) => {
            let same = player.profile(side) == player.profile(side.other());
            let notice = load_notice(side, &name, same);
            match dropped.as_slice() {
                [] => notice,
                [d] => format!("{notice}; {}", d.message(&name)),
                [d, rest @ ..] => {
                    format!("{notice}; {} (and {} more)", d.message(&name), rest.len())
                }
            }
        }
        Err(e) => e.to_string(),
    }
}

/// "A is now dd", or, when both sides now hold the same profile, a notice that nothing is being
/// compared (the listener may have pressed the key meant for the other side).
pub fn load_notice(side: Side, name: &str, same: bool) -> String {
    if same {
        format!(
            "{} is now {name}: A = B, both sides play the same profile",
            side.label()
        )
    } else {
        format!("{} is now {name}", side.label())
    }
}

/// What the picker offers: the built-ins and user profiles (in digit-key order), then every
/// per-IEM profile with its driver class.
fn picker_entries(all: &[Profile]) -> Vec<tui::PickerEntry> {
    let builtins = crate::dsp::builtin::NAMES;
    let mut entries: Vec<tui::PickerEntry> = all
        .iter()
        .map(|p| tui::PickerEntry {
            name: p.name.clone(),
            class: if builtins.contains(&p.name.as_str()) {
                "built-in"
            } else {
                "user"
            }
            .into(),
            detail: p.description.clone(),
        })
        .collect();
    entries.extend(iems::CATALOG.iter().map(|m| tui::PickerEntry {
        name: m.profile_name(),
        class: m.class.label().into(),
        detail: format!("{} ({})", m.model, m.drivers),
    }));
    entries
}

/// A side's description box: for a per-IEM profile the IEM's name, class and how closely the
/// filters follow its measurement; otherwise the profile's own description.
fn side_description(name: &str, description: &str) -> String {
    match iems::by_name(name).map(iems::profile) {
        Some(Ok(p)) => format!(
            "{} · {} ({}) · fit error {:.2} dB RMS",
            p.iem.model,
            p.iem.class.label(),
            p.iem.drivers,
            p.error.rms_db
        ),
        _ => description.to_string(),
    }
}

/// Whether the screen has what it uses: stdout to draw on, and for the keys stdin when it is a
/// terminal, else `/dev/tty`, as crossterm reads them (its `tty_fd`). `play` asked stdin to be
/// one and refused `play < list.txt`, which `abx` ran.
pub fn terminal_at_hand() -> bool {
    use std::io::IsTerminal;
    let keys = std::io::stdin().is_terminal()
        || std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .is_ok();
    std::io::stdout().is_terminal() && keys
}

/// The terminal UI needs a terminal to draw on and read keys from; say what to use instead
/// (before any audio starts).
pub fn need_terminal(instead: &str) -> Result<()> {
    if terminal_at_hand() {
        Ok(())
    } else {
        let need = "the interactive screen needs a terminal (stdout, and stdin or /dev/tty for the keys); without one use";
        Err(Error::usage("--no-tui", format!("{need} {instead}")))
    }
}

/// The longest scripted run, and switch interval, in seconds (11.6 days).
const MAX_SCRIPT_S: f64 = 1e6;

/// The options of the scripted mode (`--no-tui`) that `play` and `live` share, checked before
/// anything starts; without `--no-tui` the screen needs a terminal.
pub fn check_mode(
    no_tui: bool,
    switch_every: Option<f64>,
    duration: Option<f64>,
    json: bool,
) -> Result<()> {
    // Finite and at most 11.6 days: `inf` or 1e300 ran for ever, and `--loop` then said
    // "without --duration" although it was given.
    let within = |s: f64, low: f64| s > low && s <= MAX_SCRIPT_S;
    if switch_every.is_some_and(|s| !within(s, 0.05)) {
        return Err(Error::usage(
            "--switch-every",
            format!("--switch-every must be more than 0.05 s and at most {MAX_SCRIPT_S} s"),
        ));
    }
    if duration.is_some_and(|s| !within(s, 0.0)) {
        return Err(Error::usage(
            "--duration",
            format!("--duration must be more than 0 s and at most {MAX_SCRIPT_S} s"),
        ));
    }
    if (switch_every.is_some() || duration.is_some() || json) && !no_tui {
        return Err(Error::usage(
            "--no-tui",
            "--switch-every, --duration and --json belong to the scripted mode: add --no-tui",
        ));
    }
    if no_tui {
        return Ok(());
    }
    need_terminal("--no-tui --duration SECS [--switch-every SECS]")
}
