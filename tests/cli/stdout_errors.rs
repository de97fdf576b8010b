//! Every command that prints survives a stdout it cannot write: one line on stderr naming the
//! problem, exit code 1, no panic (issue 11 item 11). `/dev/full` fails every write with ENOSPC,
//! the kernel's stand-in for a full disk behind a redirect. A closed pipe still ends the process
//! by SIGPIPE (141 in a shell), as `head` expects of Unix tools.

use crate::common::pulse;

use std::fs::{File, OpenOptions};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn dev_full() -> Option<File> {
    OpenOptions::new().write(true).open("/dev/full").ok()
}

/// Runs iemsim with stdout = /dev/full and checks the one-line, exit-1 contract.
fn check_full(args: &[&str], dir: &Path, env: &[(String, String)]) -> Output {
    let Some(full) = dev_full() else {
        pulse::skipped(&format!("{args:?}: no /dev/full on this system"));
        return Command::new("true").output().unwrap();
    };
    let o = Command::new(env!("CARGO_BIN_EXE_iemsim"))
        .args(args)
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(full)
        .output()
        .expect("run iemsim");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    let last = lines.last().copied().unwrap_or_default();
    assert!(
        last.starts_with("iemsim: cannot write to standard output: No space left on device"),
        "{args:?}: {err}"
    );
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains("standard output"))
            .count(),
        1,
        "{args:?}: {err}"
    );
    o
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn profiles_and_show_on_a_full_stdout() {
    for args in [
        &["profiles"][..],
        &["profiles", "--json"],
        &["show", "ba"],
        &["show", "dd", "--json"],
    ] {
        check_full(args, repo(), &[]);
    }
}

#[test]
fn export_and_generate_on_a_full_stdout_still_write_their_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    check_full(
        &["generate", "tone", "-o", "t.wav", "--seconds", "1"],
        d,
        &[],
    );
    assert!(d.join("t.wav").is_file());
    check_full(
        &[
            "generate",
            "tone",
            "-o",
            "u.wav",
            "--seconds",
            "1",
            "--json",
        ],
        d,
        &[],
    );
    check_full(&["export", "t.wav", "-p", "ba"], d, &[]);
    assert!(
        d.join("t.ba.wav").is_file(),
        "the file is complete before the report"
    );
    check_full(&["export", "t.wav", "-p", "dd", "--json"], d, &[]);
    assert!(d.join("t.dd.wav").is_file());
}

#[test]
fn abx_scripted_and_demo_export_on_a_full_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.jsonl");
    let log = log.to_str().unwrap();
    let music = repo().join("samples/music.wav");
    let music = music.to_str().unwrap();
    let abx = [
        "abx",
        music,
        "--no-tui",
        "--trials",
        "2",
        "--seed",
        "1",
        "--answers",
        "a,b",
        "--log",
        log,
    ];
    check_full(&abx, repo(), &[]);
    let mut json = abx.to_vec();
    json.push("--json");
    check_full(&json, repo(), &[]);
    // Text mode stops at its header, before any trial; JSON prints only at the end, so that
    // session was logged before its report failed.
    assert_eq!(std::fs::read_to_string(log).unwrap().lines().count(), 1);
    let out = dir.path().join("demo");
    check_full(
        &["demo", "bass", "--export", out.to_str().unwrap()],
        repo(),
        &[],
    );
    assert!(out.join("README.md").is_file());
}

#[test]
fn devices_and_play_on_a_full_stdout() {
    let Some(stack) = pulse::PulseStack::start() else {
        return;
    };
    let env = stack.env();
    check_full(&["devices"], repo(), &env);
    check_full(&["devices", "--json"], repo(), &env);
    check_full(&["play", "--no-tui", "--duration", "0.2"], repo(), &env);
}

/// `iemsim show ba | head -1`: the reader goes away, the writer dies of SIGPIPE quietly.
#[test]
fn a_closed_pipe_still_means_sigpipe() {
    use std::os::unix::process::ExitStatusExt;
    // 60 profiles print about 160 KB, more than a pipe holds (64 KiB on Linux): iemsim cannot
    // finish writing before the read end is closed, so the test does not race it.
    let mut child = Command::new(env!("CARGO_BIN_EXE_iemsim"))
        .arg("show")
        .args(["ba"; 60])
        .current_dir(repo())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the read end before iemsim writes (or while it does): every later write gets EPIPE.
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.signal(), Some(libc::SIGPIPE), "{o:?}");
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Audio on stdout whose reader stops early (`generate pink -o - | head -c 1000`): the writer
/// dies of SIGPIPE at once and quietly, as with text, though a closed pipe now stops an export
/// writing files with a word on what it kept.
#[test]
fn audio_to_a_closed_pipe_ends_quietly_by_sigpipe() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let music = repo().join("samples/music.wav");
    let music = music.to_str().unwrap();
    for args in [
        &["generate", "pink", "-o", "-", "--seconds", "600"][..],
        &["export", music, "-p", "ba", "-o", "-"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_iemsim"))
            .args(args)
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let started = std::time::Instant::now();
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.signal(), Some(libc::SIGPIPE), "{args:?}: {o:?}");
        assert!(
            o.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(started.elapsed().as_secs() < 5, "{args:?} was not prompt");
    }
}
