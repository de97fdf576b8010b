//! The loudness lane of `render` against an independent meter: the `ebur128` crate (a port of
//! libebur128) given the same filtered signal, computed here with the dsp cascade directly.

use iemsim::dsp::{builtin, Chain};
use iemsim::io::Decoder;
use iemsim::render::{render, Frames, Lane, Out};
use std::path::Path;

/// The bundled music sample (44.1 kHz stereo), decoded.
fn music() -> (Vec<f64>, usize, u32) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/music.wav");
    let mut src = Decoder::open(&path).expect("sample");
    let info = *src.info();
    let x = src.read_frames(info.frames).expect("frames");
    (x, usize::from(info.channels), info.sample_rate)
}

fn ebur128_lufs(x: &[f64], ch: usize, rate: u32) -> f64 {
    let mut m = ebur128::EbuR128::new(ch as u32, rate, ebur128::Mode::I).expect("meter");
    m.add_frames_f64(x).expect("frames");
    m.loudness_global().expect("lufs")
}

#[test]
fn loudness_lane_equals_ebur128_on_the_same_filtered_signal() {
    let (x, ch, rate) = music();
    for (name, gain_db) in [("neutral", 0.0), ("v-hybrid", 0.0), ("ba", -6.0)] {
        let profile = builtin::profiles()
            .into_iter()
            .find(|p| p.name == name)
            .expect("built-in");
        let coeffs = profile.coefficients(f64::from(rate)).0;
        // The reference: the same cascade run directly, measured by ebur128.
        let mut y = x.clone();
        Chain::new(coeffs.clone(), ch, gain_db).process(&mut y);
        let reference = ebur128_lufs(&y, ch, rate);
        let peak = y.iter().fold(0.0f64, |m, v| m.max(v.abs()));

        // Block size 1000: not a multiple of the 100 ms step, so block edges fall mid-step.
        let lanes = vec![Lane::loudness(coeffs, gain_db)];
        let got = render(&mut Frames::new(&x, ch, rate), lanes, 1000, &mut |_| {}).expect("render");
        let levels = got[0].levels.expect("levels");
        assert!(
            (levels.lufs - reference).abs() < 0.01,
            "{name} at {gain_db} dB: lane {} LUFS, ebur128 {reference} LUFS",
            levels.lufs
        );
        assert_eq!(levels.sample_peak, peak, "{name}");
    }
}

#[test]
fn one_pass_feeds_a_file_a_meter_and_a_spectrum_from_one_lane() {
    let (x, ch, rate) = music();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("out.wav");
    let sink = iemsim::io::WavSink::create(
        &path,
        ch as u16,
        rate,
        iemsim::io::OutFormat::F32,
        iemsim::dsp::dither::Dither::None,
        false,
    )
    .expect("sink");
    let lane = Lane {
        coeffs: Vec::new().into(),
        gain_db: -3.0,
        out: Out {
            file: Some(sink.into()),
            loudness: true,
            spectrum: true,
            stats: true,
            keep: true,
        },
    };
    let got = render(
        &mut Frames::new(&x, ch, rate),
        vec![lane],
        4096,
        &mut |_| {},
    )
    .expect("render");
    let r = &got[0];
    assert_eq!(r.file.expect("file").frames, (x.len() / ch) as u64);
    // The meter saw the file's signal: ebur128 on the file as read back agrees.
    let mut back = Decoder::open(&path).expect("output");
    let frames = back.info().frames;
    let y = back.read_frames(frames).expect("read");
    let lufs = r.levels.expect("levels").lufs;
    assert!((lufs - ebur128_lufs(&y, ch, rate)).abs() < 0.01, "{lufs}");
    // The kept samples are the file's, as stored (32-bit float: rounded from f64).
    assert!(
        r.samples.as_deref() == Some(&y[..]),
        "kept samples differ from the file"
    );
    // And so did the spectrum.
    let s = r.spectrum.as_ref().expect("spectrum");
    let direct = iemsim::dsp::analysis::Spectrum::welch(&y, ch, f64::from(rate));
    let (a, b) = (s.band_db(500.0, 2000.0), direct.band_db(500.0, 2000.0));
    assert!((a - b).abs() < 1e-3, "{a} vs {b}");
    // And `analyze`'s statistics, measured block by block, are those of the whole file.
    let stats = r.stats.as_ref().expect("stats");
    let whole = iemsim::dsp::levels::SignalStats::measure(&y, ch, rate);
    assert!((stats.integrated_lufs - ebur128_lufs(&y, ch, rate)).abs() < 0.01);
    assert_eq!(stats.true_peak_dbtp, whole.true_peak_dbtp);
    assert_eq!(stats.loudness_range_lu, whole.loudness_range_lu);
}

/// A lane's spectrum of a file is of the samples as stored: `write_echo` gives exactly what
/// independent readers get back (hound for WAV, symphonia for FLAC), dither and all.
#[test]
fn echo_is_what_readers_of_the_file_get() {
    use iemsim::dsp::dither::Dither;
    use iemsim::io::{Container, OutFormat, Sink, SinkSpec, Tags, Target};
    let dir = tempfile::tempdir().expect("tempdir");
    let x: Vec<f64> = (0..20_000)
        .map(|i| 0.4 * (f64::from(i) * 0.003).sin())
        .collect();
    for (name, container) in [("e.wav", Container::Wav), ("e.flac", Container::Flac)] {
        let path = dir.path().join(name);
        let spec = SinkSpec {
            channels: 2,
            sample_rate: 48_000,
            format: OutFormat::I16,
            dither: Dither::Tpdf,
            channel_mask: 0,
            tags: Tags::default(),
            frames: Some(10_000),
        };
        let target = Target::File {
            path: path.clone(),
            replace: false,
        };
        let mut sink = Sink::create(&target, container, &spec).expect("sink");
        let mut echo = Vec::new();
        for block in x.chunks(3000) {
            sink.write_echo(block, &mut echo).expect("write");
        }
        sink.finish().expect("finish");
        let back: Vec<f64> = if container == Container::Wav {
            hound::WavReader::open(&path)
                .expect("hound")
                .samples::<i16>()
                .map(|s| f64::from(s.expect("sample")) / 32768.0)
                .collect()
        } else {
            let mut d = Decoder::open(&path).expect("flac");
            let frames = d.info().frames;
            d.read_frames(frames).expect("read")
        };
        assert_eq!(echo, back, "{name}");
        // Dithered: the echo is not simply the input.
        assert_ne!(echo, x, "{name}");
    }
}
