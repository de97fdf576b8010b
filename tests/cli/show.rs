//! `iemsim show PROFILE`: the true peaks and dips, which the 1/3-octave table can miss.

use iemsim::dsp::response::log_grid;
use std::process::Command;

/// A narrow peak between the 8 and 10 kHz centres (as the old `ba` had at 8.5 kHz, when the table
/// showed +1.0 dB at 8 kHz): `show` lists it, in text and JSON, at the maximum of the closed-form
/// response (checked here by a brute-force scan of `Profile::response_db`, 1/4000 octave).
#[test]
fn show_lists_the_narrow_ba_peak_the_table_misses() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("narrow.txt");
    std::fs::write(
        &file,
        "Filter 1: ON LSC Fc 65 Hz Gain -6.5 dB Q 0.59\nFilter 2: ON PK Fc 2542 Hz Gain -3.7 dB Q 0.40\nFilter 3: ON PK Fc 8586 Hz Gain 4.4 dB Q 5.20\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_iemsim"))
        .args(["show", file, "--json"])
        .output()
        .expect("run");
    assert!(o.status.success());
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let peaks: Vec<(f64, f64)> = j["extrema"]
        .as_array()
        .expect("extrema")
        .iter()
        .filter(|e| e["kind"] == "peak")
        .map(|e| (e["hz"].as_f64().unwrap(), e["db"].as_f64().unwrap()))
        .collect();
    let &(hz, db) = peaks
        .iter()
        .find(|(hz, _)| (7000.0..10_000.0).contains(hz))
        .expect("a peak between 7 and 10 kHz");
    let ba = iemsim::profiles::resolve(file, None).expect("profile");
    let grid = log_grid(7000.0, 10_000.0, 2000);
    let resp = ba.response_db(&grid, 48_000.0);
    let (best_hz, best_db) = grid.iter().zip(&resp).fold(
        (0.0, f64::NEG_INFINITY),
        |b, (&f, &d)| if d > b.1 { (f, d) } else { b },
    );
    assert!(
        (db - best_db).abs() < 0.01,
        "peak {db} dB, scan {best_db} dB"
    );
    assert!(
        (hz / best_hz - 1.0).abs() < 0.005,
        "peak at {hz} Hz, scan {best_hz} Hz"
    );
    // The peak boost (what `--preamp auto` undoes) is that peak, and says where it is.
    let boost_hz = j["max_boost_hz"].as_f64().expect("max_boost_hz");
    assert!(
        (boost_hz / best_hz - 1.0).abs() < 0.005,
        "peak boost at {boost_hz} Hz, scan {best_hz} Hz"
    );
    assert!((j["max_boost_db"].as_f64().unwrap() - best_db).abs() < 0.01);
    // The table alone undersells it.
    let at_8k = j["response"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["hz"] == 8000.0)
        .unwrap()["db"]
        .as_f64()
        .unwrap();
    assert!(best_db - at_8k > 1.5, "{at_8k} at 8 kHz vs {best_db}");

    let o = Command::new(env!("CARGO_BIN_EXE_iemsim"))
        .args(["show", file])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&o.stdout);
    let line = text
        .lines()
        .find(|l| l.contains("peak") && l.contains("8.") && l.contains("k Hz"))
        .unwrap_or_else(|| panic!("no 8.x kHz peak line:\n{text}"));
    assert!(line.contains(&format!("{db:+.1} dB")), "{line}");
    let boost = text.lines().find(|l| l.starts_with("Peak boost:")).unwrap();
    assert!(
        boost.contains(&format!("{db:+.1} dB at {:.2}k Hz", boost_hz / 1000.0)),
        "{boost}"
    );
    // One dB rule: never "-0.0".
    assert!(!text.contains("-0.0"), "{text}");
}

/// A shelf's boost is greatest where it flattens out, at 0 Hz or Nyquist: it said "+5.5 dB at
/// 0.0 Hz". Out of the audio band it says which side.
#[test]
fn a_shelfs_peak_boost_is_placed_in_words() {
    let dir = tempfile::tempdir().expect("tmp");
    for (line, at) in [
        ("ON LSC Fc 105 Hz Gain 5.5 dB Q 0.7", "+5.5 dB below 20 Hz"),
        ("ON HSC Fc 8000 Hz Gain 4 dB Q 0.7", "+4.0 dB above 20 kHz"),
    ] {
        let file = dir.path().join("shelf.txt");
        std::fs::write(&file, format!("Filter 1: {line}\n")).expect("write");
        let o = Command::new(env!("CARGO_BIN_EXE_iemsim"))
            .arg("show")
            .arg(&file)
            .output()
            .expect("run");
        let text = String::from_utf8_lossy(&o.stdout);
        let boost = text.lines().find(|l| l.starts_with("Peak boost:"));
        assert!(boost.is_some_and(|l| l.contains(at)), "{line}: {text}");
    }
}

/// `show` names the 1/3-octave centres as `analyze` names its bands (31.5 Hz, not `{:.0}`'s
/// "32"); a boost that prints as +0.0 dB is none, with no place (at 8 kHz the sibilance profile's
/// filters above Nyquist are dropped, and 9.6e-16 dB of rounding read "+0.0 dB at 4.00k Hz", as
/// `bass-rolloff`'s true 0 reads "+0.0 dB" alone); its preamp line names no `--preamp` option,
/// which `show` has not; and `analyze` prints no "-0.0" preamp for that profile.
#[test]
fn show_names_centres_boosts_and_preamps_as_they_are() {
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_iemsim"))
            .args(args)
            .output()
            .expect("run");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let ba = run(&["show", "ba"]);
    assert!(ba.contains("\n    31.5 Hz "), "{ba}");
    assert!(!ba.contains(" 32 Hz "), "{ba}");
    let preamp = ba.lines().find(|l| l.starts_with("Preamp:")).unwrap();
    assert_eq!(
        preamp,
        "Preamp: -3.7 dB (the profile's own; export's --preamp profile applies it)"
    );
    for profile in ["sibilance", "bass-rolloff"] {
        let text = run(&["show", "--rate", "8000", profile]);
        let boost = text.lines().find(|l| l.starts_with("Peak boost:")).unwrap();
        assert_eq!(
            boost, "Peak boost: +0.0 dB (export's --preamp auto applies +0.0 dB)",
            "{profile}"
        );
    }
    let dir = tempfile::tempdir().expect("tmp");
    let wav = dir.path().join("tone8k.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&wav, spec).unwrap();
    for i in 0..8000 {
        let x = 8000.0 * (std::f64::consts::TAU * 440.0 * f64::from(i) / 8000.0).sin();
        w.write_sample(x as i16).unwrap();
    }
    w.finalize().unwrap();
    let table = run(&["analyze", wav.to_str().unwrap(), "-p", "sibilance"]);
    let row = table.lines().find(|l| l.starts_with("preamp dB")).unwrap();
    assert!(row.ends_with(" +0.0"), "{row}");
    assert!(!table.contains("-0.0"), "{table}");
}

/// A peaking filter's maximum is exactly at its fc (the cookbook's design puts it there at every
/// rate), so one peak reads the same in the peaks-and-dips list and on the "Peak boost" line,
/// and a peak at exactly 20 kHz or 20 Hz is inside the band at every rate: 20 kHz read "above
/// 20 kHz" at 44.1 and 192 kHz but "at 20.00k Hz" at 48 and 96; 5555 Hz "5.55k" in the list
/// and "5.56k" on the line.
#[test]
fn one_peak_reads_the_same_everywhere_and_at_every_rate() {
    let dir = tempfile::tempdir().unwrap();
    let show = |filter: &str, rate: &str| -> String {
        let file = dir.path().join("e.txt");
        std::fs::write(&file, format!("Filter 1: ON {filter}\n")).unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_iemsim"))
            .args(["show", file.to_str().unwrap(), "--rate", rate])
            .output()
            .expect("run");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    for rate in ["44100", "48000", "96000", "192000"] {
        let out = show("PK Fc 20000 Hz Gain 10 dB Q 5", rate);
        assert!(
            out.contains("Peak boost: +10.0 dB at 20.00k Hz"),
            "{rate}: {out}"
        );
        let out = show("PK Fc 20 Hz Gain 10 dB Q 5", rate);
        assert!(
            out.contains("Peak boost: +10.0 dB at 20.0 Hz"),
            "{rate}: {out}"
        );
    }
    for (filter, either) in [
        ("PK Fc 5555 Hz Gain 6 dB Q 1000", ["5.55k", "5.56k"]),
        ("PK Fc 12345 Hz Gain 6 dB Q 1", ["12.34k", "12.35k"]),
    ] {
        let out = show(filter, "48000");
        let listed: Vec<&str> = out
            .lines()
            .filter_map(|l| l.trim().strip_prefix("peak"))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        assert_eq!(listed.len(), 1, "{out}");
        assert!(either.contains(&listed[0]), "{out}");
        let line = format!("Peak boost: +6.0 dB at {} Hz", listed[0]);
        assert!(out.contains(&line), "no {line:?} in {out}");
    }
}

/// A peak exactly at Nyquist (AutoEq's `PK Fc 22050 Hz` for 44.1 kHz) is the identity there and
/// left out of the cascade: the table says so, as it marks a dropped filter, and at 48 kHz,
/// where it is a filter at work, it does not.
#[test]
fn a_peak_at_nyquist_is_marked_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ny.txt");
    std::fs::write(
        &file,
        "Filter 1: ON PK Fc 22050 Hz Gain 6 dB Q 1\nFilter 2: ON PK Fc 1000 Hz Gain 3 dB Q 1\n",
    )
    .unwrap();
    let show = |rate: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_iemsim"))
            .args(["show", file.to_str().unwrap(), "--rate", rate])
            .output()
            .expect("run");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let note = "(left out: no effect at Nyquist)";
    let out = show("44100");
    let line = |n: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(n))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line("1 ").contains(note), "{out}");
    assert!(!line("2 ").contains(note), "{out}");
    assert!(!show("48000").contains(note));
}
