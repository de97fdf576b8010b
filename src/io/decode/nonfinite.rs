//! Non-finite samples (NaN, ±Inf) are replaced by silence as they are decoded.
//!
//! Why here and not in the filters: one NaN entering a recursive (IIR) cascade stays in its state
//! for ever, so every later output sample is NaN (float output) or silence (integer output, where
//! `as` turns NaN into 0). Cleaning the decoder's output protects every consumer at once — export,
//! playback, loudness analysis, demos — and keeps `dsp` free of the question. The count and the
//! first position let each command warn once.

use serde::Serialize;

/// What was replaced so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct NonFinite {
    /// Samples (not frames) that were NaN or infinite.
    pub count: u64,
    /// Frame index of the first one.
    pub first_frame: Option<u64>,
}

impl NonFinite {
    /// Replaces every non-finite sample of `block` (interleaved, `channels` wide, starting at frame
    /// `position`) with 0.0 and counts it.
    pub fn clean(&mut self, block: &mut [f64], position: u64, channels: usize) {
        // The common case (no bad sample) costs one branch-free pass.
        if block.iter().all(|v| v.is_finite()) {
            return;
        }
        for (i, v) in block.iter_mut().enumerate() {
            if !v.is_finite() {
                *v = 0.0;
                self.count += 1;
                self.first_frame
                    .get_or_insert(position + (i / channels.max(1)) as u64);
            }
        }
    }

    /// `3 non-finite samples (NaN/Inf) replaced by silence, first at 0:01.234`, or None.
    pub fn describe(&self, sample_rate: u32) -> Option<String> {
        let first = self.first_frame?;
        let plural = if self.count == 1 { "" } else { "s" };
        Some(format!(
            "{} non-finite sample{plural} (NaN/Inf) replaced by silence, first at {}",
            self.count,
            clock(first, sample_rate)
        ))
    }
}

/// Frame `frame` as `m:ss.sss`.
pub fn clock(frame: u64, sample_rate: u32) -> String {
    let s = frame as f64 / f64::from(sample_rate.max(1));
    format!("{}:{:06.3}", (s / 60.0).floor() as u64, s % 60.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_and_counts_with_the_first_frame() {
        let mut nf = NonFinite::default();
        let mut b = [0.5, f64::NAN, 0.25, 0.0, f64::INFINITY, f64::NEG_INFINITY];
        nf.clean(&mut b, 100, 2);
        assert_eq!(b, [0.5, 0.0, 0.25, 0.0, 0.0, 0.0]);
        assert_eq!(nf.count, 3);
        assert_eq!(nf.first_frame, Some(100));
        let mut clean = [0.1, 0.2];
        nf.clean(&mut clean, 200, 2);
        assert_eq!(nf.count, 3);
        assert_eq!(
            nf.describe(1000).as_deref(),
            Some("3 non-finite samples (NaN/Inf) replaced by silence, first at 0:00.100")
        );
        assert_eq!(NonFinite::default().describe(44_100), None);
    }
}
