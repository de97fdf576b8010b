//! `src/commands/charts.rs`'s functions (the command layer is not in the unit-test build: see `src/lib.rs`).

use iemsim::commands::charts::*;
use iemsim::dsp::Profile;
use iemsim::ui::plot::{self, Curve, Style};

/// One colour per profile across a run's charts: v-hybrid is the 4th profile of the
/// signatures demo (after neutral, which draws no curve), so it is series 3 in the response
/// chart and in the spectra chart (whose first series is the unprocessed material).
#[test]
fn a_profile_keeps_its_colour_on_every_chart_of_a_run() {
    let names = ["neutral", "ba", "dd", "v-hybrid"];
    let profiles: Vec<Profile> = names
        .iter()
        .map(|n| iemsim::profiles::resolve(n, None).unwrap())
        .collect();
    let r = responses(&profiles, 48_000.0, "t");
    let vh = r.curves.iter().find(|c| c.label == "v-hybrid").unwrap();
    let series: Vec<(String, Vec<(f64, f64)>)> = std::iter::once("material")
        .chain(names)
        .map(|n| (n.to_string(), vec![(100.0, -20.0), (1000.0, -30.0)]))
        .collect();
    let sp = spectra("t", "", &series);
    let vh_sp = sp.curves.iter().find(|c| c.label == "v-hybrid").unwrap();
    assert_eq!(vh.style.colour, vh_sp.style.colour);
    assert_eq!(vh.style, Style::series(3));
    for n in ["ba", "dd"] {
        let a = r.curves.iter().find(|c| c.label == n).unwrap();
        let b = sp.curves.iter().find(|c| c.label == n).unwrap();
        assert_eq!(a.style.colour, b.style.colour, "{n}");
    }
    assert_eq!(
        sp.y_label,
        "Power density (dB re FS²/Hz, 1/6-octave smoothed)"
    );
}

/// Like with like: with a headphone correction, a per-IEM profile's curve and its measured
/// curve both carry it, so they stay as close as the fit is. Without the correction on the
/// measurement (the old chart), a +7 dB bass shelf showed as a 7 dB gap between the two.
#[test]
fn a_measurement_beside_corrected_profiles_carries_the_correction() {
    use iemsim::dsp::filter::{FilterKind, FilterSpec};
    let correction = Profile {
        name: "hp".into(),
        description: String::new(),
        preamp_db: 0.0,
        filters: vec![FilterSpec::new(FilterKind::LowShelf, 105.0, 7.0, 0.7)],
        channels: Vec::new(),
        source: String::new(),
        behind: None,
        channel_count: None,
    };
    let ssr = iemsim::profiles::resolve("iem:moondrop-ssr", None).unwrap();
    let played = iemsim::profiles::headphones::combine(&correction, ssr.clone());
    let measured = iem_measured_deviation(&played, 0).unwrap().unwrap();
    let corrected = through_correction(measured.clone(), &correction, 48_000.0).remove(0);
    assert!(
        corrected.label.ends_with(", + headphone EQ)"),
        "{}",
        corrected.label
    );
    let gap = |c: &Curve| {
        let pts: Vec<&(f64, f64)> = c.points.iter().filter(|p| p.0 <= 60.0).collect();
        let freqs: Vec<f64> = pts.iter().map(|p| p.0).collect();
        let fitted = played.response_db(&freqs, 48_000.0);
        pts.iter()
            .zip(fitted)
            .map(|(p, f)| (p.1 - f).abs())
            .sum::<f64>()
            / freqs.len() as f64
    };
    assert!(
        gap(&corrected) < 1.5,
        "with the correction: {}",
        gap(&corrected)
    );
    assert!(gap(&measured) > 5.0, "without it: {}", gap(&measured));
}

/// A per-channel correction: a measurement beside it is drawn once per channel, each with
/// that channel's filters and gain (checked against the cookbook's closed form), not once with
/// the shared filters alone (the correction's channels were dropped) nor with their mean.
#[test]
fn a_measurement_through_a_per_channel_correction_is_drawn_per_channel() {
    use crate::common::rbj;
    use iemsim::dsp::filter::{FilterKind, FilterSpec};
    use iemsim::dsp::ChannelFilters;
    let correction = Profile {
        name: "hpch".into(),
        description: String::new(),
        preamp_db: -2.0,
        filters: Vec::new(),
        channels: vec![
            ChannelFilters {
                channel: 0,
                gain_db: 0.0,
                filters: vec![FilterSpec::new(FilterKind::Peaking, 200.0, 4.0, 2.0)],
            },
            ChannelFilters {
                channel: 1,
                gain_db: -1.5,
                filters: vec![FilterSpec::new(FilterKind::Peaking, 5000.0, -5.0, 3.0)],
            },
        ],
        source: String::new(),
        behind: None,
        channel_count: None,
    };
    let measured = Curve {
        label: "X (measured, re harman-in-ear-2019)".into(),
        points: vec![(200.0, 1.0), (1000.0, 0.0), (5000.0, -1.0)],
        style: Style::measured(0),
    };
    // The correction's own curves: the second channel dashed, without the first's markers
    // (the same markers a little apart, where the channels agree, looked like a glitch).
    let own = responses(std::slice::from_ref(&correction), 48_000.0, "t");
    let right = own.curves.last().unwrap();
    assert_eq!(right.style.line, plot::Line::Dashed);
    assert_eq!(right.style.marker, plot::Marker::None);
    let curves = through_correction(measured, &correction, 48_000.0);
    assert_eq!(curves.len(), 2);
    assert_eq!(
        curves[1].label,
        "X, channel 2 (right) (measured, re harman-in-ear-2019, + headphone EQ)"
    );
    // Still a measurement (dotted; dashed is a profile's other channel), told apart by crosses.
    assert_eq!(curves[1].style.line, plot::Line::Dotted);
    assert_eq!(curves[1].style.marker, plot::Marker::Cross);
    let pk = |f0: f64, g: f64, q: f64, f: f64| rbj::magnitude_db("PK", f0, g, q, 48_000.0, f);
    for (i, (f, v)) in [(200.0, 1.0), (1000.0, 0.0), (5000.0, -1.0)]
        .iter()
        .enumerate()
    {
        let left = v + pk(200.0, 4.0, 2.0, *f);
        let right = v - 1.5 + pk(5000.0, -5.0, 3.0, *f);
        assert!((curves[0].points[i].1 - left).abs() < 1e-9, "{f} Hz left");
        assert!((curves[1].points[i].1 - right).abs() < 1e-9, "{f} Hz right");
    }
}

/// Below 40 kHz the subtitle says where the curves end (at 8 kHz they stopped at 4 kHz on a
/// 20 kHz axis, nothing saying why); at 48 kHz it names the rate only.
#[test]
fn a_low_rate_says_where_the_curves_end() {
    let ba = iemsim::profiles::resolve("ba", None).unwrap();
    let low = responses(std::slice::from_ref(&ba), 8_000.0, "t");
    assert!(
        low.subtitle
            .ends_with("(computed at 8 kHz: no audio above 4 kHz)"),
        "{}",
        low.subtitle
    );
    let high = responses(std::slice::from_ref(&ba), 48_000.0, "t");
    assert!(
        high.subtitle.ends_with("(computed at 48 kHz)"),
        "{}",
        high.subtitle
    );
}
