//! Any bytes, decoded from memory as iemsim decodes an input file.
//!
//! Waits for `io::decode` (another branch): built only with `--features decode` until the lead
//! removes `required-features` from this target in Cargo.toml. Adjust the marked call to the
//! decoder's in-memory entry point; everything else is the property check.
//!
//! Properties: never panics; an accepted stream has 1..=8 channels… and a positive sample rate;
//! every frame holds exactly `channels` samples; every sample is finite and within [-1, 1]
//! (integer PCM) or finite (float, after the decoder's non-finite replacement, issue 11 item 1);
//! decoding stops (bounded by the input size: no endless zero-length packets).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // ADJUST: the in-memory decoder (e.g. `Decoder::from_bytes(data.to_vec(), "fuzz.wav")`).
    let Ok(mut decoder) = iemsim::io::decode::Decoder::from_bytes(data.to_vec(), "fuzz.wav") else {
        return;
    };
    let channels = decoder.channels() as usize;
    let rate = decoder.sample_rate();
    assert!((1..=64).contains(&channels), "{channels} channels");
    assert!(rate > 0, "sample rate {rate}");
    // A decoder can expand data (compressed formats), but not without bound for a tiny input.
    let limit = 64 * data.len().max(1024) * 8;
    let mut total = 0usize;
    // ADJUST: the decoder's block read (interleaved f64, Ok(0) or None at the end).
    let mut buf = vec![0.0f64; 4096 * channels];
    while let Ok(n) = decoder.read_frames(&mut buf) {
        if n == 0 {
            break;
        }
        for s in &buf[..n * channels] {
            assert!(s.is_finite(), "non-finite sample {s}");
        }
        total += n;
        assert!(total <= limit, "{total} frames from {} bytes", data.len());
    }
});
