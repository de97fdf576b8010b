//! Leaving a terminal UI cleanly when its terminal goes away (a killed tmux or ssh session) or
//! the process is asked to stop, for `play`, `demo` and `abx` alike: the ABX session must still
//! be logged as abandoned (the issue: "each completed or abandoned session is appended"), the
//! demo must still remove its rendered files, and no screen may spin on a dead terminal.
//!
//! Three things stand in the way. SIGHUP (terminal closed) and SIGTERM kill the process by
//! default before any of that runs: while a [`Signals`] lives, the process's signal thread
//! (`crate::interrupt`, signal-hook) hands them to the screen as a flag its frame loop checks.
//! crossterm 0.29 cannot notice a hung-up terminal: its event source
//! (`UnixInternalEventSource::try_read`) retries a tty `read` that returns 0 or EIO in a loop that
//! never checks its timeout, so `event::poll` spins at full CPU for ever. [`TtyWatch`] waits for
//! input with `poll(2)` itself, which reports POLLHUP on a hung-up tty (Linux `n_tty_poll`, and
//! `hung_up_tty_poll` after a vhangup), and crossterm is only asked to read once input is there.
//! And restoring a terminal that is gone fails, which ratatui's `Terminal` drop reports with
//! `eprintln!`, a panic when stderr is that terminal: see `TerminalGuard::abandon`.
//! Ctrl-C typed at the keyboard needs none of this (raw mode delivers it as a key), but a SIGINT
//! sent from outside (`kill -INT`) is treated like SIGTERM: the screen ends cleanly and the
//! command exits with 128 + the signal's number, as shells expect.

use std::io;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering::SeqCst};
use std::time::Duration;

/// A screen is running: SIGHUP, SIGINT and SIGTERM end it instead of the process.
static SCREEN: AtomicBool = AtomicBool::new(false);
static CAUGHT: AtomicBool = AtomicBool::new(false);
static LAST: AtomicI32 = AtomicI32::new(0);

/// The signal that ended the last screen, if one did (for the exit code).
pub fn last_signal() -> Option<i32> {
    Some(LAST.load(SeqCst)).filter(|&s| s != 0)
}

/// Hands `sig` to the running screen, if there is one (then true: the screen ends cleanly and
/// the command exits 128 + `sig`); false when no screen runs (the caller stops the process).
/// Called by the process's one signal thread (`crate::interrupt`, signal-hook), so no signal
/// handler of this module's own is needed.
pub fn deliver(sig: i32) -> bool {
    if !SCREEN.load(SeqCst) {
        return false;
    }
    LAST.store(sig, SeqCst);
    CAUGHT.store(true, SeqCst);
    true
}

/// While it lives, SIGHUP, SIGINT and SIGTERM end the screen (see [`deliver`]) instead of
/// the process.
pub struct Signals {
    _private: (),
}

impl Signals {
    pub fn install() -> Signals {
        CAUGHT.store(false, SeqCst);
        LAST.store(0, SeqCst);
        SCREEN.store(true, SeqCst);
        Signals { _private: () }
    }

    /// A SIGHUP, SIGINT or SIGTERM arrived since [`Signals::install`].
    pub fn caught(&self) -> bool {
        CAUGHT.load(SeqCst)
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        SCREEN.store(false, SeqCst);
    }
}

/// Stops the process as SIGTSTP's default action does, which the process's signal thread
/// (`crate::interrupt`) replaced: the shell says "Stopped" and `fg` continues it, here. In a
/// process group no shell controls, the kernel discards the signal, as it would have anyway.
#[cfg(unix)]
pub fn stop_process() {
    // SAFETY: sigaction(2) with zeroed structs (no flags, empty mask) whose handler is SIG_DFL,
    // and valid pointers; raise(3) with a valid signal; then signal-hook's saved handler back.
    unsafe {
        let mut default: libc::sigaction = std::mem::zeroed();
        default.sa_sigaction = libc::SIG_DFL;
        let mut saved: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(libc::SIGTSTP, &default, &mut saved) == 0 {
            libc::raise(libc::SIGTSTP);
            libc::sigaction(libc::SIGTSTP, &saved, std::ptr::null_mut());
        }
    }
}

/// What waiting on the terminal found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tty {
    /// Nothing typed within the timeout.
    Idle,
    /// Input is waiting: crossterm can read it without blocking.
    Readable,
    /// The terminal is gone.
    HungUp,
}

/// Waits for terminal input on the descriptor crossterm reads: stdin when it is a terminal,
/// else `/dev/tty` (crossterm's `tty_fd`).
pub struct TtyWatch {
    /// `/dev/tty`, or `None`: stdin is the terminal.
    #[cfg(unix)]
    tty: Option<std::fs::File>,
}

impl TtyWatch {
    pub fn new() -> io::Result<TtyWatch> {
        #[cfg(unix)]
        {
            use std::io::IsTerminal;
            if io::stdin().is_terminal() {
                return Ok(TtyWatch { tty: None });
            }
            Ok(TtyWatch {
                tty: Some(std::fs::File::open("/dev/tty")?),
            })
        }
        #[cfg(not(unix))]
        Ok(TtyWatch {})
    }

    /// Waits up to `timeout` for input or a hang-up.
    #[cfg(unix)]
    pub fn wait(&self, timeout: Duration) -> io::Result<Tty> {
        use rustix::event::{poll, PollFd, PollFlags, Timespec};
        use std::os::fd::AsFd;
        let stdin = io::stdin();
        let fd = match &self.tty {
            Some(tty) => tty.as_fd(),
            None => stdin.as_fd(),
        };
        // Whole milliseconds, as poll(2) took them.
        let ms = timeout.as_millis().min(i32::MAX as u128) as i64;
        let ts = Timespec {
            tv_sec: ms / 1000,
            tv_nsec: ((ms % 1000) * 1_000_000) as _,
        };
        let mut fds = [PollFd::new(&fd, PollFlags::IN)];
        if let Err(e) = poll(&mut fds, Some(&ts)) {
            // A signal (SIGWINCH on resize, or ours) interrupted the wait: the caller redraws
            // and checks its flags anyway.
            return if e == rustix::io::Errno::INTR {
                Ok(Tty::Idle)
            } else {
                Err(e.into())
            };
        }
        let revents = fds[0].revents();
        Ok(
            if revents.intersects(PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL) {
                Tty::HungUp
            } else if revents.contains(PollFlags::IN) {
                Tty::Readable
            } else {
                Tty::Idle
            },
        )
    }

    /// The terminal has hung up (checked without waiting).
    pub fn gone(&self) -> bool {
        matches!(self.wait(Duration::ZERO), Ok(Tty::HungUp))
    }

    /// Waits up to `timeout` for input, then returns every key crossterm has parsed, in order
    /// (`None`: the terminal hung up).
    ///
    /// crossterm is asked every time, not only when the tty has input. Its event source waits
    /// with edge-triggered epoll on the tty and on the pipe its SIGWINCH handler writes to. After
    /// a resize that nobody collected, the next key makes both ready in one `epoll_wait`; crossterm
    /// returns the `Resize` first and drops the tty's readiness, and as the edge has passed, the key
    /// stays unread until another key arrives: the first key after a resize was lost. Collecting
    /// events every frame, and at once when the SIGWINCH interrupts our own `poll(2)` (it returns
    /// `Idle` then), keeps that pipe empty before the next key can arrive.
    pub fn keys(&self, timeout: Duration) -> io::Result<Option<Vec<crossterm::event::KeyEvent>>> {
        use crossterm::event::{self, Event};
        if self.wait(timeout)? == Tty::HungUp {
            return Ok(None);
        }
        let mut keys = Vec::new();
        while event::poll(Duration::ZERO)? {
            if let Event::Key(key) = event::read()? {
                keys.push(key);
            }
        }
        Ok(Some(keys))
    }

    /// Without `poll(2)`: crossterm's own wait (Windows consoles do not hang up the same way).
    #[cfg(not(unix))]
    pub fn wait(&self, timeout: Duration) -> io::Result<Tty> {
        Ok(if crossterm::event::poll(timeout)? {
            Tty::Readable
        } else {
            Tty::Idle
        })
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::io::Write;
    use std::time::Instant;

    /// `wait` on a pipe's read end, checked against what pipe(7) promises: nothing written is
    /// `Idle` (after the whole timeout), a byte is `Readable`, and once every writer is gone the
    /// read end reports POLLHUP, as a hung-up tty does.
    #[test]
    fn wait_reports_idle_readable_and_hung_up() {
        let (reader, mut writer) = io::pipe().unwrap();
        let watch = TtyWatch {
            tty: Some(std::fs::File::from(std::os::fd::OwnedFd::from(reader))),
        };
        assert_eq!(watch.wait(Duration::ZERO).unwrap(), Tty::Idle);
        // Over a second, so both the seconds and the nanoseconds of the timeout count.
        let t0 = Instant::now();
        assert_eq!(watch.wait(Duration::from_millis(1100)).unwrap(), Tty::Idle);
        assert!(
            t0.elapsed() >= Duration::from_millis(1100),
            "{:?}",
            t0.elapsed()
        );
        writer.write_all(b"k").unwrap();
        assert_eq!(watch.wait(Duration::from_secs(5)).unwrap(), Tty::Readable);
        drop(writer);
        assert_eq!(watch.wait(Duration::from_secs(5)).unwrap(), Tty::HungUp);
        assert!(watch.gone());
    }
}
