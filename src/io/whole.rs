//! A whole file read into memory, for analysis that needs all of it at once (spectra, loudness
//! range, true peak). The one place the analysis paths (`analyze`, the demo numbers) open an
//! input, so swapping the WAV reader for a general decoder changes one function.

use super::WavSource;
use anyhow::{Context, Result};
use std::path::Path;

/// Interleaved samples, channel count and rate of a whole file.
pub struct Audio {
    pub samples: Vec<f64>,
    pub channels: usize,
    pub rate: f64,
}

impl Audio {
    pub fn read(path: &Path) -> Result<Self> {
        let mut src = WavSource::open(path)?;
        let info = *src.info();
        let samples = src
            .read_frames(info.frames)
            .with_context(|| format!("{}: reading for analysis", path.display()))?;
        Ok(Self {
            samples,
            channels: usize::from(info.channels),
            rate: f64::from(info.sample_rate),
        })
    }

    /// Length in seconds.
    pub fn duration_s(&self) -> f64 {
        (self.samples.len() / self.channels.max(1)) as f64 / self.rate
    }
}
