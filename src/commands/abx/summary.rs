//! `iemsim abx --summary [LOG]`: every session of an ABX log in one table, and the completed
//! sessions of each profile pair pooled into one exact binomial test.
//!
//! Pooling is sound for independent trials: under "guessing" every answered trial is right with
//! probability 1/2 whatever session it belongs to, so k = Σk correct of n = Σn trials is judged
//! by P(X ≥ k), X ~ Binomial(n, 1/2) — not by combining the sessions' p-values, which would
//! not be a p-value of anything. Only completed sessions are pooled, as only completed sessions
//! get a verdict (stopping early when ahead makes a score look better than it is); abandoned
//! ones are listed and marked. A pair is the same two profiles in either order (the same filters
//! where the log records their hash, else the same names), heard through the same headphone
//! correction (or none; its file however its path was typed). A name logged with different
//! filters is shown with the start of its filters' hash (`eq #3fa2c1`).

use crate::abx::stats::{binomial_p_at_least, format_p, verdict};
use crate::commands::out::outln;
use crate::error::{Error, Result};
use crate::io::abx_log::{self, AbxRecord};
use serde::Serialize;
use std::path::Path;

/// One line of the sessions table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionRow {
    pub time: String,
    pub file: String,
    pub profile_a: String,
    pub profile_b: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headphones: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters_sha256: Option<[String; 2]>,
    pub k: u32,
    pub n: u32,
    pub p_value: f64,
    /// Logged as completed, with every planned trial answered (an edited flag is not trusted).
    pub completed: bool,
}

/// The completed sessions of one profile pair, pooled.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PairRow {
    /// The two profiles, in the order first seen.
    pub profiles: [String; 2],
    /// The headphone correction they were heard through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headphones: Option<String>,
    /// The filters' hashes of the two profiles, in the order of `profiles`, when logged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters_sha256: Option<[String; 2]>,
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

/// Whether a session was completed: logged so and every planned trial answered.
fn completed(r: &AbxRecord) -> bool {
    r.completed && r.trials.len() == r.trials_planned as usize
}

/// Side `i`'s (name, filters hash) of a record.
fn side(r: &AbxRecord, i: usize) -> (&str, Option<&str>) {
    let name = if i == 0 { &r.profile_a } else { &r.profile_b };
    (name, r.filters_sha256.as_ref().map(|h| h[i].as_str()))
}

/// Whether `r` belongs to the pool `p`, and if so whether its sides are in the other order.
/// Sides are the same profile by content where both logged their filters' hash (whatever the
/// names), else by name (a log written before the hashes were recorded). Content includes the
/// headphone correction (the hash is of what was heard), so with hashes on both only whether
/// there was one must agree; else the correction is compared by its file, however its path was
/// typed (`hp.txt`, `./hp.txt`, the absolute path `config set` stores).
fn pooled_with(p: &PairRow, r: &AbxRecord) -> Option<bool> {
    let hashed = p.filters_sha256.is_some() && r.filters_sha256.is_some();
    let headphones = if hashed {
        p.headphones.is_some() == r.headphones.is_some()
    } else {
        headphones_key(p.headphones.as_deref()) == headphones_key(r.headphones.as_deref())
    };
    if !headphones {
        return None;
    }
    let of = |i: usize| {
        let hash = p.filters_sha256.as_ref().map(|h| h[i].as_str());
        (p.profiles[i].as_str(), hash)
    };
    let same = |(n, h): (&str, Option<&str>), (m, g): (&str, Option<&str>)| match (h, g) {
        (Some(h), Some(g)) => h == g,
        _ => n == m,
    };
    if same(of(0), side(r, 0)) && same(of(1), side(r, 1)) {
        Some(false)
    } else if same(of(0), side(r, 1)) && same(of(1), side(r, 0)) {
        Some(true)
    } else {
        None
    }
}

/// A headphone correction's label (its file, and `(fitted to TARGET)` for a measurement) with
/// the file's canonical path when it can be found, so one file typed two ways is one correction.
fn headphones_key(label: Option<&str>) -> Option<String> {
    let label = label?;
    const FITTED: &str = " (fitted to ";
    let (path, rest) = label
        .find(FITTED)
        .map_or((label, ""), |i| label.split_at(i));
    Some(match std::fs::canonicalize(path) {
        Ok(p) => format!("{}{rest}", p.display()),
        Err(_) => label.to_string(),
    })
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
                || r.completed != completed(r)
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
            filters_sha256: r.filters_sha256.clone(),
            k,
            n,
            p_value,
            completed: completed(r),
        })
        .collect();
    let mut pairs: Vec<(PairRow, Vec<&str>)> = Vec::new();
    for (r, &(k, n, _)) in records.iter().zip(&scores).filter(|(r, _)| completed(r)) {
        let found = pairs
            .iter()
            .enumerate()
            .find_map(|(i, (p, _))| Some((i, pooled_with(p, r)?)));
        let at = match found {
            Some((i, swapped)) => {
                // A pool begun by an older record (no hashes) takes the first ones logged, in its
                // own order: a later session of another `eq` of that name is not pooled into it.
                let row = &mut pairs[i].0;
                if let (None, Some([a, b])) = (&row.filters_sha256, &r.filters_sha256) {
                    let (a, b) = (a.clone(), b.clone());
                    row.filters_sha256 = Some(if swapped { [b, a] } else { [a, b] });
                }
                i
            }
            None => {
                pairs.push((
                    PairRow {
                        profiles: [r.profile_a.clone(), r.profile_b.clone()],
                        headphones: r.headphones.clone(),
                        filters_sha256: r.filters_sha256.clone(),
                        // The counts are summed below, and the p-value and verdict set from them.
                        ..PairRow::default()
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
        abandoned: records.iter().filter(|r| !completed(r)).count(),
        recounted,
    }
}

/// `abx --summary`: reads `log` (or the default log) and prints the summary.
/// A log named that is not there is refused (a typo said "no ABX sessions logged yet", exit 0);
/// the default log not there yet is no sessions.
pub fn run(log: Option<&Path>, json: bool) -> Result<()> {
    if let Some(p) = log.filter(|p| !p.exists()) {
        let default = abx_log::default_path().map(|d| {
            format!(
                " (sessions go to {} unless --log names another)",
                d.display()
            )
        });
        return Err(Error::input(
            p,
            format!(
                "{}: no such log{}",
                p.display(),
                default.unwrap_or_default()
            ),
        ));
    }
    let path = log.map_or_else(abx_log::default_path, |p| Ok(p.to_path_buf()))?;
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
    let label = Labels::of(s);
    let pairs: Vec<String> = s
        .sessions
        .iter()
        .map(|r| {
            let names: [&str; 2] = [&r.profile_a, &r.profile_b];
            label.pair(names, r.filters_sha256.as_ref(), r.headphones.as_deref())
        })
        .collect();
    // Padded in terminal columns: a CJK name or an emoji takes two a character (`{:<w$}` counts
    // characters, which put the columns after such a name out of line).
    use crate::ui::fmt::{columns, pad};
    let fw = files.iter().map(|f| columns(f)).fold(4, usize::max);
    let pw = pairs.iter().map(|p| columns(p)).fold(5, usize::max);
    outln!(
        "{:<16}  {}  {}  {:>7}  p",
        "date (UTC)",
        pad("file", fw),
        pad("A / B", pw),
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
            let names: [&str; 2] = [&p.profiles[0], &p.profiles[1]];
            outln!(
                "  {}: {} on {}, {}/{} correct, p = {}{}",
                label.pair(names, p.filters_sha256.as_ref(), p.headphones.as_deref()),
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

/// Profile names as shown: a name logged with different filters through the same headphone
/// correction (or none) gets the start of its filters' hash (`eq #3fa2c1`), so pairs that are not
/// pooled do not look the same. Through another correction the hash differs anyway (it is of
/// what was heard), and the pair says `(through …)`; a record without hashes (an older log) is
/// pooled by name and makes no name ambiguous.
struct Labels<'a> {
    /// (headphones key, name) pairs logged with more than one hash.
    ambiguous: Vec<(Option<String>, &'a str)>,
}

impl<'a> Labels<'a> {
    fn of(s: &'a Summary) -> Self {
        let mut seen: Vec<(Option<String>, &str, &str)> = Vec::new();
        for r in &s.sessions {
            let hp = headphones_key(r.headphones.as_deref());
            for (i, name) in [&r.profile_a, &r.profile_b].into_iter().enumerate() {
                let Some(hash) = r.filters_sha256.as_ref().map(|h| h[i].as_str()) else {
                    continue;
                };
                let key = (hp.clone(), name.as_str(), hash);
                if !seen.contains(&key) {
                    seen.push(key);
                }
            }
        }
        // A (headphones, name) seen with more than one hash (listed once per hash: `contains`
        // is all that asks).
        let ambiguous = seen
            .iter()
            .filter(|(hp, name, _)| {
                seen.iter().filter(|(g, m, _)| g == hp && m == name).count() > 1
            })
            .map(|(hp, name, _)| (hp.clone(), *name))
            .collect();
        Labels { ambiguous }
    }

    /// `A / B`, and ` (through HP)` after a pair heard through a headphone correction.
    fn pair(
        &self,
        names: [&str; 2],
        hashes: Option<&[String; 2]>,
        headphones: Option<&str>,
    ) -> String {
        let hp = headphones_key(headphones);
        let [a, b] = [0, 1].map(|i| {
            let name = printable(names[i]);
            let ambiguous = self.ambiguous.contains(&(hp.clone(), names[i]));
            match hashes.map(|h| &h[i]) {
                Some(h) if ambiguous => format!("{name} #{}", printable(h.get(..6).unwrap_or(h))),
                None if ambiguous => format!("{name} #?"),
                _ => name,
            }
        });
        let through = headphones.map_or(String::new(), |h| format!(" (through {})", printable(h)));
        format!("{a} / {b}{through}")
    }
}

/// `2026-12-05T13:40:12.345Z` → `2026-12-05 13:40`; anything else as it is (escaped).
pub fn date(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(d), Some(t)) if rfc3339.as_bytes().get(10) == Some(&b'T') => format!("{d} {t}"),
        _ => printable(rfc3339),
    }
}

/// The last path component (the log keeps the full path).
pub fn file_name(path: &str) -> String {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    printable(name)
}

/// What a log line says is data: control characters (ESC, CR, …) are shown escaped, never
/// sent to the terminal.
pub fn printable(s: &str) -> String {
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
