//! The bass demo: roll-off, the seal and the vent, and what the measurements say about BAs.

use super::{about, peak_text, profile, re_1k, Band, Measure, PartSpec, Sample, Source, DATA};
use crate::dsp::generate::Kind;

/// Raw ER4SR and Harman levels at 30/50/100 Hz relative to 1 kHz (dB), from the bundled CSVs
/// (nearest grid point, each curve normalised over 0.5-2 kHz first).
const ER4SR_RAW_RE_1K: [f64; 3] = [-3.8, -3.2, -2.8];
pub(super) const HARMAN_RE_1K: [f64; 3] = [7.7, 6.7, 2.8];

pub(super) fn intro() -> String {
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
Multi-BA IEMs use dedicated, larger bass BAs, sometimes vented, and in these measurements several match \
or beat the DDs (64 Audio U12t +0.4, Campfire Audio Pathfinder +0.6, BGVP DM6 -1.0 dB at 20-60 Hz, against \
a DD mean of -1.9).

The seal and the vent: a leak around the ear tip lets the pressure escape at low frequencies. That is \
a high-pass that costs any IEM, BA or DD, its deepest bass - it can cost more than any difference \
shown here; try a bigger tip before blaming the driver. Many DD IEMs have a small vent: a deliberate, controlled \
leak that relieves the pressure on insertion (\"driver flex\") and lets the designer set the bass.

What the measurements show (20-60 Hz, deviation from Harman IE 2019 v2, ten IEMs per class): BA mean \
-3.3 ± 3.7 dB, DD -1.9 ± 3.8, hybrids +0.0 ± 1.9. Per IEM: the Etymotic ER4SR (one BA, deep insertion) \
-11.3 dB, the classic roll-off case; the other BAs range from -6.6 (DUNU SA3, three BAs) to +0.6 \
(Campfire Audio Pathfinder); the DDs from -8.2 (Tin HiFi T2) to +4.4 (CCA CRA). So single-BA roll-off is \
real, but driver type is not destiny. \
And a caveat on the ER4SR: on the coupler it is nearly flat in the bass ({:+.1}, {:+.1} and {:+.1} dB at \
30, 50 and 100 Hz relative to 1 kHz); what it lacks is the Harman target's bass shelf ({:+.1}, {:+.1}, \
{:+.1} dB). Etymotic tunes to the older diffuse-field target on purpose, so its \"roll-off\" against \
Harman is as much a tuning choice as a driver limit. {DATA}

The bass-rolloff profile is the ER4SR's deviation from Harman below 1 kHz. It is a shelf; a real leak \
looks different (a high-pass whose loss keeps growing towards 20 Hz).

The numbers: the level at 30, 50 and 100 Hz relative to 1 kHz (a third of an octave around each, at \
least ±2 spectrum bins (±10.8 Hz) wide, from the Welch power spectrum of the whole rendered file). The material has energy at \
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

fn material() -> Source {
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

pub(super) fn parts() -> Vec<PartSpec> {
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
            material(),
            "neutral",
            "bass-rolloff",
            measures.clone(),
        ),
        (
            "ba vs dd".to_string(),
            format!(
                "A is the BA class mean, B the DD class mean. Both are below Harman in the sub-bass (class means \
-3.3 and -1.9 dB at 20-60 Hz; the filters give {:+.1} and {:+.1} dB at 30 Hz relative to 1 kHz), and both \
have the same upper-bass hump (BA {}, DD {}). Where the DD has more is below it: {:+.1} dB more than \
the BA at 30 Hz, {:+.1} at 100 Hz and {:+.1} at 200 Hz (filters, relative to 1 kHz). The difference \
between the two is smaller than the spread within each class (±3.7 and ±3.8 dB): the ER4SR alone pulls \
the BA mean down by 0.9 dB.\n\n{}",
                re_1k(&ba, 30.0),
                re_1k(&dd, 30.0),
                peak_text(&ba, 100.0, 500.0),
                peak_text(&dd, 100.0, 500.0),
                re_1k(&dd, 30.0) - re_1k(&ba, 30.0),
                re_1k(&dd, 100.0) - re_1k(&ba, 100.0),
                re_1k(&dd, 200.0) - re_1k(&ba, 200.0),
                about(&["ba", "dd"])
            ),
            material(),
            "ba",
            "dd",
            measures.clone(),
        ),
        (
            "ba vs v-hybrid".to_string(),
            format!(
                "A is the BA class mean, B the V-shaped hybrid mean (a dynamic woofer for the bass, BAs for the \
treble): +0.0 ± 1.9 dB at 20-60 Hz and +3.3 ± 2.4 dB at 60-250 Hz against Harman (filters: {:+.1} dB at \
30 Hz and {:+.1} dB at 100 Hz relative to 1 kHz). This is the contrast people usually mean by \"BAs lack \
bass\": a bass-rich hybrid against a lean BA, rather than BA against DD as such.\n\n{}",
                re_1k(&vh, 30.0),
                re_1k(&vh, 100.0),
                about(&["ba", "v-hybrid"])
            ),
            material(),
            "ba",
            "v-hybrid",
            measures,
        ),
    ]
}
