//! The signatures tour: neutral (and diffuse-field), BA, DD, V-shaped hybrid.

use super::{
    about, band_re_mid, peak_text, profile, re_1k, Band, Measure, PartSpec, Sample, Source,
};
use super::{BANDS, BA_MEANS, DD_MEANS, HYBRID_MEANS};
use super::{DATA, MIDRANGE};

/// The class-mean table (Markdown), one row per class.
pub fn class_table() -> String {
    let mut head = vec!["class".to_string()];
    head.extend(BANDS.iter().map(|&(lo, hi)| Band::Range(lo, hi).label()));
    let row = |name: &str, m: &[(f64, f64); 6]| {
        let mut r = vec![name.to_string()];
        r.extend(m.iter().map(|(mu, sd)| format!("{mu:+.1} ± {sd:.1}")));
        r
    };
    crate::ui::fmt::markdown_table(&[
        head,
        row("BA (n=10)", &BA_MEANS),
        row("DD (n=10)", &DD_MEANS),
        row("hybrid (n=10)", &HYBRID_MEANS),
    ])
}

pub(super) fn intro() -> String {
    format!(
        "Four classic tunings, each a deviation from the Harman in-ear 2019 v2 target, fitted to the class \
means of the bundled measurements. Class means in dB (mean ± SD across the IEMs of the class):

{}
The ± is often as large as the mean: a class \"signature\" describes these ten IEMs each, not every BA or DD. \
Listen on headphones or IEMs close to neutral, and let the loudness matching do its work: a side that is \
1 dB louder tends to sound better. {DATA}

The numbers: for each band, the energy relative to 0.5-2 kHz of the rendered files (Welch power \
spectrum). \"change\" subtracts the same on the unprocessed material (what the profile did to this \
music); \"filters\" is the profile's own response averaged in dB over the band minus over 0.5-2 kHz, \
comparable with the class means above: {}",
        class_table(),
        filters_vs_means()
    )
}

/// How far a class profile's "filters" figure may be from its class mean for the text to call
/// the band followed (dB).
const FOLLOWED_DB: f64 = 0.5;

/// The bands of [`BANDS`] the class profiles (BA, DD, hybrid) do not follow: (band index, their
/// "filters" figures).
pub fn unfollowed_bands() -> Vec<(usize, [f64; 3])> {
    let profiles = [profile("ba"), profile("dd"), profile("v-hybrid")];
    let means = [BA_MEANS, DD_MEANS, HYBRID_MEANS];
    let mut off = Vec::new();
    for (i, &(lo, hi)) in BANDS.iter().enumerate() {
        let got = [0, 1, 2].map(|k| band_re_mid(&profiles[k], lo, hi));
        if (0..3).any(|k| (got[k] - means[k][i].0).abs() > FOLLOWED_DB) {
            off.push((i, got));
        }
    }
    off
}

/// What the intro says about the class profiles against the class means, from the profiles: how
/// close they are in the bands they follow, and the figures where they do not. It said
/// "comparable" for every band, while at 9-16 kHz the profiles sit 1-2 dB below the means.
fn filters_vs_means() -> String {
    let profiles = [profile("ba"), profile("dd"), profile("v-hybrid")];
    let means = [BA_MEANS, DD_MEANS, HYBRID_MEANS];
    let off = unfollowed_bands();
    let mut closest = 0f64;
    for (i, &(lo, hi)) in BANDS.iter().enumerate() {
        if off.iter().all(|o| o.0 != i) {
            for k in 0..3 {
                closest = closest.max((band_re_mid(&profiles[k], lo, hi) - means[k][i].0).abs());
            }
        }
    }
    if off.is_empty() {
        return format!(
            "the three class profiles are within {closest:.1} dB of them in every band."
        );
    }
    let label = |i: usize| Band::Range(BANDS[i].0, BANDS[i].1).label();
    let labels: Vec<String> = off.iter().map(|o| label(o.0)).collect();
    let details: Vec<String> = off
        .iter()
        .map(|(i, got)| {
            format!(
                "at {} the BA, DD and hybrid profiles give {:+.1}, {:+.1} and {:+.1} dB against class \
means of {:+.1}, {:+.1} and {:+.1}",
                label(*i),
                got[0],
                got[1],
                got[2],
                means[0][*i].0,
                means[1][*i].0,
                means[2][*i].0
            )
        })
        .collect();
    format!(
        "the three class profiles are within {closest:.1} dB of them in every band but {}. They do \
not follow the class means there: {}. The fits judge the error at full weight only up to 10 kHz, at a \
tenth of it from 10 to 14 kHz, and place no boost above 14 kHz, where coupler measurements and ears \
differ by several dB; so the profiles leave the class means' upper treble out.",
        labels.join(" and "),
        details.join("; ")
    )
}

fn material() -> Source {
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

pub(super) fn parts() -> Vec<PartSpec> {
    let measures: Vec<Measure> = BANDS
        .iter()
        .map(|&(lo, hi)| Measure::new(Band::Range(lo, hi), MIDRANGE))
        .collect();
    let df = profile("diffuse-field");
    let vh = profile("v-hybrid");
    let harman_30 = super::bass::HARMAN_RE_1K[0];
    let m = |means: &[(f64, f64); 6], i: usize| format!("{:+.1} ± {:.1}", means[i].0, means[i].1);
    vec![
        (
            "neutral (and diffuse-field)".to_string(),
            format!(
                "Neutral here means the Harman in-ear 2019 v2 target: the response listeners preferred on \
average in Harman's blind tests, with a bass shelf ({harman_30:+.1} dB at 30 Hz relative to 1 kHz) and the ear's \
natural gain around 3 kHz. A plays it unchanged, so what you hear is your own headphones. B plays the \
older diffuse-field target for contrast (its profile: {:+.1} dB at 30 Hz relative to 1 kHz against Harman): much less \
bass, more upper treble. \"Neutral\" is itself a choice; Etymotic, for one, tunes to diffuse field.\n\n{}",
                re_1k(&df, 30.0),
                about(&["neutral", "diffuse-field"])
            ),
            material(),
            "neutral",
            "diffuse-field",
            measures.clone(),
        ),
        (
            "balanced armature (BA)".to_string(),
            format!(
                "The BA class mean (ten IEMs with one to twelve BAs: 64 Audio U12t, Audiosense DT200 and T180, BGVP \
DM6 and DM8, Campfire Audio Andromeda 2020 and Pathfinder, Custom Art FIBAE 7 Unlimited, DUNU SA3, Etymotic \
ER4SR): sub-bass {}, presence (2-5 kHz) {}, a narrow peak ({} in the profile). Expect a leaner bottom and voices a \
step back (the 2-5 kHz dip, the one trait most of them share). The ± is large: the ER4SR (-11.3 dB at \
20-60 Hz), the SA3 (-6.6) and the DM8 (-5.6) are lean where the U12t, the DT200 and the Pathfinder sit at \
Harman level (+0.4, +0.0 and +0.6 dB), and at 5-9 kHz they range from -5.9 (SA3) to +4.2 (DM6).\n\n{}",
                m(&BA_MEANS, 0),
                m(&BA_MEANS, 3),
                peak_text(&profile("ba"), 5000.0, 12_000.0),
                about(&["neutral", "ba"])
            ),
            material(),
            "neutral",
            "ba",
            measures.clone(),
        ),
        (
            "dynamic driver (DD)".to_string(),
            format!(
                "The DD class mean (ten IEMs: 7Hz Salnotes Zero, BLON BL-03, CCA CRA, Etymotic ER2XR, KBEAR Believe, \
Moondrop Aria, SSP and SSR, Shure SE215, Tin HiFi T2): \
sub-bass {}, upper bass {} (the profile's hump, {}, is as high as the BA's, {}), presence {}, 5-9 kHz \
{}, with a narrow treble peak ({} in the profile). Closer to neutral than the BA mean in the presence region. Compare with the previous part by ear: \
the difference between the two class means is subtle, smaller than the differences between IEMs inside \
either class.\n\n{}",
                m(&DD_MEANS, 0),
                m(&DD_MEANS, 1),
                peak_text(&profile("dd"), 100.0, 500.0),
                peak_text(&profile("ba"), 100.0, 500.0),
                m(&DD_MEANS, 3),
                m(&DD_MEANS, 4),
                peak_text(&profile("dd"), 5000.0, 12_000.0),
                about(&["neutral", "dd"])
            ),
            material(),
            "neutral",
            "dd",
            measures.clone(),
        ),
        (
            "V-shaped hybrid".to_string(),
            format!(
                "The hybrid class mean (ten IEMs, a dynamic woofer with BA, piezo or electrostatic tweeters: AFUL \
Performer 5, Audiosense AQ7, BGVP DMG, BQEYZ Spring 2, Campfire Audio Dorado 2020, CCA C10, DUNU EST 112, KZ \
ZS10 Pro and ZSN Pro, Sony IER-Z1R): the woofer keeps the sub-bass at Harman level ({}) and adds {} at \
60-250 Hz; 2-5 kHz is scooped ({}) and the treble is at or a little above Harman ({} at 5-9 kHz, {} at \
9-16 kHz). The profile follows the 5-9 kHz mean (filters {:+.1} dB) but gives only {:+.1} dB at 9-16 kHz: its \
fit places no boost above 14 kHz (see the introduction). The V: bigger bass, voices set back, treble kept. It is the most consistent class in the \
sub-bass and the presence dip (the smallest ± there); the V is a tuning choice, as hybrids can be tuned any \
way (the AQ7 is the darkest of all 31 at 5-9 kHz, the DMG the brightest).\n\n{}",
                m(&HYBRID_MEANS, 0),
                m(&HYBRID_MEANS, 1),
                m(&HYBRID_MEANS, 3),
                m(&HYBRID_MEANS, 4),
                m(&HYBRID_MEANS, 5),
                band_re_mid(&vh, BANDS[4].0, BANDS[4].1),
                band_re_mid(&vh, BANDS[5].0, BANDS[5].1),
                about(&["neutral", "v-hybrid"])
            ),
            material(),
            "neutral",
            "v-hybrid",
            measures,
        ),
    ]
}
