//! Any bytes, decoded from memory as iemsim decodes an input file.
//!
//! `Decoder::from_bytes` takes the path the bundled samples take (an in-memory `Input`), so the
//! WAV/RF64 reader and the symphonia codecs see exactly what they see for a file.
//!
//! Properties: never panics; an accepted stream has 1..=64 channels and a positive sample rate;
//! every frame holds exactly `channels` samples; every sample is finite and within [-1, 1]
//! (integer PCM) or finite (float, after the decoder's non-finite replacement, issue 11 item 1);
//! decoding stops (bounded by the input size: no endless zero-length packets).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let name = std::path::Path::new("fuzz.wav");
    let Ok(mut decoder) = iemsim::io::decode::Decoder::from_bytes(data.to_vec(), name) else {
        return;
    };
    let channels = usize::from(decoder.info().channels);
    let rate = decoder.info().sample_rate;
    assert!((1..=64).contains(&channels), "{channels} channels");
    assert!(rate > 0, "sample rate {rate}");
    // A decoder can expand data (compressed formats), but not without bound for a tiny input.
    let limit = 64 * data.len().max(1024) * 8;
    let mut total = 0usize;
    let mut buf = vec![0.0f64; 4096 * channels];
    while let Ok(n) = decoder.read(&mut buf) {
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
