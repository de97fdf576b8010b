//! Terminal UI for `iemsim play`, `iemsim demo` and `iemsim abx`.
//!
//! Drawing is a pure function of plain view structs: the command layer samples the engine once per
//! frame, fills a [`PlayView`] or [`AbxView`] and calls [`draw_play`] / [`draw_abx`]. Nothing here
//! touches audio, clocks or threads, so every screen can be rendered into ratatui's `TestBackend`
//! and checked cell by cell. Keys are mapped by [`key_to_action`] (stateless, per [`Mode`]) and the
//! terminal is set up and restored by [`TerminalGuard`]. The frame loops wait for keys through
//! [`hangup::TtyWatch`] and watch [`hangup::Signals`], so a closed terminal or SIGTERM ends a
//! screen instead of spinning or killing the process before it cleans up.

mod abx;
mod chart;
mod guard;
pub mod hangup;
mod keys;
mod live;
mod picker;
mod play;
mod table;
mod widgets;

pub use abx::draw_abx;
pub use guard::{ask_to_suspend, release_for_exit, TerminalGuard};
pub use keys::{key_to_action, Action, Mode};
pub use live::{draw_live, LiveView};
pub use picker::{draw_picker, filter as filter_profiles, Picker, PickerEntry, PickerInput};
pub use play::draw_play;

/// What the listener currently hears. `X` is only meaningful in ABX (the hidden one).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Live {
    A,
    B,
    X,
}

impl Live {
    /// The side's letter as shown on screen.
    pub fn letter(self) -> char {
        match self {
            Live::A => 'A',
            Live::B => 'B',
            Live::X => 'X',
        }
    }
}

/// One side of an A/B comparison, as shown in its header box and in the response chart.
pub struct SideView<'a> {
    /// 'A' or 'B'.
    pub label: char,
    pub profile: &'a str,
    pub description: &'a str,
    /// Loudness-match gain currently applied to this side, dB.
    pub gain_db: f64,
    /// Magnitude response as (frequency Hz, dB) points, ascending frequency; non-finite points and
    /// points outside 20 Hz–20 kHz are not drawn.
    pub response_db: &'a [(f64, f64)],
}

/// Audio engine health, shown on the status line.
pub struct StatusView<'a> {
    pub device: &'a str,
    pub rate_hz: u32,
    pub buffer_frames: u32,
    /// Audio callback time as a percentage of the buffer period.
    pub load_pct: f64,
    pub underruns: u64,
}

/// Everything the play / demo screen shows, sampled once per frame.
pub struct PlayView<'a> {
    pub file: &'a str,
    /// `A` or `B` (an `X` here is drawn as neither side live).
    pub live: Live,
    /// Side A then side B.
    pub sides: [SideView<'a>; 2],
    pub position_s: f64,
    pub duration_s: f64,
    /// Active loop (start, end) in seconds.
    pub loop_s: Option<(f64, f64)>,
    /// Loop start marked by a first `l`, waiting for the end.
    pub loop_pending_start: Option<f64>,
    pub paused: bool,
    /// The audio device was lost and is being opened again: nothing is heard meanwhile.
    pub device_lost: bool,
    pub matching: bool,
    /// `None` once the matching gains are exact; while they are estimates, how far the exact
    /// measurement in the background has got (0 to 1).
    pub estimating: Option<f64>,
    /// Output peak per channel in dBFS (`-inf` for silence is fine).
    pub level_dbfs: [f64; 2],
    pub status: StatusView<'a>,
    /// (name, description) of the profiles keys 1-9 select, in key order.
    pub profiles: &'a [(&'a str, &'a str)],
    pub show_help: bool,
    /// A transient one-line message (errors, confirmations).
    pub message: Option<&'a str>,
    /// Demo explanation shown in a wrapped text panel; `None` for `play`.
    pub text: Option<&'a str>,
    /// Rows of `text` scrolled off the top of its panel. Any value is fine: drawing clamps it so
    /// the last row stops at the bottom of the panel, and `draw_play` returns the clamped value.
    pub text_scroll: u16,
    /// Demo part as (0-based index, count, title); shown as "part index+1/count: title".
    pub part: Option<(usize, usize, &'a str)>,
}

/// Everything the ABX screen shows. Deliberately has no field that depends on what X is: no
/// gains, levels or responses, so the screen cannot leak the answer.
pub struct AbxView<'a> {
    pub file: &'a str,
    /// Profile names of A and B (known to the listener; only X is hidden).
    pub a: &'a str,
    pub b: &'a str,
    /// Current trial, 1-based.
    pub trial: usize,
    pub trials: usize,
    /// What is playing: A, B or X.
    pub listening: Live,
    pub position_s: f64,
    pub duration_s: f64,
    pub loop_s: Option<(f64, f64)>,
    /// Loop start marked by a first `l`, waiting for the end (where the listener chose to mark
    /// it: the same whatever X is).
    pub loop_pending_start: Option<f64>,
    pub paused: bool,
    /// The audio device was lost and is being opened again: nothing is heard meanwhile.
    pub device_lost: bool,
    /// A transient one-line message about the listener's own actions (the loop); it must never
    /// depend on X.
    pub message: Option<&'a str>,
    /// Per finished trial: was the answer correct? Drawn ONLY once `finished` is `Some`.
    pub answered: &'a [bool],
    /// Final verdict text; `Some` once the test is over.
    pub finished: Option<&'a str>,
    pub show_help: bool,
    /// Load is not drawn here: it could differ between X=A and X=B (see `abx.rs`).
    pub status: StatusView<'a>,
    /// Before the first trial: the intro, with the state of the loudness analysis.
    pub intro: Option<AbxIntro>,
}

/// The ABX intro: trials start only with the final matching gains (a level that moved during
/// a trial could give X away), so the screen opens at once and the analysis runs behind it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AbxIntro {
    /// The exact loudness analysis is this far (0 to 1); A and B can be heard meanwhile.
    Analysing(f64),
    /// The gains are final: Enter starts trial 1.
    Ready,
}

/// What the screens' tests share: draw on a `TestBackend`, read its cells back as text.
#[cfg(test)]
mod testing {
    use ratatui::backend::TestBackend;
    use ratatui::buffer::Buffer;
    use ratatui::{Frame, Terminal};

    /// The cells `draw` leaves on a `w`×`h` terminal.
    pub fn draw(w: u16, h: u16, draw: impl FnOnce(&mut Frame)) -> Buffer {
        let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        t.draw(draw).expect("draw");
        t.backend().buffer().clone()
    }

    pub fn rows(b: &Buffer) -> Vec<String> {
        (0..b.area.height)
            .map(|y| (0..b.area.width).map(|x| b[(x, y)].symbol()).collect())
            .collect()
    }

    pub fn text(b: &Buffer) -> String {
        rows(b).join("\n")
    }

    /// The block letter `g` appears as consecutive rows at one column.
    pub fn has_glyph(b: &Buffer, g: &[&str]) -> bool {
        rows(b).windows(g.len()).any(|win| {
            win[0].match_indices(g[0]).any(|(i, _)| {
                let col = win[0][..i].chars().count();
                win.iter()
                    .zip(g)
                    .all(|(row, gr)| row.chars().skip(col).collect::<String>().starts_with(gr))
            })
        })
    }
}
