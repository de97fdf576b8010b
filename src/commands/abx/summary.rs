//! `iemsim abx --summary [LOG]`: every session of an ABX log in one table, and the completed
//! sessions of each profile pair pooled into one exact binomial test.
//!
//! Pooling is sound for independent trials: under "guessing" every answered trial is right with
//! probability 1/2 whatever session it belongs to, so k = Σk correct of n = Σn trials is judged
//! by P(X ≥ k), X ~ Binomial(n, 1/2) — not by combining the sessions' p-values, which would
//! not be a p-value of anything. Only completed sessions are pooled, as only completed sessions
//! get a verdict (stopping early when ahead makes a score look better than it is); abandoned
//! ones are listed and marked. A pair is the same two profiles in either order, heard through
//! the same headphone correction (or none).

use crate::abx::stats::{binomial_p_at_least, format_p, verdict};
use crate::commands::out::outln;
use crate::error::Result;
use crate::io::abx_log::{self, AbxRecord};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One line of the sessions table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionRow {
    pub time: String,
    pub file: String,
    pub profile_a: String,
    pub profile_b: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headphones: Option<String>,
    pub k: u32,
    pub n: u32,
    pub p_value: f64,
    pub completed: bool,
}

/// The completed sessions of one profile pair, pooled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairRow {
    /// The two profiles, in the order first seen.
    pub profiles: [String; 2],
    /// The headphone correction they were heard through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headphones: Option<String>,
    pub sessions: usize,
    /// Distinct input files among those sessions.
    pub files: usize,
    pub k: u32,
    pub n: u32,
    /// P(at least k of n correct by guessing), over all pooled trials.
    pub p_value: f64,
    pub significant: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub sessions: Vec<SessionRow>,
    pub pairs: Vec<PairRow>,
    /// Sessions listed but not pooled because they were abandoned.
    pub abandoned: usize,
    /// Sessions whose stored score (k, n, p) did not match their trials (an edited log):
    /// scored from the trials.
    pub recounted: usize,
}

/// A session's score as its trials say it, (k, n, p): a log is a text file anyone can edit, so
/// the stored k, n and p are not trusted (`5/2` correct would pool into a "heard" verdict).
fn recount(r: &AbxRecord) -> (u32, u32, f64) {
    let n = u32::try_from(r.trials.len()).unwrap_or(u32::MAX);
    let k = r.trials.iter().filter(|t| t.hidden == t.answer).count();
    let k = u32::try_from(k).unwrap_or(u32::MAX);
    (k, n, binomial_p_at_least(k, n, 0.5))
}

/// Tables the sessions in log order and pools the completed ones per unordered profile pair
/// (pairs in order of first appearance).
pub fn summarise(records: &[AbxRecord]) -> Summary {
    let scores: Vec<(u32, u32, f64)> = records.iter().map(recount).collect();
    let recounted = records
        .iter()
        .zip(&scores)
        .filter(|(r, &(k, n, p))| {
            (r.k, r.n) != (k, n)
                || (r.p_value - p).abs() > 1e-9
                || r.trials.iter().any(|t| t.correct != (t.hidden == t.answer))
        })
        .count();
    let sessions = records
        .iter()
        .zip(&scores)
        .map(|(r, &(k, n, p_value))| SessionRow {
            time: r.time.clone(),
            file: r.file.clone(),
            profile_a: r.profile_a.clone(),
            profile_b: r.profile_b.clone(),
            headphones: r.headphones.clone(),
            k,
            n,
            p_value,
            completed: r.completed,
        })
        .collect();
    let mut pairs: Vec<(PairRow, Vec<&str>)> = Vec::new();
    for (r, &(k, n, _)) in records.iter().zip(&scores).filter(|(r, _)| r.completed) {
        let same = |p: &PairRow| {
            p.headphones == r.headphones
                && ((p.profiles[0] == r.profile_a && p.profiles[1] == r.profile_b)
                    || (p.profiles[0] == r.profile_b && p.profiles[1] == r.profile_a))
        };
        let at = match pairs.iter().position(|(p, _)| same(p)) {
            Some(i) => i,
            None => {
                pairs.push((
                    PairRow {
                        profiles: [r.profile_a.clone(), r.profile_b.clone()],
                        headphones: r.headphones.clone(),
                        sessions: 0,
                        files: 0,
                        k: 0,
                        n: 0,
                        p_value: 1.0,
                        significant: false,
                    },
                    Vec::new(),
                ));
                pairs.len() - 1
            }
        };
        let (row, files) = &mut pairs[at];
        row.sessions += 1;
        row.k += k;
        row.n += n;
        if !files.contains(&r.file_sha256.as_str()) {
            files.push(&r.file_sha256);
        }
        row.files = files.len();
    }
    let pairs = pairs
        .into_iter()
        .map(|(mut row, _)| {
            row.p_value = binomial_p_at_least(row.k, row.n, 0.5);
            row.significant = verdict(row.k, row.n).significant;
            row
        })
        .collect();
    Summary {
        sessions,
        pairs,
        abandoned: records.iter().filter(|r| !r.completed).count(),
        recounted,
    }
}

/// `abx --summary`: reads `log` (or the default log) and prints the summary.
pub fn run(log: Option<&Path>, json: bool) -> Result<()> {
    let path: PathBuf = match log {
        Some(p) => p.to_path_buf(),
        None => abx_log::default_path()?,
    };
    let read = abx_log::read_all(&path)?;
    let summary = summarise(&read.records);
    if json {
        #[derive(Serialize)]
        struct Report<'a> {
            #[serde(serialize_with = "crate::io::diag::json_path")]
            log: &'a Path,
            #[serde(flatten)]
            summary: &'a Summary,
            torn_last_line: bool,
        }
        let report = Report {
            log: &path,
            summary: &summary,
            torn_last_line: read.torn_tail,
        };
        outln!("{}", serde_json::to_string_pretty(&report)?)?;
        return Ok(());
    }
    print_text(&path, &summary, read.torn_tail)
}

/// ` (through HP)` after a pair heard through a headphone correction.
fn through(headphones: Option<&str>) -> String {
    headphones.map_or(String::new(), |h| format!(" (through {})", printable(h)))
}

fn print_text(path: &Path, s: &Summary, torn_tail: bool) -> Result<()> {
    let shown = printable(&path.display().to_string());
    if s.sessions.is_empty() {
        outln!("{shown}: no ABX sessions logged yet (run `iemsim abx` to start one)")?;
        return Ok(());
    }
    outln!(
        "{shown}: {}",
        crate::ui::fmt::count(s.sessions.len(), "session")
    )?;
    outln!()?;
    let files: Vec<String> = s.sessions.iter().map(|r| file_name(&r.file)).collect();
    let pairs: Vec<String> = s
        .sessions
        .iter()
        .map(|r| {
            let pair = format!("{} / {}", printable(&r.profile_a), printable(&r.profile_b));
            pair + &through(r.headphones.as_deref())
        })
        .collect();
    let fw = files.iter().map(|f| width(f)).max().unwrap_or(4).max(4);
    let pw = pairs.iter().map(|p| width(p)).max().unwrap_or(5).max(5);
    outln!(
        "{:<16}  {:<fw$}  {:<pw$}  {:>7}  p",
        "date (UTC)",
        "file",
        "A / B",
        "score"
    )?;
    for ((r, f), p) in s.sessions.iter().zip(&files).zip(&pairs) {
        let score = format!("{}/{}", r.k, r.n);
        let mark = if r.completed { "" } else { "  (abandoned)" };
        outln!(
            "{:<16}  {}  {}  {score:>7}  {}{mark}",
            date(&r.time),
            pad(f, fw),
            pad(p, pw),
            format_p(r.p_value)
        )?;
    }
    if !s.pairs.is_empty() {
        outln!()?;
        outln!("pooled per pair (completed sessions; every answered trial counts once):")?;
        for p in &s.pairs {
            outln!(
                "  {} / {}{}: {} on {}, {}/{} correct, p = {}{}",
                printable(&p.profiles[0]),
                printable(&p.profiles[1]),
                through(p.headphones.as_deref()),
                crate::ui::fmt::count(p.sessions, "session"),
                crate::ui::fmt::count(p.files, "file"),
                p.k,
                p.n,
                format_p(p.p_value),
                if p.significant {
                    " < 0.05: a difference was heard"
                } else {
                    ": consistent with guessing"
                }
            )?;
        }
    }
    if s.abandoned > 0 {
        outln!(
            "{} not pooled: abandoned before the last trial",
            crate::ui::fmt::count(s.abandoned, "session")
        )?;
    }
    if s.recounted > 0 {
        outln!(
            "{} scored from their trials: the score stored beside them did not match (an edited log?)",
            crate::ui::fmt::count(s.recounted, "session")
        )?;
    }
    if torn_tail {
        outln!("the log ends in a cut-off line (a session killed while writing): skipped")?;
    }
    Ok(())
}

/// `2026-12-05T13:40:12.345Z` → `2026-12-05 13:40`; anything else as it is (escaped).
fn date(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(d), Some(t)) if rfc3339.as_bytes().get(10) == Some(&b'T') => format!("{d} {t}"),
        _ => printable(rfc3339),
    }
}

/// The last path component (the log keeps the full path).
fn file_name(path: &str) -> String {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    printable(name)
}

/// What a log line says is data: control characters (ESC, CR, …) are shown escaped, never
/// sent to the terminal.
fn printable(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

fn width(s: &str) -> usize {
    s.chars().count()
}

fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::abx_log::GainsDb;

    /// `n` trials, the first `k` answered right.
    fn record(a: &str, b: &str, k: u32, n: u32, completed: bool, sha: &str) -> AbxRecord {
        use crate::abx::{Choice, Trial};
        let trials = (0..n)
            .map(|i| Trial {
                hidden: Choice::A,
                answer: if i < k { Choice::A } else { Choice::B },
                correct: i < k,
                t_start_s: 0.0,
                t_answer_s: 1.0,
            })
            .collect();
        AbxRecord {
            time: "2026-12-05T13:40:12.345Z".into(),
            file: "/music/x.wav".into(),
            file_sha256: sha.into(),
            profile_a: a.into(),
            profile_b: b.into(),
            gains_db: GainsDb { a: 0.0, b: 0.0 },
            trials_planned: n,
            trials,
            k,
            n,
            p_value: binomial_p_at_least(k, n, 0.5),
            completed,
            seed: None,
            headphones: None,
        }
    }

    /// Pooling adds trials, not p-values: 10/16 twice is 20/32 (p = 0.108 by counting
    /// C(32, i) for i ≥ 20 over 2^32), not 0.227 × 0.227 = 0.052, which would call two
    /// unremarkable sessions a heard difference.
    #[test]
    fn pooling_counts_every_trial_once() {
        let rs = [
            record("ba", "dd", 10, 16, true, "h1"),
            record("dd", "ba", 10, 16, true, "h2"),
        ];
        let s = summarise(&rs);
        assert_eq!(s.pairs.len(), 1, "ba/dd and dd/ba are one pair");
        let p = &s.pairs[0];
        assert_eq!((p.k, p.n, p.sessions, p.files), (20, 32, 2, 2));
        // Σ_{i=20}^{32} C(32,i) = 462,411,533 (counted independently), / 2^32.
        let exact = 462_411_533f64 / 4_294_967_296f64;
        assert!((p.p_value - exact).abs() < 1e-12, "{}", p.p_value);
        assert!((p.p_value - 0.108).abs() < 0.001);
        assert!(!p.significant);
    }

    /// Sessions heard through different headphone corrections (or one and none) are different
    /// comparisons: once pooled into one score, whatever EQ was remembered at the time.
    #[test]
    fn sessions_through_other_headphones_are_not_pooled() {
        let mut through = record("ba", "dd", 10, 16, true, "h");
        through.headphones = Some("/eq/hd600.txt".into());
        let rs = [
            record("ba", "dd", 6, 16, true, "h"),
            through.clone(),
            through,
        ];
        let s = summarise(&rs);
        assert_eq!(s.pairs.len(), 2);
        assert_eq!((s.pairs[0].headphones.as_deref(), s.pairs[0].n), (None, 16));
        let p = &s.pairs[1];
        assert_eq!(p.headphones.as_deref(), Some("/eq/hd600.txt"));
        assert_eq!((p.k, p.n, p.sessions), (20, 32, 2));
    }

    #[test]
    fn abandoned_sessions_are_listed_but_not_pooled() {
        let rs = [
            record("ba", "dd", 12, 16, true, "h"),
            record("ba", "dd", 5, 5, false, "h"),
            record("neutral", "ba", 8, 16, true, "h"),
        ];
        let s = summarise(&rs);
        assert_eq!(s.sessions.len(), 3);
        assert_eq!(s.abandoned, 1);
        assert_eq!(s.pairs.len(), 2);
        assert_eq!((s.pairs[0].k, s.pairs[0].n, s.pairs[0].files), (12, 16, 1));
        // 12/16: Σ_{i≥12} C(16,i) = 2517, / 65536 = 0.0384.
        assert!((s.pairs[0].p_value - 2517.0 / 65536.0).abs() < 1e-15);
        assert!(s.pairs[0].significant);
    }

    /// An edited record (`"k":5,"n":2`, or a wrong trial's flag set) is scored from its trials.
    #[test]
    fn stored_scores_are_not_trusted() {
        let mut five_of_two = record("ba", "dd", 1, 2, true, "h");
        (five_of_two.k, five_of_two.n, five_of_two.p_value) = (5, 2, 0.0);
        let mut flagged = record("ba", "dd", 0, 1, true, "h");
        flagged.trials[0].correct = true;
        (flagged.k, flagged.p_value) = (1, 0.5);
        let honest = record("ba", "dd", 3, 4, true, "h");
        let s = summarise(&[five_of_two, flagged, honest]);
        assert_eq!(s.recounted, 2);
        let scores: Vec<(u32, u32)> = s.sessions.iter().map(|r| (r.k, r.n)).collect();
        assert_eq!(scores, [(1, 2), (0, 1), (3, 4)]);
        assert_eq!((s.pairs[0].k, s.pairs[0].n), (4, 7));
        assert!(!s.pairs[0].significant);
        assert!((s.sessions[0].p_value - 0.75).abs() < 1e-12);
    }

    #[test]
    fn text_from_the_log_cannot_reach_the_terminal_raw() {
        assert_eq!(
            printable("a\u{1b}]0;owned\u{7}b\r"),
            "a\\u{1b}]0;owned\\u{7}b\\r"
        );
        assert_eq!(file_name("/x/y/z.wav"), "z.wav");
        assert_eq!(date("2026-12-05T13:40:12.345Z"), "2026-12-05 13:40");
        assert_eq!(date("garbage"), "garbage");
    }
}
