//! `iemsim abx`: a blind ABX test between two profiles, judged with the exact binomial test and
//! appended to a JSON-lines log.
//!
//! Two drivers share [`prepare`], [`hidden_source`], [`finish_session`] and [`print_report`]:
//! the scripted one here (`--no-tui --answers ...`, no audio device: for tests, scripts and
//! re-scoring) and the interactive one (`interactive.rs`), on the real-time player.

mod interactive;
pub mod summary;

use super::input_or_default;
use crate::abx::stats::{format_p, Verdict};
use crate::abx::{self, AbxSession, Choice, HiddenSource, Trial};
use crate::cli::AbxArgs;
use crate::commands::out::outln;
use crate::dsp::{Preamp, Profile};
use crate::error::{Context, Error, Result};
use crate::io::abx_log::{self, AbxRecord, GainsDb};
use crate::io::{Decoder, Info};
use crate::matching;
use serde::Serialize;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// More trials than anyone will listen to; a guard against typos like `--trials 1600`.
pub const MAX_TRIALS: u32 = 1000;

/// Everything a session needs, validated before the first trial.
#[derive(Debug, Clone)]
pub struct Setup {
    pub input: PathBuf,
    pub info: Info,
    /// SHA-256 of the input for the log, taken before the first trial: by the scripted mode
    /// before it starts, by the interactive one behind its intro screen (empty until then).
    pub file_sha256: String,
    pub profile_a: Profile,
    pub profile_b: Profile,
    pub trials: u32,
    pub seed: Option<u64>,
    /// The headphone correction's label (given, or remembered by `config set`).
    pub headphones: Option<String>,
    pub log_path: PathBuf,
    pub json: bool,
    /// Use the loudness cache (not `--no-cache`).
    pub cache: bool,
}

pub fn run(args: &AbxArgs) -> Result<()> {
    if let Some(log) = &args.summary {
        if let (Some(given), Some(_)) = (log, &args.log) {
            return Err(Error::usage(
                "--log",
                format!("--summary {} names the log to table; --log names it only for a --summary without one: give one of them", given.display()),
            ));
        }
        return summary::run(log.as_deref().or(args.log.as_deref()), args.report.json);
    }
    if args.answers.is_some() && !args.no_tui {
        return Err(Error::usage(
            "--answers",
            "--answers is for the scripted mode: add --no-tui (or drop --answers to answer interactively)",
        ));
    }
    if args.no_tui && args.answers.is_none() {
        return Err(Error::usage(
            "--no-tui",
            "--no-tui needs --answers (e.g. --answers a,b,b,a, a file with them, or - for stdin)",
        ));
    }
    let mut setup = prepare(args)?;
    if let Some(w) = trials_warning(setup.trials) {
        // A warning, not a refusal: a short session still trains the ear; it just cannot count.
        crate::io::diag::diag!("iemsim: warning: {w}");
    }
    match &args.answers {
        Some(spec) => {
            let answers = read_answers(spec)?;
            if answers.len() as u32 > setup.trials {
                return Err(Error::usage(
                    "--answers",
                    format!(
                        "--answers has {} answers for {} trials (use --trials {} or fewer answers)",
                        answers.len(),
                        setup.trials,
                        answers.len()
                    ),
                ));
            }
            setup.file_sha256 = input_sha256(&setup.input)?;
            run_scripted(&setup, &answers)
        }
        None => {
            let device = super::output_device(args.audio.device.as_deref());
            interactive::run(&setup, device.as_deref(), args.audio.buffer)
        }
    }
}

/// Why `trials` cannot show a difference, when it cannot: even a perfect score would not reach
/// p < 0.05.
pub fn trials_warning(trials: u32) -> Option<String> {
    let min = crate::abx::stats::min_trials(0.05);
    (trials < min).then(|| {
        let p = crate::abx::stats::binomial_p_at_least(trials, trials, 0.5);
        format!(
            "with {} even {trials}/{trials} correct is p = {p} (1/2^{trials}), not below 0.05: use --trials {min} or more (16 is usual)",
            crate::ui::fmt::count(trials as usize, "trial"),
        )
    })
}

/// Checks the input WAV, both profiles, the trial count and the log location. Opens no device
/// and reads no more of the input than its header (the hash is [`input_sha256`]).
pub fn prepare(args: &AbxArgs) -> Result<Setup> {
    if args.trials == 0 || args.trials > MAX_TRIALS {
        let trials = args.trials;
        let usual = "16 is usual: 12 or more correct is p < 0.05";
        return Err(Error::usage(
            "--trials",
            format!("--trials {trials} is outside 1-{MAX_TRIALS} ({usual})"),
        ));
    }
    let input = input_or_default(args.input.as_deref())?;
    crate::io::decode::require_seekable(&input, "ABX plays its input many times")?;
    let info = *Decoder::open(&input)?.info();
    let hp = super::headphones(&args.hp, Some(f64::from(info.sample_rate)))?;
    // At the input's rate: a filter at or above Nyquist is refused (the one rule), so the test is
    // never of a profile other than the one it names.
    let rate = Some(f64::from(info.sample_rate));
    let mut profile_a = super::resolve_arg(hp.as_ref(), &args.pair.a, rate)?;
    let mut profile_b = super::resolve_arg(hp.as_ref(), &args.pair.b, rate)?;
    // Two of one name (`x/ba.txt` and the built-in `ba`) are named as given, on screen and in
    // the log: "A = ba, B = ba" said nothing.
    if profile_a.name.eq_ignore_ascii_case(&profile_b.name) {
        profile_a.name.clone_from(&args.pair.a);
        profile_b.name.clone_from(&args.pair.b);
    }
    let alike = heard_alike(&profile_a, &profile_b, f64::from(info.sample_rate));
    // A built-in's filter above Nyquist is dropped with the warning every command gives, at the
    // rate the filters run at: the file's in the scripted mode (no device), the device's in the
    // interactive one, said once the device is open (`device_lines`). A refusal is judged at
    // the file's rate: its dropped filters may be all that differed.
    if args.answers.is_some() || alike {
        for d in dropped_messages([&profile_a, &profile_b], info.sample_rate) {
            crate::io::diag::diag!("iemsim: warning: {d}");
        }
    }
    if alike {
        return Err(Error::usage("-b", format!(
            "A ({}) and B ({}) are the same filters: nothing to tell apart; pick two different profiles",
            profile_a.name, profile_b.name
        )));
    }
    let log_path = args.log.clone().map_or_else(abx_log::default_path, Ok)?;
    // A wrong --log (a WAV, someone's notes) is refused now, not after the last trial.
    abx_log::check(&log_path)?;
    Ok(Setup {
        input,
        info,
        file_sha256: String::new(),
        profile_a,
        profile_b,
        trials: args.trials,
        seed: args.seed,
        headphones: hp.as_ref().map(|c| c.label.clone()),
        log_path,
        json: args.report.json,
        cache: !args.no_cache,
    })
}

/// The message of each filter of `profiles` dropped at `rate_hz` (a built-in's filter at or above
/// its Nyquist frequency), in the words every command uses.
fn dropped_messages(profiles: [&Profile; 2], rate_hz: u32) -> Vec<String> {
    profiles
        .iter()
        .flat_map(|p| {
            p.dropped(f64::from(rate_hz))
                .into_iter()
                .map(|d| d.message(&p.name))
        })
        .collect()
}

/// What the interactive ABX says on stderr before its screen, from the player's `notes` (the
/// notes `play` says too: the file resampled, the filters dropped at the device's `device_hz`).
/// The filters run at the device's rate, so they are checked there, not at the file's: an 8 kHz
/// file on a 48 kHz device was warned of six filters dropped that were applied. A dropped filter
/// is the warning every command gives (the same line as before when the rates are equal); the
/// rest are notes.
pub fn device_lines(notes: &[String], profiles: [&Profile; 2], device_hz: u32) -> Vec<String> {
    let dropped = dropped_messages(profiles, device_hz);
    notes
        .iter()
        .map(|n| {
            let kind = if dropped.contains(n) {
                "warning"
            } else {
                "note"
            };
            format!("iemsim: {kind}: {n}")
        })
        .collect()
}

/// The messages, at `device_hz`, of the filters dropped at the file's `file_hz` too (the same
/// filter, by its number, whatever the reason's words): the intro leaves them to the warnings
/// before it, as at the file's own rate, and says what the device's rate changes.
pub fn said_at_file_rate(profiles: [&Profile; 2], file_hz: u32, device_hz: u32) -> Vec<String> {
    profiles
        .iter()
        .flat_map(|p| {
            let at_file: Vec<usize> = p
                .dropped(f64::from(file_hz))
                .iter()
                .map(|d| d.position)
                .collect();
            p.dropped(f64::from(device_hz))
                .into_iter()
                .filter(move |d| at_file.contains(&d.position))
                .map(|d| d.message(&p.name))
        })
        .collect()
}

/// Largest spread (dB) of the difference between two sides' responses that still counts as
/// the same sound: far below anything audible (about 0.1 dB is the least heard), far above the
/// rounding of equal cascades in another order (below 1e-8 dB).
const ALIKE_DB: f64 = 0.001;

/// Points of the log grid [`heard_alike`] compares on: some 360 a octave from 10 Hz to 22 kHz.
const ALIKE_POINTS: usize = 4096;

/// Whether A and B sound the same in a session at `rate`: their responses as heard (each side's
/// anti-clipping preamp and filters, on every channel) differ by one constant gain within
/// [`ALIKE_DB`], which loudness matching (always on in ABX) takes away. Compares responses, not
/// filter lists: the same filters in another order, or an extra 0 dB filter, are the same sound.
/// The grid is a dense log grid plus every filter's own frequency, so a narrow peak or notch
/// between grid points is not missed.
fn heard_alike(a: &Profile, b: &Profile, rate: f64) -> bool {
    let nyquist = rate / 2.0;
    let mut freqs = crate::dsp::response::log_grid(10.0, nyquist * 0.999, ALIKE_POINTS);
    let specs = |p: &Profile| -> Vec<f64> {
        let own = p.channels.iter().flat_map(|c| c.filters.iter());
        p.filters.iter().chain(own).map(|f| f.fc_hz).collect()
    };
    freqs.extend(
        specs(a)
            .into_iter()
            .chain(specs(b))
            .filter(|&f| f > 0.0 && f < nyquist),
    );
    let channels = a.channels_needed().max(b.channels_needed()).max(2);
    let (pre_a, pre_b) = (
        a.preamp_db(Preamp::Auto, rate),
        b.preamp_db(Preamp::Auto, rate),
    );
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for c in 0..channels {
        let (ra, rb) = (
            a.channel_response_db(c, &freqs, rate),
            b.channel_response_db(c, &freqs, rate),
        );
        for (x, y) in ra.iter().zip(&rb) {
            // Equal (a notch's -inf in both, too): only the preamps differ there.
            let d = if x == y {
                pre_a - pre_b
            } else {
                (pre_a + x) - (pre_b + y)
            };
            if !d.is_finite() {
                return false;
            }
            (lo, hi) = (lo.min(d), hi.max(d));
        }
    }
    hi - lo <= ALIKE_DB
}

/// The SHA-256 (hex) of what `profile` applies, as the log records it: its preamp, filters and
/// per-channel filters, whatever its name.
fn filters_sha256(profile: &Profile) -> String {
    use sha2::Digest;
    let what = (profile.preamp_db, &profile.filters, &profile.channels);
    // Plain numbers and strings: serialising cannot fail; an empty text would still hash.
    let text = serde_json::to_vec(&what).unwrap_or_default();
    format!("{:x}", sha2::Sha256::digest(text))
}

/// The SHA-256 of the input (of the built-in sample's bytes when that is the input), as the
/// log records it.
pub fn input_sha256(input: &Path) -> Result<String> {
    Ok(match crate::io::decode::builtin::bytes(input) {
        Some(bytes) => {
            use sha2::Digest;
            format!("{:x}", sha2::Sha256::digest(bytes))
        }
        None => abx_log::sha256_file(input)?,
    })
}

/// [`input_sha256`] on a thread of its own (a long file takes seconds to hash), below the
/// player's threads in priority: it runs while the music plays.
fn spawn_input_sha256(input: &Path) -> std::thread::JoinHandle<Result<String>> {
    let input = input.to_path_buf();
    std::thread::spawn(move || {
        crate::playback::loudness_jobs::background();
        input_sha256(&input)
    })
}

/// Hidden choices: from `seed` when given (reproducible), otherwise fresh OS randomness drawn
/// at the start of each trial, so no later trial is decided before it begins.
pub fn hidden_source(seed: Option<u64>) -> HiddenSource {
    match seed {
        Some(s) => abx::seeded_source(s),
        None => Box::new(|| {
            let bit = match getrandom::u32() {
                Ok(v) => v & 1 == 1,
                // The OS source failing is near impossible. std's hasher keys are drawn from the
                // OS once per thread, secret, and each new one differs: still unpredictable to
                // the listener.
                Err(_) => {
                    use std::hash::BuildHasher;
                    std::collections::hash_map::RandomState::new().hash_one(0u8) & 1 == 1
                }
            };
            Choice::from_bit(bit)
        }),
    }
}

/// Reads `--answers`: `-` for stdin, else the text itself when it is a list of a/b, else the
/// file it names.
pub fn read_answers(spec: &str) -> Result<Vec<Choice>> {
    let usage = |message: String| Error::usage("--answers", message);
    if spec == "-" {
        let mut text = String::new();
        // Bounded like a file's answers: `--answers - < /dev/zero` must not grow memory.
        std::io::stdin()
            .take(crate::io::bounded::TEXT_LIMIT + 1)
            .read_to_string(&mut text)
            .context("--answers -: cannot read stdin")?;
        if text.len() as u64 > crate::io::bounded::TEXT_LIMIT {
            return Err(usage(
                "--answers -: more than 1 MB on standard input".into(),
            ));
        }
        return parse_answers(&text).map_err(|e| usage(format!("--answers (stdin): {e}")));
    }
    let inline_err = match parse_answers(spec) {
        Ok(a) => return Ok(a),
        Err(e) => e,
    };
    let path = Path::new(spec);
    if !path.is_file() {
        let why = format!("--answers: {inline_err} (and no file of that name exists)");
        return Err(usage(why));
    }
    let text = crate::io::bounded::read_regular(path, crate::io::bounded::TEXT_LIMIT)
        .and_then(|b| String::from_utf8(b).map_err(std::io::Error::other))
        .with_context(|| format!("{}: cannot read the answers file", path.display()))
        .map_err(|e| usage(format!("{e:#}")))?;
    parse_answers(&text).map_err(|e| usage(format!("--answers file {}: {e}", path.display())))
}

/// Parses answers separated by commas, spaces or newlines, case-insensitive, `1`/`2` as the
/// screen's keys take them: "a,b, B\n2". An empty field between commas ("a,,b") is refused: it
/// would move every later answer onto the trial before its own.
pub fn parse_answers(text: &str) -> std::result::Result<Vec<Choice>, String> {
    // Notepad's byte-order mark is no part of the first answer.
    let text = text.trim_start_matches('\u{feff}');
    if text.split(',').all(|f| f.trim().is_empty()) {
        return Err("no answers given (expected a list like a,b,b,a)".into());
    }
    let mut tokens: Vec<&str> = Vec::new();
    // Lines, then fields: a blank line between answers is an empty answer too (as `a,,b` is).
    let lines: Vec<&str> = text.trim().lines().collect();
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        for (i, field) in fields.iter().enumerate() {
            let before = tokens.len();
            tokens.extend(field.split_whitespace());
            // A comma at the very end of a line moves nothing.
            if tokens.len() == before && (i + 1 < fields.len() || fields.len() == 1) {
                return Err(format!(
                    "answer {} is empty (a comma with nothing before it, or a blank line)",
                    before + 1
                ));
            }
        }
    }
    tokens
        .iter()
        .enumerate()
        .map(|(i, t)| match t.to_ascii_lowercase().as_str() {
            "a" | "1" => Ok(Choice::A),
            "b" | "2" => Ok(Choice::B),
            _ => Err(format!(
                "answer {} is \"{t}\", not a or b (or 1 or 2)",
                i + 1
            )),
        })
        .collect()
}

/// Runs the trials with the given answers (fewer than planned: an abandoned session).
fn run_scripted(setup: &Setup, answers: &[Choice]) -> Result<()> {
    // No audio plays, but the log records the gains a listener would have heard.
    let gains = matched_gains_db(
        &setup.input,
        [&setup.profile_a, &setup.profile_b],
        setup.cache,
    )?;
    let clock = Instant::now();
    let mut session = AbxSession::new(setup.trials, hidden_source(setup.seed));
    if !setup.json {
        print_header(setup)?;
    }
    for &answer in answers {
        session.start_trial(clock.elapsed().as_secs_f64())?;
        let trial = session.answer(answer, clock.elapsed().as_secs_f64())?;
        if !setup.json {
            outln!(
                "{}",
                trial_line(session.trials().len() as u32, setup.trials, &trial)
            )?;
        }
    }
    let (record, logged) = finish_session(setup, &session, gains);
    print_report(setup, &record, &session.verdict(), logged.is_ok())?;
    logged
}

/// The output gains (dB) the player applies to A and B with loudness matching on (the one rule
/// in `matching::Matched`), on headphones (a file with more channels is measured as its stereo
/// downmix, as the player hears it), so a scripted session logs exactly what an interactive one
/// would have applied; `tests/cli/abx.rs` checks the two agree and that the gains really
/// equalise loudness (against the `ebur128` crate).
pub fn matched_gains_db(input: &Path, profiles: [&Profile; 2], cache: bool) -> Result<[f64; 2]> {
    let cache = cache
        .then(crate::render::loudness_cache::Cache::open)
        .flatten();
    let e = matching::exact_heard(
        input,
        &profiles,
        matching::Heard::channels(matching::HEADPHONE_CHANNELS),
        cache.as_ref(),
        &mut |_, _| {},
    )
    .with_context(|| format!("measuring the loudness of {}", input.display()))?;
    require_loudness(input, [e.lufs[0], e.lufs[1]])?;
    let rate = f64::from(crate::io::Decoder::open(input)?.info().sample_rate);
    Ok(matching::Matched::new([e.lufs[0], e.lufs[1]], profiles, rate).gain_db)
}

/// Refuses a session on a file without a BS.1770 loudness through either side (silent, shorter
/// than 0.4 s, or below the -70 LUFS gate): matching then leaves each side at its preamp, so A
/// and B differ in level and X is told by its level, not by its sound. Checked before the first
/// trial, by both modes, so nothing is logged.
pub fn require_loudness(input: &Path, lufs: [f64; 2]) -> Result<()> {
    if lufs.iter().all(|l| l.is_finite()) {
        return Ok(());
    }
    Err(Error::input(
        input,
        format!(
            "{}: no loudness to match (BS.1770 needs 0.4 s above its -70 LUFS gate: a clip this \
             short or quiet has none), so A and B would differ in level and give X away; use a \
             longer or louder clip",
            input.display()
        ),
    ))
}

fn print_header(setup: &Setup) -> Result<()> {
    let seed = setup
        .seed
        .map(|s| format!(", seed {s} (reproducible: not blind to whoever knows the seed)"))
        .unwrap_or_default();
    outln!(
        "ABX: A = {}, B = {} on {} ({}), {}{seed}",
        setup.profile_a.name,
        setup.profile_b.name,
        setup.input.display(),
        setup.info.describe(),
        crate::ui::fmt::count(setup.trials as usize, "trial")
    )?;
    Ok(())
}

/// "trial 3/16: X was B, you said B — correct".
pub fn trial_line(number: u32, planned: u32, t: &Trial) -> String {
    format!(
        "trial {number}/{planned}: X was {}, you said {} — {}",
        t.hidden.label(),
        t.answer.label(),
        if t.correct { "correct" } else { "wrong" }
    )
}

/// Builds the session's record and appends it to the log; returns the record whether or not the
/// append worked, so a finished session's score is never lost with its log line. `gains_db` are
/// the loudness-matching gains applied to A and B. A session with unanswered trials is logged
/// as abandoned.
pub fn finish_session(
    setup: &Setup,
    session: &AbxSession,
    gains_db: [f64; 2],
) -> (AbxRecord, Result<()>) {
    let (k, n) = session.score();
    let file = std::fs::canonicalize(&setup.input).unwrap_or_else(|_| setup.input.clone());
    let record = AbxRecord {
        time: abx_log::now_rfc3339(),
        file: crate::io::diag::escaped(file.as_os_str()).into_owned(),
        file_sha256: setup.file_sha256.clone(),
        profile_a: setup.profile_a.name.clone(),
        profile_b: setup.profile_b.name.clone(),
        gains_db: GainsDb {
            a: gains_db[0],
            b: gains_db[1],
        },
        trials_planned: session.planned(),
        trials: session.trials().to_vec(),
        k,
        n,
        p_value: session.p_value(),
        completed: session.finished(),
        seed: setup.seed,
        headphones: setup.headphones.clone(),
        filters_sha256: Some([
            filters_sha256(&setup.profile_a),
            filters_sha256(&setup.profile_b),
        ]),
    };
    let logged = abx_log::append(&setup.log_path, &record).map_err(Into::into);
    (record, logged)
}

#[derive(Serialize)]
struct JsonReport<'a> {
    #[serde(flatten)]
    record: &'a AbxRecord,
    verdict: Option<&'a Verdict>,
    note: Option<String>,
    /// None when the session could not be logged (the error follows).
    #[serde(serialize_with = "crate::io::diag::json_opt_path")]
    log: Option<&'a Path>,
}

/// Prints the score, p-value and verdict (text or JSON), or the abandoned-session note; where it
/// was logged, unless the append failed (`logged` false: its error follows).
pub fn print_report(
    setup: &Setup,
    record: &AbxRecord,
    verdict: &Verdict,
    logged: bool,
) -> Result<()> {
    let note = (!record.completed).then(|| {
        format!(
            "stopped after {} of {}{}. No verdict: stopping early \
             when ahead makes a score look better than it is, so only completed sessions count.",
            record.n,
            crate::ui::fmt::count(record.trials_planned as usize, "trial"),
            if logged { ": logged as abandoned" } else { "" }
        )
    });
    if setup.json {
        let report = JsonReport {
            record,
            verdict: record.completed.then_some(verdict),
            note,
            log: logged.then_some(setup.log_path.as_path()),
        };
        outln!("{}", serde_json::to_string_pretty(&report)?)?;
        return Ok(());
    }
    match note {
        None => {
            outln!("score: {}/{} correct", record.k, record.n)?;
            outln!("{}", verdict.text)?;
        }
        Some(note) => {
            outln!(
                "score so far: {}/{} correct (p = {})",
                record.k,
                record.n,
                format_p(record.p_value)
            )?;
            outln!("{note}")?;
        }
    }
    if logged {
        outln!("logged to {}", setup.log_path.display())?;
    }
    Ok(())
}
