//! `src/commands/abx/summary.rs`'s functions (the command layer is not in the unit-test build: see `src/lib.rs`).

use iemsim::abx::stats::binomial_p_at_least;
use iemsim::commands::abx::summary::*;
use iemsim::io::abx_log::AbxRecord;
use iemsim::io::abx_log::GainsDb;

/// `n` trials, the first `k` answered right.
fn record(a: &str, b: &str, k: u32, n: u32, completed: bool, sha: &str) -> AbxRecord {
    use iemsim::abx::{Choice, Trial};
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
        filters_sha256: None,
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

/// Two files called `eq.txt` hold different filters: their sessions are not one comparison,
/// though the names agree (they were pooled into one score).
#[test]
fn profiles_of_one_name_with_other_filters_are_not_pooled() {
    let with = |a: &str, b: &str| {
        let mut r = record("eq", "ba", 10, 16, true, "h");
        r.filters_sha256 = Some([a.into(), b.into()]);
        r
    };
    let mut swapped = with("ba0", "eq1");
    (swapped.profile_a, swapped.profile_b) = ("ba".into(), "eq".into());
    let s = summarise(&[with("eq1", "ba0"), with("eq2", "ba0"), swapped]);
    assert_eq!(s.pairs.len(), 2);
    assert_eq!(
        (s.pairs[0].sessions, s.pairs[0].n),
        (2, 32),
        "eq1/ba0 in either order"
    );
    assert_eq!(s.pairs[1].filters_sha256.as_ref().unwrap()[0], "eq2");
    assert_eq!((s.pairs[1].sessions, s.pairs[1].n), (1, 16));
}

/// An edited `"completed": true` beside fewer trials than planned is not a completed session.
#[test]
fn a_session_short_of_its_planned_trials_is_not_completed() {
    let mut short = record("ba", "dd", 1, 1, true, "h");
    short.trials_planned = 5;
    let s = summarise(&[short, record("ba", "dd", 3, 4, true, "h")]);
    assert!(!s.sessions[0].completed);
    assert_eq!((s.abandoned, s.recounted), (1, 1));
    assert_eq!((s.pairs[0].k, s.pairs[0].n), (3, 4));
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

/// One headphone correction typed three ways (`hp.txt`, `./hp.txt`, the absolute path `config
/// set` stores) with the same filters' hashes was three pools; now one. Without hashes (an older
/// log) the correction is compared by its file: `DIR/hp.txt` and `DIR/./hp.txt` are one file.
#[test]
fn one_headphone_correction_typed_two_ways_is_one_pool() {
    let dir = tempfile::tempdir().unwrap();
    let hp = dir.path().join("hp.txt");
    std::fs::write(&hp, "Filter 1: ON PK Fc 3000 Hz Gain 2 dB Q 1\n").unwrap();
    let dotted = dir.path().join(".").join("hp.txt");
    let through = |label: &std::path::Path, hashed: bool| {
        let mut r = record("ba", "dd", 5, 8, true, "h");
        r.headphones = Some(label.display().to_string());
        r.filters_sha256 = hashed.then(|| ["390308".into(), "558066".into()]);
        r
    };
    let s = summarise(&[
        through(&hp, true),
        through(std::path::Path::new("hp.txt"), true),
        through(&dotted, true),
    ]);
    assert_eq!(s.pairs.len(), 1, "{:?}", s.pairs);
    assert_eq!(
        (s.pairs[0].sessions, s.pairs[0].k, s.pairs[0].n),
        (3, 15, 24)
    );
    let s = summarise(&[through(&hp, false), through(&dotted, false)]);
    assert_eq!(s.pairs.len(), 1, "{:?}", s.pairs);
    // Another correction (or none) is still another comparison.
    let other = dir.path().join("other.txt");
    std::fs::write(&other, "Filter 1: ON PK Fc 300 Hz Gain 2 dB Q 1\n").unwrap();
    let s = summarise(&[through(&hp, false), through(&other, false)]);
    assert_eq!(s.pairs.len(), 2);
}

/// A log written before the filters' hashes were recorded, then sessions after: the same
/// built-in pair was two pools (`ba #? / dd #?` and `ba #0edcba / dd #771149`), splitting a
/// user's history at the upgrade. A missing hash matches by name; the pool then takes the
/// hashes, so another `ba` logged later is still a pool of its own.
#[test]
fn records_without_hashes_pool_with_the_same_names() {
    let hashed = |a: &str, b: &str| {
        let mut r = record("ba", "dd", 4, 8, true, "h");
        r.filters_sha256 = Some([a.into(), b.into()]);
        r
    };
    let mut swapped = record("dd", "ba", 6, 8, true, "h");
    swapped.filters_sha256 = Some(["771149".into(), "0edcba".into()]);
    let s = summarise(&[
        record("ba", "dd", 5, 8, true, "h"),
        hashed("0edcba", "771149"),
        swapped,
        hashed("ffffff", "771149"),
    ]);
    assert_eq!(s.pairs.len(), 2, "{:?}", s.pairs);
    assert_eq!(
        (s.pairs[0].sessions, s.pairs[0].k, s.pairs[0].n),
        (3, 15, 24)
    );
    assert_eq!(
        s.pairs[0].filters_sha256,
        Some(["0edcba".to_string(), "771149".to_string()])
    );
    assert_eq!((s.pairs[1].sessions, s.pairs[1].k), (1, 4));
}
