//! The ABX log: one JSON object per session, one line each, appended to a JSON-lines file.
//!
//! A log of past sessions is only worth keeping if it is never damaged, so each append:
//! serialises the whole line first; opens with O_APPEND|O_CREAT (every write lands at the end,
//! whatever other processes do; POSIX `write(2)`); takes an exclusive lock (std's `File::lock`,
//! `flock` on Unix) so concurrent sessions cannot interleave even if a write were split; writes
//! the line and its '\n' with one `write_all`, cutting the file back to its length before if
//! that fails part-way (a full disk); and `sync_data`s before returning. Earlier records are
//! never rewritten.
//!
//! **Only a log is appended to.** `--log` may name the wrong file (a WAV, notes, another
//! program's JSON), so before writing, holding the lock, the whole file is read: it must be
//! missing, empty, or a regular file whose every line parses as an [`AbxRecord`] (blank lines
//! aside: an `echo >> log` or an edit leaves them, and they hold nothing). Anything else
//! is refused with [`AbxLogError::NotALog`] and left byte for byte as it was. `iemsim abx` checks
//! this before the first trial too ([`check`]), so a wrong `--log` never costs a session.
//!
//! **A torn last line.** A line is a record once its '\n' is on disk. SIGKILL can still cut a
//! write short (Linux checks for fatal signals between the pages of one `write`), leaving a
//! fragment without a '\n' at the end of the file. The rule, which never destroys anything that
//! is not ours: the fragment is cut off before appending only when every line before it is a
//! record AND the fragment begins the way every record iemsim writes begins,
//! [`RECORD_START`] (`{"time":"`), or is a shorter piece of that beginning, AND is not a whole
//! JSON value (another program's log line may begin the same way: it is foreign). Holding the lock,
//! the fragment cannot be a write still in progress (its writer is dead and released the lock).
//! A last line without '\n' that is a whole record (an edited file) is kept and the new record
//! starts on a line of its own; any other last line is refused like any foreign line.
use crate::abx::Trial;
use crate::error::{Class, Error, Subject};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, Read, Write};
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
    #[error("{path}: cannot read the ABX log: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("{path}: cannot read to compute its SHA-256: {source}")]
    Hash { path: PathBuf, source: io::Error },
    /// The file exists but is not an ABX log: nothing is written to it.
    #[error("{path}: not an ABX log ({detail}); refusing to append to it, it is left as it was (name another file with --log)")]
    NotALog { path: PathBuf, detail: String },
    /// The same, for `abx --summary`, which appends nothing.
    #[error("{path}: not an ABX log ({detail}); name the log to summarise")]
    NotALogToRead { path: PathBuf, detail: String },
}

impl AbxLogError {
    /// Input when the user can fix it (another `--log`, a data folder): exit code 2.
    pub fn class(&self) -> Class {
        match self {
            Self::NoDataDir | Self::NotALog { .. } | Self::NotALogToRead { .. } => Class::Input,
            Self::Append { source, .. } | Self::Read { source, .. } | Self::Hash { source, .. } => {
                Class::of_io(source)
            }
        }
    }
}

impl From<AbxLogError> for Error {
    fn from(e: AbxLogError) -> Self {
        let subject = match &e {
            AbxLogError::NoDataDir => None,
            AbxLogError::Append { path, .. }
            | AbxLogError::Read { path, .. }
            | AbxLogError::Hash { path, .. }
            | AbxLogError::NotALog { path, .. }
            | AbxLogError::NotALogToRead { path, .. } => Some(Subject::File(path.clone())),
        };
        Self::of(e.class(), subject, e)
    }
}

/// How every record line iemsim writes begins (`time` is [`AbxRecord`]'s first field); a unit
/// test holds the serialiser to it. The torn-line rule in the module docs relies on it.
pub const RECORD_START: &[u8] = b"{\"time\":\"";

/// Longest line accepted as a record: far above a 1000-trial session (~150 KB), and a bound on
/// what one line of a foreign file (a WAV has few newlines) can make us hold in memory.
const MAX_LINE: usize = 8 << 20;

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
    /// The headphone correction both sides were heard through (its file, and the target of a
    /// fitted measurement), when there was one: sessions through different EQs are not one
    /// comparison, and `--summary` does not pool them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headphones: Option<String>,
    /// The SHA-256 (hex) of what each side applies (preamp and filters, as heard): two profiles
    /// of one name (two files called `eq.txt`, a file named like a built-in) are told apart,
    /// and `--summary` does not pool them. Absent in logs written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters_sha256: Option<[String; 2]>,
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
    append_line(path, &line)
}

/// Checks that `path` can be appended to (missing, empty, or an ABX log; see the module docs)
/// without writing anything: for `iemsim abx` to refuse a wrong `--log` before the first trial.
pub fn check(path: &Path) -> Result<(), AbxLogError> {
    let err = |source| AbxLogError::Append {
        path: path.to_path_buf(),
        source,
    };
    if let Some(file) = open_existing(path, err)? {
        scan(&file, |_| {}).map_err(err)?.map_err(not_a_log(path))?;
        // Opening for appending writes nothing, and fails now where the append would.
        OpenOptions::new().append(true).open(path).map_err(err)?;
        return Ok(());
    }
    // A new log: its nearest existing folder must let us create what is missing.
    let mut dir = path.parent();
    while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        dir = d.parent();
    }
    let dir = dir
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(err(io::Error::new(
            io::ErrorKind::NotADirectory,
            format!("{} is not a folder", dir.display()),
        )));
    }
    if !crate::io::atomic::dir_writable(dir) {
        return Err(err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("cannot create files in {}", dir.display()),
        )));
    }
    Ok(())
}

/// The log at `path` opened for reading, or None when there is none; anything but a regular file
/// is not a log.
fn open_existing(
    path: &Path,
    err: impl Fn(io::Error) -> AbxLogError,
) -> Result<Option<File>, AbxLogError> {
    match fs::metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(err(e)),
        Ok(m) if !m.is_file() => Err(not_a_log(path)("not a regular file".into())),
        Ok(_) => File::open(path).map(Some).map_err(err),
    }
}

/// [`AbxLogError::NotALog`] for `path`, from the reason.
fn not_a_log(path: &Path) -> impl Fn(String) -> AbxLogError + '_ {
    move |detail| AbxLogError::NotALog {
        path: path.to_path_buf(),
        detail,
    }
}

/// Appends `line` (which must not contain a newline) plus "\n", atomically with respect to other
/// appenders, to a missing, empty or log file; see the module docs.
pub fn append_line(path: &Path, line: &str) -> Result<(), AbxLogError> {
    let err = |source| AbxLogError::Append {
        path: path.to_path_buf(),
        source,
    };
    if line.contains('\n') {
        return Err(err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a log line cannot contain a newline",
        )));
    }
    // A FIFO or device would block or be mangled by the checks below: regular files only.
    if fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        return Err(not_a_log(path)("not a regular file".into()));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(err)?;
    }
    let file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .map_err(err)?;
    super::lock_exclusive(&file).map_err(err)?;
    let shape = scan(&file, |_| {}).map_err(err)?.map_err(not_a_log(path))?;
    let mut buf = Vec::with_capacity(line.len() + 2);
    match shape {
        Shape::Clean => {}
        Shape::TornRecord { complete_len } => file.set_len(complete_len).map_err(err)?,
        Shape::UnterminatedRecord => buf.push(b'\n'),
    }
    buf.extend_from_slice(line.as_bytes());
    buf.push(b'\n');
    write_or_cut_back(&file, &mut &file, &buf).map_err(err)?;
    file.sync_data().map_err(err)
}

/// Writes `buf` to `out` (the locked `file`, opened for appending); when that fails part-way (a
/// full disk, a quota), cuts `file` back to its length before, still holding the lock: a
/// cut-off line without '\n' would be taken for a dead writer's fragment, or refuse the log.
fn write_or_cut_back(file: &File, out: &mut impl Write, buf: &[u8]) -> io::Result<()> {
    let len = file.metadata()?.len();
    out.write_all(buf).inspect_err(|_| {
        // The write's error is the one to report; a failed cut leaves what the write left.
        let _ = file.set_len(len);
    })
}

/// What a log file looks like before an append (see the module docs).
#[derive(Debug, PartialEq, Eq)]
enum Shape {
    /// Empty, or records each ending in '\n'.
    Clean,
    /// Records, then a dead writer's fragment starting at `complete_len`: cut it off.
    TornRecord { complete_len: u64 },
    /// Records, the last one whole (or blank) but without its '\n': start a new line.
    UnterminatedRecord,
}

/// A log's sessions, oldest first, as `iemsim abx --summary` reads them.
#[derive(Debug, Default)]
pub struct Sessions {
    pub records: Vec<AbxRecord>,
    /// The file ends in a dead writer's fragment (see the module docs): not a session, skipped.
    pub torn_tail: bool,
}

/// Every session in the log at `path`. A missing file is an empty log; anything that is not a
/// log (a foreign line, not a regular file) is [`AbxLogError::NotALogToRead`].
pub fn read_all(path: &Path) -> Result<Sessions, AbxLogError> {
    read_sessions(path).map_err(|e| match e {
        AbxLogError::NotALog { path, detail } => AbxLogError::NotALogToRead { path, detail },
        e => e,
    })
}

fn read_sessions(path: &Path) -> Result<Sessions, AbxLogError> {
    let err = |source| AbxLogError::Read {
        path: path.to_path_buf(),
        source,
    };
    let Some(file) = open_existing(path, err)? else {
        return Ok(Sessions::default());
    };
    let mut records = Vec::new();
    let shape = scan(&file, |r| records.push(r))
        .map_err(err)?
        .map_err(not_a_log(path))?;
    Ok(Sessions {
        records,
        torn_tail: matches!(shape, Shape::TornRecord { .. }),
    })
}

/// Reads the whole file from the start to its end, handing each whole record to `on_record` as it
/// goes: `Ok(Err(why))` when it is not an ABX log. Reads until a read returns nothing, not up to
/// the size the file reports: procfs and sysfs files report 0 yet have content. Reads through
/// the file's own cursor, from the start where every caller has just opened it (an append goes
/// to the end whatever the cursor); memory is bounded by [`MAX_LINE`].
fn scan(file: &File, mut on_record: impl FnMut(AbxRecord)) -> io::Result<Result<Shape, String>> {
    let mut reader = io::BufReader::new(file);
    let mut buf = Vec::new();
    let mut offset = 0u64;
    let mut number = 0usize;
    loop {
        number += 1;
        buf.clear();
        (&mut reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)?;
        if buf.is_empty() {
            break; // the end
        }
        let terminated = buf.last() == Some(&b'\n');
        let body = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let start = offset;
        offset += buf.len() as u64;
        if !terminated && buf.len() > MAX_LINE {
            return Ok(Err(format!("line {number} is longer than any ABX record")));
        }
        let is_record = serde_json::from_slice::<AbxRecord>(body)
            .map(&mut on_record)
            .is_ok();
        // A blank line (an `echo >> log`, an edit) holds nothing: neither a record nor foreign.
        let blank = body.iter().all(u8::is_ascii_whitespace);
        if is_record || blank {
            if terminated {
                continue;
            }
            // The last line, without '\n'.
            return Ok(Ok(Shape::UnterminatedRecord));
        }
        let torn = !terminated
            && (body.starts_with(RECORD_START) || RECORD_START.starts_with(body))
            && serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err();
        if !torn {
            return Ok(Err(format!("line {number} is not an ABX session record")));
        }
        let complete_len = start;
        return Ok(Ok(Shape::TornRecord { complete_len }));
    }
    Ok(Ok(Shape::Clean))
}

/// SHA-256 of a file, hex, read block by block (bounded memory for any length).
pub fn sha256_file(path: &Path) -> Result<String, AbxLogError> {
    let err = |source| AbxLogError::Hash {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(err)?;
    let mut hasher = Sha256::new();
    io::copy(&mut file, &mut hasher).map_err(err)?;
    Ok(format!("{:x}", hasher.finalize()))
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
#[path = "abx_log_tests.rs"]
mod tests;
