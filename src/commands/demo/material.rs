//! The material a demo part plays: excerpts of the bundled samples and generated signals, joined
//! into one 44.1 kHz stereo WAV (the bundled samples' rate, so nothing is resampled).
//!
//! Pieces are separated by a short silence and faded in and out, so a cut in the middle of a note
//! is not a click. The bundled samples are built into the binary (`io::decode::builtin`), so the
//! demos play the same material from any folder.

use super::DemoPart;
use crate::dsp::channels::ChannelMap;
use crate::dsp::dither::Dither;
use crate::dsp::generate::{Generator, Kind};
use crate::error::{Context, Error, Result};
use crate::io::{Decoder, OutFormat, SinkSpec, Tags, WavSink};
use std::path::{Path, PathBuf};

/// Rate of the rendered material (and of the bundled samples).
pub const RATE: u32 = 44_100;
/// Channels of the rendered material: mono pieces play in both.
pub const CHANNELS: usize = 2;
/// Silence between pieces (s).
pub const GAP_S: f64 = 0.5;
/// Raised-cosine fade at each end of a piece (s).
pub const FADE_S: f64 = 0.02;
/// Seed of every generated piece (the one `samples/make-samples.sh` used for music.wav).
pub const SEED: u64 = 1;
/// Length of `samples/music.wav` as `make-samples.sh` generates it (s).
pub const MUSIC_S: f64 = 24.0;

/// A bundled sample file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sample {
    /// `samples/speech.wav`: 14 s of synthesized speech dense in "s", "sh" and "t".
    Speech,
    /// `samples/music.wav`: a 24 s groove with sub-bass, a lead line, hi-hats and a crash cymbal.
    Music,
}

impl Sample {
    /// Path relative to the project folder (where iemsim is meant to be run from).
    /// The demos' own material: read from the binary when it is not on disk here.
    pub fn path(self) -> &'static str {
        let path = match self {
            Sample::Speech => crate::io::decode::builtin::SPEECH,
            Sample::Music => crate::io::decode::builtin::MUSIC,
        };
        crate::io::decode::builtin::choose(path);
        path
    }
}

/// Which material a part plays.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// `start_s` to `end_s` of a bundled sample (`end_s` is clamped to the file's end).
    Excerpt {
        sample: Sample,
        start_s: f64,
        end_s: f64,
    },
    /// A generated signal (seed [`SEED`]).
    Generated { kind: Kind, seconds: f64 },
    /// One after the other, [`GAP_S`] apart.
    Concat(Vec<Source>),
}

impl Source {
    /// The whole of a bundled sample.
    pub fn whole(sample: Sample) -> Self {
        Source::Excerpt {
            sample,
            start_s: 0.0,
            end_s: f64::INFINITY,
        }
    }

    /// The pieces in playing order (a `Concat` flattened).
    pub fn leaves(&self) -> Vec<&Source> {
        match self {
            Source::Concat(v) => v.iter().flat_map(Source::leaves).collect(),
            leaf => vec![leaf],
        }
    }
}

/// What [`render`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Material {
    /// One line per piece: what it is and where it starts in the file.
    pub pieces: Vec<String>,
    pub seconds: f64,
    /// The samples as written ([`CHANNELS`] interleaved, [`RATE`] Hz, after dither and 24-bit
    /// quantisation): what any reader of the file gets, so the demo filters these instead of
    /// decoding the file again.
    pub samples: Vec<f64>,
}

/// How every WAV of a demo is written: [`CHANNELS`] at [`RATE`] Hz, 24-bit with TPDF dither,
/// `frames` long when known. Marked as export marks what it processes (the A and B files are
/// exports of the material), with `comment` (`super::demo_comment`) naming the demo: a demo
/// export run again with --force replaces only the files its demo wrote (`render::owner`,
/// `export::check_existing`).
pub fn wav_spec(comment: String, frames: Option<u64>) -> SinkSpec {
    SinkSpec {
        channels: CHANNELS as u16,
        sample_rate: RATE,
        format: OutFormat::I24,
        dither: Dither::Tpdf,
        channel_mask: 0,
        tags: Tags {
            software: Some(crate::io::tags::mark()),
            comment: Some(comment),
            ..Tags::default()
        },
        frames,
    }
}

/// `DIR/<slug>.source.wav`.
pub fn source_path(part: &DemoPart, dir: &Path) -> PathBuf {
    dir.join(format!("{}.source.wav", part.slug))
}

/// Renders `source` to `path` (refusing to replace an existing file unless `replace`), with
/// the comment `comment` (`super::demo_comment`).
pub fn render(source: &Source, path: &Path, replace: bool, comment: String) -> Result<Material> {
    let target = crate::io::Target::File {
        path: path.to_path_buf(),
        replace,
    };
    let mut sink = WavSink::open(&target, &wav_spec(comment, None))?;
    let mut pieces = Vec::new();
    let mut samples = Vec::new();
    let mut frames = 0usize;
    let gap = vec![0.0; (GAP_S * f64::from(RATE)).round() as usize * CHANNELS];
    for (i, leaf) in source.leaves().into_iter().enumerate() {
        if i > 0 {
            sink.write_echo(&gap, &mut samples)?;
            frames += gap.len() / CHANNELS;
        }
        let (mut audio, what) = piece(leaf)?;
        fade_edges(&mut audio);
        pieces.push(format!(
            "at {:.1} s: {what}",
            frames as f64 / f64::from(RATE)
        ));
        sink.write_echo(&audio, &mut samples)?;
        frames += audio.len() / CHANNELS;
    }
    sink.finish()?;
    Ok(Material {
        pieces,
        seconds: frames as f64 / f64::from(RATE),
        samples,
    })
}

/// One piece as stereo frames, and its description.
fn piece(leaf: &Source) -> Result<(Vec<f64>, String)> {
    match *leaf {
        Source::Excerpt {
            sample,
            start_s,
            end_s,
        } => {
            // From disk when run in the project folder, else the copy built into the binary.
            let path = Path::new(sample.path());
            let (audio, secs) = read_excerpt(path, start_s, end_s)?;
            let what = format!("{}, {start_s:.1}-{:.1} s", sample.path(), start_s + secs);
            Ok((audio, what))
        }
        Source::Generated { kind, seconds } => {
            let what = format!("{seconds:.1} s of generated {}", kind_name(kind));
            Ok((generate_excerpt(kind, 0.0, seconds), what))
        }
        Source::Concat(_) => unreachable!("leaves() flattens Concat"),
    }
}

/// A human name for a generated signal.
pub fn kind_name(kind: Kind) -> String {
    match kind {
        Kind::Sweep => "sine sweep (20 Hz-20 kHz)".into(),
        Kind::Pink => "pink noise (every frequency, equal energy per octave)".into(),
        Kind::Tone(f) => format!("{f} Hz tone"),
        Kind::Sibilants => "\"s\", \"sh\" and \"t\" bursts".into(),
        Kind::BassNotes => {
            "bass notes (30, 40, 50, 60, 80, 100, 120 Hz, 1 s each) over a kick drum".into()
        }
        Kind::Music => "music".into(),
    }
}

/// Frames `start_s..end_s` of a bundled sample as stereo, checking it is 44.1 kHz.
pub fn read_excerpt(path: &Path, start_s: f64, end_s: f64) -> Result<(Vec<f64>, f64)> {
    let mut src = Decoder::open(path)?;
    let info = *src.info();
    if info.sample_rate != RATE {
        return Err(Error::input(path, format!(
            "{}: {} Hz; the demos need the bundled {RATE} Hz samples (re-create them with samples/make-samples.sh)",
            path.display(),
            info.sample_rate
        )));
    }
    let rate = f64::from(RATE);
    let first = ((start_s.max(0.0) * rate).round() as u64).min(info.frames);
    let last = if end_s.is_finite() {
        ((end_s * rate).round() as u64).clamp(first, info.frames)
    } else {
        info.frames
    };
    src.seek(first)?;
    let ch = usize::from(info.channels);
    let raw = src
        .read_frames(last - first)
        .with_context(|| format!("{}: reading the demo material", src.name()))?;
    if let Some(w) = src.nonfinite_warning() {
        crate::io::diag::diag!("iemsim: warning: {w}");
    }
    let stereo = to_stereo(&raw, ch);
    let secs = (stereo.len() / CHANNELS) as f64 / rate;
    Ok((stereo, secs))
}

/// Mono plays in both channels; more channels are mixed down as the player does (ITU-R BS.775,
/// see `dsp::channels`).
fn to_stereo(raw: &[f64], ch: usize) -> Vec<f64> {
    ChannelMap::new(ch, CHANNELS).apply(raw)
}

/// `start_s..end_s` of a generated signal (for music: of the 24 s piece, as in music.wav).
///
/// The generator is a pure function of time and of its noise sequence, which it draws in order, so
/// generating only up to `end_s` gives the same samples as the whole piece, except the generator's
/// 10 ms fade-out, which lands inside the piece's own fade ([`FADE_S`]).
pub fn generate_excerpt(kind: Kind, start_s: f64, end_s: f64) -> Vec<f64> {
    let end_s = match kind {
        Kind::Music => end_s.min(MUSIC_S),
        _ => end_s,
    };
    let mut gen = Generator::new(kind, RATE, end_s, SEED);
    let ch = gen.channels();
    let mut raw = vec![0.0; gen.frames() as usize * ch];
    let mut done = 0;
    while done < raw.len() {
        let n = gen.fill(&mut raw[done..]);
        if n == 0 {
            break;
        }
        done += n * ch;
    }
    let rate = f64::from(RATE);
    let first = ((start_s.max(0.0) * rate).round() as usize).min(done / ch);
    let last = ((end_s * rate).round() as usize).clamp(first, done / ch);
    to_stereo(&raw[first * ch..last * ch], ch)
}

/// Raised-cosine fade in and out over [`FADE_S`] (or half the piece if it is shorter).
pub fn fade_edges(stereo: &mut [f64]) {
    let frames = stereo.len() / CHANNELS;
    let n = ((FADE_S * f64::from(RATE)) as usize).min(frames / 2);
    for i in 0..n {
        let g = 0.5 - 0.5 * (std::f64::consts::PI * i as f64 / n as f64).cos();
        for c in 0..CHANNELS {
            stereo[i * CHANNELS + c] *= g;
            stereo[(frames - 1 - i) * CHANNELS + c] *= g;
        }
    }
}
