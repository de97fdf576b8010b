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

/// The shipped fits (`<model> ParametricEQ.txt` beside each CSV) are what the fitter makes from
/// the CSVs today: same filters (to the printed precision, one rounding step of slack for another
/// platform's last bits) and the same error, and they are what the profiles use. Regenerate with
/// `cargo run --release --example fit_iems`.
#[test]
fn shipped_fits_agree_with_a_refit_from_the_csvs() {
    for iem in CATALOG {
        let shipped =
            shipped_filters(iem).unwrap_or_else(|| panic!("{}: no shipped fit", iem.slug));
        assert_eq!(
            profile(iem).unwrap().profile.filters,
            shipped,
            "{}",
            iem.slug
        );
        let refit = fit_profile(iem).unwrap();
        let got = profile(iem).unwrap();
        let (a, b) = (&refit.profile.filters, &got.profile.filters);
        assert_eq!(a.len(), b.len(), "{}", iem.slug);
        for (x, y) in a.iter().zip(b) {
            assert_eq!(x.kind, y.kind, "{}", iem.slug);
            assert!(
                (x.fc_hz - y.fc_hz).abs() <= 1.0,
                "{}: {x:?} vs {y:?}",
                iem.slug
            );
            assert!(
                (x.gain_db - y.gain_db).abs() <= 0.011,
                "{}: {x:?} vs {y:?}",
                iem.slug
            );
            assert!((x.q - y.q).abs() <= 0.0011, "{}: {x:?} vs {y:?}", iem.slug);
        }
        assert!(
            (refit.error.rms_db - got.error.rms_db).abs() < 0.005,
            "{}",
            iem.slug
        );
        assert_eq!(refit.profile.source, got.profile.source, "{}", iem.slug);
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
