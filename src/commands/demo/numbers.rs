//! The numbers a demo prints: band levels of the rendered files, relative to a reference band.
//!
//! Every number is "power in a band minus power in a reference band" (dB) from the Welch spectrum
//! of a WAV file ([`crate::dsp::analysis::Spectrum`]). It is computed three ways, so a reader can
//! check one against the other:
//! - `value_db` on the profile's output: what this material sounds like through the profile;
//! - `change_db` = value minus the same number on the unprocessed source: what the profile did,
//!   measured on the audio (the material's own spectrum cancels where it has energy);
//! - `filters_db`, the closed-form response of the profile's filters (at the frequency, or its
//!   mean in dB over the band; a per-channel profile's channels summed as power, as the spectrum
//!   sums them): what `change_db` should come out as.

use crate::dsp::analysis::{narrow_band, segment_for, Spectrum};
use crate::dsp::{response, Profile};
use serde::Serialize;

/// A frequency band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Band {
    /// From `lo` to `hi` Hz.
    Range(f64, f64),
    /// A third of an octave around this frequency (Hz), widened to ±2 analysis bins so a tone's
    /// whole main lobe is inside: the band [`Spectrum::level_db`] uses.
    Around(f64),
}

impl Band {
    /// (lo, hi) in Hz for a spectrum of `rate` Hz analysed in [`segment_for`]-sample segments.
    pub fn edges(self, rate: f64) -> (f64, f64) {
        match self {
            Band::Range(lo, hi) => (lo, hi),
            Band::Around(f) => narrow_band(f, rate / segment_for(rate) as f64),
        }
    }

    /// The filters' response over this band: at the frequency, or the mean (dB) on a log grid;
    /// a per-channel profile's channels summed as power ([`Profile::power_response_db`]), as the
    /// measured change sums them.
    pub fn response_db(self, profile: &Profile, rate: f64) -> f64 {
        let freqs = match self {
            Band::Range(lo, hi) => response::log_grid(lo, hi, 64),
            Band::Around(f) => vec![f],
        };
        let db = profile.power_response_db(&freqs, rate);
        db.iter().sum::<f64>() / db.len().max(1) as f64
    }

    /// "5-9 kHz", "30 Hz".
    pub fn label(self) -> String {
        match self {
            Band::Range(lo, hi) if lo >= 500.0 => format!("{}-{} kHz", khz(lo), khz(hi)),
            Band::Range(lo, hi) if hi >= 1000.0 => format!("{lo} Hz-{} kHz", khz(hi)),
            Band::Range(lo, hi) => format!("{lo}-{hi} Hz"),
            Band::Around(f) if f >= 1000.0 => format!("{} kHz", khz(f)),
            Band::Around(f) => format!("{f} Hz"),
        }
    }
}

fn khz(hz: f64) -> String {
    format!("{}", hz / 1000.0)
}

/// One number a part reports: `band` relative to `reference`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measure {
    pub band: Band,
    pub reference: Band,
}

impl Measure {
    pub const fn new(band: Band, reference: Band) -> Self {
        Self { band, reference }
    }

    /// "5-9 kHz re 0.5-2 kHz".
    pub fn label(&self) -> String {
        format!("{} re {}", self.band.label(), self.reference.label())
    }
}

/// A measured number, as printed and as `--json` gives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Number {
    pub profile: String,
    /// "30 Hz re 1 kHz".
    pub measure: String,
    /// The band and the reference band actually summed (Hz), so anyone can recompute the number.
    pub band_hz: [f64; 2],
    pub reference_hz: [f64; 2],
    /// On the profile's output file.
    pub value_db: f64,
    /// On the unprocessed source file.
    pub source_db: f64,
    /// `value_db − source_db`: the profile's effect, measured.
    pub change_db: f64,
    /// The same from the profile's filters alone (closed form).
    pub filters_db: f64,
}

/// `measure` on one spectrum (dB).
pub fn ratio_db(spectrum: &Spectrum, measure: &Measure) -> f64 {
    let (lo, hi) = measure.band.edges(spectrum.rate);
    let (rlo, rhi) = measure.reference.edges(spectrum.rate);
    spectrum.band_db(lo, hi) - spectrum.band_db(rlo, rhi)
}

/// Every measure for `profile`, from the spectra of its output and of the source.
pub fn numbers(
    profile: &Profile,
    output: &Spectrum,
    source: &Spectrum,
    measures: &[Measure],
) -> Vec<Number> {
    measures
        .iter()
        .map(|m| {
            let value_db = ratio_db(output, m);
            let source_db = ratio_db(source, m);
            let (lo, hi) = m.band.edges(output.rate);
            let (rlo, rhi) = m.reference.edges(output.rate);
            Number {
                profile: profile.name.clone(),
                measure: m.label(),
                band_hz: [lo, hi],
                reference_hz: [rlo, rhi],
                value_db,
                source_db,
                change_db: value_db - source_db,
                filters_db: m.band.response_db(profile, output.rate)
                    - m.reference.response_db(profile, output.rate),
            }
        })
        .collect()
}
