//! Outputs never destroy anything and never leave debris (issue 11 items 5, 8, 9, 13): only regular
//! files are replaced, terminating signals clean up and exit 128 + n without blocking, SIGKILL
//! leaves nothing visible, stale temporaries of dead processes are swept, long names work.
//!
//! The signal tests are deterministic: the export is parked on a write that cannot complete (a
//! stderr pipe filled beforehand, or a stdout pipe nobody reads) before the signal is sent, so
//! it always arrives mid-export, and the condition waited for is stable once reached.
#![cfg(target_os = "linux")]

use crate::common::cli;

use cli::{run as iemsim, text};
use std::fs;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A short WAV at `rate` Hz.
fn input(path: &Path, rate: u32, frames: usize) {
    let mut sink = iemsim::io::WavSink::create(
        path,
        2,
        rate,
        iemsim::io::OutFormat::I16,
        iemsim::dsp::dither::Dither::None,
        true,
    )
    .unwrap();
    let data: Vec<f64> = (0..frames * 2)
        .map(|i| ((i % 200) as f64 - 100.0) / 400.0)
        .collect();
    sink.write(&data).unwrap();
    sink.finish().unwrap();
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: valid path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

fn assert_refused(o: &Output, says: &str) {
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(says), "{err}");
}

/// A link to nothing at an output's name was not "there" to the one-line refusal of a folder
/// run (`exists` follows links): the other files were written, then that one failed; and
/// `--skip-existing` failed on it at every run. It is refused up front now, and a resume replaces
/// it (a link to nothing holds nothing to lose), with a line.
#[test]
fn a_dangling_link_at_an_outputs_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("in")).unwrap();
    fs::create_dir_all(d.join("out")).unwrap();
    for name in ["a.wav", "b.wav"] {
        input(&d.join("in").join(name), 48_000, 4800);
    }
    std::os::unix::fs::symlink("/nonexistent/x.wav", d.join("out/a.ba.wav")).unwrap();
    let args = ["export", "in", "-p", "ba", "--out-dir", "out"];
    let o = iemsim(&args, d);
    assert_refused(&o, "1 of the 2 outputs exist already (out/a.ba.wav)");
    assert_eq!(names(&d.join("out")), ["a.ba.wav"], "something was written");
    let o = iemsim(&[&args[..], &["--skip-existing"]].concat(), d);
    let err = text(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("redoing out/a.ba.wav: it is a link to nothing"),
        "{err}"
    );
    assert!(fs::symlink_metadata(d.join("out/a.ba.wav"))
        .unwrap()
        .is_file());
    assert_eq!(names(&d.join("out")), ["a.ba.wav", "b.ba.wav"]);
}

/// `--force` replaces regular files only: a FIFO, links to /dev/null and /dev/stdout, and (as
/// root) /dev/null itself are refused with exit 2 and left as they were.
#[test]
fn force_never_replaces_anything_but_a_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    input(&d.join("in.wav"), 44_100, 1000);
    mkfifo(&d.join("fifo.wav"));
    std::os::unix::fs::symlink("/dev/null", d.join("null.wav")).unwrap();
    std::os::unix::fs::symlink("/dev/stdout", d.join("stdout.wav")).unwrap();
    for (name, says) in [
        ("fifo.wav", "is a FIFO (named pipe), not a regular file"),
        ("null.wav", "is a link to a device"),
        ("stdout.wav", "not a regular file"),
    ] {
        let o = iemsim(&["export", "in.wav", "-p", "ba", "-o", name, "--force"], d);
        assert_refused(&o, says);
    }
    assert!(fs::metadata(d.join("fifo.wav"))
        .unwrap()
        .file_type()
        .is_fifo());
    assert!(fs::symlink_metadata(d.join("null.wav"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(fs::symlink_metadata(d.join("stdout.wav"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(names(d), ["fifo.wav", "in.wav", "null.wav", "stdout.wav"]);

    let o = iemsim(
        &["export", "in.wav", "-p", "ba", "-o", "/dev/null", "--force"],
        d,
    );
    assert_refused(&o, "/dev/null: is a device");
    assert!(fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());

    // A regular file is still replaced with --force.
    fs::write(d.join("old.wav"), b"old").unwrap();
    let o = iemsim(
        &[
            "export", "in.wav", "-p", "ba", "-o", "old.wav", "--force", "-q",
        ],
        d,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(&fs::read(d.join("old.wav")).unwrap()[..4], b"RIFF");
}

/// A read-only output folder is a problem the user can fix: exit 2, one line. Root may write
/// anywhere, so as root the binary runs as `nobody`.
#[test]
fn read_only_output_folder_exits_2() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::set_permissions(d, fs::Permissions::from_mode(0o755)).unwrap();
    input(&d.join("in.wav"), 44_100, 1000);
    fs::create_dir(d.join("ro")).unwrap();
    fs::set_permissions(d.join("ro"), fs::Permissions::from_mode(0o555)).unwrap();
    let bin = env!("CARGO_BIN_EXE_iemsim");
    let args = ["export", "in.wav", "-p", "ba", "-o", "ro/x.wav"];
    // SAFETY: geteuid has no preconditions.
    let o = if unsafe { libc::geteuid() } == 0 {
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", bin])
            .args(args)
            .current_dir(d)
            .output()
            .expect("setpriv (util-linux)")
    } else {
        iemsim(&args, d)
    };
    assert_refused(&o, "ro/x.wav: the output folder is not writable");
    assert!(names(&d.join("ro")).is_empty());
}

/// A folder into a read-only `--out-dir` with two profiles: every input was read (the measuring
/// pass) and then failed on "the output folder is not writable", once per file. The run is
/// refused before any input is read, in one line, as one file with one profile is.
#[test]
fn a_folder_into_a_read_only_out_dir_is_refused_before_reading_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::set_permissions(d, fs::Permissions::from_mode(0o755)).unwrap();
    fs::create_dir(d.join("in")).unwrap();
    for name in ["a", "b"] {
        input(&d.join(format!("in/{name}.wav")), 44_100, 44_100);
    }
    fs::create_dir(d.join("ro")).unwrap();
    fs::set_permissions(d.join("ro"), fs::Permissions::from_mode(0o555)).unwrap();
    let bin = env!("CARGO_BIN_EXE_iemsim");
    let args = ["export", "in", "-p", "ba", "-p", "dd", "--out-dir", "ro"];
    // SAFETY: geteuid has no preconditions.
    let o = if unsafe { libc::geteuid() } == 0 {
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", bin])
            .args(args)
            .current_dir(d)
            .output()
            .expect("setpriv (util-linux)")
    } else {
        iemsim(&args, d)
    };
    assert_refused(&o, "ro/a.ba.wav: the output folder is not writable");
    assert!(names(&d.join("ro")).is_empty());
}

/// `export DIR | head -1`: the reader goes after the first line. SIGPIPE's default action
/// killed the run where it stood: the outputs in progress were lost and, with named temporary
/// files, one was left behind (`.z.ba.wav.PID.N.partial`). It now stops as SIGINT does: nothing
/// half-written is left, stderr says how many complete outputs were kept (each a whole file),
/// and the process still dies of SIGPIPE (141 in a shell), as Unix tools do.
#[test]
fn a_closed_stdout_pipe_stops_a_folder_export_cleanly() {
    use std::io::BufRead;
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir(d.join("in")).unwrap();
    let lengths = [
        ("a", 4_800),
        ("b", 4_800),
        ("y", 48_000 * 20),
        // Still being written when y's report line meets the closed pipe.
        ("z", 48_000 * 300),
    ];
    for (name, frames) in lengths {
        input(&d.join(format!("in/{name}.wav")), 48_000, frames);
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_iemsim"))
        .args(["export", "in", "-p", "ba", "--out-dir", "out", "-j", "2"])
        .env("IEMSIM_TMPFILE", "named")
        .current_dir(d)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut first).unwrap();
    assert!(first.starts_with("out/a.ba.wav  [ba]"), "{first}");
    drop(stdout);
    let o = child.wait_with_output().unwrap();
    let err = text(&o.stderr);
    assert_eq!(o.status.signal(), Some(libc::SIGPIPE), "{o:?}");
    let left = names(&d.join("out"));
    assert!(
        left.iter().all(|n| !n.starts_with('.')),
        "left behind: {left:?}"
    );
    assert!(!left.contains(&"z.ba.wav".to_string()), "{left:?}");
    for name in &left {
        let stem = name.strip_suffix(".ba.wav").unwrap();
        let frames = lengths.iter().find(|(n, _)| *n == stem).unwrap().1;
        let r = hound::WavReader::open(d.join("out").join(name)).unwrap();
        assert_eq!(r.duration() as usize, frames, "{name} is whole");
    }
    let kept = match left.len() {
        1 => "1 complete output".to_string(),
        n => format!("{n} complete outputs"),
    };
    assert!(
        err.contains(&format!(
            "stopped by SIGPIPE (standard output was closed); {kept} kept; no partial file"
        )),
        "{err}"
    );
}

/// A final name of 245 characters works: the temporary name is shortened to fit NAME_MAX.
#[test]
fn long_output_names_fit_the_temporary_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    input(&d.join("in.wav"), 44_100, 1000);
    for mode in ["named", "auto"] {
        let name = format!("{}.wav", mode.repeat(300)[..241].to_owned());
        assert_eq!(name.len(), 245);
        let o = Command::new(env!("CARGO_BIN_EXE_iemsim"))
            .args(["export", "in.wav", "-p", "ba", "-o", &name, "-q"])
            .env("IEMSIM_TMPFILE", mode)
            .current_dir(d)
            .output()
            .unwrap();
        assert!(o.status.success(), "{mode}: {}", text(&o.stderr));
        assert!(d.join(&name).is_file());
    }
}

/// Temporaries of a process that no longer exists, untouched for 10 minutes, are removed by the
/// next export into the folder; a live process's are kept, and so is a recent one whose PID
/// is not running here (on a shared folder, another machine's export in progress).
#[test]
fn stale_temporaries_of_dead_processes_are_swept() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    input(&d.join("in.wav"), 44_100, 1000);
    let mut gone = Command::new("true").spawn().unwrap();
    let dead = gone.id();
    gone.wait().unwrap();
    let alive = std::process::id();
    let stale = format!(".x.wav.{dead}.0.partial");
    let live = format!(".y.wav.{alive}.3.partial");
    let recent = format!(".z.wav.{dead}.1.partial");
    fs::write(d.join(&stale), b"junk").unwrap();
    fs::write(d.join(&live), b"busy").unwrap();
    fs::write(d.join(&recent), b"elsewhere").unwrap();
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    fs::File::options()
        .write(true)
        .open(d.join(&stale))
        .and_then(|f| f.set_modified(hour_ago))
        .unwrap();
    let o = iemsim(&["export", "in.wav", "-p", "ba", "-o", "out.wav", "-q"], d);
    assert!(o.status.success());
    assert_eq!(
        names(d),
        [live.as_str(), recent.as_str(), "in.wav", "out.wav"]
    );
}

/// A pipe whose buffer is already full: the child's first write to it blocks for ever.
fn full_pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: fds has room for two descriptors.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: fresh descriptors we own.
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: fcntl/write on our own pipe; non-blocking only while filling it.
    unsafe {
        let fl = libc::fcntl(fds[1], libc::F_GETFL);
        libc::fcntl(fds[1], libc::F_SETFL, fl | libc::O_NONBLOCK);
        let buf = [b'x'; 4096];
        while libc::write(fds[1], buf.as_ptr().cast(), buf.len()) > 0 {}
        libc::fcntl(fds[1], libc::F_SETFL, fl);
    }
    (r, w)
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !cond() {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "never happened: {what}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Starts `export in.wav -p neutral -p ba` on 8 kHz input with stderr a full pipe: the neutral
/// output's temporary file is created, then the warning that ba's 8.6 kHz filter is dropped
/// blocks on stderr. The export is parked there until a signal comes.
fn parked_export(d: &Path, tmpfile: &str) -> (Child, OwnedFd) {
    input(&d.join("in.wav"), 8_000, 8_000);
    let (r, w) = full_pipe();
    let child = Command::new(env!("CARGO_BIN_EXE_iemsim"))
        .args(["export", "in.wav", "-p", "neutral", "-p", "ba", "-q"])
        .env("IEMSIM_TMPFILE", tmpfile)
        .current_dir(d)
        .stdout(Stdio::null())
        .stderr(Stdio::from(w))
        .spawn()
        .unwrap();
    (child, r)
}

#[test]
fn every_terminating_signal_cleans_up_and_exits_128_plus_n() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let (mut child, _keep) = parked_export(d, "named");
        wait_for("the temporary file", || {
            names(d).iter().any(|n| n.ends_with(".partial"))
        });
        // SAFETY: kill(2) on our own child.
        unsafe { libc::kill(child.id() as i32, sig) };
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(128 + sig), "signal {sig}");
        assert_eq!(names(d), ["in.wav"], "signal {sig} left something behind");
    }
}

/// Ctrl-C during a folder export on several threads stops every worker: exit 130, and no
/// temporary file is left behind, whichever worker was writing.
#[test]
fn sigint_stops_a_parallel_folder_export_and_leaves_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir(d.join("in")).unwrap();
    fs::create_dir(d.join("out")).unwrap();
    for i in 0..4 {
        input(&d.join(format!("in/t{i}.wav")), 48_000, 48_000 * 120);
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_iemsim"))
        .args([
            "export",
            "in",
            "-p",
            "ba",
            "--format",
            "flac",
            "--out-dir",
            "out/new",
            "-j",
            "4",
            "-q",
        ])
        .env("IEMSIM_TMPFILE", "named")
        .current_dir(d)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = d.join("out/new");
    wait_for("two temporary files at once", || {
        out.is_dir()
            && names(&out)
                .iter()
                .filter(|n| n.ends_with(".partial"))
                .count()
                >= 2
    });
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(128 + libc::SIGINT));
    // The folder the run made goes too, unless an output was completed in it (it was left
    // behind empty).
    if out.is_dir() {
        let left = names(&out);
        assert!(!left.is_empty(), "an empty out-dir was left behind");
        assert!(
            left.iter().all(|n| !n.ends_with(".partial")),
            "left behind: {left:?}"
        );
    }
}

/// `export --json` stopped by a signal printed nothing on stdout, and a script could not tell
/// which outputs were complete. It now prints its report, with the complete outputs (exactly
/// the files left in the folder) and `"interrupted": "SIGINT"`; stderr counts them too.
#[test]
fn an_interrupted_json_export_reports_the_complete_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir(d.join("in")).unwrap();
    fs::create_dir(d.join("out")).unwrap();
    for name in ["a", "b"] {
        input(&d.join(format!("in/{name}.wav")), 48_000, 4_800);
    }
    // Long enough to be caught half-written (minutes of FLAC, one thread).
    input(&d.join("in/z.wav"), 48_000, 48_000 * 300);
    let child = Command::new(env!("CARGO_BIN_EXE_iemsim"))
        .args([
            "export",
            "in",
            "-p",
            "ba",
            "--format",
            "flac",
            "--out-dir",
            "out",
        ])
        .args(["-j", "1", "--json"])
        .env("IEMSIM_TMPFILE", "named")
        .current_dir(d)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("the long input's temporary file", || {
        names(&d.join("out"))
            .iter()
            .any(|n| n.starts_with(".z") && n.ends_with(".partial"))
    });
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(128 + libc::SIGINT));
    let left = names(&d.join("out"));
    assert_eq!(left.len(), 2, "{left:?}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("no JSON report ({e}): {:?}", text(&o.stdout)));
    assert_eq!(v["interrupted"], "SIGINT", "{v}");
    let mut reported: Vec<String> = v["outputs"]
        .as_array()
        .expect("outputs")
        .iter()
        .map(|r| {
            let p = Path::new(r["output"].as_str().expect("output"));
            p.file_name().unwrap().to_string_lossy().into_owned()
        })
        .collect();
    reported.sort();
    assert_eq!(reported, left);
    let err = text(&o.stderr);
    assert!(
        err.contains("stopped by SIGINT; 2 complete outputs kept; no partial file"),
        "{err}"
    );
}

/// A command that writes no file, stopped by a signal, says only that (`play` stopped during its
/// start said "no partial file was left behind", export's words). Here `analyze` waiting on a
/// pipe that has given 4 bytes.
#[test]
fn a_signal_speaks_of_files_only_where_one_was_being_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = cli::command()
        .args(["analyze", "-"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::io::Write::write_all(&mut stdin, b"RIFF").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let o = child.wait_with_output().unwrap();
    drop(stdin);
    assert_eq!(
        o.status.code(),
        Some(128 + libc::SIGINT),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(text(&o.stderr).trim(), "iemsim: stopped by SIGINT");
}

/// The same on several threads, stopped at different moments: a worker names its input's
/// outputs a moment before it records them, so a report taken then missed complete files on
/// disk (4 runs in 25, found by an exploratory pass). Now the JSON, the count on stderr and the
/// folder agree every time: outputs are named an input at a time, and none after the signal.
#[test]
fn a_stopped_parallel_export_reports_exactly_the_files_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir(d.join("in")).unwrap();
    for i in 0..24 {
        input(&d.join(format!("in/s{i:02}.wav")), 48_000, 48_000 * 2);
    }
    for (run, delay_ms) in [0u64, 15, 40, 90].into_iter().enumerate() {
        let out = d.join(format!("out{run}"));
        let child = Command::new(env!("CARGO_BIN_EXE_iemsim"))
            .args([
                "export",
                "in",
                "-p",
                "ba",
                "-p",
                "dd",
                "-p",
                "v-hybrid",
                "--out-dir",
            ])
            .arg(&out)
            .args(["-j", "3", "--json"])
            .current_dir(d)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_for("a first output", || {
            fs::read_dir(&out).is_ok_and(|mut e| e.next().is_some())
        });
        std::thread::sleep(Duration::from_millis(delay_ms));
        // SAFETY: kill(2) on our own child.
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        let o = child.wait_with_output().unwrap();
        let on_disk = names(&out);
        let err = text(&o.stderr);
        if o.status.success() {
            continue; // finished before the signal: nothing to check
        }
        assert_eq!(o.status.code(), Some(128 + libc::SIGTERM), "{err}");
        let v: serde_json::Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("run {run}: no JSON report ({e}): {err}"));
        let mut listed: Vec<String> = v["outputs"]
            .as_array()
            .expect("outputs")
            .iter()
            .map(|r| {
                let p = Path::new(r["output"].as_str().expect("output"));
                p.file_name().unwrap().to_string_lossy().into_owned()
            })
            .collect();
        listed.sort();
        assert_eq!(listed, on_disk, "run {run} (after {delay_ms} ms)");
        let kept = format!("{} complete output", on_disk.len());
        assert!(err.contains(&kept), "run {run}: {err}");
    }
}

/// SIGKILL cannot be handled: with O_TMPFILE there is nothing visible to leave behind.
#[test]
fn sigkill_leaves_nothing_visible() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (mut child, _keep) = parked_export(d, "auto");
    let fd_dir = format!("/proc/{}/fd", child.id());
    let here = fs::canonicalize(d).unwrap();
    wait_for("the unnamed temporary file", || {
        fs::read_dir(&fd_dir)
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| {
                fs::read_link(e.path()).is_ok_and(|t| {
                    t.starts_with(&here) && t.to_string_lossy().ends_with("(deleted)")
                })
            })
    });
    assert_eq!(names(d), ["in.wav"], "the temporary file has a name");
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(names(d), ["in.wav"]);
}

/// SIGINT while stderr is /dev/full and the writer is blocked on a stdout pipe nobody reads:
/// the process still exits 130 at once (it used to deadlock in a panicking eprintln!).
#[test]
fn sigint_with_stderr_full_does_not_hang() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    input(&d.join("in.wav"), 44_100, 441_000);
    let mut child = Command::new(env!("CARGO_BIN_EXE_iemsim"))
        .args(["export", "in.wav", "-p", "ba", "-o", "-"])
        .current_dir(d)
        .stdout(Stdio::piped())
        .stderr(
            fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
        .spawn()
        .unwrap();
    // The header has been written: the export is under way, and with 1.7 MB to write into a
    // 64 KiB pipe nobody drains, it cannot finish.
    let mut head = [0u8; 4];
    use std::io::Read;
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut head)
        .unwrap();
    assert_eq!(&head, b"RIFF");
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
}

/// Two outputs of one input under one name come from a profile named twice: the refusal says
/// that, not "rename one input"; and an empty input's refusal suits every command (analyze too).
#[test]
fn refusals_give_the_advice_that_fits() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    input(&d.join("in.wav"), 48_000, 4800);
    let o = iemsim(
        &["export", "in.wav", "-p", "ba", "-p", "ba", "--out-dir", "o"],
        d,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("name each profile once"),
        "{}",
        text(&o.stderr)
    );
    input(&d.join("empty.wav"), 48_000, 0);
    let o = iemsim(&["analyze", "empty.wav"], d);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("no audio in it") && !err.contains("output"),
        "{err}"
    );
}

/// Two different profile files with one stem (`x/eq.toml`, `y/eq.txt`) were refused as "name each
/// profile once", with no way out but renaming them (`-o` takes one profile): their outputs are
/// named apart by extension, then by folder.
#[test]
fn profile_files_with_one_stem_get_outputs_of_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    input(&d.join("in.wav"), 48_000, 4800);
    for (path, db) in [("x/eq.txt", -3), ("y/eq.txt", 3), ("y/eq.toml", 0)] {
        let path = d.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let text = if path.extension().unwrap() == "toml" {
            "name = \"toml\"\n[[filters]]\ntype = \"peaking\"\nfc_hz = 1000\ngain_db = 2\nq = 1\n"
                .to_string()
        } else {
            format!("Filter 1: ON PK Fc 1000 Hz Gain {db} dB Q 1\n")
        };
        std::fs::write(path, text).unwrap();
    }
    let args = [
        "export",
        "in.wav",
        "-p",
        "x/eq.txt",
        "-p",
        "y/eq.txt",
        "-p",
        "y/eq.toml",
    ];
    let o = iemsim(&args, d);
    assert!(o.status.success(), "{}", text(&o.stderr));
    for out in ["in.x-eq-txt.wav", "in.y-eq-txt.wav", "in.eq-toml.wav"] {
        assert!(d.join(out).is_file(), "{out}: {}", text(&o.stdout));
    }
    // One file named twice is still refused.
    let o = iemsim(
        &["export", "in.wav", "-p", "x/eq.txt", "-p", "./x/eq.txt"],
        d,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("name each profile once"));
}

/// A folder named as the output gets one answer from every command: "is a folder", never an
/// `--force` that then fails too (fit, profile convert), and `--out-dir` only where it exists
/// (export; generate has none).
#[test]
fn a_folder_as_the_output_is_refused_alike_by_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    input(&d.join("in.wav"), 48_000, 4800);
    let csv = cli::root().join("samples/measurements/iem/ba/Etymotic ER4SR.csv");
    let csv = csv.to_str().unwrap();
    for name in ["eq.txt", "out.wav"] {
        std::fs::create_dir(d.join(name)).unwrap();
    }
    let cases: [&[&str]; 5] = [
        &["fit", csv, "-o", "eq.txt"],
        &["fit", csv, "-o", "eq.txt", "--force"],
        &["profile", "convert", "ba", "-o", "eq.txt", "--force"],
        &["generate", "tone", "-o", "out.wav"],
        &["export", "in.wav", "-p", "ba", "-o", "out.wav"],
    ];
    for args in cases {
        let o = iemsim(args, d);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("is a folder"), "{args:?}: {err}");
        assert!(!err.contains("--force"), "{args:?}: {err}");
        assert_eq!(
            err.contains("--out-dir"),
            args[0] == "export",
            "{args:?}: {err}"
        );
    }
}

/// No output replaces a file the command reads, `--force` or not: `fit m.csv -o m.csv --force`
/// replaced the measurement with its fit, and `show --plot m.png --measurement m.png` the
/// measurement with the chart (charts replace their own earlier output).
#[test]
fn an_output_never_replaces_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/measurements/iem/ba");
    let csv = fs::read_dir(&src)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "csv"))
        .expect("a bundled measurement");
    let measured = fs::read(&csv).unwrap();
    for name in ["m.txt", "m.png"] {
        fs::write(d.join(name), &measured).unwrap();
    }
    let o = iemsim(&["fit", "m.txt", "-o", "m.txt", "--force"], d);
    assert_refused(
        &o,
        "m.txt: refusing to write the output over the input file",
    );
    let o = iemsim(
        &["show", "ba", "--plot", "m.png", "--measurement", "m.png"],
        d,
    );
    assert_refused(
        &o,
        "m.png: refusing to write the output over the input file",
    );
    for name in ["m.txt", "m.png"] {
        assert_eq!(fs::read(d.join(name)).unwrap(), measured, "{name}");
    }
    // `profile convert` and `export` share the one check.
    let eq = "Filter 1: ON PK Fc 1000 Hz Gain 3 dB Q 1\n";
    fs::write(d.join("p.txt"), eq).unwrap();
    let o = iemsim(
        &["profile", "convert", "p.txt", "-o", "p.txt", "--force"],
        d,
    );
    assert_refused(
        &o,
        "p.txt: refusing to write the output over the input file",
    );
    assert_eq!(fs::read_to_string(d.join("p.txt")).unwrap(), eq);
}

/// A refused export leaves no `--out-dir` behind: the folders it made for the outputs (parents
/// too) are removed while still empty. A missing input left `f1/f2`.
#[test]
fn a_refused_export_leaves_no_out_dir() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = iemsim(
        &["export", "nothing.wav", "-p", "ba", "--out-dir", "f1/f2"],
        d,
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(names(d).is_empty(), "{:?}", names(d));
    input(&d.join("in.wav"), 44_100, 4_410);
    let o = iemsim(&["export", "in.wav", "-p", "ba", "--out-dir", "g1/g2"], d);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(d.join("g1/g2/in.ba.wav").is_file());
}

/// An input whose second output cannot be written after its first was (each is completed and
/// named in turn; here the second is larger than the file-size limit, as a disk fills up) keeps
/// the first and lists it: in the report lines, in `--json`'s `outputs`, and in its failure,
/// which says it was kept. It was written and reported nowhere ("4 inputs → 4 outputs, 2 failed"
/// with `s3.ba.wav` complete on disk). The kept file is the one an unlimited run writes.
#[test]
fn outputs_written_before_a_failure_are_kept_and_reported() {
    if !crate::common::tools::have(&["python3"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir(d.join("in")).unwrap();
    let o = iemsim(&["generate", "pink", "--seconds", "1", "-o", "in/p.wav"], d);
    assert!(o.status.success(), "{}", text(&o.stderr));
    // sibilance's preamp is 9 dB: its FLAC is smaller than neutral's, written second.
    let args = |out: &'static str| {
        [
            "export",
            "in",
            "-p",
            "sibilance",
            "-p",
            "neutral",
            "--no-match",
            "--format",
            "flac",
            "--out-dir",
            out,
            "--json",
            "-q",
        ]
    };
    let o = iemsim(&args("ref"), d);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let small = fs::read(d.join("ref/p.sibilance.flac")).unwrap();
    let large = fs::metadata(d.join("ref/p.neutral.flac")).unwrap().len();
    assert!(
        (small.len() as u64) < large - 1000,
        "{} {large}",
        small.len()
    );
    let limit = (small.len() as u64 + large) / 2;

    let o = cli::run_with_file_size_limit(d, limit, &args("out"));
    let err = text(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert_eq!(names(&d.join("out")), ["p.sibilance.flac"], "{err}");
    assert_eq!(fs::read(d.join("out/p.sibilance.flac")).unwrap(), small);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("--json report");
    assert_eq!(json["outputs"].as_array().map(Vec::len), Some(1), "{json}");
    assert_eq!(json["outputs"][0]["output"], "out/p.sibilance.flac");
    let failed = json["failed"][0]["error"].as_str().unwrap_or_default();
    assert!(failed.starts_with("out/p.neutral.flac: "), "{failed}");
    assert!(
        failed.ends_with("(out/p.sibilance.flac was written and is kept)"),
        "{failed}"
    );
    assert!(
        err.contains("1 input → 1 output, 0 skipped, 1 failed"),
        "{err}"
    );

    // A single input says the same, and its text report lists what it wrote.
    fs::remove_dir_all(d.join("out")).unwrap();
    let single = [
        "export",
        "in/p.wav",
        "-p",
        "sibilance",
        "-p",
        "neutral",
        "--no-match",
        "--format",
        "flac",
        "--out-dir",
        "out",
    ];
    let o = cli::run_with_file_size_limit(d, limit, &single);
    let err = text(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(
        text(&o.stdout).starts_with("out/p.sibilance.flac  [sibilance]"),
        "{}",
        text(&o.stdout)
    );
    assert!(
        err.contains("(out/p.sibilance.flac was written and is kept)"),
        "{err}"
    );
    assert_eq!(names(&d.join("out")), ["p.sibilance.flac"], "{err}");
}
