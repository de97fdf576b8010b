//! Test helper: the one way the tests run the real `iemsim` binary and read what it said.
//!
//! Use it as `crate::common::cli`. Every run gets standard input from
//! /dev/null (nothing waits on the terminal) and an empty settings folder (`IEMSIM_CONFIG_DIR`),
//! so a developer's remembered headphone correction never changes a test's result; use
//! [`command`] to set something else.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The crate's folder (where the bundled samples are).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A settings folder that does not exist: iemsim then remembers nothing.
pub fn no_config() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("iemsim-no-config")
}

/// A loudness cache folder of the tests' own, so no test reads or fills the user's.
pub fn test_cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("iemsim-cache")
}

/// The binary, with standard input from /dev/null, no settings, the tests' own cache folder,
/// run in the crate's folder.
pub fn command() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_iemsim"));
    c.stdin(Stdio::null())
        .current_dir(root())
        .env("IEMSIM_CONFIG_DIR", no_config())
        .env("XDG_CACHE_HOME", test_cache());
    c
}

/// `iemsim ARGS` in the crate's folder.
pub fn iemsim(args: &[&str]) -> Output {
    command().args(args).output().expect("run iemsim")
}

/// `iemsim ARGS` in `dir`.
pub fn run(args: &[&str], dir: &Path) -> Output {
    command()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run iemsim")
}

/// `iemsim ARGS` in `dir` with `input` on its standard input, written from a thread (a process
/// that stops reading early neither blocks the test nor fails it with a broken pipe).
pub fn run_with_stdin(args: &[&str], dir: &Path, input: &[u8]) -> Output {
    let mut child = command()
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run iemsim");
    let mut stdin = child.stdin.take().expect("stdin");
    let bytes = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = std::io::Write::write_all(&mut stdin, &bytes);
    });
    let out = child.wait_with_output().expect("run iemsim");
    let _ = writer.join();
    out
}

/// `iemsim ARGS` in `dir` with the settings folder `config` (default: `dir/no-config`, empty).
pub fn run_with_config(args: &[&str], dir: &Path, config: Option<&Path>) -> Output {
    let empty = dir.join("no-config");
    command()
        .args(args)
        .current_dir(dir)
        .env("IEMSIM_CONFIG_DIR", config.unwrap_or(&empty))
        .output()
        .expect("run iemsim")
}

/// A published AutoEq file in `tests/fixtures/autoeq/` (`NAME ParametricEQ.txt`).
pub fn autoeq_fixture(name: &str) -> PathBuf {
    root()
        .join("tests/fixtures/autoeq")
        .join(format!("{name} ParametricEQ.txt"))
}

/// (kind, fc Hz, gain dB, Q) of each filter in a JSON `filters` array as iemsim prints it.
pub fn filters(list: &serde_json::Value) -> Vec<(String, f64, f64, f64)> {
    let num =
        |f: &serde_json::Value, k: &str| f[k].as_f64().unwrap_or_else(|| panic!("{k} in {f}"));
    list.as_array()
        .unwrap_or_else(|| panic!("not a filter list: {list}"))
        .iter()
        .map(|f| {
            let kind = f["kind"].as_str().unwrap_or_else(|| panic!("kind in {f}"));
            (
                kind.to_string(),
                num(f, "fc_hz"),
                num(f, "gain_db"),
                num(f, "q"),
            )
        })
        .collect()
}

/// `iemsim show PROFILE --json` in `dir`, parsed.
pub fn show_json(dir: &Path, profile: &str) -> serde_json::Value {
    json_of(&run_with_config(&["show", profile, "--json"], dir, None))
}

/// Bytes as text (lossy).
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// What a run printed on standard error.
pub fn stderr(o: &Output) -> String {
    text(&o.stderr)
}

/// Standard output of a run that must have succeeded, parsed as JSON.
pub fn json_of(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "iemsim failed: {}", stderr(o));
    serde_json::from_slice(&o.stdout).expect("JSON on standard output")
}

/// `iemsim ARGS` in `dir` with every file it writes limited to `max_bytes` (RLIMIT_FSIZE, set by
/// Python before it becomes iemsim; SIGXFSZ ignored, so a write past the limit fails with EFBIG
/// as a write to a full disk fails with ENOSPC): a disk that fills up, without root. Needs
/// `python3` (ask `tools::have` first).
pub fn run_with_file_size_limit(dir: &Path, max_bytes: u64, args: &[&str]) -> Output {
    const LIMIT: &str = "import os, resource, signal, sys\n\
        n = int(sys.argv[1])\n\
        resource.setrlimit(resource.RLIMIT_FSIZE, (n, n))\n\
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n\
        os.execv(sys.argv[2], sys.argv[2:])\n";
    Command::new("python3")
        .args([
            "-c",
            LIMIT,
            &max_bytes.to_string(),
            env!("CARGO_BIN_EXE_iemsim"),
        ])
        .args(args)
        .current_dir(dir)
        .env("IEMSIM_CONFIG_DIR", no_config())
        .env("XDG_CACHE_HOME", test_cache())
        .stdin(Stdio::null())
        .output()
        .expect("run python3")
}
