//! Terminating signals outside the terminal UI: remove half-written outputs, leave every final
//! name untouched, exit with the shell's code (128 + the signal's number).
//!
//! SIGINT, SIGTERM, SIGHUP and SIGQUIT all mean "stop now" to a user or a supervisor (`timeout`,
//! systemd, a closed ssh session); each used to leave `.NAME.PID.N.partial` files behind except
//! SIGINT. `signal-hook` turns them into messages for one ordinary thread, so the clean-up runs
//! outside signal context and may take locks and call `remove_file`; the `ctrlc` crate it
//! replaces handles SIGINT (and SIGTERM/SIGHUP behind a feature) but never SIGQUIT, and gives no
//! way to tell which signal came, which the exit code needs.
//!
//! The path out never blocks or panics: no `eprintln!` (it panics when stderr is `/dev/full`, and
//! a panic there used to leave the temporary-file lock held and the writer waiting for ever), and
//! the one-line notice is written only if stderr can take it at once (`poll` with no timeout), so
//! a stalled pipe on stderr cannot keep the process alive either.
//!
//! While a terminal screen runs, SIGHUP, SIGINT and SIGTERM are handed to it instead
//! (`ui::tui::hangup::deliver`): it ends cleanly, and the command exits 128 + the signal.

/// What a running command has to say when a signal stops it: what goes to stdout (`export
/// --json`: its report of the outputs it completed; text: the lines of those not yet listed),
/// a report for stderr instead (when stdout carries the audio), and a few words for the notice
/// on stderr ("3 complete outputs kept").
#[derive(Debug, Default)]
pub struct Said {
    pub stdout: Option<String>,
    pub stderr: Option<String>,
    pub notice: Option<String>,
}

/// A command's last words, called from the signal thread: it must not wait on a lock (a worker
/// may hold one while blocked on a stalled stdout), so it tries and gives up.
pub type LastWords = Box<dyn Fn(&str) -> Said + Send + Sync>;

static LAST_WORDS: std::sync::Mutex<Option<LastWords>> = std::sync::Mutex::new(None);

/// Sets (or, with `None`, clears) what the running command says when a signal stops it.
fn set_last_words(words: Option<LastWords>) {
    if let Ok(mut w) = LAST_WORDS.lock() {
        *w = words;
    }
}

/// Sets what the running command says when a signal stops it, until the guard returned is
/// dropped (the command then said its own, or stopped before it had anything to say).
pub fn register_last_words(words: LastWords) -> Registered {
    set_last_words(Some(words));
    Registered
}

/// Keeps a command's [`register_last_words`] registered until it is dropped.
#[must_use]
pub struct Registered;

impl Drop for Registered {
    fn drop(&mut self) {
        set_last_words(None);
    }
}

/// The running command's last words, if it has any and they can be had without waiting.
#[cfg(unix)]
fn last_words(sig: i32) -> Said {
    match LAST_WORDS.try_lock() {
        Ok(w) => w
            .as_ref()
            .map_or_else(Said::default, |f| f(signal_name(sig))),
        Err(_) => Said::default(),
    }
}

/// Set (in the signal handler, before the failed write returns) once a write met a closed pipe.
#[cfg(unix)]
static PIPE_CLOSED: std::sync::OnceLock<std::sync::Arc<std::sync::atomic::AtomicBool>> =
    std::sync::OnceLock::new();

/// Starts the clean-up thread. Call once, first thing in `main`.
///
/// SIGPIPE (the reader of stdout went away: `iemsim export DIR | head -1`) is one of them: its
/// default action killed a folder export on the spot, its outputs in progress lost and a named
/// temporary file left behind. It now stops the run as the others do, then ends the process by
/// SIGPIPE itself (exit 141 in a shell), and quietly unless outputs were being written: `iemsim
/// show ba | head -1` and `generate … -o - | head -c` say nothing, as Unix tools do.
pub fn install() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGPIPE, SIGQUIT, SIGTERM, SIGTSTP};
        let closed = PIPE_CLOSED.get_or_init(Default::default);
        if signal_hook::flag::register(SIGPIPE, std::sync::Arc::clone(closed)).is_err() {
            return;
        }
        let Ok(mut signals) = signal_hook::iterator::Signals::new([
            SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGPIPE,
        ]) else {
            return;
        };
        let _ = std::thread::Builder::new()
            .name("iemsim-signals".into())
            .spawn(move || {
                for sig in signals.forever() {
                    // Stop, not end: a screen first puts the terminal back (it stopped raw, on
                    // the alternate screen), anything else stops at once.
                    if sig == SIGTSTP {
                        if !crate::ui::tui::ask_to_suspend() {
                            crate::ui::tui::hangup::stop_process();
                        }
                        continue;
                    }
                    // A terminal screen ends itself cleanly (an ABX session is logged as
                    // abandoned, the demo removes its files); SIGQUIT never waits for it, nor
                    // does a closed pipe, which no screen asked for.
                    let now = sig == libc::SIGQUIT || sig == SIGPIPE;
                    if !now && crate::ui::tui::hangup::deliver(sig) {
                        continue;
                    }
                    // SIGQUIT does not wait for a screen to end itself, but the terminal is
                    // still put back.
                    if let Some(undo) = crate::ui::tui::release_for_exit() {
                        use std::os::fd::AsFd;
                        write_now(std::io::stdout().as_fd(), undo);
                    }
                    crate::io::atomic::remove_pending();
                    say_last_words(sig);
                    if sig == SIGPIPE {
                        // Ends the process by SIGPIPE, as its default action did.
                        let _ = signal_hook::low_level::emulate_default_handler(SIGPIPE);
                    }
                    // SAFETY: _exit skips atexit handlers and stdio flushing, which could block on
                    // a stalled stdout pipe; every file that matters is already removed or committed.
                    unsafe { libc::_exit(128 + sig) };
                }
            });
    }
}

/// What the stopped command says (see [`Said`]) and the notice on stderr. After SIGPIPE, stdout
/// is the pipe that closed, and nothing is said unless outputs were being written (what the
/// reader of a pipe closes early is its own choice, not news).
#[cfg(unix)]
fn say_last_words(sig: i32) {
    let pipe = sig == libc::SIGPIPE;
    let said = last_words(sig);
    if let Some(out) = said.stdout.as_ref().filter(|_| !pipe) {
        use std::os::fd::AsFd;
        write_now(std::io::stdout().as_fd(), out);
    }
    if let Some(err) = &said.stderr {
        notice(err);
    }
    // Files are spoken of only by a command that was writing one (`play` stopped at its start
    // said "no partial file was left behind").
    let files = match said.notice {
        Some(k) => format!("; {k}; no partial file was left behind"),
        None if crate::io::atomic::any_started() => "; no partial file was left behind".to_string(),
        None if pipe => return,
        None => String::new(),
    };
    let why = if pipe {
        " (standard output was closed)"
    } else {
        ""
    };
    notice(&format!(
        "\niemsim: stopped by {}{why}{files}\n",
        signal_name(sig)
    ));
}

/// Called when the command has ended (with an error or not): if a write met a closed pipe, the
/// signal thread is stopping the process (see [`install`]), and the command's own ending ("cannot
/// write to standard output: Broken pipe", exit 1) would race it: wait for it instead. Should it
/// never come, the process ends by SIGPIPE all the same.
pub fn await_closed_pipe() {
    #[cfg(unix)]
    if PIPE_CLOSED
        .get()
        .is_some_and(|c| c.load(std::sync::atomic::Ordering::SeqCst))
    {
        std::thread::sleep(std::time::Duration::from_secs(10));
        let _ = signal_hook::low_level::emulate_default_handler(libc::SIGPIPE);
    }
}

/// The name of a terminating signal, as messages say it.
#[cfg(unix)]
pub fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGINT => "SIGINT",
        libc::SIGTERM => "SIGTERM",
        libc::SIGHUP => "SIGHUP",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGPIPE => "SIGPIPE",
        _ => "a signal",
    }
}

#[cfg(not(unix))]
pub fn signal_name(_sig: i32) -> &'static str {
    "a signal"
}

/// Writes `msg` to stderr if it can be written without waiting; errors are ignored.
#[cfg(unix)]
fn notice(msg: &str) {
    use std::os::fd::AsFd;
    // The descriptor only: `Stderr`'s lock and buffer are never touched on the way out.
    write_now(std::io::stderr().as_fd(), msg);
}

/// Writes `msg` to `fd` as far as it goes without waiting (a stalled pipe takes what fits, or
/// nothing); errors are ignored.
#[cfg(unix)]
fn write_now(fd: std::os::fd::BorrowedFd<'_>, msg: &str) {
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    let zero = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    let mut rest = msg.as_bytes();
    while !rest.is_empty() {
        let mut fds = [PollFd::new(&fd, PollFlags::OUT)];
        if poll(&mut fds, Some(&zero)) != Ok(1) || !fds[0].revents().contains(PollFlags::OUT) {
            return;
        }
        match rustix::io::write(fd, rest) {
            Ok(n) if n > 0 => rest = &rest[n..],
            _ => return,
        }
    }
}
