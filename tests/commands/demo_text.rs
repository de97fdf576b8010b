//! `src/commands/demo/text.rs`'s functions (the command layer is not in the unit-test build: see `src/lib.rs`).

use iemsim::cli::DemoKind;
use iemsim::commands::demo::numbers::Band;
use iemsim::commands::demo::text::*;
use iemsim::dsp::builtin;

#[test]
fn every_part_names_built_in_profiles_and_unique_slugs() {
    for kind in [DemoKind::Sibilance, DemoKind::Bass, DemoKind::Signatures] {
        let ps = parts(kind);
        assert!(!ps.is_empty());
        assert!(!intro(kind).is_empty() && !title(kind).is_empty());
        let mut slugs: Vec<&str> = ps.iter().map(|p| p.slug.as_str()).collect();
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), ps.len(), "{kind:?}");
        for p in &ps {
            assert!(builtin::NAMES.contains(&p.a.as_str()), "{}", p.a);
            assert!(builtin::NAMES.contains(&p.b.as_str()), "{}", p.b);
            assert!(!p.measures.is_empty() && !p.text.is_empty());
            assert!(p
                .slug
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-'));
        }
    }
    assert_eq!(
        parts(DemoKind::Sibilance)[0].slug,
        "01-neutral-vs-sibilance"
    );
}

#[test]
fn the_sibilance_and_bass_demos_compare_what_the_issue_asks() {
    let pairs = |k| parts(k).into_iter().map(|p| (p.a, p.b)).collect::<Vec<_>>();
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        pairs(DemoKind::Sibilance),
        [s("neutral", "sibilance"), s("ba", "dd")]
    );
    assert_eq!(
        pairs(DemoKind::Bass),
        [
            s("neutral", "bass-rolloff"),
            s("ba", "dd"),
            s("ba", "v-hybrid")
        ]
    );
}

/// The class-mean constants quoted in the text are the ones the profiles were fitted to: the
/// profile's mean response over each band stays within the class SD of the class mean.
#[test]
fn class_means_are_consistent_with_the_profiles() {
    for (name, means) in [
        ("ba", BA_MEANS),
        ("dd", DD_MEANS),
        ("v-hybrid", HYBRID_MEANS),
    ] {
        let p = profile(name);
        let mid = MIDRANGE.response_db(&p, RATE);
        for (&(lo, hi), &(mu, sd)) in BANDS.iter().zip(&means) {
            let got = Band::Range(lo, hi).response_db(&p, RATE) - mid;
            assert!(
                (got - mu).abs() <= sd.max(1.0),
                "{name} {lo}-{hi}: profile {got:.1} vs class {mu} ± {sd}"
            );
        }
    }
}

#[test]
fn slugs() {
    assert_eq!(
        slugify("neutral (and diffuse-field)"),
        "neutral-and-diffuse-field"
    );
    assert_eq!(slugify("balanced armature (BA)"), "balanced-armature-ba");
}
