//! Loudness analysis of a file through several profiles, for matching: one render pass with a
//! loudness lane per profile (decode once → each profile's cascade → BS.1770 meter).
//!
//! Offline work, used by `export --match`, scripted ABX and the demo exports as well as by the
//! player (an estimate from a few stretches before it starts, the exact pass in the background,
//! both through [`super::loudness_cache`]): so it is a use of [`crate::render`], not part of
//! `playback`.

use super::loudness_cache::{Cache, FileId};
use super::{render, Lane, Mapped, Resampled, Source};
use crate::dsp::loudness::match_gains;
use crate::dsp::{Preamp, Profile};
use crate::io::{Decoder, WavError};
use std::path::Path;

pub use super::Levels;

/// Frames per analysis block.
const BLOCK: usize = 16_384;

/// How two profiles are made to play equally loud on one file: each side's anti-clipping preamp
/// (minus its largest boost), then the louder side turned down to the quieter one's integrated
/// loudness. The one rule `play`, `abx` (its log) and `demo` (its exports) all apply.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Matched {
    /// Loudness through each profile at 0 dB gain (LUFS).
    pub lufs: [f64; 2],
    /// Anti-clipping preamp of each side (dB).
    pub preamp_db: [f64; 2],
    /// Output gain of each side with matching on (dB).
    pub gain_db: [f64; 2],
}

impl Matched {
    /// From the loudness at 0 dB gain and the profiles, at the rate the loudness was measured.
    pub fn new(lufs: [f64; 2], profiles: [&Profile; 2], rate: f64) -> Self {
        let preamp_db = profiles.map(|p| p.preamp_db(Preamp::Auto, rate));
        Self::from_parts(lufs, preamp_db)
    }

    /// With known preamps (e.g. one side replaced, the other kept).
    pub fn from_parts(lufs: [f64; 2], preamp_db: [f64; 2]) -> Self {
        let at_preamp = [lufs[0] + preamp_db[0], lufs[1] + preamp_db[1]];
        Self {
            lufs,
            preamp_db,
            gain_db: match_gains(at_preamp, preamp_db),
        }
    }
}

/// How many channels the listener hears when nobody says: headphones.
pub const HEADPHONE_CHANNELS: usize = 2;

/// How the listener hears a file: mixed to `channels`, and (for the player) at the rate its
/// chains run at, the device's, when that differs from the file's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heard {
    pub channels: usize,
    pub rate_hz: Option<u32>,
}

impl Heard {
    /// At the file's own rate.
    pub fn channels(channels: usize) -> Self {
        Self {
            channels,
            rate_hz: None,
        }
    }
}

/// Integrated loudness (LUFS, at 0 dB output gain) of `path` through each profile as it is heard
/// on `heard` channels (the player's device: mixed the way the feeder mixes it), computed at the
/// file's rate in one decoding pass; plus the decoder's warning about replaced non-finite samples
/// (so the caller can warn once). `on_progress(done, total)` follows the pass. (`export --match`
/// measures the file's own channels, which is what it writes: it calls [`levels_of`] on the
/// decoder itself.)
pub fn analyse_heard(
    path: &Path,
    profiles: &[&Profile],
    heard: Heard,
    on_progress: &mut dyn FnMut(u64, u64),
) -> Result<(Vec<f64>, Option<String>), WavError> {
    crate::io::decode::require_seekable(path, "loudness matching reads the input more than once")?;
    let mut src = Decoder::open(path)?;
    let total = src.info().frames;
    let progress = &mut |done| on_progress(done, total);
    let levels = levels_heard(&mut src, profiles, heard, progress)?;
    Ok((
        levels.into_iter().map(|l| l.lufs).collect(),
        src.nonfinite_warning(),
    ))
}

/// [`levels_of`] on `src` as it is [`Heard`]; progress in `src`'s frames.
fn levels_heard(
    src: &mut dyn Source,
    profiles: &[&Profile],
    heard: Heard,
    on_progress: &mut dyn FnMut(u64),
) -> Result<Vec<Levels>, WavError> {
    let mut mapped = Mapped::new(src, heard.channels);
    let from = mapped.sample_rate();
    match heard.rate_hz.filter(|&r| r != from) {
        Some(to) => {
            let scale = f64::from(from) / f64::from(to);
            let progress = &mut |done: u64| on_progress((done as f64 * scale) as u64);
            levels_of(&mut Resampled::new(&mut mapped, to)?, profiles, progress)
        }
        None => levels_of(&mut mapped, profiles, on_progress),
    }
}

/// Each profile's [`Levels`] on `src` at 0 dB output gain: one loudness lane per profile.
pub fn levels_of(
    src: &mut dyn Source,
    profiles: &[&Profile],
    on_progress: &mut dyn FnMut(u64),
) -> Result<Vec<Levels>, WavError> {
    let fs = f64::from(src.sample_rate());
    let channels = src.channels();
    let lanes = profiles
        .iter()
        .map(|p| Lane::loudness(p.stages(fs, channels), 0.0))
        .collect();
    render(src, lanes, BLOCK, on_progress)?
        .into_iter()
        .map(|r| r.levels.ok_or_else(lost))
        .collect()
}

/// A loudness lane that came back without its levels: a bug, reported rather than a panic.
fn lost() -> WavError {
    WavError::Internal("the loudness analysis stopped unexpectedly".into())
}

/// Stretches an estimate measures, and how long each is: 8 × 1 s of audio whatever the file's
/// length (about 0.1 s of work at 96 kHz, most of `play`'s 200 ms budget for the first sound).
/// Each stretch holds seven of BS.1770's overlapping 400 ms gating blocks. Measured against the
/// exact pass (`tests::estimate_error_of_the_provisional_gains`): the matched gains of every
/// pair of built-ins are within 0.13 dB on the bundled material and three generated signals.
const ESTIMATE_STRETCHES: u64 = 8;
const STRETCH_S: f64 = 1.0;

/// A provisional loudness of `path` through each profile as heard on `heard` channels, from
/// [`ESTIMATE_STRETCHES`] evenly spaced stretches read by seeking: bounded work whatever the
/// file's length. Returns the levels and whether they are exact (the stretches covered the
/// whole file, so nothing was left out).
pub fn estimate_heard(
    path: &Path,
    profiles: &[&Profile],
    heard: Heard,
) -> Result<(Vec<f64>, bool), WavError> {
    let mut src = Decoder::open(path)?;
    let (frames, rate) = (src.info().frames, src.info().sample_rate);
    let stretch = (STRETCH_S * f64::from(rate)) as u64;
    if frames <= stretch * ESTIMATE_STRETCHES || !src.is_seekable() {
        let (l, _) = analyse_heard(path, profiles, heard, &mut |_, _| {})?;
        return Ok((l, true));
    }
    // Centred in N equal parts: the start, the middle and the end each get a stretch's worth of say.
    let part = frames / ESTIMATE_STRETCHES;
    let starts = (0..ESTIMATE_STRETCHES)
        .map(|k| k * part + (part - stretch) / 2)
        .collect();
    let mut sampled = Sampled {
        inner: &mut src,
        starts,
        stretch,
        next: 0,
        left: 0,
    };
    let levels = levels_heard(&mut sampled, profiles, heard, &mut |_| {})?;
    Ok((levels.into_iter().map(|l| l.lufs).collect(), false))
}

/// What the cache holds for each profile on `path` (at the file's rate, heard on `heard`
/// channels): `None` where it knows nothing, or without a cache.
pub fn cached_heard(
    path: &Path,
    profiles: &[&Profile],
    heard: Heard,
    cache: Option<&Cache>,
) -> Vec<Option<f64>> {
    let keys = cache_keys(path, profiles, heard, cache);
    keys.iter().map(|k| cache?.get(k.as_ref()?)).collect()
}

/// The cache key of each profile on `path` (none without a cache, or for a file it cannot name).
fn cache_keys(
    path: &Path,
    profiles: &[&Profile],
    heard: Heard,
    cache: Option<&Cache>,
) -> Vec<Option<String>> {
    let id = cache.and_then(|_| FileId::of(path));
    let rate = id
        .as_ref()
        .and_then(|_| match heard.rate_hz {
            Some(r) => Some(r),
            None => Decoder::open(path).ok().map(|d| d.info().sample_rate),
        })
        .map(f64::from);
    profiles
        .iter()
        .map(|p| {
            let rate = rate?;
            Some(
                id.as_ref()?
                    .key(&p.stages(rate, heard.channels), rate, heard.channels),
            )
        })
        .collect()
}

/// Stores exact levels measured elsewhere (the player's background pass).
pub fn store_heard(
    path: &Path,
    profiles: &[&Profile],
    lufs: &[f64],
    heard: Heard,
    cache: Option<&Cache>,
) {
    for (k, &l) in cache_keys(path, profiles, heard, cache).iter().zip(lufs) {
        if let (Some(c), Some(k)) = (cache, k) {
            c.put(k, l);
        }
    }
}

/// The exact loudness of each profile, and whether every number came from the cache.
#[derive(Debug, Clone)]
pub struct Exact {
    pub lufs: Vec<f64>,
    /// The decoder's warning about replaced non-finite samples, when the file was decoded.
    pub warning: Option<String>,
}

/// [`analyse_heard`] through the loudness cache: profiles the cache knows for this file, rate and
/// channel count are not measured again; the rest are measured in one pass and stored.
pub fn exact_heard(
    path: &Path,
    profiles: &[&Profile],
    heard: Heard,
    cache: Option<&Cache>,
    on_progress: &mut dyn FnMut(u64, u64),
) -> Result<Exact, WavError> {
    let keys = cache_keys(path, profiles, heard, cache);
    let mut lufs: Vec<Option<f64>> = keys.iter().map(|k| cache?.get(k.as_ref()?)).collect();
    let missing: Vec<usize> = (0..profiles.len()).filter(|&i| lufs[i].is_none()).collect();
    let mut warning = None;
    if !missing.is_empty() {
        let todo: Vec<&Profile> = missing.iter().map(|&i| profiles[i]).collect();
        let (measured, w) = analyse_heard(path, &todo, heard, on_progress)?;
        warning = w;
        for (&i, l) in missing.iter().zip(measured) {
            lufs[i] = Some(l);
            if let (Some(c), Some(k)) = (cache, &keys[i]) {
                c.put(k, l);
            }
        }
    }
    Ok(Exact {
        lufs: lufs
            .into_iter()
            .map(|l| l.unwrap_or(f64::NEG_INFINITY))
            .collect(),
        warning,
    })
}

/// A decoder read as a few stretches, one after another (seeking between them).
struct Sampled<'a> {
    inner: &'a mut Decoder,
    starts: Vec<u64>,
    stretch: u64,
    next: usize,
    left: u64,
}

impl Source for Sampled<'_> {
    fn channels(&self) -> usize {
        usize::from(self.inner.info().channels)
    }

    fn sample_rate(&self) -> u32 {
        self.inner.info().sample_rate
    }

    fn frames(&self) -> u64 {
        self.stretch * self.starts.len() as u64
    }

    fn read(&mut self, buf: &mut [f64]) -> Result<usize, WavError> {
        let ch = self.channels();
        loop {
            if self.left == 0 {
                let Some(&at) = self.starts.get(self.next) else {
                    return Ok(0);
                };
                self.next += 1;
                self.inner.seek(at)?;
                self.left = self.stretch;
            }
            let want = ((buf.len() / ch) as u64).min(self.left) as usize;
            let n = self.inner.read(&mut buf[..want * ch])?;
            if n == 0 {
                self.left = 0;
                continue;
            }
            self.left -= n as u64;
            return Ok(n);
        }
    }

    fn channel_mask(&self) -> u32 {
        self.inner.info().channel_mask
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::builtin;
    use std::path::PathBuf;

    /// A 48 kHz stereo float WAV of `x(t, rng)` (mono, duplicated), `secs` long.
    fn write_wav(dir: &Path, name: &str, secs: f64, mut x: impl FnMut(f64, f64) -> f64) -> PathBuf {
        let path = dir.join(name);
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 48_000,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let mut w = hound::WavWriter::create(&path, spec).unwrap();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for n in 0..(secs * 48_000.0) as u64 {
            // xorshift: a fixed, seeded noise source.
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let r = (seed >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
            let v = x(n as f64 / 48_000.0, r) as f32;
            w.write_sample(v).unwrap();
            w.write_sample(v).unwrap();
        }
        w.finalize().unwrap();
        path
    }

    /// How far the provisional gains (from the sampled stretches) are from the exact ones, over
    /// every pair of built-in profiles: on the bundled music and speech and three generated
    /// signals with very different spectra (bass tones with decays, bright bursts, and noise
    /// whose spectrum moves from bass to treble across the file, the hardest case for a sample).
    /// `cargo test --release --lib estimate_error -- --nocapture` prints the table.
    #[test]
    fn estimate_error_of_the_provisional_gains() {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        let mut lp = 0.0;
        let mut hp_prev = 0.0;
        let files = [
            root.join("music.wav"),
            root.join("speech.wav"),
            write_wav(dir.path(), "bass.wav", 60.0, |t, r| {
                // Notes every 2 s, decaying, level creeping up across the file.
                let env = (-(t % 2.0) * 2.0).exp() * (0.2 + 0.6 * t / 60.0);
                env * ((2.0 * std::f64::consts::PI * 55.0 * t).sin()
                    + 0.5 * (2.0 * std::f64::consts::PI * 110.0 * t).sin())
                    + 0.003 * r
            }),
            write_wav(dir.path(), "bright.wav", 60.0, |t, r| {
                // First difference of noise (+6 dB/octave), in 8th-note bursts.
                let d = r - hp_prev;
                hp_prev = r;
                let on = if (t * 4.0).fract() < 0.3 { 1.0 } else { 0.05 };
                0.2 * on * d
            }),
            write_wav(dir.path(), "moving.wav", 60.0, |t, r| {
                // One-pole low-pass of noise; its corner moves from 60 Hz to 12 kHz.
                let fc = 60.0 * (200.0f64).powf(t / 60.0);
                let a = (-2.0 * std::f64::consts::PI * fc / 48_000.0).exp();
                lp = a * lp + (1.0 - a) * r;
                lp * (0.1 + 0.5 * (1.0 - a).sqrt().recip().min(20.0) / 20.0)
            }),
        ];
        let profiles = builtin::profiles();
        let refs: Vec<&Profile> = profiles.iter().collect();
        let mut worst_all: f64 = 0.0;
        for f in &files {
            let heard = Heard::channels(2);
            let (exact, _) = analyse_heard(f, &refs, heard, &mut |_, _| {}).unwrap();
            let (est, whole) = estimate_heard(f, &refs, heard).unwrap();
            assert!(!whole, "{}: long enough to be sampled", f.display());
            let rate = f64::from(Decoder::open(f).unwrap().info().sample_rate);
            let (mut worst, mut sum, mut n) = (0.0f64, 0.0, 0);
            for i in 0..refs.len() {
                for j in i + 1..refs.len() {
                    let g =
                        |l: &[f64]| Matched::new([l[i], l[j]], [refs[i], refs[j]], rate).gain_db;
                    let (e, x) = (g(&est), g(&exact));
                    for k in 0..2 {
                        let d = (e[k] - x[k]).abs();
                        worst = worst.max(d);
                        sum += d * d;
                        n += 1;
                    }
                }
            }
            println!(
                "estimate error {}: gains max {worst:.3} dB, RMS {:.3} dB over {} pairs",
                f.file_name().unwrap().to_string_lossy(),
                (sum / f64::from(n)).sqrt(),
                n / 2
            );
            worst_all = worst_all.max(worst);
        }
        assert!(worst_all < 0.5, "provisional gains {worst_all:.2} dB off");
    }

    /// The cache knows a profile by all it plays, its channels' own filters and gains included:
    /// the key was the shared filters alone, so `neutral` and a profile turning the right channel
    /// down 12 dB shared one entry, and the second ABX run on a file read `neutral`'s loudness for
    /// both (0 dB gains where the first run had matched them 2.7 dB apart).
    #[test]
    fn the_cache_tells_per_channel_profiles_apart() {
        let dir = tempfile::tempdir().unwrap();
        let wav = write_wav(dir.path(), "n.wav", 1.0, |_, r| 0.3 * r);
        let cache = Cache::at(dir.path().join("c"));
        let neutral = builtin::profiles()
            .into_iter()
            .find(|p| p.name == "neutral")
            .unwrap();
        let right_down = Profile {
            name: "rq".into(),
            channels: vec![crate::dsp::ChannelFilters {
                channel: 1,
                gain_db: -12.0,
                filters: Vec::new(),
            }],
            ..neutral.clone()
        };
        let heard = Heard::channels(2);
        let first = exact_heard(
            &wav,
            &[&neutral, &right_down],
            heard,
            Some(&cache),
            &mut |_, _| {},
        )
        .unwrap();
        // Independent of the cache: one channel 12 dB down loses 10·log10(2 / (1 + 10^-1.2)) dB.
        let want = 10.0 * (2.0 / (1.0 + 10f64.powf(-1.2))).log10();
        assert!(
            (first.lufs[0] - first.lufs[1] - want).abs() < 0.05,
            "{:?}",
            first.lufs
        );
        for order in [[&right_down, &neutral], [&neutral, &right_down]] {
            let again = cached_heard(&wav, &order, heard, Some(&cache));
            let by_name = |p: &Profile| {
                if p.name == "rq" {
                    first.lufs[1]
                } else {
                    first.lufs[0]
                }
            };
            assert_eq!(again, order.map(|p| Some(by_name(p))).to_vec());
        }
    }
}
