//! Test helper: a real, clock-paced audio device (a PulseAudio null sink) and a recorder on it.
//!
//! Use it as `crate::common::pulse`. Usage:
//!
//! ```ignore
//! let Some(stack) = pulse::PulseStack::start() else { return }; // prints SKIPPED (or panics in CI)
//! let capture = pulse::Capture::start(&stack);                    // recording before playing
//! let out = Command::new(env!("CARGO_BIN_EXE_iemsim")).envs(stack.env()).args([...]).output();
//! let (rate, channels, samples) = capture.stop();                 // interleaved f32
//! let left: Vec<f32> = samples.chunks(2).map(|f| f[0]).collect();
//! let al = pulse::align(&left, &expected_left, 1e-6).expect("played at all");
//! assert_eq!((al.foreign, al.missing), (0, 0)); // + al.gaps / al.gap_frames: dropouts
//! ```
//!
//! Server: the one .ci/audio-stack.sh started when the environment points to a live one, else a
//! private one started here (same recipe), shared by the tests of this process and stopped when
//! the last [`PulseStack`] is dropped or the test process dies. Each `PulseStack` gets its own null
//! sink and `env()` routes a child to it (`PULSE_SINK`), so parallel tests do not hear each other.
//! In-process (library) playback goes through `stack.in_process()`, which serialises such tests
//! and points this process's environment at the stack's sink.
//!
//! Why the order matters: an idle null sink renders up to 2 s ahead of real time; a monitor
//! recorder asking for 10 ms latency keeps it near real time, so capture must be flowing before
//! the player starts. `norewinds=1` stops the sink rewriting audio the recorder already has.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::{Duration, Instant};

/// The sink format of every stack: what the recorder gets and what a player should settle on.
pub const RATE: u32 = 48_000;
pub const CHANNELS: u16 = 2;

/// The format of every null sink.
const NULL_SINK: &str = "rate=48000 channels=2 format=float32le norewinds=1";

/// One server for the whole test process (see module docs).
static SERVER: Mutex<Weak<Server>> = Mutex::new(Weak::new());
/// Held while a test plays in-process: the library's device follows this process's environment.
static IN_PROCESS: Mutex<()> = Mutex::new(());
static NEXT_SINK: AtomicU32 = AtomicU32::new(0);

struct Server {
    /// PULSE_SERVER, PULSE_COOKIE, ALSA_CONFIG_PATH.
    env: Vec<(String, String)>,
    /// Only for a server we started: the `sh` that owns it (kills it when our pipe closes).
    own: Option<OwnServer>,
}

struct OwnServer {
    keeper: Mutex<Child>,
    keeper_stdin: Mutex<Option<ChildStdin>>,
    dir: PathBuf,
}

impl Server {
    /// Stops a server we started (no-op for the CI's): EOF on the keeper's stdin makes it kill
    /// pulseaudio; then wait for both.
    fn stop(&self) -> bool {
        let Some(own) = &self.own else {
            return false;
        };
        drop(
            own.keeper_stdin
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take(),
        );
        let _ = own.keeper.lock().unwrap_or_else(|p| p.into_inner()).wait();
        true
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.stop() {
            if let Some(own) = &self.own {
                let _ = std::fs::remove_dir_all(&own.dir);
            }
        }
    }
}

/// A private null sink on a running PulseAudio server.
pub struct PulseStack {
    server: Arc<Server>,
    sink: String,
    module: String,
}

/// While alive: this process's environment selects the stack's sink; other in-process players wait.
pub struct InProcess<'a> {
    _lock: MutexGuard<'static, ()>,
    _stack: &'a PulseStack,
    previous: Vec<(String, Option<String>)>,
}

impl Drop for InProcess<'_> {
    fn drop(&mut self) {
        for (k, v) in &self.previous {
            match v {
                Some(v) => std::env::set_var(k, v),
                None => std::env::remove_var(k),
            }
        }
    }
}

/// IEMSIM_REQUIRE_AUDIO=1 or IEMSIM_REQUIRE_ALL=1 (.ci/run): a skip is a failure.
fn required() -> bool {
    ["IEMSIM_REQUIRE_AUDIO", "IEMSIM_REQUIRE_ALL"]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|v| v == "1"))
}

/// Writes around the test harness's output capture, so a skip is seen in a normal `cargo test`.
fn loud(msg: &str) {
    skipped(&format!(
        "{msg} (set IEMSIM_REQUIRE_AUDIO=1 to make this a failure)"
    ));
}

/// `SKIPPED: <test>: <why>` on the real stderr (the harness captures `eprintln!`, so a skip
/// printed that way vanishes when the test passes). The harness names each test's thread after
/// the test.
pub fn skipped(why: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("?");
    let _ = writeln!(std::io::stderr(), "\nSKIPPED: {test}: {why}");
}

fn pactl(env: &[(String, String)], args: &[&str]) -> Option<String> {
    let out = Command::new("pactl")
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The audio environment the test process was started with (the CI's server, if any), read
/// before this helper changes anything.
fn env_of_this_process() -> Option<Vec<(String, String)>> {
    static ORIGINAL: OnceLock<Option<Vec<(String, String)>>> = OnceLock::new();
    ORIGINAL.get_or_init(read_env).clone()
}

fn read_env() -> Option<Vec<(String, String)>> {
    let server = std::env::var("PULSE_SERVER").ok()?;
    let mut env = vec![("PULSE_SERVER".to_string(), server)];
    for k in ["PULSE_COOKIE", "ALSA_CONFIG_PATH"] {
        if let Ok(v) = std::env::var(k) {
            env.push((k.to_string(), v));
        }
    }
    Some(env)
}

/// Starts a private server exactly as .ci/audio-stack.sh does, with a null sink for each of
/// `extra_sinks` too (made again when the server restarts, unlike a stack's own sink). Err: why
/// not (for the skip line).
fn start_own_server(extra_sinks: &[&str]) -> Result<Server, String> {
    for tool in ["pulseaudio", "pactl", "parecord"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            return Err(format!(
                "`{tool}` is not installed (apt-get install pulseaudio pulseaudio-utils libasound2-plugins)"
            ));
        }
    }
    // Short path: a unix socket path must fit in 108 bytes.
    let dir = tempfile::Builder::new()
        .prefix("aud.")
        .tempdir_in("/tmp")
        .map_err(|e| format!("temp dir: {e}"))?
        .keep();
    let d = dir.display().to_string();
    std::fs::create_dir_all(dir.join("home")).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dir.join("run")).map_err(|e| e.to_string())?;
    let asound = dir.join("asound.conf");
    std::fs::write(
        &asound,
        "pcm.!default { type pulse }\nctl.!default { type pulse }\n",
    )
    .map_err(|e| e.to_string())?;
    // The keeper shell dies with its stdin: when this process exits (even by SIGKILL) the pipe
    // closes, `read` fails, the server is killed and its folder removed — nothing left behind.
    // A line `restart SECS` stops the server and starts it again SECS later.
    let extra: String = extra_sinks
        .iter()
        .map(|s| format!(" -L \"module-null-sink sink_name={s} {NULL_SINK}\""))
        .collect();
    let script = format!(
        r#"
        chmod 700 "$1/run"
        start() {{
          HOME="$1/home" XDG_RUNTIME_DIR="$1/run" pulseaudio --daemonize=no -n \
            --exit-idle-time=-1 --disallow-exit --use-pid-file=no --disable-shm=yes \
            --log-target="file:$1/pa.log" \
            -L "module-native-protocol-unix auth-anonymous=1 socket=$1/run/pa.sock" \
            -L "module-null-sink sink_name=vsink {NULL_SINK}"{extra} \
            </dev/null >/dev/null 2>&1 &
          pa=$!
        }}
        start "$1"
        while read -r cmd secs; do
          if [ "$cmd" = restart ]; then
            kill "$pa" 2>/dev/null; wait "$pa"; sleep "$secs"; start "$1"
          fi
        done
        kill "$pa" 2>/dev/null
        wait "$pa"
        rm -rf "$1"
    "#
    );
    let mut keeper = Command::new("sh")
        .args(["-c", &script, "keeper", &d])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("sh: {e}"))?;
    let keeper_stdin = keeper.stdin.take();
    let server = Server {
        env: vec![
            ("PULSE_SERVER".into(), format!("unix:{d}/run/pa.sock")),
            ("PULSE_COOKIE".into(), format!("{d}/home/cookie")),
            (
                "ALSA_CONFIG_PATH".into(),
                format!("/usr/share/alsa/alsa.conf:{}", asound.display()),
            ),
        ],
        own: Some(OwnServer {
            keeper: Mutex::new(keeper),
            keeper_stdin: Mutex::new(keeper_stdin),
            dir: dir.clone(),
        }),
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while pactl(&server.env, &["info"]).is_none() {
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(dir.join("pa.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(10).collect();
            return Err(format!(
                "pulseaudio did not start within 5 s; log tail: {}",
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(server)
}

fn server() -> Result<Arc<Server>, String> {
    let mut slot = SERVER.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(s) = slot.upgrade() {
        return Ok(s);
    }
    // The CI's server (or one a previous test of this process started and still runs)?
    let server = match env_of_this_process() {
        Some(env) if pactl(&env, &["info"]).is_some() => Server { env, own: None },
        _ => start_own_server(&[])?,
    };
    let server = Arc::new(server);
    *slot = Arc::downgrade(&server);
    Ok(server)
}

impl PulseStack {
    /// A fresh null sink on a running server. `None` (after a loud SKIPPED line) when PulseAudio
    /// is missing or will not start — unless IEMSIM_REQUIRE_AUDIO=1, then it panics.
    pub fn start() -> Option<PulseStack> {
        env_of_this_process();
        Self::or_skip(server().and_then(Self::with_sink))
    }

    /// Like [`PulseStack::start`] but on a server of its own, which [`PulseStack::kill_server`]
    /// can stop (to test a sound server dying mid-play). Use it through `in_process()` or
    /// `env()`: the process-wide default environment does not point to it.
    pub fn start_private() -> Option<PulseStack> {
        env_of_this_process();
        Self::start_private_with(&[])
    }

    /// [`PulseStack::start_private`] with a null sink for each of `extra_sinks`, which a
    /// [`PulseStack::restart_server`] makes again.
    pub fn start_private_with(extra_sinks: &[&str]) -> Option<PulseStack> {
        env_of_this_process();
        Self::or_skip(start_own_server(extra_sinks).and_then(|s| Self::with_sink(Arc::new(s))))
    }

    /// Stops the stack's own server now and starts it again `down_for` later (a sound server
    /// restarting). The stack's sink is gone after that; the server's named sinks are back.
    pub fn restart_server(&self, down_for: Duration) -> bool {
        let Some(own) = &self.server.own else {
            return false;
        };
        let mut stdin = own.keeper_stdin.lock().unwrap_or_else(|p| p.into_inner());
        stdin.as_mut().is_some_and(|w| {
            writeln!(w, "restart {:.3}", down_for.as_secs_f64())
                .and_then(|()| w.flush())
                .is_ok()
        })
    }

    /// The server's environment without a stack's sink (for a test whose sink outlives a
    /// restart: name it).
    pub fn server_env(&self) -> Vec<(String, String)> {
        self.server.env.clone()
    }

    /// Stops the stack's server if this stack owns it (see [`PulseStack::start_private`]).
    pub fn kill_server(&self) -> bool {
        Arc::strong_count(&self.server) == 1 && self.server.stop()
    }

    fn with_sink(server: Arc<Server>) -> Result<PulseStack, String> {
        let sink = format!(
            "iemsim_{}_{}",
            std::process::id(),
            NEXT_SINK.fetch_add(1, Ordering::Relaxed)
        );
        let module = pactl(
            &server.env,
            &[
                "load-module",
                "module-null-sink",
                &format!("sink_name={sink}"),
                "rate=48000",
                "channels=2",
                "format=float32le",
                "norewinds=1",
            ],
        )
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| format!("pactl load-module module-null-sink {sink} failed"))?;
        Ok(PulseStack {
            server,
            sink,
            module,
        })
    }

    fn or_skip(result: Result<PulseStack, String>) -> Option<PulseStack> {
        match result {
            Ok(stack) => Some(stack),
            Err(why) if required() => {
                panic!("real audio stack required (IEMSIM_REQUIRE_AUDIO=1) but unavailable: {why}")
            }
            Err(why) => {
                loud(&format!("no real audio device for this test: {why}"));
                None
            }
        }
    }

    /// Environment for a child process (`Command::envs`): the server, the ALSA routing to it,
    /// and `PULSE_SINK` = this stack's sink.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = self.server.env.clone();
        env.push(("PULSE_SINK".into(), self.sink.clone()));
        env
    }

    pub fn sink(&self) -> &str {
        &self.sink
    }

    /// For library-level playback in this process: waits for other in-process players, then
    /// points this process's environment at the stack's sink until the guard drops.
    pub fn in_process(&self) -> InProcess<'_> {
        let lock = IN_PROCESS.lock().unwrap_or_else(|p| p.into_inner());
        let mut previous = Vec::new();
        for (k, v) in self.env() {
            previous.push((k.clone(), std::env::var(&k).ok()));
            std::env::set_var(k, v);
        }
        InProcess {
            _lock: lock,
            _stack: self,
            previous,
        }
    }

    /// Removes the stack's sink now, as if unplugged. PulseAudio moves its streams to another
    /// sink if there is one (the server's `vsink`), so players usually carry on there.
    pub fn unplug(&self) -> bool {
        pactl(&self.server.env, &["unload-module", &self.module]).is_some()
    }
}

impl Drop for PulseStack {
    fn drop(&mut self) {
        let _ = pactl(&self.server.env, &["unload-module", &self.module]);
    }
}

/// `parecord` on a stack's monitor source, writing a float WAV.
pub struct Capture {
    child: Child,
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Capture {
    /// Starts recording and returns once samples are arriving (panics if they do not within 5 s:
    /// the stack is there but broken, which is a failure, not a skip).
    pub fn start(stack: &PulseStack) -> Capture {
        let dir = tempfile::tempdir().expect("temp dir for the capture");
        let path = dir.path().join("cap.wav");
        let child = Command::new("parecord")
            .arg(format!("--device={}.monitor", stack.sink))
            .args([
                "--latency-msec=10",
                "--format=float32le",
                &format!("--rate={RATE}"),
                &format!("--channels={CHANNELS}"),
                "--file-format=wav",
            ])
            .arg(&path)
            .envs(stack.env())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn parecord");
        let mut cap = Capture {
            child,
            path,
            _dir: dir,
        };
        // Flowing = at least 50 ms of audio beyond the header has landed in the file.
        let want = 1024 + u64::from(RATE) / 20 * u64::from(CHANNELS) * 4;
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let len = std::fs::metadata(&cap.path).map(|m| m.len()).unwrap_or(0);
            if len >= want {
                break;
            }
            if let Ok(Some(status)) = cap.child.try_wait() {
                panic!("parecord exited before recording anything ({status})");
            }
            if Instant::now() > deadline {
                let _ = cap.child.kill();
                panic!("parecord wrote only {len} bytes in 5 s: the audio stack is not running");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        cap
    }

    /// Stops recording (SIGINT, so parecord finishes the WAV header) and returns
    /// (rate, channels, interleaved samples).
    pub fn stop(mut self) -> (u32, u16, Vec<f32>) {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: plain kill(2) on our own child, which has not been reaped yet.
        unsafe {
            libc::kill(pid, libc::SIGINT);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    panic!("parecord did not stop on SIGINT within 5 s");
                }
            }
        }
        read_wav(&self.path)
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        // After stop() the child is reaped and these fail harmlessly.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn read_wav(path: &Path) -> (u32, u16, Vec<f32>) {
    let mut reader = hound::WavReader::open(path)
        .unwrap_or_else(|e| panic!("capture {} is not a readable WAV: {e}", path.display()));
    let spec = reader.spec();
    assert_eq!(
        spec.sample_format,
        hound::SampleFormat::Float,
        "capture is not float"
    );
    let samples: Vec<f32> = reader
        .samples::<f32>()
        .collect::<Result<_, _>>()
        .expect("capture samples");
    (spec.sample_rate, spec.channels, samples)
}

/// How one captured channel lines up with the samples that were rendered (see [`align`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Alignment {
    /// Capture index where reference sample 0 was found.
    pub start: usize,
    /// Reference samples found in the capture, equal within the tolerance, in order.
    pub matched: u64,
    /// Reference samples that never reached the capture (dropped).
    pub missing: u64,
    /// Runs of silence inserted in the middle (device underruns), and their total length.
    pub gaps: u64,
    pub gap_frames: u64,
    /// Captured samples that match no reference sample (wrong gain, format, corruption...).
    pub foreign: u64,
    /// Capture index just past the last reference sample.
    pub end: usize,
}

/// Lines `captured` up with `reference` sample by sample (within `tol`), allowing for what a
/// real device under load does: stretches of inserted silence (underruns) and, rarely, dropped
/// samples. Everything else shows as `foreign`. `None`: the reference's start is not in the
/// capture at all. The reference should start with a non-silent part (e.g. a tone).
pub fn align(captured: &[f32], reference: &[f32], tol: f32) -> Option<Alignment> {
    const PROBE: usize = 32;
    let loud = |x: &f32| x.abs() > 1e-3;
    let eq = |a: f32, b: f32| (a - b).abs() <= tol;
    let matches_at = |j: usize, k: usize| {
        j + PROBE <= captured.len()
            && k + PROBE <= reference.len()
            && (0..PROBE).all(|i| eq(captured[j + i], reference[k + i]))
    };
    let r0 = reference.iter().position(loud)?;
    let c0 = captured.iter().position(loud)?;
    let guess = c0.saturating_sub(r0);
    let start = (guess.saturating_sub(64)..=guess + 64).find(|&o| matches_at(o, 0))?;
    let mut a = Alignment {
        start,
        ..Alignment::default()
    };
    let (mut j, mut k) = (start, 0usize);
    while k < reference.len() && j < captured.len() {
        if eq(captured[j], reference[k]) {
            a.matched += 1;
            j += 1;
            k += 1;
            continue;
        }
        let silent_run = captured[j..].iter().take_while(|x| x.abs() <= tol).count();
        if silent_run >= 2 {
            a.gaps += 1;
            a.gap_frames += silent_run as u64;
            j += silent_run;
            continue;
        }
        // Resynchronise: the data further on (dropped samples), else a foreign sample.
        match (k + 1..reference.len().min(k + 48_000)).find(|&k2| matches_at(j, k2)) {
            Some(k2) => {
                a.missing += (k2 - k) as u64;
                k = k2;
            }
            None => {
                a.foreign += 1;
                j += 1;
            }
        }
    }
    a.missing += (reference.len() - k) as u64;
    a.end = j;
    Some(a)
}
