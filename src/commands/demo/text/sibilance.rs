//! The sibilance demo: what sibilance is, where it lives, and what the measurements say about BAs.

use super::{about, peak, profile, Band, Measure, PartSpec, Sample, Source, DATA, MIDRANGE};

pub(super) fn intro() -> String {
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

What the measurements show: in the 5-9 kHz band the BA mean is -1.2 ± 3.1 dB and the DD mean -0.3 ± 2.7 \
dB (ten IEMs each). The class means are within 1 dB of each other (the DD mean is even a little higher), \
while single IEMs within each class differ by 8-10 dB. Per IEM: the BAs range from -5.9 (DUNU SA3) and -5.6 \
(Etymotic ER4SR) to +4.2 (BGVP DM6) and +3.7 (Audiosense T180); the DDs from -4.2 (Etymotic ER2XR) and -4.1 \
(Shure SE215) to +4.3 (Moondrop SSR) and +2.3 (Moondrop SSP); the hybrids from -6.1 (Audiosense AQ7) to \
+5.8 (BGVP DMG). The three brightest IEMs in this band are a hybrid, a DD and a BA, and the three darkest a \
hybrid and two BAs. Sibilance follows the individual tuning (a narrow 6-9 kHz peak), the insertion depth and \
your ears far more than the driver type.

The sibilance profile is the mean of the three IEMs with the largest 5-9 kHz excess - BGVP DMG, Moondrop \
SSR and BGVP DM6, one hybrid, one DD and one BA - kept between 3 and 12 kHz. {DATA}

The numbers: for each rendered file, the energy in 5-9 kHz relative to 0.5-2 kHz (Welch power spectrum \
of the whole file). \"change\" is that minus the same on the unprocessed material, i.e. what the profile \
did to this material; \"filters\" is the profile's own response averaged (in dB) over 5-9 kHz minus over \
0.5-2 kHz. The material is speech and music, whose energy is not spread evenly over the band, so \
\"change\" and \"filters\" agree only roughly."
    )
}

fn material() -> Source {
    Source::Concat(vec![
        Source::whole(Sample::Speech),
        Source::Excerpt {
            sample: Sample::Music,
            start_s: 8.0,
            end_s: 16.0,
        },
    ])
}

pub(super) fn parts() -> Vec<PartSpec> {
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
            material(),
            "neutral",
            "sibilance",
            measures.clone(),
        ),
        (
            "ba vs dd".to_string(),
            format!(
                "A is the BA class mean, B the DD class mean. Both have a narrow treble peak (BA {ba_db:+.1} dB \
at {:.1} kHz, DD {dd_db:+.1} dB at {:.1} kHz) over a dip at 2-5 kHz (class means -3.6 and -1.8 dB) \
that makes the treble stand out against the presence region. Which one is more sibilant? The table \
below shows how little the 5-9 kHz energy differs, as the measured class means do (BA -1.2, DD -0.3 dB \
against Harman). If you hear more hiss on one side, ask whether it is the peak you hear or the missing \
3 kHz around it.\n\n{}",
                ba_hz / 1000.0,
                dd_hz / 1000.0,
                about(&["ba", "dd"])
            ),
            material(),
            "ba",
            "dd",
            measures,
        ),
    ]
}
