//! The ABX log: one JSON object per session, one line each, appended to a JSON-lines file.
//!
//! A log of past sessions is only worth keeping if it is never damaged, so each append:
//! serialises the whole line first; opens with O_APPEND|O_CREAT (every write lands at the end,
//! whatever other processes do; POSIX `write(2)`); takes an exclusive `flock` so concurrent
//! sessions cannot interleave even if a write were split; writes the line and its '\n' with one
//! `write_all`; and `sync_data`s before returning. Earlier records are never rewritten.
//!
//! A line is a record once its '\n' is on disk. SIGKILL can still cut a write short (Linux
//! checks for fatal signals between the pages of one `write`), leaving a fragment without a
//! '\n' at the end of the file. The next append, holding the lock (so the fragment cannot be a
//! write still in progress: its writer is dead and released the lock), cuts that fragment off
//! before writing, so the damage never outlives the next session. Without `flock` (non-Unix)
//! it starts a new line instead, leaving the fragment as one unparseable line.

use crate::dsp::abx::Trial;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// File name of the default log inside the platform data folder's `iemsim` folder.
pub const DEFAULT_FILE: &str = "abx-log.jsonl";

#[derive(Debug, thiserror::Error)]
pub enum AbxLogError {
    #[error("no data folder is known for this platform (name a log file with --log)")]
    NoDataDir,
    #[error("{path}: cannot append to the ABX log: {source}")]
    Append { path: PathBuf, source: io::Error },
    #[error("{path}: cannot read to compute its SHA-256: {source}")]
    Hash { path: PathBuf, source: io::Error },
}

/// Gains applied to each side for loudness matching, in dB.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GainsDb {
    pub a: f64,
    pub b: f64,
}

/// One session, as logged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AbxRecord {
    /// When the session ended, RFC 3339 UTC.
    pub time: String,
    /// The WAV file listened to.
    pub file: String,
    /// Its SHA-256 (hex), so a result stays tied to the exact audio even if the file changes.
    pub file_sha256: String,
    pub profile_a: String,
    pub profile_b: String,
    pub gains_db: GainsDb,
    /// Trials planned.
    pub trials_planned: u32,
    /// Trials answered, in order.
    pub trials: Vec<Trial>,
    /// Correct answers.
    pub k: u32,
    /// Answered trials.
    pub n: u32,
    /// P(at least k of n correct by guessing).
    pub p_value: f64,
    /// False when the session was abandoned before all planned trials.
    pub completed: bool,
    /// The seed of the hidden choices, when one was given (reproducible, not blind to its author).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

/// `<data dir>/iemsim/abx-log.jsonl`, e.g. `~/.local/share/iemsim/abx-log.jsonl` on Linux.
pub fn default_path() -> Result<PathBuf, AbxLogError> {
    dirs::data_dir()
        .map(|d| d.join("iemsim").join(DEFAULT_FILE))
        .ok_or(AbxLogError::NoDataDir)
}

/// Appends `record` as one line to the log at `path` (creating it and its folders).
pub fn append(path: &Path, record: &AbxRecord) -> Result<(), AbxLogError> {
    let line = serde_json::to_string(record).map_err(|e| AbxLogError::Append {
        path: path.to_path_buf(),
        source: io::Error::other(e),
    })?;
    append_line(path, &line).map_err(|source| AbxLogError::Append {
        path: path.to_path_buf(),
        source,
    })
}

/// Appends `line` (which must not contain a newline) plus "\n", atomically with respect to other
/// appenders; see the module docs.
pub fn append_line(path: &Path, line: &str) -> io::Result<()> {
    if line.contains('\n') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a log line cannot contain a newline",
        ));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    let file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)?;
    let _lock = Lock::exclusive(&file)?;
    let mut buf = Vec::with_capacity(line.len() + 2);
    let len = file.metadata()?.len();
    let complete = complete_len(&file, len)?;
    if complete < len {
        if cfg!(unix) {
            file.set_len(complete)?; // a dead writer's fragment; see the module docs
        } else {
            buf.push(b'\n');
        }
    }
    buf.extend_from_slice(line.as_bytes());
    buf.push(b'\n');
    // `&File` implements Write, so the lock can keep its shared borrow.
    (&file).write_all(&buf)?;
    file.sync_data()
}

/// Length of the file up to and including its last '\n' (0 if it has none): everything after
/// it is a fragment of a cut-off write.
fn complete_len(file: &File, len: u64) -> io::Result<u64> {
    const CHUNK: u64 = 64 * 1024;
    let mut end = len;
    let mut buf = vec![0u8; CHUNK as usize];
    while end > 0 {
        let start = end.saturating_sub(CHUNK);
        let chunk = &mut buf[..(end - start) as usize];
        read_at(file, chunk, start)?;
        if let Some(i) = chunk.iter().rposition(|&b| b == b'\n') {
            return Ok(start + i as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset)
}

#[cfg(not(unix))]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    use std::io::{Seek, SeekFrom};
    // Appends always go to the end, so moving the cursor does not misplace the write.
    let mut f = file;
    f.seek(SeekFrom::Start(offset))?;
    f.read_exact(buf)
}

/// An advisory exclusive lock held until dropped (closing the file would release it too).
struct Lock<'a>(#[allow(dead_code)] &'a File);

impl<'a> Lock<'a> {
    #[cfg(unix)]
    fn exclusive(file: &'a File) -> io::Result<Self> {
        use std::os::unix::io::AsRawFd;
        loop {
            // SAFETY: flock on a file descriptor we own for the lifetime of `file`.
            let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
            if rc == 0 {
                return Ok(Self(file));
            }
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(err);
            }
        }
    }

    #[cfg(not(unix))]
    fn exclusive(file: &'a File) -> io::Result<Self> {
        Ok(Self(file))
    }
}

#[cfg(unix)]
impl Drop for Lock<'_> {
    fn drop(&mut self) {
        use std::os::unix::io::AsRawFd;
        // SAFETY: as above; unlocking a lock we hold cannot fail in a way we could act on.
        unsafe {
            libc::flock(self.0.as_raw_fd(), libc::LOCK_UN);
        }
    }
}

/// SHA-256 of a file, hex, read in 64 KiB blocks (bounded memory for any length).
pub fn sha256_file(path: &Path) -> Result<String, AbxLogError> {
    let err = |source| AbxLogError::Hash {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(err)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(err(e)),
        };
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Now as RFC 3339 UTC with milliseconds, e.g. "2025-03-01T14:07:09.123Z".
pub fn now_rfc3339() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    rfc3339_utc(d.as_secs() as i64, d.subsec_millis())
}

/// Unix seconds to RFC 3339 UTC. Days to a civil date with Howard Hinnant's `civil_from_days`
/// ("chrono-Compatible Low-Level Date Algorithms", proleptic Gregorian calendar).
pub fn rfc3339_utc(unix_s: i64, millis: u32) -> String {
    let days = unix_s.div_euclid(86_400);
    let secs = unix_s.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::abx::Choice;

    fn record(k: u32) -> AbxRecord {
        AbxRecord {
            time: now_rfc3339(),
            file: "x.wav".into(),
            file_sha256: "00".repeat(32),
            profile_a: "ba".into(),
            profile_b: "dd".into(),
            gains_db: GainsDb { a: -1.5, b: 0.0 },
            trials_planned: 2,
            trials: vec![Trial {
                hidden: Choice::A,
                answer: Choice::B,
                correct: false,
                t_start_s: 0.0,
                t_answer_s: 1.25,
            }],
            k,
            n: 1,
            p_value: 1.0,
            completed: false,
            seed: None,
        }
    }

    #[test]
    fn known_dates() {
        assert_eq!(rfc3339_utc(0, 0), "1970-01-01T00:00:00.000Z");
        // `date -u -d @951782400` → Tue Feb 29 00:00:00 UTC 2000 (a leap day in a 400-year).
        assert_eq!(rfc3339_utc(951_782_400, 5), "2000-02-29T00:00:00.005Z");
        assert_eq!(rfc3339_utc(1_700_000_000, 0), "2023-11-14T22:13:20.000Z");
        assert_eq!(rfc3339_utc(-1, 999), "1969-12-31T23:59:59.999Z");
        assert_eq!(rfc3339_utc(4_107_542_399, 0), "2100-02-28T23:59:59.000Z");
        assert_eq!(rfc3339_utc(4_107_542_400, 0), "2100-03-01T00:00:00.000Z");
    }

    /// NIST FIPS 180-2 test vector: SHA-256("abc").
    #[test]
    fn sha256_of_abc() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("abc");
        fs::write(&p, b"abc").unwrap();
        assert_eq!(
            sha256_file(&p).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(matches!(
            sha256_file(&dir.path().join("missing")),
            Err(AbxLogError::Hash { .. })
        ));
    }

    #[test]
    fn appends_lines_and_creates_folders() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b/log.jsonl");
        append(&p, &record(0)).unwrap();
        append(&p, &record(1)).unwrap();
        let text = fs::read_to_string(&p).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(text.ends_with('\n'));
        let back: AbxRecord = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(back.k, 1);
        assert_eq!(back.trials[0].t_answer_s, 1.25);
        assert!(!lines[0].contains("seed"));
    }

    /// A write cut off by a killed process leaves a fragment without '\n'; the next append
    /// removes it and keeps every complete line byte for byte.
    #[test]
    fn a_cut_off_fragment_is_removed_and_complete_lines_kept() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log.jsonl");
        append(&p, &record(7)).unwrap();
        let before = fs::read(&p).unwrap();
        // A fragment longer than one 64 KiB read chunk, to exercise the backwards scan.
        let mut torn = before.clone();
        torn.extend_from_slice(b"{\"time\":\"2020-01-01T00:00:00Z\",\"fi");
        torn.extend(std::iter::repeat_n(b'x', 150_000));
        fs::write(&p, &torn).unwrap();
        append(&p, &record(8)).unwrap();
        let after = fs::read(&p).unwrap();
        assert_eq!(&after[..before.len()], &before[..]);
        let text = String::from_utf8(after).unwrap();
        let ks: Vec<u32> = text
            .lines()
            .map(|l| serde_json::from_str::<AbxRecord>(l).unwrap().k)
            .collect();
        assert_eq!(ks, [7, 8]);
        // A file that is nothing but a fragment.
        let q = dir.path().join("only.jsonl");
        fs::write(&q, "{\"ti").unwrap();
        append(&q, &record(9)).unwrap();
        let text = fs::read_to_string(&q).unwrap();
        assert_eq!(text.lines().count(), 1);
        assert!(text.starts_with("{\"time\""));
    }

    #[test]
    fn concurrent_threads_never_interleave() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log.jsonl");
        std::thread::scope(|s| {
            for t in 0..8u32 {
                let p = &p;
                s.spawn(move || {
                    for i in 0..50 {
                        let mut r = record(t * 1000 + i);
                        // Big lines (~40 KB) make a torn or interleaved write likely if unprotected.
                        r.file = format!("{t}-{i}-").repeat(8000);
                        append(p, &r).unwrap();
                    }
                });
            }
        });
        let text = fs::read_to_string(&p).unwrap();
        let mut ks: Vec<u32> = text
            .lines()
            .map(|l| serde_json::from_str::<AbxRecord>(l).unwrap().k)
            .collect();
        ks.sort_unstable();
        let mut want: Vec<u32> = (0..8)
            .flat_map(|t| (0..50).map(move |i| t * 1000 + i))
            .collect();
        want.sort_unstable();
        assert_eq!(ks, want);
    }

    #[test]
    fn rejects_embedded_newline() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log.jsonl");
        assert!(append_line(&p, "a\nb").is_err());
    }
}
