//! The shipped fits against a refit, the embedded CSVs, and the catalogue's driver configurations against what public pages state, and against the class
//! folder each measurement sits in. The same sources are listed in samples/measurements/README.md;
//! an IEM missing here had no page found that states its configuration ("not verified" there).

use super::*;

/// IEMs whose full configuration a public page states: (slug, configuration, page, what it says).
const STATED: &[(&str, &str, &str, &str)] = &[
    (
        "7hz-timeless",
        "1 planar magnetic",
        "https://hiendportable.com/7hz-legato-english-review/",
        "its Timeless model, one of the most popular 14.2mm planar driver IEMS on the market",
    ),
    (
        "blon-bl-03",
        "1 DD",
        "https://nextrift.com/blon-fat-girl-review-who-said-big-girls-dont-cry/",
        "the BLON BL-03 single dynamic driver earphones",
    ),
    (
        // The page states the single BA; the one dynamic driver is as recorded before.
        "campfire-audio-dorado-2020",
        "1 DD + 1 BA",
        "https://headfonics.com/campfire-audio-dorado-2020-review/2/",
        "a bump in the upper treble from that single BA",
    ),
    (
        "kz-zs10-pro",
        "1 DD + 4 BA",
        "https://oficinadanet.com.br/headphones/40561-kz-empresa-chinesa-fones-de-ouvido-enganou-consumidores",
        "o KZ ZS10 Pro ... sendo o primeiro com 4 BAs ... e 1 DD",
    ),
    (
        "moondrop-aria",
        "1 DD",
        "https://techpowerup.com/review/moondrop-aria-2021-in-ear-monitors/4.html",
        "uses a single dynamic driver per side",
    ),
    (
        "sony-ier-z1r",
        "2 DD + 1 BA",
        "https://online.stereosound.co.jp/_amp/_ct/17203804",
        // Japanese: "12mm dynamic driver / BA (balanced armature) driver / 5mm dynamic driver".
        "12mmダイナミックドライバー / BA(バランスドアーマチュア)ドライバー / 5mmダイナミックドライバー",
    ),
];

/// IEMs whose driver kind (not count) a public page states: (slug, kind, page, what it says).
const KIND_STATED: &[(&str, &str, &str, &str)] = &[
    (
        "64-audio-u12t",
        "BA",
        "https://headphones.com/blogs/announcements/iem-shootout-64-audio-tia-trio-vs-empire-ears-legend-x",
        "the 64 Audio U12T ... what I thought was possible with balanced armature IEMs",
    ),
    (
        "etymotic-er4sr",
        "BA",
        "http://www.hifiplus.com/articles/etymotic-research-er2se-and-er2xr-earphones/",
        "Present-day ER4 and ER3 models use balanced armature-type drivers",
    ),
    (
        "etymotic-er2xr",
        "DD",
        "http://www.hifiplus.com/articles/etymotic-research-er2se-and-er2xr-earphones/",
        "the ER2 models introduce new high performance dynamic (or moving coil) type drivers",
    ),
];

const KINDS: &[&str] = &["BA", "DD", "EST", "piezo", "planar magnetic"];

/// `"1 DD + 4 BA (remark)"` as [(1, "DD"), (4, "BA")]; None if any part is not `N KIND`.
fn parts(drivers: &str) -> Option<Vec<(u32, &str)>> {
    let bare = drivers.split('(').next()?;
    bare.split('+')
        .map(|part| {
            let (n, kind) = part.trim().split_once(' ')?;
            let n: u32 = n.parse().ok()?;
            (n > 0 && KINDS.contains(&kind)).then_some((n, kind))
        })
        .collect()
}

#[test]
fn configurations_agree_with_the_pages_that_state_them() {
    for (slug, want, page, says) in STATED {
        let c =
            by_name(&format!("{PREFIX}{slug}")).unwrap_or_else(|| panic!("{slug} not in CATALOG"));
        assert_eq!(c.drivers, *want, "{} per {page} (\"{says}\")", c.model);
    }
    for (slug, kind, page, says) in KIND_STATED {
        let c =
            by_name(&format!("{PREFIX}{slug}")).unwrap_or_else(|| panic!("{slug} not in CATALOG"));
        let p = parts(c.drivers).unwrap();
        assert!(
            p.iter().all(|(_, k)| k == kind),
            "{}: all {kind} per {page} (\"{says}\")",
            c.model
        );
    }
}

#[test]
fn every_configuration_parses_and_matches_its_class_folder() {
    for c in CATALOG {
        let p = parts(c.drivers)
            .unwrap_or_else(|| panic!("{}: unreadable drivers {:?}", c.model, c.drivers));
        let mut kinds: Vec<&str> = p.iter().map(|(_, k)| *k).collect();
        kinds.sort_unstable();
        kinds.dedup();
        let (folder, ok) = match c.class {
            IemClass::Ba => ("/iem/ba/", kinds == ["BA"]),
            IemClass::Dd => ("/iem/dd/", kinds == ["DD"]),
            IemClass::Planar => ("/iem/planar/", kinds == ["planar magnetic"]),
            IemClass::Hybrid => ("/iem/hybrid/", kinds.len() >= 2),
        };
        assert!(
            ok,
            "{}: {:?} does not fit class {}",
            c.model,
            c.drivers,
            c.class.label()
        );
        assert!(
            c.path.contains(folder),
            "{}: {} not under {folder}",
            c.model,
            c.path
        );
    }
}

#[test]
fn the_parser_refuses_what_is_not_a_configuration() {
    assert_eq!(parts("1 DD + 4 BA"), Some(vec![(1, "DD"), (4, "BA")]));
    assert_eq!(parts("12 BA (m15 Apex module)"), Some(vec![(12, "BA")]));
    assert_eq!(
        parts("2 DD + 1 BA + 2 EST"),
        Some(vec![(2, "DD"), (1, "BA"), (2, "EST")])
    );
    assert_eq!(parts("hybrid: 1 DD"), None);
    assert_eq!(parts("0 BA"), None);
    assert_eq!(parts("1 ribbon"), None);
}

/// The shipped fits (`<model> ParametricEQ.txt` beside each CSV) are data: the profiles use them
/// as written, whatever the fitter makes today, so a fitter change does not move a built-in
/// profile. A refit from the CSV fits at least as well (within 0.005 dB RMS, another platform's
/// last bits): the fitter may only have improved since they were written. Regenerate with
/// `cargo run --release --example fit_iems`.
#[test]
fn shipped_fits_are_what_the_profiles_use_and_a_refit_is_as_good() {
    for iem in CATALOG {
        let shipped =
            shipped_filters(iem).unwrap_or_else(|| panic!("{}: no shipped fit", iem.slug));
        let got = profile(iem).unwrap();
        assert_eq!(got.profile.filters, shipped, "{}", iem.slug);
        let refit = fit_profile(iem).unwrap();
        assert!(
            refit.error.rms_db <= got.error.rms_db + 0.005,
            "{}: refit {:?}, shipped {:?}",
            iem.slug,
            refit.error,
            got.error
        );
    }
}

/// RMS error over 20 Hz-10 kHz, mean offset removed, of `filters` against `dev` on the standard
/// grid, by the independent cookbook reference (not the fitter's own error).
fn reference_rms(filters: &[FilterSpec], freqs: &[f64], dev: &[f64]) -> f64 {
    use crate::dsp::rbj_reference as rbj;
    let err: Vec<f64> = freqs
        .iter()
        .zip(dev)
        .filter(|(f, _)| (20.0..=10_000.0).contains(*f))
        .map(|(&f, d)| {
            let m: f64 = filters
                .iter()
                .map(|s| rbj::magnitude_db(s.kind.short(), s.fc_hz, s.gain_db, s.q, 48_000.0, f))
                .sum();
            m - d
        })
        .collect();
    let mean = err.iter().sum::<f64>() / err.len() as f64;
    (err.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / err.len() as f64).sqrt()
}

/// A hundredth of a dB at one point (387 Hz) of the Moondrop Aria's measurement doubled the fit's
/// error (0.07 to 0.13 dB RMS) and left a filter of +0.02 dB doing nothing while the bass went
/// unfitted: greedy placement stopped in another local minimum. Both now fit within 0.08 dB, and
/// every filter does something (|gain| >= 0.1 dB), by the independent cookbook reference.
#[test]
fn a_hundredth_of_a_db_at_one_point_does_not_spoil_the_aria_fit() {
    let aria = CATALOG.iter().find(|c| c.slug == "moondrop-aria").unwrap();
    let (freqs, dev) = measured_deviation(aria).unwrap();
    let mut nudged = dev.clone();
    // The CSV's 299th point (line 300 with the header), 20·1.01^298 Hz.
    nudged[298] += 0.01;
    for (what, curve) in [("as measured", &dev), ("+0.01 dB at 387 Hz", &nudged)] {
        let got = fit::fit(&freqs, curve, &FitConfig::default());
        let rms = reference_rms(&got.filters, &freqs, curve);
        assert!(rms <= 0.08, "{what}: {rms:.3} dB RMS, {:?}", got.filters);
        for f in &got.filters {
            assert!(f.gain_db.abs() >= 0.1, "{what}: {f:?} does nothing");
        }
    }
}

#[test]
fn every_embedded_csv_parses_on_the_standard_grid_and_slugs_are_unique() {
    let grid = deviation::standard_grid();
    for c in CATALOG {
        let m = parse_embedded(c.csv, c.path).unwrap();
        assert_eq!(m.freqs_hz.len(), grid.len(), "{}", c.path);
        for (a, b) in m.freqs_hz.iter().zip(&grid) {
            assert!((a - b).abs() < 0.006, "{}: {a} vs {b}", c.path);
        }
        let want: String = c
            .model
            .to_ascii_lowercase()
            .split(|ch: char| !ch.is_ascii_alphanumeric())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        assert_eq!(c.slug, want, "slug of {}", c.model);
    }
    let mut slugs: Vec<&str> = CATALOG.iter().map(|c| c.slug).collect();
    slugs.sort_unstable();
    slugs.dedup();
    assert_eq!(slugs.len(), CATALOG.len());
}
