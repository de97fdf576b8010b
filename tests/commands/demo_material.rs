//! `src/commands/demo/material.rs`'s functions (the command layer is not in the unit-test build: see `src/lib.rs`).

use iemsim::commands::demo::material::*;
use iemsim::commands::demo::material::{Sample, Source};
use iemsim::dsp::generate::Kind;

#[test]
fn concat_flattens_in_order() {
    let s = Source::Concat(vec![
        Source::whole(Sample::Speech),
        Source::Concat(vec![Source::Generated {
            kind: Kind::Pink,
            seconds: 1.0,
        }]),
    ]);
    let leaves = s.leaves();
    assert_eq!(leaves.len(), 2);
    assert_eq!(*leaves[0], Source::whole(Sample::Speech));
}

#[test]
fn generated_music_excerpt_has_the_right_length_and_is_stereo() {
    let x = generate_excerpt(Kind::Music, 2.0, 3.5);
    assert_eq!(x.len(), (1.5 * f64::from(RATE)) as usize * CHANNELS);
    // The excerpt is the middle of the same piece.
    let whole = generate_excerpt(Kind::Music, 0.0, 4.0);
    let off = 2 * RATE as usize * CHANNELS;
    assert_eq!(&whole[off..off + 1000], &x[..1000]);
    // Up to its last 10 ms, an excerpt is the same as the whole piece's (music.wav).
    let longer = generate_excerpt(Kind::Music, 0.0, MUSIC_S);
    let n = (3.4 * f64::from(RATE)) as usize * CHANNELS;
    assert_eq!(&longer[off..n], &x[..n - off]);
    let mono = generate_excerpt(Kind::Pink, 0.0, 1.0);
    assert!(mono.chunks_exact(2).all(|f| f[0] == f[1]));
}

/// A 5.1 file made by sox with a tone on one channel each becomes demo material with every
/// channel at its ITU-R BS.775 downmix level, as the player plays it (not the first two
/// channels only, which would lose the centre and the surrounds).
#[test]
fn five_one_material_is_mixed_down_per_bs775() {
    let dir = tempfile::tempdir().expect("tmp");
    let Some(path) = super::support::surround_tones_wav(dir.path()) else {
        return;
    };
    let (stereo, secs) = read_excerpt(&path, 0.0, f64::INFINITY).expect("read");
    assert!((secs - 1.0).abs() < 1e-9, "{secs}");
    super::support::assert_bs775_stereo(&stereo);
}

#[test]
fn fades_start_and_end_at_zero_and_leave_the_middle() {
    let mut x = vec![1.0; 10_000 * CHANNELS];
    fade_edges(&mut x);
    assert_eq!(x[0], 0.0);
    assert!(x[x.len() - 1] < 1e-3);
    assert_eq!(x[5000 * CHANNELS], 1.0);
}
