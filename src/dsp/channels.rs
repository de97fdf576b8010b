//! How a file's channels become the listener's: one rule for the player (file → device channels)
//! and the demo material (file → stereo), so a 5.1 file sounds the same in both.
//!
//! Positions: a WAV whose WAVE_FORMAT_EXTENSIBLE header names a speaker for every channel
//! (`dwChannelMask`, e.g. LCRS = 0x107) is mixed by those speakers ([`ChannelMap::with_mask`]).
//! Otherwise (other formats report a channel count only, or the mask does not fit) a file's
//! channels are taken to be in Microsoft's default layout for that count ("Multiple channel audio
//! data and WAVE files": 3 = 0x7, 4 = 0x33, 5 = 0x37, 6 = 0x3F, 7 = 0x13F, 8 = 0x63F),
//! interleaved in mask-bit order, the order every decoder hands them out in and the layout our
//! writers declare for such a file ([`crate::io::wav_header::Header::new`]; a file that names its
//! speakers keeps them, [`output_mask`]).
//!
//! Downmix: ITU-R BS.775, table 2 ("downward mixing equations"): to two channels
//! L' = L + 0.7071·C + 0.7071·Ls, R' = R + 0.7071·C + 0.7071·Rs; to one,
//! M = 0.7071·L + 0.7071·R + C + 0.5·Ls + 0.5·Rs; the LFE channel is left out (BS.775 leaves it
//! to the producer; headphones do not need it to hear the balance). 7.1's side and back pairs
//! both count as surrounds. A 6.1 back centre, which BS.775 does not list, is a surround split
//! equally between the sides (−3 dB into each, then the surround coefficient). The coefficients
//! are then scaled down together so that the loudest output channel's coefficients add up to at
//! most 1: full scale on every input channel cannot clip (for 5.1 to stereo, ×1/(1 + 2·0.7071)).
//!
//! More device channels than file channels: the file's channels are copied and the rest are
//! silent, except a mono file, which plays in every channel.

use std::f64::consts::FRAC_1_SQRT_2;

/// The −3 dB coefficient of BS.775 (0.7071).
pub const MINUS_3_DB: f64 = FRAC_1_SQRT_2;

/// Microsoft's default `dwChannelMask` for 1 to 8 channels (mono = front centre, 5.1 = 0x3F,
/// 7.1 = 0x63F).
const DEFAULT_MASKS: [u32; 8] = [0x4, 0x3, 0x7, 0x33, 0x37, 0x3F, 0x13F, 0x63F];

/// A loudspeaker position; its value is its bit in a WAVE_FORMAT_EXTENSIBLE `dwChannelMask`
/// (ksmedia.h SPEAKER_*), and channels are interleaved in the order of these bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Speaker {
    FrontLeft = 0x1,
    FrontRight = 0x2,
    FrontCentre = 0x4,
    Lfe = 0x8,
    BackLeft = 0x10,
    BackRight = 0x20,
    FrontLeftOfCentre = 0x40,
    FrontRightOfCentre = 0x80,
    BackCentre = 0x100,
    SideLeft = 0x200,
    SideRight = 0x400,
    TopCentre = 0x800,
    TopFrontLeft = 0x1000,
    TopFrontCentre = 0x2000,
    TopFrontRight = 0x4000,
    TopBackLeft = 0x8000,
    TopBackCentre = 0x1_0000,
    TopBackRight = 0x2_0000,
}

impl Speaker {
    /// The position of a mask bit (`None` for positions iemsim does not place).
    fn from_bit(bit: u32) -> Option<Self> {
        use Speaker::*;
        [
            FrontLeft,
            FrontRight,
            FrontCentre,
            Lfe,
            BackLeft,
            BackRight,
            FrontLeftOfCentre,
            FrontRightOfCentre,
            BackCentre,
            SideLeft,
            SideRight,
            TopCentre,
            TopFrontLeft,
            TopFrontCentre,
            TopFrontRight,
            TopBackLeft,
            TopBackCentre,
            TopBackRight,
        ]
        .into_iter()
        .find(|&s| s as u32 == bit)
    }

    /// BS.775 coefficients into (left, right) of a stereo pair.
    fn to_stereo(self) -> [f64; 2] {
        let k = MINUS_3_DB;
        match self {
            // Left and right of centre are fronts (BS.775 has no such speakers).
            Speaker::FrontLeft | Speaker::FrontLeftOfCentre => [1.0, 0.0],
            Speaker::FrontRight | Speaker::FrontRightOfCentre => [0.0, 1.0],
            Speaker::FrontCentre => [k, k],
            Speaker::Lfe => [0.0, 0.0],
            Speaker::BackLeft | Speaker::SideLeft => [k, 0.0],
            Speaker::BackRight | Speaker::SideRight => [0.0, k],
            Speaker::BackCentre => [k * k, k * k],
            // Heights (BS.775 has none) go to their side at −3 dB, the centre ones to both at −6 dB.
            Speaker::TopFrontLeft | Speaker::TopBackLeft => [k, 0.0],
            Speaker::TopFrontRight | Speaker::TopBackRight => [0.0, k],
            Speaker::TopCentre | Speaker::TopFrontCentre | Speaker::TopBackCentre => [k * k, k * k],
        }
    }

    /// BS.775 coefficient into mono.
    fn to_mono(self) -> f64 {
        let k = MINUS_3_DB;
        match self {
            Speaker::FrontLeft
            | Speaker::FrontRight
            | Speaker::FrontLeftOfCentre
            | Speaker::FrontRightOfCentre => k,
            Speaker::FrontCentre => 1.0,
            Speaker::Lfe => 0.0,
            Speaker::BackLeft | Speaker::BackRight | Speaker::SideLeft | Speaker::SideRight => 0.5,
            Speaker::BackCentre => k,
            Speaker::TopFrontLeft
            | Speaker::TopFrontRight
            | Speaker::TopBackLeft
            | Speaker::TopBackRight => 0.5,
            Speaker::TopCentre | Speaker::TopFrontCentre | Speaker::TopBackCentre => k,
        }
    }
}

/// Microsoft's default layout for `channels` channels (1 to 8), in interleaving order; `None`
/// for other counts.
pub fn default_layout(channels: usize) -> Option<Vec<Speaker>> {
    layout_of_mask(default_mask(channels), channels).filter(|l| !l.is_empty())
}

/// The layout a `dwChannelMask` declares for `channels` channels, in interleaving order (mask-bit
/// order): `None` when the mask does not name exactly that many speakers iemsim can place (no
/// mask, too few or too many bits, bits above the 18 standard speakers), so the caller falls
/// back to the default. Top speakers are placed: a 5.1.2 file's heights were taken for a default
/// layout's channels, and its LFE weighed as a surround.
pub fn layout_of_mask(mask: u32, channels: usize) -> Option<Vec<Speaker>> {
    if mask.count_ones() as usize != channels {
        return None;
    }
    (0..32)
        .map(|i| 1u32 << i)
        .filter(|bit| mask & bit != 0)
        .map(Speaker::from_bit)
        .collect()
}

/// The default layout's `dwChannelMask` (0 for counts without one).
pub fn default_mask(channels: usize) -> u32 {
    // 0 channels wraps to an index past the end.
    *DEFAULT_MASKS.get(channels.wrapping_sub(1)).unwrap_or(&0)
}

/// The speakers of WAVE_FORMAT_EXTENSIBLE's `dwChannelMask` (ksmedia.h: front left to top back
/// right, bits 0-17); the higher bits name no speaker.
const STANDARD_SPEAKERS: u32 = 0x3_FFFF;

/// The `dwChannelMask` an output of `channels` channels declares when its input said `mask`: the
/// input's own when it names one standard speaker per channel (whatever the layout: LFE, side or
/// back surrounds, wide fronts, top speakers), else Microsoft's default for the count (what
/// iemsim assumes of a file that does not say, and what its outputs said before they carried the
/// input's). 0 for counts without a default and no usable mask.
pub fn output_mask(mask: u32, channels: usize) -> u32 {
    if mask != 0 && mask & !STANDARD_SPEAKERS == 0 && mask.count_ones() as usize == channels {
        mask
    } else {
        default_mask(channels)
    }
}

/// FLAC's own layouts for 1 to 8 channels (RFC 9639 section 9.1.3) as `dwChannelMask`s, the way
/// the reference decoder (`flac -d`) and ffmpeg read a FLAC file without a
/// `WAVEFORMATEXTENSIBLE_CHANNEL_MASK` comment: 5.0 and 5.1 have side surrounds (0x607, 0x60F),
/// 7 channels are 6.1 (0x70F); the others are Microsoft's defaults.
const FLAC_MASKS: [u32; 8] = [0x4, 0x3, 0x7, 0x33, 0x607, 0x60F, 0x70F, 0x63F];

/// The layout a FLAC file of `channels` channels has when no comment says otherwise (see
/// [`FLAC_MASKS`]); 0 for other counts.
pub fn flac_default_mask(channels: usize) -> u32 {
    // 0 channels wraps to an index past the end.
    *FLAC_MASKS.get(channels.wrapping_sub(1)).unwrap_or(&0)
}

/// A mixing matrix from `inputs` to `outputs` channels (see the module comment for the rule).
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelMap {
    inputs: usize,
    outputs: usize,
    /// `outputs` rows of `inputs` coefficients; empty when the map is a plain copy.
    matrix: Vec<f64>,
}

impl ChannelMap {
    /// The map from a file's `inputs` channels to `outputs` channels (both at least 1), the
    /// file's channels in the default layout for their count.
    pub fn new(inputs: usize, outputs: usize) -> Self {
        Self::with_mask(inputs, 0, outputs)
    }

    /// As [`Self::new`], with the file's speakers as its `dwChannelMask` says (a WAV's
    /// WAVE_FORMAT_EXTENSIBLE header) when it names one for every channel; otherwise (0, or a
    /// mask that does not fit) the default layout.
    pub fn with_mask(inputs: usize, mask: u32, outputs: usize) -> Self {
        let (inputs, outputs) = (inputs.max(1), outputs.max(1));
        if inputs == outputs {
            return Self {
                inputs,
                outputs,
                matrix: Vec::new(),
            };
        }
        let mut m = vec![0.0; inputs * outputs];
        let at = |o: usize, i: usize| o * inputs + i;
        if inputs == 1 {
            // Mono plays in every channel.
            (0..outputs).for_each(|o| m[at(o, 0)] = 1.0);
        } else if inputs < outputs {
            (0..inputs).for_each(|c| m[at(c, c)] = 1.0);
        } else {
            // An unknown layout (more than 8 channels) counts as fronts alternating left, right.
            let alternate = [Speaker::FrontLeft, Speaker::FrontRight];
            let layout = layout_of_mask(mask, inputs).or_else(|| default_layout(inputs));
            for i in 0..inputs {
                let s = layout.as_ref().map_or(alternate[i % 2], |l| l[i]);
                if outputs == 1 {
                    m[at(0, i)] = s.to_mono();
                } else {
                    // Into the first two device channels; any further ones stay silent.
                    let [l, r] = s.to_stereo();
                    m[at(0, i)] = l;
                    m[at(1, i)] = r;
                }
            }
            let loudest = (0..outputs)
                .map(|o| m[at(o, 0)..at(o, 0) + inputs].iter().map(|c| c.abs()).sum())
                .fold(0.0, f64::max);
            if loudest > 1.0 {
                m.iter_mut().for_each(|c| *c /= loudest);
            }
        }
        Self {
            inputs,
            outputs,
            matrix: m,
        }
    }

    pub fn inputs(&self) -> usize {
        self.inputs
    }

    pub fn outputs(&self) -> usize {
        self.outputs
    }

    /// The coefficient of input channel `input` in output channel `output`.
    pub fn coefficient(&self, output: usize, input: usize) -> f64 {
        if self.matrix.is_empty() {
            f64::from(u8::from(output == input))
        } else {
            self.matrix[output * self.inputs + input]
        }
    }

    /// Maps interleaved `input` frames into planar `out` (one vector per output channel,
    /// appended to). A trailing partial frame is ignored.
    pub fn apply_planar(&self, input: &[f64], out: &mut [Vec<f64>]) {
        debug_assert_eq!(out.len(), self.outputs);
        for frame in input.chunks_exact(self.inputs) {
            for (o, dst) in out.iter_mut().enumerate() {
                dst.push(self.mix(frame, o));
            }
        }
    }

    /// Maps interleaved `input` frames to interleaved output frames.
    pub fn apply(&self, input: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; input.len() / self.inputs * self.outputs];
        self.apply_into(input, &mut out);
        out
    }

    /// Maps the whole frames of interleaved `input` into interleaved `out`, as many as both hold;
    /// returns that number of frames. Allocates nothing.
    pub fn apply_into(&self, input: &[f64], out: &mut [f64]) -> usize {
        let mut n = 0;
        for (frame, dst) in input
            .chunks_exact(self.inputs)
            .zip(out.chunks_exact_mut(self.outputs))
        {
            for (o, d) in dst.iter_mut().enumerate() {
                *d = self.mix(frame, o);
            }
            n += 1;
        }
        n
    }

    fn mix(&self, frame: &[f64], o: usize) -> f64 {
        if self.matrix.is_empty() {
            return frame[o];
        }
        let row = &self.matrix[o * self.inputs..(o + 1) * self.inputs];
        row.iter().zip(frame).map(|(c, x)| c * x).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// BS.775's coefficient as published, to its four digits (not the code's FRAC_1_SQRT_2), so
    /// these tests check the code against the standard's numbers.
    #[allow(clippy::approx_constant)]
    const K: f64 = 0.7071;

    /// BS.775 table 2, 3/2 → 2/0: L' = L + 0.7071 C + 0.7071 Ls (R' likewise), LFE left out,
    /// scaled by 1/(1 + 2·0.7071). Written out here, not taken from `test_support`, so that `dsp`
    /// depends on nothing else of the crate, tests included (`tests/architecture.rs`).
    #[test]
    fn a_mask_gives_the_layout_only_when_it_names_every_channel() {
        use Speaker::*;
        assert_eq!(
            layout_of_mask(0x107, 4),
            Some(vec![FrontLeft, FrontRight, FrontCentre, BackCentre])
        );
        assert_eq!(layout_of_mask(0x107, 5), None, "too few speakers");
        assert_eq!(layout_of_mask(0x3F, 4), None, "too many speakers");
        assert_eq!(layout_of_mask(0, 2), None, "no mask");
        // 0x800 is the top centre speaker: placed, and downmixed to both sides at -6 dB.
        assert_eq!(
            layout_of_mask(0x803, 3),
            Some(vec![FrontLeft, FrontRight, TopCentre])
        );
        assert!(TopCentre
            .to_stereo()
            .iter()
            .all(|g| (g - 0.5).abs() < 1e-12));
        // Bits above the 18 standard speakers name none.
        assert_eq!(layout_of_mask(0x4_0003, 3), None);
        // A map from a mask that does not fit is the default one.
        assert_eq!(ChannelMap::with_mask(6, 0x7, 2), ChannelMap::new(6, 2));
    }

    #[test]
    fn apply_into_equals_apply_and_stops_at_the_shorter_side() {
        let m = ChannelMap::new(6, 2);
        let x: Vec<f64> = (0..6 * 5).map(|i| (i as f64 * 0.37).sin()).collect();
        let mut out = vec![9.0; 2 * 4];
        assert_eq!(m.apply_into(&x, &mut out), 4);
        assert_eq!(out, m.apply(&x[..6 * 4]));
    }

    #[test]
    fn five_one_to_stereo_is_bs775() {
        let m = ChannelMap::new(6, 2);
        let n = 1.0 / (1.0 + 2.0 * K);
        let want = [
            [n, 0.0, K * n, 0.0, K * n, 0.0],
            [0.0, n, K * n, 0.0, 0.0, K * n],
        ];
        for (o, row) in want.iter().enumerate() {
            for (i, w) in row.iter().enumerate() {
                let got = m.coefficient(o, i);
                assert!((got - w).abs() < 1e-4, "out {o} in {i}: {got} vs {w}");
            }
        }
    }

    /// BS.775 3/2 → 1/0: M = 0.7071 L + 0.7071 R + C + 0.5 Ls + 0.5 Rs, scaled by 1/3.4142.
    #[test]
    fn five_one_to_mono_is_bs775() {
        let m = ChannelMap::new(6, 1);
        let n = 1.0 / (2.0 * K + 1.0 + 2.0 * 0.5);
        for (i, w) in [K, K, 1.0, 0.0, 0.5, 0.5].iter().enumerate() {
            assert!((m.coefficient(0, i) - w * n).abs() < 1e-4, "in {i}");
        }
        // Stereo to mono: the two −3 dB halves scaled to 0.5 each (an average).
        assert_eq!(ChannelMap::new(2, 1).apply(&[1.0, 0.5]), vec![0.75]);
    }

    #[test]
    fn fewer_file_channels_are_copied_and_mono_plays_everywhere() {
        assert_eq!(
            ChannelMap::new(1, 2).apply(&[0.5, -0.25]),
            [0.5, 0.5, -0.25, -0.25]
        );
        assert_eq!(
            ChannelMap::new(2, 4).apply(&[0.5, -0.25]),
            [0.5, -0.25, 0.0, 0.0]
        );
        assert_eq!(ChannelMap::new(2, 2).apply(&[0.5, -0.25]), [0.5, -0.25]);
        let mut planar = vec![Vec::new(), Vec::new()];
        ChannelMap::new(1, 2).apply_planar(&[0.5, -0.25], &mut planar);
        assert_eq!(planar, vec![vec![0.5, -0.25], vec![0.5, -0.25]]);
    }

    /// Full scale on every channel stays within ±1 for every count the decoders accept.
    #[test]
    fn no_downmix_can_clip() {
        for inputs in 1..=8 {
            for outputs in 1..=8 {
                let m = ChannelMap::new(inputs, outputs);
                for y in m.apply(&vec![1.0; inputs]) {
                    assert!(y <= 1.0 + 1e-12, "{inputs} → {outputs}: {y}");
                }
            }
        }
    }

    /// Microsoft's documented default orders: 5.1 is L R C LFE Ls Rs, 7.1 adds the sides last,
    /// and every layout has as many positions as channels.
    #[test]
    fn default_layouts_are_microsofts() {
        use Speaker::*;
        let five_one = [FrontLeft, FrontRight, FrontCentre, Lfe, BackLeft, BackRight];
        assert_eq!(default_layout(6).as_deref(), Some(&five_one[..]));
        let seven_one = default_layout(8).expect("7.1");
        assert_eq!(seven_one[6..], [SideLeft, SideRight]);
        assert_eq!(default_layout(1).as_deref(), Some(&[FrontCentre][..]));
        for n in 1..=8 {
            assert_eq!(default_layout(n).map(|l| l.len()), Some(n));
        }
        assert_eq!(
            (default_mask(6), default_mask(8), default_mask(9)),
            (0x3F, 0x63F, 0)
        );
        assert!(default_layout(0).is_none() && default_layout(9).is_none());
    }
}
