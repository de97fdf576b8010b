//! Drives the real `iemsim fit` on AutoEq measurements the fitter was not tuned on (the held-out
//! fixtures in tests/fixtures/measurements/, sources in their README) and checks every claim
//! independently: the deviation is recomputed here from the CSVs (normalise over 0.5–2 kHz,
//! subtract Harman), the filters' response from the RBJ cookbook formulas written out again, and
//! the Equalizer APO file is parsed back by hand.

use crate::common::cli;
use crate::common::measurements;
use crate::common::rbj;

use cli::{iemsim, root};
use measurements::deviation;
use serde_json::Value;
use std::path::PathBuf;

const FS: f64 = 48_000.0;

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/measurements").join(name)
}

fn json(args: &[&str]) -> Value {
    let o = iemsim(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

fn rbj_db(kind: &str, fc: f64, gain_db: f64, q: f64, f: f64) -> f64 {
    rbj::magnitude_db(kind, fc, gain_db, q, FS, f)
}

type Filter = (String, f64, f64, f64);

fn filters_of(report: &Value) -> Vec<Filter> {
    cli::filters(&report["filters"])
}

/// RMS over 20 Hz–10 kHz of filters − curve, mean offset removed.
fn rms_error(filters: &[Filter], f: &[f64], curve: &[f64]) -> f64 {
    let e: Vec<f64> = f
        .iter()
        .zip(curve)
        .filter(|(f, _)| (20.0..=10_000.0).contains(*f))
        .map(|(&x, c)| {
            filters
                .iter()
                .map(|(k, fc, g, q)| rbj_db(k, *fc, *g, *q, x))
                .sum::<f64>()
                - c
        })
        .collect();
    let m = e.iter().sum::<f64>() / e.len() as f64;
    (e.iter().map(|v| (v - m).powi(2)).sum::<f64>() / e.len() as f64).sqrt()
}

fn check_constraints(filters: &[Filter], max: usize) {
    assert!(!filters.is_empty() && filters.len() <= max, "{filters:?}");
    for (k, fc, g, q) in filters {
        assert!(g.abs() <= 12.0 && *q <= 6.0, "{k} {fc} {g} {q}");
        assert!(
            !(*fc > 14_000.0 && *g > 0.0),
            "boost above 14 kHz: {k} {fc} {g}"
        );
    }
}

#[test]
fn held_out_measurements_fit_within_0_8_db_as_simulation_and_as_correction() {
    for name in [
        "Moondrop Chu.csv",
        "Truthear Hexa.csv",
        "Campfire Audio Ara.csv",
    ] {
        let path = fixture(name);
        let p = path.to_str().unwrap();
        let (f, d) = deviation(&path);
        let sim = json(&["fit", p, "--json"]);
        let filters = filters_of(&sim);
        check_constraints(&filters, 10);
        let rms = rms_error(&filters, &f, &d);
        assert!(rms <= 0.8, "{name}: {rms:.3} dB");
        assert!(
            (rms - sim["error"]["rms_db"].as_f64().unwrap()).abs() < 1e-3,
            "{name}: reported {}",
            sim["error"]
        );
        // The exact correction (AutoEq's smoothing and limits are checked below).
        let inv = json(&["fit", p, "--invert", "--exact", "--json"]);
        let filters = filters_of(&inv);
        check_constraints(&filters, 10);
        let neg: Vec<f64> = d.iter().map(|v| -v).collect();
        let rms = rms_error(&filters, &f, &neg);
        assert!(rms <= 0.8, "{name} correction: {rms:.3} dB");
        assert_eq!(inv["mode"], "correction");
    }
}

#[test]
fn like_fits_a_s_correction_plus_b_s_deviation_and_max_filters_holds() {
    let a = fixture("Moondrop Chu.csv");
    let b = root().join("samples/measurements/iem/ba/Etymotic ER4SR.csv");
    let (f, da) = deviation(&a);
    let (_, db) = deviation(&b);
    let want: Vec<f64> = db.iter().zip(&da).map(|(b, a)| b - a).collect();
    let r = json(&[
        "fit",
        a.to_str().unwrap(),
        "--like",
        b.to_str().unwrap(),
        "--json",
    ]);
    let filters = filters_of(&r);
    check_constraints(&filters, 10);
    let rms = rms_error(&filters, &f, &want);
    assert!(rms <= 0.8, "{rms}");
    let r3 = json(&["fit", a.to_str().unwrap(), "--max-filters", "3", "--json"]);
    check_constraints(&filters_of(&r3), 3);
}

#[test]
fn writes_equalizer_apo_text_with_the_printed_filters() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("chu.txt");
    let a = fixture("Truthear Hexa.csv");
    let r = json(&[
        "fit",
        a.to_str().unwrap(),
        "--invert",
        "-o",
        out.to_str().unwrap(),
        "--json",
    ]);
    let text = std::fs::read_to_string(&out).unwrap();
    // `#` lines carry the name and description (Equalizer APO comments).
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    let preamp_text = lines
        .next()
        .unwrap()
        .trim_start_matches("Preamp: ")
        .trim_end_matches(" dB");
    let preamp: f64 = preamp_text.parse().unwrap();
    // Written to 0.01 dB (not 17 digits), rounded towards more attenuation: still no clipping.
    let exact = r["preamp_db"].as_f64().unwrap();
    assert!(
        preamp_text.split('.').nth(1).map_or(0, str::len) <= 2,
        "{text}"
    );
    assert!(
        preamp <= exact && exact - preamp < 0.01,
        "{preamp} vs {exact}"
    );
    let parsed: Vec<Filter> = lines
        .map(|l| {
            // "Filter 1: ON PK Fc 100 Hz Gain -3.10 dB Q 0.700"
            let w: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(
                (w[2], w[4], w[6], w[7], w[9], w[10]),
                ("ON", "Fc", "Hz", "Gain", "dB", "Q"),
                "{l}"
            );
            (
                w[3].to_string(),
                w[5].parse().unwrap(),
                w[8].parse().unwrap(),
                w[11].parse().unwrap(),
            )
        })
        .collect();
    let printed = filters_of(&r);
    assert_eq!(parsed.len(), printed.len());
    for (p, j) in parsed.iter().zip(&printed) {
        assert!(
            (p.1 - j.1).abs() <= 0.5 && (p.2 - j.2).abs() <= 0.005 && (p.3 - j.3).abs() <= 0.0005,
            "{p:?} vs {j:?}"
        );
    }
    // The written file follows the correction just as well.
    let (f, d) = deviation(&a);
    let neg: Vec<f64> = d.iter().map(|v| -v).collect();
    assert!(rms_error(&parsed, &f, &neg) <= 0.8);
    // Not replaced without --force; an unsupported extension is refused.
    let o = iemsim(&["fit", a.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    let o = iemsim(&[
        "fit",
        a.to_str().unwrap(),
        "-o",
        dir.path().join("x.mp3").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    // Every profile format can be written (the same writers as `profile convert`).
    for ext in ["toml", "yml"] {
        let p = dir.path().join(format!("x.{ext}"));
        let o = iemsim(&["fit", a.to_str().unwrap(), "-o", p.to_str().unwrap()]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let o = iemsim(&["show", p.to_str().unwrap(), "--json"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
}

#[test]
fn bad_measurements_are_named_with_their_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "frequency,raw\n20,1\n30,x\n").unwrap();
    let o = iemsim(&["fit", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bad.csv, line 3") && err.contains("'x'"),
        "{err}"
    );
    let o = iemsim(&["fit", "no-such.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no-such.csv"));
    let o = iemsim(&[
        "fit",
        fixture("Moondrop Chu.csv").to_str().unwrap(),
        "--max-filters",
        "0",
    ]);
    assert_eq!(o.status.code(), Some(2));
    // A mistyped target name says which targets there are, not "cannot read: No such file".
    let chu = fixture("Moondrop Chu.csv");
    let o = iemsim(&["fit", chu.to_str().unwrap(), "--target", "harmann"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no such target") && err.contains("diffuse-field"),
        "{err}"
    );
}

/// The tester's files, through `fit`: Chu's measurement with CR line ends (classic Mac OS) fits
/// as with LF (it said "only 0 data points"); saved as UTF-16 it is refused saying so (it said
/// "'…' is not a frequency"), and so is a UTF-16 profile file; with a header naming no level
/// column among several (`frequency,error,smoothed,target`) it is refused naming them (the
/// `error` column was fitted, exit 0).
#[test]
fn cr_only_utf16_and_unnamed_level_columns_are_read_or_named() {
    let dir = tempfile::tempdir().unwrap();
    let chu = fixture("Moondrop Chu.csv");
    let text = std::fs::read_to_string(&chu).unwrap();
    let cr = dir.path().join("cr.csv");
    std::fs::write(&cr, text.replace("\r\n", "\n").replace('\n', "\r")).unwrap();
    let want = json(&["fit", chu.to_str().unwrap(), "--json"]);
    let got = json(&["fit", cr.to_str().unwrap(), "--json"]);
    assert_eq!(got["filters"], want["filters"]);
    let utf16 = dir.path().join("utf16.csv");
    let bytes: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    std::fs::write(&utf16, bytes).unwrap();
    let o = iemsim(&["fit", utf16.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("utf16.csv: is UTF-16 LE text, not UTF-8; save it as UTF-8"),
        "{err}"
    );
    let profile = dir.path().join("utf16.txt");
    let eq: Vec<u8> = "Preamp: -3 dB\r\nFilter 1: ON PK Fc 100 Hz Gain 3 dB Q 1\r\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    std::fs::write(&profile, eq).unwrap();
    let o = iemsim(&["show", profile.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("utf16.txt: is UTF-16 LE text, not UTF-8"),
        "{err}"
    );
    let unnamed = dir.path().join("unnamed.csv");
    let body: Vec<String> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(','))
        .map(|(f, v)| format!("{f},0.5,{v},0"))
        .collect();
    std::fs::write(
        &unnamed,
        format!("frequency,error,smoothed,target\n{}\n", body.join("\n")),
    )
    .unwrap();
    let o = iemsim(&["fit", unnamed.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("unnamed.csv, line 1: which column is the level? The header names `frequency`, `error`, `smoothed`, `target`"),
        "{err}"
    );
}

/// The same measurement with its columns swapped under their names (`raw,frequency`) fits the
/// same filters (column 0 was read as frequencies); written with decimal commas between comma
/// separators and no header (`20,4,63`, frequencies rounded as in AutoEq's grid) it is refused
/// naming a line (it fitted 20 Hz, 4 dB).
#[test]
fn measurement_columns_follow_their_names_and_headerless_decimal_commas_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let chu = fixture("Moondrop Chu.csv");
    let text = std::fs::read_to_string(&chu).unwrap();
    let rows: Vec<(&str, &str)> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(','))
        .collect();
    let swapped = dir.path().join("swapped.csv");
    let body: Vec<String> = rows.iter().map(|(f, v)| format!("{v},{f}")).collect();
    std::fs::write(&swapped, format!("raw,frequency\n{}\n", body.join("\n"))).unwrap();
    let want = json(&["fit", chu.to_str().unwrap(), "--json"]);
    let got = json(&["fit", swapped.to_str().unwrap(), "--json"]);
    assert_eq!(got["filters"], want["filters"]);
    let commas = dir.path().join("commas.csv");
    let body: Vec<String> = rows
        .iter()
        .map(|(f, v)| {
            let f: f64 = f.parse().unwrap();
            format!("{},{}", f.round(), v.replace('.', ","))
        })
        .collect();
    std::fs::write(&commas, body.join("\n")).unwrap();
    let o = iemsim(&["fit", commas.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("commas.csv, line ") && err.contains("decimal commas?"),
        "{err}"
    );
}

#[test]
fn per_iem_profiles_resolve_by_loose_names_and_are_listed_with_their_error() {
    let o = iemsim(&["show", "Moondrop SSR", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["profile"]["name"], "iem:moondrop-ssr");
    let o = iemsim(&["show", "moondrop"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("ambiguous"));
    let list = json(&["profiles", "--iem", "--json"]);
    let rows = list.as_array().unwrap();
    assert!(rows.len() >= 14);
    for r in rows {
        assert!(r["name"].as_str().unwrap().starts_with("iem:"));
        assert!(r["rms_error_db"].as_f64().unwrap() <= 0.8, "{r}");
        assert!(!r["drivers"].as_str().unwrap().is_empty());
    }
}

/// The filters of a profile as `show --json` reports them.
fn shown_filters(args: &[&str]) -> (Vec<Filter>, Value) {
    let j = json(&[&["show"][..], args, &["--json"]].concat());
    (cli::filters(&j["profile"]["filters"]), j)
}

/// The summed response of `filters` at `f` (independent cookbook formulas).
fn response(filters: &[Filter], f: &[f64]) -> Vec<f64> {
    f.iter()
        .map(|&x| {
            filters
                .iter()
                .map(|(k, fc, g, q)| rbj_db(k, *fc, *g, *q, x))
                .sum()
        })
        .collect()
}

/// RMS difference over 20 Hz–10 kHz of two responses on `f`: as they are, and with the mean
/// difference (a preamp) removed.
fn rms_apart(f: &[f64], a: &[f64], b: &[f64]) -> (f64, f64) {
    let d: Vec<f64> = f
        .iter()
        .zip(a.iter().zip(b))
        .filter(|(x, _)| (20.0..=10_000.0).contains(*x))
        .map(|(_, (a, b))| a - b)
        .collect();
    let n = d.len() as f64;
    let m = d.iter().sum::<f64>() / n;
    let raw = (d.iter().map(|v| v * v).sum::<f64>() / n).sqrt();
    let centred = (d.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n).sqrt();
    (raw, centred)
}

/// Issue 21: a correction made from a CSV follows AutoEq's practice, so it sounds like the one
/// AutoEq publishes for the same headphone (same oratory1990 measurement, same target). Both
/// routes (`fit --invert` and `--headphones X.csv`) are compared, as responses, with AutoEq's
/// ParametricEQ.txt; the largest boost keeps AutoEq's +6 dB limit.
#[test]
fn hd600_correction_from_its_csv_sounds_like_autoeqs() {
    let csv = fixture("Sennheiser HD 600.csv");
    let csv = csv.to_str().unwrap();
    let f: Vec<f64> = (0..695).map(|n| 20.0 * 1.01f64.powi(n)).collect();
    let (autoeq, _) = shown_filters(&["tests/fixtures/autoeq/Sennheiser HD 600 ParametricEQ.txt"]);
    let want = response(&autoeq, &f);
    let fitted = json(&[
        "fit",
        csv,
        "--invert",
        "--target",
        "harman-over-ear-2018",
        "--json",
    ]);
    assert_eq!(fitted["name"], "Sennheiser HD 600 (correction)");
    let (through, _) = shown_filters(&["neutral", "--headphones", csv]);
    for (route, filters) in [
        ("fit --invert", filters_of(&fitted)),
        ("--headphones", through),
    ] {
        let got = response(&filters, &f);
        let (raw, centred) = rms_apart(&f, &got, &want);
        let max_boost = got.iter().cloned().fold(f64::MIN, f64::max);
        eprintln!(
            "HD 600 {route}: {raw:.2} dB RMS from AutoEq over 20 Hz-10 kHz ({centred:.2} dB with the mean removed); max boost {max_boost:+.2} dB"
        );
        assert!(raw <= 1.0, "{route}: {raw:.2} dB RMS");
        assert!(max_boost <= 6.0, "{route}: {max_boost:+.2} dB");
        // No boost above 10 kHz (the sum held there to within 0.05 dB).
        for (x, g) in f.iter().zip(&got) {
            assert!(
                *x <= 10_000.0 || *g <= 0.05,
                "{route}: {g:+.2} dB at {x:.0} Hz"
            );
        }
    }
    // The exact fit is kept behind --exact, and it is what chased the measurement before.
    let exact = json(&[
        "fit",
        csv,
        "--invert",
        "--exact",
        "--target",
        "harman-over-ear-2018",
        "--json",
    ]);
    let got = response(&filters_of(&exact), &f);
    let (raw, centred) = rms_apart(&f, &got, &want);
    eprintln!("HD 600 fit --invert --exact: {raw:.2} dB RMS from AutoEq ({centred:.2} centred)");
}

/// The same comparison for Moondrop Chu. AutoEq's file is made from oratory1990's measurement,
/// the fixture CSV is Super Review's (another coupler and unit), so only a loose bound holds;
/// the numbers are printed for the record.
#[test]
fn chu_correction_is_close_to_autoeqs_from_another_measurement() {
    let csv = fixture("Moondrop Chu.csv");
    let f: Vec<f64> = (0..695).map(|n| 20.0 * 1.01f64.powi(n)).collect();
    let (autoeq, _) = shown_filters(&["tests/fixtures/autoeq/Moondrop Chu ParametricEQ.txt"]);
    let want = response(&autoeq, &f);
    for extra in [&[][..], &["--exact"][..]] {
        let args = [
            &["fit", csv.to_str().unwrap(), "--invert", "--json"][..],
            extra,
        ]
        .concat();
        let got = response(&filters_of(&json(&args)), &f);
        let (raw, centred) = rms_apart(&f, &got, &want);
        let at = |hz: f64| got[f.iter().position(|x| *x >= hz).unwrap()];
        eprintln!(
            "Moondrop Chu fit --invert {extra:?}: {raw:.2} dB RMS from AutoEq ({centred:.2} centred); {:+.1} dB at 8 kHz, {:+.1} dB at 10 kHz, {:+.1} dB at 13.9 kHz",
            at(8_000.0),
            at(10_000.0),
            at(13_900.0)
        );
        if extra.is_empty() {
            assert!(centred <= 2.0, "{centred:.2}");
            assert!(at(13_900.0) <= 0.1 && at(10_200.0) <= 0.1);
        }
    }
}

/// Issue 20: a measurement that does not cover 20 Hz–10 kHz, or with absurd levels, is refused
/// (exit 2) naming what it covers; nothing is invented for the missing band.
#[test]
fn measurements_that_do_not_cover_the_band_or_are_absurd_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let treble = dir.path().join("treble.csv");
    let rows: String = (0..60)
        .map(|i| format!("{},{}\n", 10_000.0 * 1.01f64.powi(i), (i % 7) as f64))
        .collect();
    std::fs::write(&treble, format!("frequency,raw\n{rows}")).unwrap();
    let absurd = dir.path().join("absurd.csv");
    let rows: String = (0..695)
        .map(|i| {
            format!(
                "{},{}\n",
                20.0 * 1.01f64.powi(i),
                if i == 5 { 1e300 } else { 0.0 }
            )
        })
        .collect();
    std::fs::write(&absurd, format!("frequency,raw\n{rows}")).unwrap();
    let chu = fixture("Moondrop Chu.csv");
    let cases: [(Vec<&str>, &str); 4] = [
        (
            vec!["fit", treble.to_str().unwrap()],
            "covers only 10 kHz to 18",
        ),
        (
            vec![
                "fit",
                chu.to_str().unwrap(),
                "--like",
                treble.to_str().unwrap(),
            ],
            "treble.csv: covers only",
        ),
        (vec!["fit", absurd.to_str().unwrap()], "absurd.csv, line 7"),
        (
            vec!["show", "ba", "--headphones", treble.to_str().unwrap()],
            "treble.csv: covers only",
        ),
    ];
    for (args, want) in cases {
        let o = iemsim(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
}

/// Issue 21: what `fit` makes is named for what it is, and `--like` / `--target` take the names
/// the rest of the tool uses.
#[test]
fn fitted_profiles_are_named_and_like_takes_profile_names() {
    let dir = tempfile::tempdir().unwrap();
    let chu = fixture("Moondrop Chu.csv");
    let chu = chu.to_str().unwrap();
    let out = dir.path().join("x.toml");
    let o = iemsim(&[
        "fit",
        chu,
        "--like",
        "iem:etymotic-er4sr",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (_, shown) = shown_filters(&[out.to_str().unwrap()]);
    assert_eq!(
        shown["profile"]["name"],
        "Moondrop Chu \u{2192} iem:etymotic-er4sr"
    );
    let source = shown["profile"]["source"].as_str().unwrap();
    for part in [
        "Moondrop Chu.csv",
        "harman",
        "Etymotic ER4SR.csv",
        "RMS error",
        "Q <= 6",
    ] {
        assert!(source.contains(part), "{part}: {source}");
    }
    assert!(!shown["profile"]["description"].as_str().unwrap().is_empty());
    // The bundled measurement of a per-IEM name is the CSV itself: same curve, same fit.
    let er4 = root().join("samples/measurements/iem/ba/Etymotic ER4SR.csv");
    let by_csv = json(&["fit", chu, "--like", er4.to_str().unwrap(), "--json"]);
    let by_name = json(&["fit", chu, "--like", "Etymotic ER4SR", "--json"]);
    assert_eq!(by_csv["filters"], by_name["filters"]);
    assert_eq!(by_name["name"], "Moondrop Chu \u{2192} iem:etymotic-er4sr");
    // Any other profile: its response is B's deviation.
    let like_ba = json(&["fit", chu, "--like", "ba", "--json"]);
    assert_eq!(like_ba["name"], "Moondrop Chu \u{2192} ba");
    // One with left and right of its own is fitted to their mean, said on stderr (it was
    // averaged without a word) and in the profile's source.
    let lr = dir.path().join("lr.txt");
    std::fs::write(
        &lr,
        "Channel: L\nFilter: ON PK Fc 3000 Hz Gain -2 dB Q 1\n\
         Channel: R\nFilter: ON PK Fc 3100 Hz Gain -1.5 dB Q 1\n",
    )
    .unwrap();
    let o = iemsim(&["fit", chu, "--like", lr.to_str().unwrap(), "--json"]);
    let note = "iemsim: note: lr has filters of its own per channel: fitted to the mean of its 2 \
                channels' responses";
    assert!(
        o.status.success() && cli::stderr(&o).contains(note),
        "{}",
        cli::stderr(&o)
    );
    let inv = json(&[
        "fit",
        chu,
        "--invert",
        "--target",
        "harman-in-ear-2019",
        "--json",
    ]);
    assert_eq!(inv["name"], "Moondrop Chu (correction)");
    let o = iemsim(&["fit", chu, "--like", "no-such-profile"]);
    assert_eq!(o.status.code(), Some(2));
}

/// "No boost above 14 kHz" (10 kHz for a correction) holds for every filter and for their sum, to
/// within 0.05 dB (a simulation's sum had reached +0.95 dB above 14 kHz for the KZ ZS6 while it
/// was a penalty only; a correction's +1.18 dB above 10 kHz for the 64 Audio U18t, and a summed
/// peak of +6.12 dB). The sum is recomputed here by the independent cookbook reference.
#[test]
fn the_boost_limits_hold_per_filter_and_the_sum_within_its_documented_bounds() {
    let grid: Vec<f64> = (0..695).map(|n| 20.0 * 1.01f64.powi(n)).collect();
    let cases: [(&str, &[&str], f64); 4] = [
        ("KZ ZS6.csv", &[], 14_000.0),
        ("KZ ZS6.csv", &["--invert"], 10_000.0),
        ("64 Audio U18t.csv", &[], 14_000.0),
        ("64 Audio U18t.csv", &["--invert"], 10_000.0),
    ];
    for (file, extra, no_boost_above_hz) in cases {
        let path = fixture(file);
        let mut args = vec!["fit", path.to_str().unwrap(), "--json"];
        args.extend_from_slice(extra);
        let report = json(&args);
        let filters = filters_of(&report);
        assert_eq!(filters.len(), 10, "{file} {extra:?}: every slot is used");
        check_constraints(&filters, 10);
        for (kind, fc, gain, _) in &filters {
            assert!(
                !(*gain > 0.0 && (*fc > no_boost_above_hz || kind == "high_shelf")),
                "{file} {extra:?}: a boost above {no_boost_above_hz} Hz: {kind} {fc} {gain}"
            );
        }
        let sum = |x: f64| -> f64 {
            filters
                .iter()
                .map(|(k, fc, g, q)| rbj_db(k, *fc, *g, *q, x))
                .sum()
        };
        let above = grid
            .iter()
            .filter(|&&x| x > no_boost_above_hz)
            .map(|&x| sum(x))
            .fold(f64::MIN, f64::max);
        assert!(
            above <= 0.05,
            "{file} {extra:?}: the sum boosts {above:.2} dB above {no_boost_above_hz} Hz"
        );
        if !extra.is_empty() {
            let peak = grid.iter().map(|&x| sum(x)).fold(f64::MIN, f64::max);
            assert!(peak <= 6.0, "{file}: correction boosts {peak:.2} dB");
        }
    }
}

/// `fit --invert` promises boosts of at most +6 dB and none above 10 kHz, for the filters' sum,
/// not only each filter: on every bundled IEM measurement the printed filters' sum, by the
/// independent cookbook reference on a 1/48-octave grid from 20 Hz to 24 kHz (not only the
/// measurement's points), stays at most 0.05 dB above 0 dB above 10 kHz and at most +6 dB
/// anywhere. The penalty alone let DUNU SA3's sum reach +1.07 dB at 10.2 kHz and +6.10 dB.
#[test]
fn every_bundled_correction_keeps_its_summed_limits_on_a_dense_grid() {
    let grid: Vec<f64> = (0..)
        .map(|k| 20.0 * 2f64.powf(f64::from(k) / 48.0))
        .take_while(|&f| f < 24_000.0)
        .collect();
    let mut csvs: Vec<PathBuf> = std::fs::read_dir(root().join("samples/measurements/iem"))
        .unwrap()
        .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    csvs.sort();
    assert!(csvs.len() >= 30, "{} bundled measurements", csvs.len());
    for csv in &csvs {
        let filters = filters_of(&json(&["fit", csv.to_str().unwrap(), "--invert", "--json"]));
        let sum = |x: f64| -> f64 {
            filters
                .iter()
                .map(|(k, fc, g, q)| rbj_db(k, *fc, *g, *q, x))
                .sum()
        };
        for &x in &grid {
            let (s, limit) = (sum(x), if x > 10_000.0 { 0.05 } else { 6.0 });
            assert!(
                s <= limit,
                "{}: the correction's sum is {s:+.3} dB at {x:.0} Hz (limit {limit:+.2} dB)",
                csv.display()
            );
        }
    }
}

/// The README said the sum above 14 kHz stayed within +1.33 dB "on crafted" curves; the tester's
/// crafted one (the Harman in-ear target, +40 dB above 5 kHz) gave +3.02 dB at 14 kHz, and the
/// penalty gave way in proportion to what the curve asked for (+9.05 dB for +190 dB). The sum is
/// now held under +0.05 dB above 14 kHz on any curve: this checks it on those crafted curves, by
/// the independent cookbook reference every 1/48 octave above 14 kHz, and that the README says so.
#[test]
fn the_sum_above_14_khz_holds_on_crafted_curves() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let flat = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(!flat.contains("+1.33 dB on crafted"), "the old bound");
    assert!(
        flat.contains("Above 14 kHz the filters' sum is held at 0 dB, a hard limit"),
        "README: the hard limit"
    );
    let target = std::fs::read_to_string(
        root().join("samples/measurements/targets/harman_in-ear_2019v2.csv"),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let above_14k: Vec<f64> = (0..)
        .map(|k| 14_000.0 * 2f64.powf(f64::from(k) / 48.0))
        .take_while(|&f| f < 24_000.0)
        .collect();
    for add in [20.0, 40.0, 190.0] {
        let body: Vec<String> = target
            .lines()
            .skip(1)
            .filter_map(|l| l.split_once(','))
            .map(|(f, v)| {
                let (x, y): (f64, f64) = (f.parse().unwrap(), v.parse().unwrap());
                format!("{f},{:.2}", y + if x > 5000.0 { add } else { 0.0 })
            })
            .collect();
        let csv = dir.path().join(format!("step{add}.csv"));
        std::fs::write(&csv, format!("frequency,raw\n{}\n", body.join("\n"))).unwrap();
        let filters = filters_of(&json(&["fit", csv.to_str().unwrap(), "--json"]));
        check_constraints(&filters, 10);
        for &x in &above_14k {
            let sum: f64 = filters
                .iter()
                .map(|(k, fc, g, q)| rbj_db(k, *fc, *g, *q, x))
                .sum();
            assert!(
                sum <= 0.05,
                "+{add} dB: the sum is {sum:+.3} dB at {x:.0} Hz"
            );
        }
    }
}

/// Every shipped per-IEM fit keeps "no boost above 14 kHz" in its filters' sum, to within 0.05 dB,
/// by the independent cookbook reference every 1/48 octave from 14 kHz to 24 kHz (made while the
/// limit was a penalty, they had reached +0.52 dB: Moondrop Aria at 14.07 kHz).
#[test]
fn every_shipped_iem_fit_keeps_its_sum_above_14_khz() {
    let above_14k: Vec<f64> = (0..)
        .map(|k| 14_000.0 * 2f64.powf(f64::from(k) / 48.0))
        .take_while(|&f| f < 24_000.0)
        .collect();
    let report = json(&["profiles", "--iem", "--json"]);
    let profiles = report.as_array().unwrap();
    assert!(profiles.len() >= 30, "{} per-IEM profiles", profiles.len());
    for p in profiles {
        let filters = filters_of(&p["profile"]);
        for &x in &above_14k {
            let sum: f64 = filters
                .iter()
                .map(|(k, fc, g, q)| rbj_db(k, *fc, *g, *q, x))
                .sum();
            assert!(
                sum <= 0.05,
                "{}: the sum is {sum:+.3} dB at {x:.0} Hz",
                p["name"]
            );
        }
    }
}

/// Two filters of one kind at one place (fc within 1 %, Q within 5 %) are one filter written
/// twice: the fitter merges them when their summed gain is within the 12 dB limit and the merged
/// fit is as good, and always when it is beyond (one filter at the limit). These measurements left
/// such twins before (the ER4SR correction had three at 9.65 kHz).
#[test]
fn no_filter_is_written_twice() {
    let bundled = |f: &str| root().join("samples/measurements/iem").join(f);
    let cases: [(&str, &[&str]); 4] = [
        ("dd/Moondrop SSP.csv", &[]),
        ("ba/Etymotic ER4SR.csv", &["--invert"]),
        ("ba/DUNU SA3.csv", &["--invert"]),
        ("dd/Shure SE215.csv", &["--invert"]),
    ];
    for (file, extra) in cases {
        let path = bundled(file);
        let mut args = vec!["fit", path.to_str().unwrap(), "--json"];
        args.extend_from_slice(extra);
        let filters = filters_of(&json(&args));
        for (i, a) in filters.iter().enumerate() {
            for b in &filters[i + 1..] {
                let twins = a.0 == b.0
                    && (a.1 / b.1).ln().abs() < 0.01
                    && (a.3 / b.3).ln().abs() < 0.05
                    && (a.2 + b.2).abs() <= 12.0;
                assert!(!twins, "{file} {extra:?}: {a:?} and {b:?} are one filter");
            }
        }
    }
}

/// `--invert`'s help says nothing below the measurement's lowest frequency is fitted: a
/// measurement that starts at 60 Hz gets a correction over 60 Hz-10 kHz (it was refused as not
/// covering 20 Hz), and so does `--headphones`; the fits that need the whole band still refuse it,
/// naming the file, and so does a correction whose measurement starts above 100 Hz.
#[test]
fn a_correction_fits_a_measurement_that_starts_above_20_hz() {
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::read_to_string(root().join("samples/measurements/iem/dd/Shure SE215.csv"))
        .unwrap();
    let from = |hz: f64| {
        let keep: Vec<&str> = full
            .lines()
            .filter(|l| {
                l.split(',')
                    .next()
                    .unwrap()
                    .parse::<f64>()
                    .map_or(true, |f| f >= hz)
            })
            .collect();
        let p = dir.path().join(format!("from{hz}.csv"));
        std::fs::write(&p, keep.join("\n")).unwrap();
        p
    };
    let (f60, f300) = (from(60.0), from(300.0));
    let f60s = f60.to_str().unwrap();
    let report = json(&["fit", f60s, "--invert", "--json"]);
    let lo = report["band_hz"][0].as_f64().unwrap();
    assert!((60.0..61.0).contains(&lo), "band {}", report["band_hz"]);
    assert!(!filters_of(&report).is_empty());
    for args in [
        vec!["fit", f60s],
        vec!["fit", f60s, "--invert", "--exact"],
        vec!["fit", f300.to_str().unwrap(), "--invert"],
    ] {
        let o = iemsim(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("from") && err.contains("covers only"), "{err}");
    }
    let wav = dir.path().join("p.wav");
    let made = iemsim(&[
        "generate",
        "pink",
        "--seconds",
        "1",
        "-o",
        wav.to_str().unwrap(),
    ]);
    assert!(made.status.success());
    let out = dir.path().join("hp.wav");
    let o = iemsim(&[
        "export",
        wav.to_str().unwrap(),
        "-p",
        "neutral",
        "--headphones",
        f60s,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// A measurement with absurd steps (−100 dB to +100 dB, inside what the reader accepts) fits to
/// a preamp past the ±40 dB a profile file may hold: `fit -o` wrote it anyway (exit 0) and
/// `show` then refused the file. Now nothing is written and the error says why (exit 2).
#[test]
fn fit_never_writes_a_profile_iemsim_refuses_to_read() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("s.csv");
    let mut text = String::from("frequency,raw\n");
    for i in 0..=400 {
        let f = 20.0 * 1000f64.powf(f64::from(i) / 400.0);
        text.push_str(&format!("{f:.2},{}\n", if f > 1000.0 { 100 } else { -100 }));
    }
    std::fs::write(&csv, text).unwrap();
    let out = dir.path().join("s.txt");
    let o = iemsim(&["fit", csv.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    // Since the fitter's swaps, this curve fits to a preamp of about −12 dB, which is written;
    // whatever is written, iemsim reads back, and what is not is refused by name.
    if o.status.code() == Some(0) {
        let shown = iemsim(&["show", out.to_str().unwrap()]);
        assert!(
            shown.status.success(),
            "{}",
            String::from_utf8_lossy(&shown.stderr)
        );
        return;
    }
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("not written") && err.contains("±40 dB"),
        "{err}"
    );
    assert!(!out.exists());
}

/// `--invert` fits AutoEq's smoothed, boost-capped correction curve, and its error line was worded
/// as the exact modes' (against the negated deviation): it now says what it is measured against,
/// on screen and in the written profile's source; `--invert --exact` and a simulation keep theirs.
#[test]
fn the_correction_error_says_what_it_is_measured_against() {
    let dir = tempfile::tempdir().unwrap();
    let chu = fixture("Moondrop Chu.csv");
    let chu = chu.to_str().unwrap();
    let against = "dB vs the smoothed, boost-capped correction target over 20 Hz-10 kHz";
    let out = dir.path().join("c.toml");
    for (args, says) in [
        (vec!["--invert", "-o", out.to_str().unwrap()], true),
        (vec!["--invert", "--exact"], false),
        (vec![], false),
    ] {
        let o = iemsim(&[&["fit", chu][..], &args].concat());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let printed = String::from_utf8_lossy(&o.stdout);
        let line = printed
            .lines()
            .find(|l| l.starts_with("RMS error "))
            .unwrap_or_else(|| panic!("{printed}"));
        assert_eq!(line.contains(against), says, "{args:?}: {line}");
        assert!(line.contains("over 20 Hz-10 kHz (mean offset removed)"));
    }
    let (_, shown) = shown_filters(&[out.to_str().unwrap()]);
    let source = shown["profile"]["source"].as_str().unwrap();
    assert!(source.contains(against), "{source}");
}

/// `fit -o`'s help read as if `.toml` were CamillaDSP's, and it and the refusal of another
/// extension left out `.yaml`, which is written as CamillaDSP too.
#[test]
fn fit_output_formats_are_named_with_yaml() {
    let dir = tempfile::tempdir().unwrap();
    let chu = fixture("Moondrop Chu.csv");
    let help = iemsim(&["fit", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        help.contains("`.toml` (iemsim) or `.yml`/`.yaml` (CamillaDSP)"),
        "{help}"
    );
    let json = dir.path().join("x.json");
    let o = iemsim(&["fit", chu.to_str().unwrap(), "-o", json.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("or .yml/.yaml (CamillaDSP)"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let yaml = dir.path().join("x.yaml");
    let o = iemsim(&["fit", chu.to_str().unwrap(), "-o", yaml.to_str().unwrap()]);
    assert!(o.status.success() && yaml.exists());
}

/// `--like FILE` is that file's filters, even when the file names itself after a per-IEM profile
/// (`profile convert iem:etymotic-er4sr -o er4.txt` writes `# name: iem:etymotic-er4sr`): such a
/// file was fitted to the bundled measurement, so an edit to it changed nothing, byte for byte.
#[test]
fn like_a_file_uses_its_filters_whatever_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let er4 = dir.path().join("er4.txt");
    let er4 = er4.to_str().unwrap();
    let o = iemsim(&["profile", "convert", "iem:etymotic-er4sr", "-o", er4]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // A copy is named after its file; named as the IEM by hand, it must still be the file.
    let text = std::fs::read_to_string(er4).unwrap();
    assert!(text.contains("# name: er4\n"), "{text}");
    let text = text.replace("# name: er4\n", "# name: iem:etymotic-er4sr\n");
    let hd600 = fixture("Sennheiser HD 600.csv");
    let hd600 = hd600.to_str().unwrap();
    let like = |spec: &str| filters_of(&json(&["fit", hd600, "--like", spec, "--json"]));
    // Unedited, the file's filters are the fit of the measurement: close, so the fits agree.
    let by_name = like("iem:etymotic-er4sr");
    // A 10 dB dip at 1 kHz, which the measurement does not have.
    let edited: String = text
        .lines()
        .map(|l| match l.starts_with("Filter 1:") {
            true => "Filter 1: ON PK Fc 1000 Hz Gain -10 dB Q 1".to_string(),
            false => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(er4, edited).unwrap();
    let by_file = like(er4);
    assert_ne!(by_name, by_file, "the edited file was not used");
    // The fit through HD 600 follows the file: its response dips near 1 kHz.
    let at = |fs: &[Filter], f: f64| -> f64 {
        fs.iter()
            .map(|(k, fc, g, q)| rbj_db(k, *fc, *g, *q, f))
            .sum()
    };
    assert!(
        at(&by_file, 1000.0) < at(&by_name, 1000.0) - 5.0,
        "{by_file:?} vs {by_name:?}"
    );
}

/// A line break in a file's name stays inside its one line: fit's heading and show's chart line
/// were split in two (a script reading them line by line got half a name).
#[cfg(unix)]
#[test]
fn a_line_break_in_a_name_stays_on_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("a\nb.csv");
    std::fs::copy(fixture("Moondrop Chu.csv"), &csv).unwrap();
    let o = iemsim(&["fit", csv.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    let first = out.lines().next().unwrap();
    assert!(
        first.contains("a\\nb.csv as heard on") && first.ends_with("named 'a\\nb'"),
        "{out}"
    );
    let png = dir.path().join("x\ny.png");
    let o = iemsim(&["show", "ba", "--plot", png.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains("x\\ny.png: ba on one chart"), "{out}");
}

/// A profile's name given as the measurement (`iemsim fit ba`, as `--like` takes one) said
/// "cannot read: No such file"; it is refused as a profile, and a per-IEM one names its bundled
/// measurement, which is there. A name that is nothing is still a file not found.
#[test]
fn a_profile_name_given_as_the_measurement_is_refused_as_one() {
    for name in ["ba", "iem:moondrop-aria"] {
        let o = iemsim(&["fit", name]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(&format!("{name}: a profile, not a measurement")),
            "{err}"
        );
    }
    let o = iemsim(&["fit", "iem:moondrop-aria"]);
    let err = String::from_utf8_lossy(&o.stderr);
    let path = "samples/measurements/iem/dd/Moondrop Aria.csv";
    assert!(err.contains(path) && root().join(path).is_file(), "{err}");
    let o = iemsim(&["fit", "no-such-thing"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("No such file"));
}

/// `-o` is refused before the fit, as every output is before the work: an existing file, a
/// wrong extension or a missing folder were refused only after the whole fit (seconds of it). A measurement that cannot be read shows the order: the output's
/// refusal comes first, and nothing is written.
#[test]
fn a_wrong_output_is_refused_before_the_fit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("exists.txt"), "mine\n").unwrap();
    let missing = d.join("missing.csv");
    let missing = missing.to_str().unwrap();
    for (out, says) in [
        ("exists.txt", "already exists"),
        ("out.mp3", "iemsim writes profiles as"),
        ("nodir/x.txt", "the output folder does not exist"),
    ] {
        let path = d.join(out);
        let o = iemsim(&["fit", missing, "-o", path.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{out}: {err}");
        assert!(err.contains(says), "{out}: {err}");
        assert!(!err.contains("missing.csv"), "{out}: {err}");
    }
    assert_eq!(
        std::fs::read_to_string(d.join("exists.txt")).unwrap(),
        "mine\n"
    );
    assert!(!d.join("out.mp3").exists() && !d.join("nodir").exists());
}
