//! The player's loudness work, off the UI thread: the exact pass behind the first sound, and a
//! profile loaded mid-play (keys 1-9, the picker), which goes through the same
//! provisional-then-exact path as the start. The UI thread only asks ([`Jobs::request`] spawns
//! a worker and returns); the worker reports through a channel the UI polls once per frame, and
//! the player hands the results to the engine through its lock-free command queue.
//!
//! Every request gets an id per side; a later request for the same side makes the earlier one
//! stale: its reports are ignored and its worker stops at the next step (it does not start an
//! exact pass nobody will use). A pass already running is left to finish: it still fills the
//! cache, so going back to that profile is exact at once.

use crate::dsp::Profile;
use crate::render::loudness_cache::Cache;
use crate::render::matching::{self, Exact, Heard};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::*};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;

/// How the loudness of the playing file through a profile is found. The player's is
/// [`FileMeasure`]; tests put a gate in front of it to prove nobody waits for it.
pub trait Measure: Send + Sync {
    /// What the cache knows (a few small reads), or `None`.
    fn cached(&self, profile: &Profile) -> Option<f64>;
    /// A provisional loudness from a bounded sample of the file, and whether it is exact (the
    /// sample was the whole file).
    fn estimate(&self, profile: &Profile) -> Result<(f64, bool), String>;
    /// The exact loudness of each profile (through the cache), with progress `(done, total)`.
    fn exact(
        &self,
        profiles: &[&Profile],
        on_progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Exact, String>;
}

/// The playing file as the listener hears it (the device's channels and rate), through the
/// loudness cache when there is one.
pub struct FileMeasure {
    pub input: PathBuf,
    pub heard: Heard,
    pub cache: Option<Cache>,
}

impl Measure for FileMeasure {
    fn cached(&self, profile: &Profile) -> Option<f64> {
        matching::cached_heard(&self.input, &[profile], self.heard, self.cache.as_ref())
            .first()
            .copied()
            .flatten()
    }

    fn estimate(&self, profile: &Profile) -> Result<(f64, bool), String> {
        let (l, whole) = matching::estimate_heard(&self.input, &[profile], self.heard)
            .map_err(|e| format!("measuring {}: {e}", self.input.display()))?;
        let lufs = l.first().copied().unwrap_or(f64::NEG_INFINITY);
        if whole {
            matching::store_heard(
                &self.input,
                &[profile],
                &[lufs],
                self.heard,
                self.cache.as_ref(),
            );
        }
        Ok((lufs, whole))
    }

    fn exact(
        &self,
        profiles: &[&Profile],
        on_progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Exact, String> {
        matching::exact_heard(
            &self.input,
            profiles,
            self.heard,
            self.cache.as_ref(),
            on_progress,
        )
        .map_err(|e| e.to_string())
    }
}

/// What a worker found.
#[derive(Debug)]
pub enum Report {
    /// The loudness a loaded profile starts with: `(lufs, exact)`, exact when it came from the
    /// cache or covered the whole file, else an estimate (an exact pass follows).
    Provisional {
        side: usize,
        id: u64,
        result: Result<(f64, bool), String>,
    },
    /// An exact pass finished, for these `(side, id)` loads (in the order of its levels).
    Exact {
        sides: Vec<(usize, u64)>,
        result: Result<Exact, String>,
    },
}

/// The workers of one player, and the channel they report through.
pub struct Jobs {
    measure: Arc<dyn Measure>,
    /// The current load id of each side (workers read it to notice they are stale).
    latest: Arc<[AtomicU64; 2]>,
    next_id: u64,
    tx: Sender<Report>,
    rx: Receiver<Report>,
    /// How far the latest exact pass is, shared with the passes.
    progress: Arc<Progress>,
    /// Exact passes run below the UI's priority (see [`Jobs::set_background`]).
    background: bool,
}

impl Jobs {
    pub fn new(measure: Arc<dyn Measure>) -> Self {
        let (tx, rx) = channel();
        Self {
            measure,
            latest: Arc::new([AtomicU64::new(0), AtomicU64::new(0)]),
            next_id: 0,
            tx,
            rx,
            progress: Arc::default(),
            background: true,
        }
    }

    /// A new load of `side`: whatever still runs for its previous one is stale from now on.
    fn bump(&mut self, side: usize) -> u64 {
        self.next_id += 1;
        self.latest[side].store(self.next_id, Release);
        self.next_id
    }

    /// Whether `id` is still `side`'s current load.
    pub fn is_current(&self, side: usize, id: u64) -> bool {
        self.latest[side].load(Acquire) == id
    }

    /// Whether exact passes spawned from now on run below the UI's priority (the default: the
    /// music plays on estimated gains meanwhile) or at it (someone waits for them).
    pub fn set_background(&mut self, on: bool) {
        self.background = on;
    }

    /// Progress of the latest exact pass, 0 to 1.
    pub fn progress(&self) -> f64 {
        f64::from(self.progress.permille.load(Relaxed)) / 1000.0
    }

    /// The next report, if one is waiting (never blocks).
    pub fn try_report(&self) -> Option<Report> {
        self.rx.try_recv().ok()
    }

    /// Measures `sides` (index, profile) exactly in one pass on a thread of its own.
    pub fn spawn_exact(&mut self, sides: Vec<(usize, Profile)>) -> std::io::Result<()> {
        if sides.is_empty() {
            return Ok(());
        }
        let tagged: Vec<(usize, u64)> = sides.iter().map(|(i, _)| (*i, self.bump(*i))).collect();
        let profiles: Vec<Profile> = sides.into_iter().map(|(_, p)| p).collect();
        let (measure, tx, progress) = self.shared();
        let niced = self.background;
        spawn(move || {
            if niced {
                background();
            }
            let refs: Vec<&Profile> = profiles.iter().collect();
            let result = exact_pass(measure.as_ref(), &refs, &progress);
            let _ = tx.send(Report::Exact {
                sides: tagged,
                result,
            });
        })
    }

    /// Loads `profile` on `side`: returns its id at once; a worker reports its provisional
    /// loudness (cache, else an estimate from a bounded sample), then, unless that was exact,
    /// measures it exactly at a lower priority.
    pub fn request(&mut self, side: usize, profile: Profile) -> std::io::Result<u64> {
        let id = self.bump(side);
        let latest = Arc::clone(&self.latest);
        // From now on the progress shown is this load's (0 until its exact pass starts).
        self.progress.pass.fetch_add(1, AcqRel);
        self.progress.permille.store(0, Relaxed);
        let (measure, tx, progress) = self.shared();
        let niced = self.background;
        spawn(move || {
            let current = || latest[side].load(Acquire) == id;
            if !current() {
                return;
            }
            // At the UI's priority: the listener is waiting for this one.
            let result = match measure.cached(&profile) {
                Some(l) => Ok((l, true)),
                None => measure.estimate(&profile),
            };
            let done = !matches!(result, Ok((_, false)));
            let _ = tx.send(Report::Provisional { side, id, result });
            if done || !current() {
                return;
            }
            if niced {
                background();
            }
            let result = exact_pass(measure.as_ref(), &[&profile], &progress);
            let _ = tx.send(Report::Exact {
                sides: vec![(side, id)],
                result,
            });
        })?;
        Ok(id)
    }

    fn shared(&self) -> (Arc<dyn Measure>, Sender<Report>, Arc<Progress>) {
        let progress = Arc::clone(&self.progress);
        (Arc::clone(&self.measure), self.tx.clone(), progress)
    }
}

fn spawn(work: impl FnOnce() + Send + 'static) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("iemsim-loudness".into())
        .spawn(work)
        .map(drop)
}

/// Puts the calling thread below the feeder and the UI (a background loudness pass, the ABX
/// input's hash): on a busy machine that work takes longer, never the music. (Linux: the nice
/// value is per thread, and threads it starts inherit it.)
pub fn background() {
    // rustix's nice is getpriority/setpriority(PRIO_PROCESS, 0), as glibc's nice(3) is, and
    // Linux applies PRIO_PROCESS 0 to the calling thread only. Failure leaves the priority as is.
    #[cfg(target_os = "linux")]
    let _ = rustix::process::nice(10);
}

/// Where an exact pass reports how far it is.
#[derive(Default)]
struct Progress {
    /// Progress of the latest exact pass, per mille.
    permille: AtomicU32,
    /// Which pass `permille` follows: a pass started or requested later takes it over (an
    /// older pass still running no longer writes it, so the figure never jumps back and forth).
    pass: AtomicU64,
}

fn exact_pass(
    measure: &dyn Measure,
    profiles: &[&Profile],
    progress: &Progress,
) -> Result<Exact, String> {
    let mine = progress.pass.fetch_add(1, AcqRel) + 1;
    progress.permille.store(0, Relaxed);
    let mut report = |done: u64, total: u64| {
        if progress.pass.load(Relaxed) == mine {
            let p = (done.saturating_mul(1000) / total.max(1)).min(1000);
            progress.permille.store(p as u32, Relaxed);
        }
    };
    measure.exact(profiles, &mut report)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::time::{Duration, Instant};

    /// A measure whose estimate waits for the test to open a gate (at most `GATE`), and whose
    /// loudness is a number per profile name: what the player does with it can be checked.
    pub struct Gated {
        gate: Mutex<Receiver<()>>,
        pub estimates: AtomicU32,
        pub exacts: AtomicU32,
    }

    /// How long the gated estimate waits before giving up (and failing: a caller that waited
    /// for it synchronously never opened the gate).
    const GATE: Duration = Duration::from_secs(5);

    /// The "true" loudness of the file through `p` in these tests, and the estimate of it.
    pub fn exact_lufs(p: &Profile) -> f64 {
        -20.0 - p.filters.len() as f64
    }
    pub fn estimated_lufs(p: &Profile) -> f64 {
        exact_lufs(p) + 0.5
    }

    impl Gated {
        pub fn new() -> (Arc<Self>, Sender<()>) {
            let (open, gate) = channel();
            let m = Arc::new(Self {
                gate: Mutex::new(gate),
                estimates: AtomicU32::new(0),
                exacts: AtomicU32::new(0),
            });
            (m, open)
        }
    }

    impl Measure for Gated {
        fn cached(&self, _: &Profile) -> Option<f64> {
            None
        }
        fn estimate(&self, p: &Profile) -> Result<(f64, bool), String> {
            self.estimates.fetch_add(1, SeqCst);
            let gate = self.gate.lock().map_err(|_| "gate poisoned".to_string())?;
            gate.recv_timeout(GATE)
                .map_err(|_| "the gate was never opened".to_string())?;
            Ok((estimated_lufs(p), false))
        }
        fn exact(
            &self,
            profiles: &[&Profile],
            on_progress: &mut dyn FnMut(u64, u64),
        ) -> Result<Exact, String> {
            self.exacts.fetch_add(1, SeqCst);
            on_progress(1, 1);
            Ok(Exact {
                lufs: profiles.iter().map(|p| exact_lufs(p)).collect(),
                warning: None,
            })
        }
    }

    pub fn profile(name: &str) -> Profile {
        crate::dsp::builtin::profiles()
            .into_iter()
            .find(|p| p.name == name)
            .expect("built-in profile")
    }

    fn next(jobs: &Jobs) -> Report {
        let until = Instant::now() + GATE * 2;
        loop {
            if let Some(r) = jobs.try_report() {
                return r;
            }
            assert!(Instant::now() < until, "no report");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// `request` hands the work to a worker: it returns while the estimate is still waiting
    /// (were it measured inline, the gate would never open and the estimate would fail), then
    /// the provisional loudness and the exact one arrive, in that order.
    #[test]
    fn a_request_returns_before_its_estimate_and_then_reaches_exact() {
        let (m, open) = Gated::new();
        let mut jobs = Jobs::new(m.clone());
        let p = profile("dd");
        let id = jobs.request(1, p.clone()).expect("spawn");
        assert!(
            jobs.try_report().is_none(),
            "reported before the gate opened"
        );
        open.send(()).expect("gate");
        match next(&jobs) {
            Report::Provisional {
                side,
                id: got,
                result,
            } => {
                assert_eq!((side, got), (1, id));
                assert_eq!(result, Ok((estimated_lufs(&p), false)));
            }
            r => panic!("expected the provisional loudness first, got {r:?}"),
        }
        match next(&jobs) {
            Report::Exact { sides, result } => {
                assert_eq!(sides, vec![(1, id)]);
                assert_eq!(result.expect("exact").lufs, vec![exact_lufs(&p)]);
            }
            r => panic!("expected the exact loudness, got {r:?}"),
        }
        assert!(jobs.is_current(1, id));
        assert_eq!(jobs.progress(), 1.0);
    }

    /// A second load of the same side makes the first stale: its worker reports its estimate
    /// (already under way) but measures nothing exactly.
    #[test]
    fn a_later_load_makes_the_earlier_one_stale() {
        let (m, open) = Gated::new();
        let mut jobs = Jobs::new(m.clone());
        let first = jobs.request(0, profile("dd")).expect("spawn");
        let second = jobs.request(0, profile("ba")).expect("spawn");
        assert!(!jobs.is_current(0, first) && jobs.is_current(0, second));
        open.send(()).expect("gate");
        open.send(()).expect("gate");
        // Until the current load's exact pass is in; a stale exact pass would come before it.
        let mut exact_ids = Vec::new();
        while !exact_ids.contains(&second) {
            if let Report::Exact { sides, .. } = next(&jobs) {
                exact_ids.extend(sides.iter().map(|s| s.1));
            }
        }
        assert_eq!(exact_ids, vec![second]);
        assert_eq!(m.exacts.load(SeqCst), 1);
    }

    /// This thread's nice value, as the kernel reports it (proc(5): field 19 of
    /// /proc/thread-self/stat, counted after the parenthesised command name).
    #[cfg(target_os = "linux")]
    fn thread_nice() -> i32 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        let after_comm = &stat[stat.rfind(')').unwrap() + 2..];
        after_comm.split(' ').nth(16).unwrap().parse().unwrap()
    }

    /// `background` lowers the calling thread by 10 (up to the ceiling of 19) and leaves the
    /// thread that started it alone: Linux's nice value is per thread.
    #[cfg(target_os = "linux")]
    #[test]
    fn background_lowers_only_the_calling_thread() {
        let before = thread_nice();
        let (was, now) = std::thread::spawn(|| {
            let was = thread_nice();
            background();
            (was, thread_nice())
        })
        .join()
        .unwrap();
        assert_eq!(
            was, before,
            "a new thread inherits its starter's nice value"
        );
        assert_eq!(now, (was + 10).min(19));
        assert_eq!(thread_nice(), before, "the starting thread was lowered too");
    }
}
