//! Puts the terminal into raw mode on the alternate screen and guarantees it is put back: on drop,
//! and on panic *before* the panic message is printed (otherwise the message lands on the
//! alternate screen and vanishes, and the shell is left in raw mode).
//!
//! This is what `ratatui::init`/`ratatui::restore` do (ratatui 0.30 `init` module docs), with two
//! differences: errors are returned instead of panicking, and restoring happens exactly once even
//! when both the panic hook and `Drop` (during unwinding) run — a process-wide flag records
//! whether the terminal is currently ours.

use crossterm::{cursor, execute, terminal};
use ratatui::{backend::CrosstermBackend, DefaultTerminal, Terminal};
use std::io::{self, stdout};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

/// True while raw mode / the alternate screen are ours to undo.
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// A SIGTSTP from outside (`kill -TSTP`) came while a screen was up: its loop suspends it.
static STOP_ASKED: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

/// Owns the terminal for the lifetime of a TUI screen. Create one at a time: the first to drop
/// restores the terminal.
pub struct TerminalGuard {
    terminal: DefaultTerminal,
}

impl TerminalGuard {
    /// Enters raw mode and the alternate screen. Fails (restoring anything half done) when stdout
    /// is not a terminal.
    pub fn new() -> io::Result<Self> {
        install_panic_hook();
        STOP_ASKED.store(false, Ordering::SeqCst);
        ACTIVE.store(true, Ordering::SeqCst);
        match enter() {
            Ok(terminal) => Ok(Self { terminal }),
            Err(e) => {
                restore_once();
                Err(e)
            }
        }
    }

    pub fn terminal(&mut self) -> &mut DefaultTerminal {
        &mut self.terminal
    }

    /// Ctrl-Z among `keys` (taken out of them), or a SIGTSTP from outside (see
    /// [`ask_to_suspend`]): raw mode turns the terminal's own suspend into a key, which did
    /// nothing, and the signal stopped the process with the terminal still raw. The screen does
    /// what the terminal would: puts the terminal back, stops the process (SIGTSTP, so the shell
    /// says "Stopped" and `fg` resumes it), and on resuming takes the terminal again and draws the
    /// screen whole.
    pub fn suspend_if_asked(
        &mut self,
        keys: &mut Vec<crossterm::event::KeyEvent>,
    ) -> io::Result<()> {
        let before = keys.len();
        keys.retain(|k| !super::keys::is_suspend(k));
        let signalled = STOP_ASKED.swap(false, Ordering::SeqCst);
        if keys.len() == before && !signalled {
            return Ok(());
        }
        #[cfg(unix)]
        {
            restore_once();
            super::hangup::stop_process();
            ACTIVE.store(true, Ordering::SeqCst);
            terminal::enable_raw_mode().map_err(doing("cannot switch the terminal to raw mode"))?;
            execute!(stdout(), terminal::EnterAlternateScreen, cursor::Hide)
                .map_err(doing("cannot enter the terminal's alternate screen"))?;
            self.terminal
                .clear()
                .map_err(doing("cannot clear the terminal"))?;
        }
        Ok(())
    }

    /// Gives the terminal up without restoring it, for when it is gone (hung up: see
    /// `hangup.rs`). There is nothing left to restore, and trying would fail: ratatui's
    /// `Terminal` drop reports a failure to show the cursor with `eprintln!`, which panics when
    /// stderr is that dead terminal. So neither drop runs (the `Terminal`'s screen buffers are
    /// leaked, a few kilobytes, as the process is on its way out), and the process-wide flag is
    /// cleared so a later panic does not try to restore it either.
    pub fn abandon(self) {
        ACTIVE.store(false, Ordering::SeqCst);
        std::mem::forget(self);
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_once();
    }
}

fn enter() -> io::Result<DefaultTerminal> {
    terminal::enable_raw_mode().map_err(doing("cannot switch the terminal to raw mode"))?;
    execute!(stdout(), terminal::EnterAlternateScreen, cursor::Hide)
        .map_err(doing("cannot enter the terminal's alternate screen"))?;
    let mut t = Terminal::new(CrosstermBackend::new(stdout()))
        .map_err(doing("cannot set up the terminal UI"))?;
    t.clear().map_err(doing("cannot clear the terminal"))?;
    Ok(t)
}

/// The error of `what` failing, its kind kept.
fn doing(what: &'static str) -> impl Fn(io::Error) -> io::Error {
    move |e| io::Error::new(e.kind(), format!("{what}: {e}"))
}

/// Chains a hook that restores the terminal and then runs whatever hook was there before.
/// Installed once per process however many guards are created.
fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore_once();
            previous(info);
        }));
    });
}

/// For SIGTSTP, from the signal thread: true when a screen is up, which then suspends itself (the
/// terminal put back first) the next time it reads its keys, a few milliseconds later; false when
/// none is, and the caller stops the process at once.
pub fn ask_to_suspend() -> bool {
    let up = ACTIVE.load(Ordering::SeqCst);
    if up {
        STOP_ASKED.store(true, Ordering::SeqCst);
    }
    up
}

/// For a signal that ends the process at once (SIGQUIT), from the signal thread: leaves raw mode
/// if a screen is up and returns what leaves the alternate screen and shows the cursor again, for
/// the caller to write without waiting (the screen's own thread may hold stdout). `None` when no
/// screen is up. The shell got its prompt on the alternate screen, cursor hidden, keys unechoed.
pub fn release_for_exit() -> Option<&'static str> {
    ACTIVE.swap(false, Ordering::SeqCst).then(|| {
        let _ = terminal::disable_raw_mode();
        // crossterm's LeaveAlternateScreen and cursor::Show.
        "\x1b[?1049l\x1b[?25h"
    })
}

/// Undoes `enter` if it is still in effect; later calls do nothing. Errors are ignored: this runs
/// on the way out (drop, panic) where there is nobody to report them to, and each step is worth
/// attempting even if the previous one failed.
fn restore_once() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        // Raw mode first: it has the most visible side effects if left on.
        let _ = terminal::disable_raw_mode();
        let _ = execute!(stdout(), terminal::LeaveAlternateScreen, cursor::Show);
    }
}
