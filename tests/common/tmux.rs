//! Test helper: a program in a real terminal. A detached tmux session on a server of its own
//! (`tmux -L`), so that killing the server (a closed terminal) touches nothing else; killed on drop.
//! Keys go in with `send-keys`, the screen comes back with `capture-pane`.
//!
//! Use it as `crate::common::tmux`.

#![allow(dead_code)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long `wait_for` polls before failing.
/// A bound on waiting for a screen state, only so a broken build fails instead of hanging: under
/// load (the full suite beside two busy loops) starting `play` took over 10 s.
const WAIT: Duration = Duration::from_secs(60);

/// How long a screen state must hold before `wait_for` takes it: a screen can be read while the
/// program is still painting it. Under load (the command tests rendering beside it) a first frame
/// was read with its top half painted, enough for the predicate, and its bottom half still blank.
const SETTLE: Duration = Duration::from_millis(60);

pub struct Tmux {
    socket: String,
}

/// tmux present, or a loud skip (a failure with IEMSIM_REQUIRE_AUDIO=1, as in CI).
pub fn available() -> bool {
    let ok = Command::new("tmux")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return true;
    }
    if ["IEMSIM_REQUIRE_AUDIO", "IEMSIM_REQUIRE_ALL"]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|v| v == "1"))
    {
        panic!("tmux is required for the terminal UI tests (IEMSIM_REQUIRE_AUDIO/ALL=1)");
    }
    skipped("tmux is not installed (terminal UI test)");
    false
}

/// `SKIPPED: <test>: <why>` on the real stderr, past the harness's capture of `eprintln!`
/// (the harness names each test's thread after the test).
pub fn skipped(why: &str) {
    use std::io::Write;
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("?");
    let _ = writeln!(std::io::stderr(), "\nSKIPPED: {test}: {why}");
}

impl Tmux {
    /// Starts `shell_command` in a `width`x`height` pane in the crate's folder.
    pub fn start(name: &str, width: u16, height: u16, shell_command: &str) -> Tmux {
        let t = Tmux {
            socket: format!("iemsim-{}-{name}", std::process::id()),
        };
        let (w, h) = (width.to_string(), height.to_string());
        let ok = t
            .cmd(&["new-session", "-d", "-s", "t", "-x", &w, "-y", &h, "-c"])
            .arg(env!("CARGO_MANIFEST_DIR"))
            .arg(shell_command)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "tmux new-session failed");
        t
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .stdin(Stdio::null())
            .stderr(Stdio::null());
        c
    }

    /// Sends keys (tmux key names: "x", "A", "Tab", "Escape", "C-c").
    pub fn keys(&self, keys: &[&str]) {
        let ok = self
            .cmd(&["send-keys", "-t", "t"])
            .args(keys)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "tmux send-keys {keys:?} failed");
    }

    /// Resizes the terminal (the program gets SIGWINCH, as when a window is dragged).
    pub fn resize(&self, width: u16, height: u16) {
        let (w, h) = (width.to_string(), height.to_string());
        let ok = self
            .cmd(&["resize-window", "-t", "t", "-x", &w, "-y", &h])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "tmux resize-window failed");
    }

    /// The screen as text; with `styles`, with its colour and attribute escapes too.
    pub fn screen(&self, styles: bool) -> String {
        let mut args = vec!["capture-pane", "-p", "-t", "t"];
        if styles {
            args.push("-e");
        }
        self.cmd(&args)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    /// Polls the screen until `pred` has held for [`SETTLE`] ([`WAIT`] at most); returns the last
    /// screen read.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        let mut held_since: Option<Instant> = None;
        loop {
            let s = self.screen(false);
            if pred(&s) {
                let since = *held_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= SETTLE {
                    return s;
                }
            } else {
                held_since = None;
            }
            assert!(
                Instant::now() < deadline,
                "waited {WAIT:?} for {what}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    pub fn wait_text(&self, needle: &str) -> String {
        self.wait_for(needle, |s| s.contains(needle))
    }

    /// Closes the terminal as a dying ssh session or a killed tmux does: the pane's tty hangs up
    /// and its processes get SIGHUP.
    pub fn hang_up(&self) {
        let _ = self.cmd(&["kill-server"]).status();
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.hang_up();
    }
}

/// `iemsim ARGS` in a `width`x`height` pane (see [`Tmux::start`]) with `vars` added to its
/// environment (e.g. a PulseAudio stack's `env()`). When it ends the shell prints `EXIT=<code>`,
/// runs `then` (a shell command such as `stty -a | grep -o -- '-icanon'`, or nothing) and keeps the
/// pane open 30 s so the test can read the last screen.
pub fn iemsim(
    name: &str,
    (width, height): (u16, u16),
    vars: &[(String, String)],
    args: &[&str],
    then: &str,
) -> Tmux {
    let args: String = args.iter().map(|a| format!(" {}", sh_quote(a))).collect();
    let then = if then.is_empty() {
        String::new()
    } else {
        format!("{then}; ")
    };
    // The tests' own loudness cache, never the user's.
    let cache = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("iemsim-cache");
    let cmd = format!(
        "env XDG_CACHE_HOME={} {}{}{args}; echo EXIT=$?; {then}sleep 30",
        sh_quote(&cache.to_string_lossy()),
        shell_env(vars),
        sh_quote(env!("CARGO_BIN_EXE_iemsim"))
    );
    Tmux::start(name, width, height, &cmd)
}

/// Single-quoted for sh.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `K='v' K2='v2' ` for `env …` in a shell command line (e.g. a stack's `env()`).
pub fn shell_env(vars: &[(String, String)]) -> String {
    vars.iter()
        .map(|(k, v)| format!("{k}={} ", sh_quote(v)))
        .collect()
}
