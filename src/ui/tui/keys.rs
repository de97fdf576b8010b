//! Key → action mapping, stateless and per screen, so it can be tested without a terminal.
//!
//! Raw mode turns Ctrl-C into an ordinary key event instead of SIGINT, so it must map to `Quit`
//! here or the user could not interrupt the program the usual way.

use super::Live;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// What a key press asks the command layer to do.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Action {
    TogglePause,
    Select(Live),
    /// Play/demo: A ⇄ B. ABX: cycle A → B → X.
    Toggle,
    /// Relative seek in seconds (±5 s).
    Seek(f64),
    /// First press marks the loop start, second the end, third clears the loop.
    ToggleLoop,
    ToggleMatch,
    /// Profile index 0-8 from keys 1-9 (loaded into the live side).
    Choose(usize),
    /// Play: open the profile picker (`p`), for the profiles beyond the digit keys.
    Pick,
    Help,
    Quit,
    /// Esc: closes the help overlay when it is open, else quits (`q` always quits).
    Back,
    /// Demo: next / previous part.
    Next,
    Prev,
    /// ABX: "X is A" / "X is B".
    Answer(Live),
    /// ABX: start the trials (Enter on the intro screen).
    Start,
    /// Demo: scroll the text panel by this many rows (negative: up). The drawing code clamps.
    Scroll(i16),
}

/// Which screen is reading keys.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    Play,
    Demo,
    Abx,
}

/// Seek step for ←/→, seconds.
pub const SEEK_STEP_S: f64 = 5.0;

/// Rows PgUp/PgDn scroll the demo text. The mapping is stateless and does not know the panel's
/// height; this is a little less than the smallest panel that needs scrolling shows (an 80x24
/// terminal leaves about 10 rows of text), so a page never skips a line unseen.
pub const SCROLL_PAGE: i16 = 8;

/// Maps a key event to an action, or `None` if the key means nothing in `mode`.
///
/// Only presses (and auto-repeats) count: terminals with the kitty keyboard protocol, and Windows,
/// also report releases, which would otherwise fire every action twice. Shift is ignored (it is
/// how '?' and capitals are typed); other modifiers make a key meaningless except Ctrl-C.
/// Ctrl-Z: suspend (see `TerminalGuard::suspend_if_asked`), on every screen.
pub fn is_suspend(key: &KeyEvent) -> bool {
    key.kind != KeyEventKind::Release
        && key.modifiers.contains(KeyModifiers::CONTROL)
        && matches!(key.code, KeyCode::Char('z' | 'Z'))
}

pub fn key_to_action(key: KeyEvent, mode: Mode) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let m = key.modifiers;
    if m.contains(KeyModifiers::CONTROL) {
        return match key.code {
            KeyCode::Char('c') | KeyCode::Char('C') => Some(Action::Quit),
            _ => None,
        };
    }
    if m.intersects(KeyModifiers::ALT | KeyModifiers::SUPER | KeyModifiers::META) {
        return None;
    }
    let common = match key.code {
        KeyCode::Char(' ') => Some(Action::TogglePause),
        KeyCode::Tab | KeyCode::BackTab => Some(Action::Toggle),
        KeyCode::Left => Some(Action::Seek(-SEEK_STEP_S)),
        KeyCode::Right => Some(Action::Seek(SEEK_STEP_S)),
        KeyCode::Char('l') | KeyCode::Char('L') => Some(Action::ToggleLoop),
        KeyCode::Char('?') => Some(Action::Help),
        KeyCode::Char('q') | KeyCode::Char('Q') => Some(Action::Quit),
        KeyCode::Esc => Some(Action::Back),
        _ => None,
    };
    common.or(match mode {
        Mode::Play | Mode::Demo => match key.code {
            KeyCode::Char('a') | KeyCode::Char('A') => Some(Action::Select(Live::A)),
            KeyCode::Char('b') | KeyCode::Char('B') => Some(Action::Select(Live::B)),
            KeyCode::Char('m') | KeyCode::Char('M') => Some(Action::ToggleMatch),
            KeyCode::Char(c @ '1'..='9') => Some(Action::Choose(c as usize - '1' as usize)),
            KeyCode::Char('n') | KeyCode::Char('N') if mode == Mode::Demo => Some(Action::Next),
            KeyCode::Char('p') | KeyCode::Char('P') if mode == Mode::Demo => Some(Action::Prev),
            KeyCode::Char('p') | KeyCode::Char('P') => Some(Action::Pick),
            KeyCode::Up if mode == Mode::Demo => Some(Action::Scroll(-1)),
            KeyCode::Down if mode == Mode::Demo => Some(Action::Scroll(1)),
            KeyCode::PageUp if mode == Mode::Demo => Some(Action::Scroll(-SCROLL_PAGE)),
            KeyCode::PageDown if mode == Mode::Demo => Some(Action::Scroll(SCROLL_PAGE)),
            _ => None,
        },
        // Answers need Shift or a digit so that a stray lower-case a/b (which only switches what
        // you hear) can never commit an answer.
        Mode::Abx => match key.code {
            KeyCode::Char('a') => Some(Action::Select(Live::A)),
            KeyCode::Char('b') => Some(Action::Select(Live::B)),
            KeyCode::Char('x') | KeyCode::Char('X') => Some(Action::Select(Live::X)),
            KeyCode::Char('A') | KeyCode::Char('1') => Some(Action::Answer(Live::A)),
            KeyCode::Char('B') | KeyCode::Char('2') => Some(Action::Answer(Live::B)),
            // Matching stays on: `m` only says so (a silent key looked broken).
            KeyCode::Char('m') | KeyCode::Char('M') => Some(Action::ToggleMatch),
            KeyCode::Enter => Some(Action::Start),
            _ => None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyEventState;

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }
    fn shifted(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::SHIFT)
    }
    fn ch(c: char) -> KeyEvent {
        press(KeyCode::Char(c))
    }
    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    #[test]
    fn keys_every_screen_shares() {
        for mode in [Mode::Play, Mode::Demo, Mode::Abx] {
            let k = |e| key_to_action(e, mode);
            assert_eq!(k(ch(' ')), Some(Action::TogglePause));
            assert_eq!(k(press(KeyCode::Tab)), Some(Action::Toggle));
            assert_eq!(k(press(KeyCode::BackTab)), Some(Action::Toggle));
            assert_eq!(k(press(KeyCode::Left)), Some(Action::Seek(-5.0)));
            assert_eq!(k(press(KeyCode::Right)), Some(Action::Seek(5.0)));
            assert_eq!(k(ch('l')), Some(Action::ToggleLoop));
            assert_eq!(k(shifted('?')), Some(Action::Help));
            assert_eq!(k(ch('?')), Some(Action::Help));
            assert_eq!(k(ch('q')), Some(Action::Quit));
            assert_eq!(k(press(KeyCode::Esc)), Some(Action::Back));
            assert_eq!(k(ctrl('c')), Some(Action::Quit));
            assert_eq!(k(ch('z')), None);
            // Ctrl/Alt + an action letter is not that action.
            assert_eq!(k(ctrl('a')), None);
            assert_eq!(
                k(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::ALT)),
                None
            );
        }
    }

    #[test]
    fn play_and_demo_keys() {
        for mode in [Mode::Play, Mode::Demo] {
            let k = |e| key_to_action(e, mode);
            assert_eq!(k(ch('a')), Some(Action::Select(Live::A)));
            assert_eq!(k(ch('b')), Some(Action::Select(Live::B)));
            assert_eq!(k(ch('m')), Some(Action::ToggleMatch));
            assert_eq!(k(ch('1')), Some(Action::Choose(0)));
            assert_eq!(k(ch('5')), Some(Action::Choose(4)));
            assert_eq!(k(ch('9')), Some(Action::Choose(8)));
            assert_eq!(k(ch('0')), None);
            assert_eq!(k(ch('x')), None);
        }
        assert_eq!(key_to_action(ch('n'), Mode::Demo), Some(Action::Next));
        assert_eq!(key_to_action(ch('p'), Mode::Demo), Some(Action::Prev));
        assert_eq!(key_to_action(ch('n'), Mode::Play), None);
        assert_eq!(key_to_action(ch('p'), Mode::Play), Some(Action::Pick));
        // Only the demo has text to scroll.
        let demo = |c| key_to_action(press(c), Mode::Demo);
        assert_eq!(demo(KeyCode::Up), Some(Action::Scroll(-1)));
        assert_eq!(demo(KeyCode::Down), Some(Action::Scroll(1)));
        assert_eq!(demo(KeyCode::PageUp), Some(Action::Scroll(-SCROLL_PAGE)));
        assert_eq!(demo(KeyCode::PageDown), Some(Action::Scroll(SCROLL_PAGE)));
        for mode in [Mode::Play, Mode::Abx] {
            for c in [
                KeyCode::Up,
                KeyCode::Down,
                KeyCode::PageUp,
                KeyCode::PageDown,
            ] {
                assert_eq!(key_to_action(press(c), mode), None, "{c:?} in {mode:?}");
            }
        }
    }

    #[test]
    fn abx_keys() {
        let k = |e| key_to_action(e, Mode::Abx);
        assert_eq!(k(ch('a')), Some(Action::Select(Live::A)));
        assert_eq!(k(ch('b')), Some(Action::Select(Live::B)));
        assert_eq!(k(ch('x')), Some(Action::Select(Live::X)));
        // Answers are deliberate: Shift-A/B or 1/2.
        assert_eq!(k(shifted('A')), Some(Action::Answer(Live::A)));
        assert_eq!(k(shifted('B')), Some(Action::Answer(Live::B)));
        assert_eq!(k(ch('1')), Some(Action::Answer(Live::A)));
        assert_eq!(k(ch('2')), Some(Action::Answer(Live::B)));
        assert_eq!(k(ch('3')), None);
        // Enter starts the trials (from the intro screen); it means nothing to play and demo.
        assert_eq!(k(press(KeyCode::Enter)), Some(Action::Start));
        assert_eq!(key_to_action(press(KeyCode::Enter), Mode::Play), None);
        // m reaches the screen, which says matching stays on; no demo navigation in ABX.
        assert_eq!(k(ch('m')), Some(Action::ToggleMatch));
        assert_eq!(k(ch('n')), None);
        assert_eq!(k(ch('p')), None);
    }

    #[test]
    fn releases_are_ignored_repeats_are_not() {
        let release = KeyEvent::new_with_kind_and_state(
            KeyCode::Right,
            KeyModifiers::NONE,
            KeyEventKind::Release,
            KeyEventState::NONE,
        );
        assert_eq!(key_to_action(release, Mode::Play), None);
        let repeat = KeyEvent::new_with_kind_and_state(
            KeyCode::Right,
            KeyModifiers::NONE,
            KeyEventKind::Repeat,
            KeyEventState::NONE,
        );
        assert_eq!(key_to_action(repeat, Mode::Play), Some(Action::Seek(5.0)));
        // Ctrl-C with caps lock still quits.
        assert_eq!(key_to_action(ctrl('C'), Mode::Abx), Some(Action::Quit));
    }
}
