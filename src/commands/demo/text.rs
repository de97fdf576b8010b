//! What each demo says and plays. Pure: no files, no printing.
//!
//! Every measured fact quoted here comes from the IEM measurements bundled in
//! `samples/measurements/` (AutoEq, MIT; see its README): each curve normalised to 0 dB over
//! 0.5–2 kHz, minus the Harman in-ear 2019 v2 target normalised the same way, averaged over a band
//! on AutoEq's log grid; class figures are mean ± standard deviation across the IEMs of the class
//! (n = 3 BA, 6 DD, 4 hybrid). `tests/profiles_vs_measurements.rs` recomputes the profiles from the
//! same files. Figures about a profile's filters are computed here from the profile itself, so
//! they cannot drift from `src/dsp/builtin.rs`.

use super::material::{Sample, Source};
use super::numbers::{Band, Measure};
use super::{DemoKind, DemoPart};
use crate::dsp::generate::Kind;
use crate::dsp::{builtin, response, Profile};

/// The rate the closed-form figures in the text are computed at (the material's).
const RATE: f64 = super::material::RATE as f64;

/// The six bands of the class-mean table (Hz).
pub const BANDS: [(f64, f64); 6] = [
    (20.0, 60.0),
    (60.0, 250.0),
    (250.0, 2000.0),
    (2000.0, 5000.0),
    (5000.0, 9000.0),
    (9000.0, 16_000.0),
];

/// Class means (mean, SD) per band of [`BANDS`], deviation from Harman IE 2019 v2 (dB).
pub const BA_MEANS: [(f64, f64); 6] = [
    (-5.0, 4.5),
    (1.0, 4.2),
    (1.0, 1.8),
    (-3.9, 2.8),
    (-0.8, 4.1),
    (1.9, 2.4),
];
pub const DD_MEANS: [(f64, f64); 6] = [
    (-3.7, 3.4),
    (2.2, 1.6),
    (1.1, 0.6),
    (-1.5, 2.6),
    (0.1, 3.3),
    (0.7, 5.9),
];
pub const HYBRID_MEANS: [(f64, f64); 6] = [
    (0.1, 1.9),
    (3.7, 1.4),
    (0.9, 0.6),
    (-2.2, 2.1),
    (0.9, 2.2),
    (2.7, 3.3),
];

/// The reference band every measurement is normalised to.
const MIDRANGE: Band = Band::Range(500.0, 2000.0);

pub fn title(kind: DemoKind) -> &'static str {
    match kind {
        DemoKind::Sibilance => "Sibilance: the hiss in s, sh and t",
        DemoKind::Bass => "Bass roll-off: where the lowest octave goes",
        DemoKind::Signatures => "Driver signatures: neutral, BA, DD, V-shaped hybrid",
    }
}

/// The explanation shown before the first part.
pub fn intro(kind: DemoKind) -> String {
    match kind {
        DemoKind::Sibilance => sibilance_intro(),
        DemoKind::Bass => bass_intro(),
        DemoKind::Signatures => signatures_intro(),
    }
}

/// The parts of a demo, in playing order.
pub fn parts(kind: DemoKind) -> Vec<DemoPart> {
    let parts = match kind {
        DemoKind::Sibilance => sibilance_parts(),
        DemoKind::Bass => bass_parts(),
        DemoKind::Signatures => signature_parts(),
    };
    parts
        .into_iter()
        .enumerate()
        .map(|(i, (title, text, source, a, b, measures))| DemoPart {
            slug: format!("{:02}-{}", i + 1, slugify(&title)),
            title,
            text,
            source,
            a: a.to_string(),
            b: b.to_string(),
            measures,
        })
        .collect()
}

type PartSpec = (
    String,
    String,
    Source,
    &'static str,
    &'static str,
    Vec<Measure>,
);

fn slugify(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// A built-in profile by name (the names used here are constants; a test checks them all).
fn profile(name: &str) -> Profile {
    builtin::profiles()
        .into_iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("demo text names an unknown built-in profile '{name}'"))
}

/// (dB, Hz) of the largest response of `p` between `lo` and `hi` Hz.
fn peak(p: &Profile, lo: f64, hi: f64) -> (f64, f64) {
    let f = response::log_grid(lo, hi, 400);
    let db = p.response_db(&f, RATE);
    f.into_iter()
        .zip(db)
        .map(|(f, d)| (d, f))
        .fold(
            (f64::NEG_INFINITY, 0.0),
            |m, x| if x.0 > m.0 { x } else { m },
        )
}

/// Response of `p` at `f` relative to 1 kHz (dB).
fn re_1k(p: &Profile, f: f64) -> f64 {
    let db = p.response_db(&[f, 1000.0], RATE);
    db[0] - db[1]
}

/// "Profile name: description (source)" for the profiles of a part.
fn about(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| {
            let p = profile(n);
            format!("{}: {}. Source: {}", p.name, p.description, p.source)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

const DATA: &str = "The measured figures come from the IEM measurements bundled in samples/measurements \
(AutoEq, MIT): 3 balanced-armature (BA), 6 dynamic-driver (DD) and 4 hybrid IEMs on 711-type ear \
simulators, each normalised to 0 dB over 0.5-2 kHz and given as the deviation from the Harman in-ear \
2019 v2 target (the tuning listeners preferred on average in Harman's blind tests). Three BA IEMs is a \
tiny sample: read a class mean as \"these IEMs\", not \"all BAs\".";

// ---------------------------------------------------------------------------------------------
// Sibilance

fn sibilance_intro() -> String {
    format!(
        "Sibilance is the hiss of \"s\", \"sh\", \"z\" and \"t\" turned sharp. Those consonants are \
noise: an \"s\" spreads over roughly 4-10 kHz and peaks around 5-9 kHz (\"sh\" sits lower, 2-6 kHz); \
hi-hats and cymbals live there too. A tuning with a peak in that region, especially a narrow one at 6-9 kHz, \
makes them stab: the \"s\" whistles, cymbals splash. It is also the region where the ear canal's own \
resonances and how deep the IEM sits move peaks around by several dB, so one IEM can be sibilant in one \
pair of ears and fine in another.

Why BA IEMs get the blame: a balanced armature is a tiny, light, stiff driver with pronounced resonance \
peaks of its own, which designers tame with acoustic dampers, tubes and crossovers. When the taming leaves a \
narrow peak at 6-9 kHz, sibilants jump out - and \"BA = sibilant\" became folklore.

What the measurements show: in the 5-9 kHz band the BA mean is -0.8 ± 4.1 dB and the DD mean +0.1 ± 3.3 \
dB. The class means are within 1 dB of each other (the DD mean is even a little higher), while single \
IEMs within each class differ by up to 10 dB. Per IEM: BGVP DM6 (BA) +4.2, Campfire Audio Andromeda (BA) \
-1.1, Etymotic ER4SR (BA) -5.6; Moondrop SSR (DD) +4.3, Moondrop SSP (DD) +2.3, KBEAR Believe (DD) +2.1, \
Tin HiFi T2 (DD) -1.1, Moondrop Aria (DD) -2.7, Shure SE215 (DD) -4.1. The two brightest IEMs in this \
band are a DD and a BA, and the darkest is a BA. Sibilance follows the individual tuning (a narrow 6-9 kHz peak), the insertion \
depth and your ears far more than the driver type.

The sibilance profile is the mean of the three IEMs with the largest 5-9 kHz excess - Moondrop SSR, BGVP \
DM6 and Moondrop SSP, two of them DDs - kept between 3 and 12 kHz (its one-line description says \
\"BA-style\" after the folklore). {DATA}

The numbers: for each rendered file, the energy in 5-9 kHz relative to 0.5-2 kHz (Welch power spectrum \
of the whole file). \"change\" is that minus the same on the unprocessed material, i.e. what the profile \
did to this material; \"filters\" is the profile's own response averaged (in dB) over 5-9 kHz minus over \
0.5-2 kHz. The material is speech and music, whose energy is not spread evenly over the band, so \
\"change\" and \"filters\" agree only roughly."
    )
}

fn sibilance_material() -> Source {
    Source::Concat(vec![
        Source::whole(Sample::Speech),
        Source::Excerpt {
            sample: Sample::Music,
            start_s: 8.0,
            end_s: 16.0,
        },
    ])
}

fn sibilance_parts() -> Vec<PartSpec> {
    let measures = vec![Measure::new(Band::Range(5000.0, 9000.0), MIDRANGE)];
    let sib = profile("sibilance");
    let (sib_db, sib_hz) = peak(&sib, 3000.0, 12_000.0);
    let (ba_db, ba_hz) = peak(&profile("ba"), 5000.0, 12_000.0);
    let (dd_db, dd_hz) = peak(&profile("dd"), 5000.0, 12_000.0);
    vec![
        (
            "neutral vs sibilance".to_string(),
            format!(
                "A is neutral, B the sibilance profile: a peak of {sib_db:+.1} dB at {:.1} kHz (its filters' \
response). Listen to the \"s\" in \"she sells\", \"sisters\" and \"sipped\", and the \"t\" in \"sixty\": on B \
the hiss gets sharper and more metallic. Then the hi-hats and the crash cymbal: on B they splash. Flip \
often; the two sides are matched in loudness, so louder does not win. If B does not bother you, your \
ears may simply not have a resonance at that spot - sibilance is personal.\n\n{}",
                sib_hz / 1000.0,
                about(&["neutral", "sibilance"])
            ),
            sibilance_material(),
            "neutral",
            "sibilance",
            measures.clone(),
        ),
        (
            "ba vs dd".to_string(),
            format!(
                "A is the BA class mean, B the DD class mean. Both have a narrow treble peak (BA {ba_db:+.1} dB \
at {:.1} kHz, DD {dd_db:+.1} dB at {:.1} kHz) over a dip at 2-5 kHz (class means -3.9 and -1.5 dB) \
that makes the treble stand out against the presence region. Which one is more sibilant? The table \
below shows how little the 5-9 kHz energy differs, as the measured class means do (BA -0.8, DD +0.1 dB \
against Harman). If you hear more hiss on one side, ask whether it is the peak you hear or the missing \
3 kHz around it.\n\n{}",
                ba_hz / 1000.0,
                dd_hz / 1000.0,
                about(&["ba", "dd"])
            ),
            sibilance_material(),
            "ba",
            "dd",
            measures,
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// Bass

/// Raw ER4SR and Harman levels at 30/50/100 Hz relative to 1 kHz (dB), from the bundled CSVs
/// (nearest grid point, each curve normalised over 0.5-2 kHz first).
const ER4SR_RAW_RE_1K: [f64; 3] = [-3.8, -3.2, -2.8];
const HARMAN_RE_1K: [f64; 3] = [7.7, 6.7, 2.8];

fn bass_intro() -> String {
    format!(
        "Bass roll-off is the lowest octave - 20-60 Hz: the thump of a kick drum, the bottom of a bass \
guitar or synth, organ pedals - fading away compared with the rest.

How an IEM makes bass: in a sealed ear canal the driver does not push air out into a room; it squeezes \
a closed volume of about a cubic centimetre. At low frequencies that volume acts like a spring, so \
the pressure follows how much air the diaphragm displaces, and that stays about the same down to the \
lowest notes - as long as the seal holds.

Why BA drivers are said to struggle: a balanced armature moves a diaphragm a few millimetres across \
by a very small distance, through a pin from a tiny pivoting armature; a dynamic driver's diaphragm \
(6-10 mm across or more) has several times the area and moves further. A single small BA has little \
air displacement to spare in the deep bass, and some single-BA designs are tuned lean on purpose. \
Multi-BA IEMs use dedicated, larger bass BAs, sometimes vented, and in these measurements come close to \
the DDs (Andromeda -2.8 and DM6 -1.0 dB at 20-60 Hz, against a DD mean of -3.7).

The seal and the vent: a leak around the ear tip lets the pressure escape at low frequencies. That is \
a high-pass that costs any IEM, BA or DD, its deepest bass - it can cost more than any difference \
shown here; try a bigger tip before blaming the driver. Many DD IEMs have a small vent: a deliberate, controlled \
leak that relieves the pressure on insertion (\"driver flex\") and lets the designer set the bass.

What the measurements show (20-60 Hz, deviation from Harman IE 2019 v2): BA mean -5.0 ± 4.5 dB, DD -3.7 \
± 3.4, hybrids +0.1 ± 1.9. Per IEM: the Etymotic ER4SR (one BA, deep insertion) -11.3 dB, the classic \
roll-off case; the Campfire Audio Andromeda (five BAs) -2.8; the BGVP DM6 -1.0; the six DDs range from \
-8.2 (Tin HiFi T2) to +0.5 (Shure SE215). So single-BA roll-off is real, but driver type is not destiny. \
And a caveat on the ER4SR: on the coupler it is nearly flat in the bass ({:+.1}, {:+.1} and {:+.1} dB at \
30, 50 and 100 Hz relative to 1 kHz); what it lacks is the Harman target's bass shelf ({:+.1}, {:+.1}, \
{:+.1} dB). Etymotic tunes to the older diffuse-field target on purpose, so its \"roll-off\" against \
Harman is as much a tuning choice as a driver limit. {DATA}

The bass-rolloff profile is the ER4SR's deviation from Harman below 1 kHz. It is a shelf; a real leak \
looks different (a high-pass whose loss keeps growing towards 20 Hz).

The numbers: the level at 30, 50 and 100 Hz relative to 1 kHz (a third of an octave around each, at \
least ±11 Hz wide, from the Welch power spectrum of the whole rendered file). The material has energy at \
all four: bass notes at exactly 30-120 Hz, a lead line near 1 kHz, and pink noise at the end. \"change\" \
is that level minus the same on the unprocessed material: the profile's response relative to 1 kHz, \
measured on the audio. \"filters\" is the closed-form response of the profile's filters at those \
frequencies relative to 1 kHz; the two agree within about half a dB.",
        ER4SR_RAW_RE_1K[0],
        ER4SR_RAW_RE_1K[1],
        ER4SR_RAW_RE_1K[2],
        HARMAN_RE_1K[0],
        HARMAN_RE_1K[1],
        HARMAN_RE_1K[2],
    )
}

fn bass_material() -> Source {
    Source::Concat(vec![
        Source::Generated {
            kind: Kind::BassNotes,
            seconds: 7.0,
        },
        Source::Excerpt {
            sample: Sample::Music,
            start_s: 0.0,
            end_s: 8.0,
        },
        Source::Generated {
            kind: Kind::Pink,
            seconds: 4.0,
        },
    ])
}

fn bass_parts() -> Vec<PartSpec> {
    let measures: Vec<Measure> = [30.0, 50.0, 100.0]
        .iter()
        .map(|&f| Measure::new(Band::Around(f), Band::Around(1000.0)))
        .collect();
    let roll = profile("bass-rolloff");
    let ba = profile("ba");
    let dd = profile("dd");
    let vh = profile("v-hybrid");
    vec![
        (
            "neutral vs bass-rolloff".to_string(),
            format!(
                "A is neutral, B bass-rolloff: the ER4SR's deficit against Harman, {:+.1} dB at 30 Hz, {:+.1} at \
50 Hz and {:+.1} at 100 Hz relative to 1 kHz (its filters' response). First come single notes at 30, 40, \
50, 60, 80, 100 and 120 Hz over a kick drum, then the groove, then pink noise. On B the 30-50 Hz notes \
almost vanish and the kick loses its thump but keeps its click; by 100-120 Hz the sides draw closer. On \
the noise, B sounds thinner and hissier although nothing above 1 kHz changed. (Small headphones or \
laptop speakers may not play 30 Hz at all; then the first notes sound alike on A and B.)\n\n{}",
                re_1k(&roll, 30.0),
                re_1k(&roll, 50.0),
                re_1k(&roll, 100.0),
                about(&["neutral", "bass-rolloff"])
            ),
            bass_material(),
            "neutral",
            "bass-rolloff",
            measures.clone(),
        ),
        (
            "ba vs dd".to_string(),
            format!(
                "A is the BA class mean, B the DD class mean. Both are below Harman in the sub-bass (class means \
-5.0 and -3.7 dB at 20-60 Hz; the filters give {:+.1} and {:+.1} dB at 30 Hz relative to 1 kHz), and the \
DD is fuller around 200 Hz. The difference between the two is smaller than the spread within each \
class (±4.5 and ±3.4 dB): the ER4SR alone pulls the BA mean down.\n\n{}",
                re_1k(&ba, 30.0),
                re_1k(&dd, 30.0),
                about(&["ba", "dd"])
            ),
            bass_material(),
            "ba",
            "dd",
            measures.clone(),
        ),
        (
            "ba vs v-hybrid".to_string(),
            format!(
                "A is the BA class mean, B the V-shaped hybrid mean (a dynamic woofer for the bass, BAs for the \
treble): +0.1 ± 1.9 dB at 20-60 Hz and +3.7 ± 1.4 dB at 60-250 Hz against Harman (filters: {:+.1} dB at \
30 Hz and {:+.1} dB at 100 Hz relative to 1 kHz). This is the contrast people usually mean by \"BAs lack \
bass\": a bass-rich hybrid against a lean BA, rather than BA against DD as such.\n\n{}",
                re_1k(&vh, 30.0),
                re_1k(&vh, 100.0),
                about(&["ba", "v-hybrid"])
            ),
            bass_material(),
            "ba",
            "v-hybrid",
            measures,
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// Signatures

/// The class-mean table (Markdown), one row per class.
pub fn class_table() -> String {
    let mut head = vec!["class".to_string()];
    head.extend(BANDS.iter().map(|&(lo, hi)| Band::Range(lo, hi).label()));
    let row = |name: &str, m: &[(f64, f64); 6]| {
        let mut r = vec![name.to_string()];
        r.extend(m.iter().map(|(mu, sd)| format!("{mu:+.1} ± {sd:.1}")));
        r
    };
    super::report::markdown_table(&[
        head,
        row("BA (n=3)", &BA_MEANS),
        row("DD (n=6)", &DD_MEANS),
        row("hybrid (n=4)", &HYBRID_MEANS),
    ])
}

fn signatures_intro() -> String {
    format!(
        "Four classic tunings, each a deviation from the Harman in-ear 2019 v2 target, fitted to the class \
means of the bundled measurements. Class means in dB (mean ± SD across the IEMs of the class):

{}
The ± is often as large as the mean: a class \"signature\" describes these few IEMs, not every BA or DD. \
Listen on headphones or IEMs close to neutral, and let the loudness matching do its work: a side that is \
1 dB louder tends to sound better. {DATA}

The numbers: for each band, the energy relative to 0.5-2 kHz of the rendered files (Welch power \
spectrum). \"change\" subtracts the same on the unprocessed material (what the profile did to this \
music); \"filters\" is the profile's own response averaged in dB over the band minus over 0.5-2 kHz, \
comparable with the class means above.",
        class_table()
    )
}

fn signatures_material() -> Source {
    Source::Concat(vec![
        Source::Excerpt {
            sample: Sample::Music,
            start_s: 0.0,
            end_s: 16.0,
        },
        Source::Excerpt {
            sample: Sample::Speech,
            start_s: 0.0,
            end_s: 7.0,
        },
    ])
}

fn signature_parts() -> Vec<PartSpec> {
    let measures: Vec<Measure> = BANDS
        .iter()
        .map(|&(lo, hi)| Measure::new(Band::Range(lo, hi), MIDRANGE))
        .collect();
    let df = profile("diffuse-field");
    let harman_30 = HARMAN_RE_1K[0];
    let m = |means: &[(f64, f64); 6], i: usize| format!("{:+.1} ± {:.1}", means[i].0, means[i].1);
    vec![
        (
            "neutral (and diffuse-field)".to_string(),
            format!(
                "Neutral here means the Harman in-ear 2019 v2 target: the response listeners preferred on \
average in Harman's blind tests, with a bass shelf ({harman_30:+.1} dB at 30 Hz relative to 1 kHz) and the ear's \
natural gain around 3 kHz. A plays it unchanged, so what you hear is your own headphones. B plays the \
older diffuse-field target for contrast ({:+.1} dB at 30 Hz relative to 1 kHz against Harman): much less \
bass, more upper treble. \"Neutral\" is itself a choice; Etymotic, for one, tunes to diffuse field.\n\n{}",
                re_1k(&df, 30.0),
                about(&["neutral", "diffuse-field"])
            ),
            signatures_material(),
            "neutral",
            "diffuse-field",
            measures.clone(),
        ),
        (
            "balanced armature (BA)".to_string(),
            format!(
                "The BA class mean (Etymotic ER4SR, Campfire Audio Andromeda 2020, BGVP DM6): sub-bass {}, \
presence (2-5 kHz) {}, a narrow peak near 8.5 kHz. Expect a leaner bottom and voices a step back (the \
2-5 kHz dip). The ± is large: the ER4SR is lean (-11.3 dB at 20-60 Hz) where the Andromeda \
and the DM6 are close to Harman (-2.8 and -1.0 dB), and the DM6 is the brightest of the three at 5-9 \
kHz (+4.2 against -5.6 for the ER4SR).\n\n{}",
                m(&BA_MEANS, 0),
                m(&BA_MEANS, 3),
                about(&["neutral", "ba"])
            ),
            signatures_material(),
            "neutral",
            "ba",
            measures.clone(),
        ),
        (
            "dynamic driver (DD)".to_string(),
            format!(
                "The DD class mean (Moondrop SSR, SSP and Aria, KBEAR Believe, Tin HiFi T2, Shure SE215): \
sub-bass {}, upper bass {} (the fuller 200 Hz), presence {}, 5-9 kHz {}, with a narrow treble peak near \
8 kHz. Closer to neutral than the BA mean in the presence region. Compare with the previous part by ear: \
the difference between the two class means is subtle, smaller than the differences between IEMs inside \
either class.\n\n{}",
                m(&DD_MEANS, 0),
                m(&DD_MEANS, 1),
                m(&DD_MEANS, 3),
                m(&DD_MEANS, 4),
                about(&["neutral", "dd"])
            ),
            signatures_material(),
            "neutral",
            "dd",
            measures.clone(),
        ),
        (
            "V-shaped hybrid".to_string(),
            format!(
                "The hybrid class mean (Sony IER-Z1R, KZ ZSN Pro, KZ ZS10 Pro, BQEYZ Spring 2): a dynamic woofer \
keeps the sub-bass at Harman level ({}) and adds {} at 60-250 Hz; 2-5 kHz is scooped ({}) and the \
treble lifted ({} at 5-9 kHz, {} at 9-16 kHz). The V: bigger bass, brighter treble, voices set back. It \
is the most consistent class here (the smallest ±); the V is a tuning choice, as hybrids can be tuned \
any way.\n\n{}",
                m(&HYBRID_MEANS, 0),
                m(&HYBRID_MEANS, 1),
                m(&HYBRID_MEANS, 3),
                m(&HYBRID_MEANS, 4),
                m(&HYBRID_MEANS, 5),
                about(&["neutral", "v-hybrid"])
            ),
            signatures_material(),
            "neutral",
            "v-hybrid",
            measures,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
