//! `render` recycles its block buffers: the heap operations of a render do not grow with the
//! number of blocks. The counting global allocator (in `main.rs`) counts every
//! allocation made while rendering files of 8 and of 64 blocks through two lanes.

use crate::ALLOCS;
use iemsim::dsp::dither::Dither;
use iemsim::dsp::{FilterKind, FilterSpec};
use iemsim::io::{Decoder, OutFormat, WavSink};
use iemsim::render::{render, Lane};
use std::sync::atomic::Ordering::Relaxed;

const BLOCK: usize = 1024;

/// Allocations made by rendering a `blocks`-block stereo file into two 24-bit outputs.
fn allocations_for(blocks: usize) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.wav");
    let mut sink = WavSink::create(&input, 2, 48_000, OutFormat::I24, Dither::None, false).unwrap();
    let block: Vec<f64> = (0..BLOCK * 2)
        .map(|i| ((i as f64) * 0.01).sin() * 0.3)
        .collect();
    for _ in 0..blocks {
        sink.write(&block).unwrap();
    }
    sink.finish().unwrap();
    let coeffs = vec![FilterSpec::new(FilterKind::Peaking, 1000.0, 3.0, 1.0)
        .coefficients(48_000.0)
        .unwrap()];
    let mut src = Decoder::open(&input).unwrap();
    let lanes = (0..2)
        .map(|i| {
            Lane::file(
                coeffs.clone(),
                -1.0,
                iemsim::io::Sink::from(
                    WavSink::create(
                        &dir.path().join(format!("out{i}.wav")),
                        2,
                        48_000,
                        OutFormat::I24,
                        Dither::Tpdf,
                        false,
                    )
                    .unwrap(),
                ),
            )
        })
        .collect();
    let before = ALLOCS.load(Relaxed);
    render(&mut src, lanes, BLOCK, &mut |_| {}).unwrap();
    ALLOCS.load(Relaxed) - before
}

#[test]
fn render_does_not_allocate_per_block() {
    let _alone = crate::alone();
    let short = allocations_for(8);
    let long = allocations_for(64);
    eprintln!("allocations: 8 blocks {short}, 64 blocks {long}");
    // 56 more blocks through two lanes: one allocation per block and lane would add >= 112.
    assert!(
        long < short + 20,
        "8 blocks: {short} allocations, 64 blocks: {long}"
    );
}
