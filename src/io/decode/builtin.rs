//! The bundled material, compiled into the binary.
//!
//! Why embedded rather than looked up beside the executable: `cargo install` copies only the
//! binary, and a user runs iemsim from wherever their music is. 5.5 MB of WAV in the executable
//! costs nothing at run time (it is mapped, not read, until decoded), and every command that
//! defaults to the bundled sample or plays the demos' material works from any folder.
//! A file of the same name on disk wins, so editing `samples/` in the project still takes effect.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// `samples/music.wav`: the synthesized groove (`iemsim generate music`, seed 1, 24 s; made before
/// the dither's generator changed, so a run today differs by at most 2 LSB: `samples/README.md`).
pub const MUSIC: &str = "samples/music.wav";
/// `samples/speech.wav`: synthesized speech dense in "s", "sh" and "t".
pub const SPEECH: &str = "samples/speech.wav";

static MUSIC_WAV: &[u8] = include_bytes!("../../../samples/music.wav");
static SPEECH_WAV: &[u8] = include_bytes!("../../../samples/speech.wav");

/// Whether iemsim itself picked [`MUSIC`] / [`SPEECH`] (no INPUT given, the demos' material).
/// A path the user typed never falls back to the copy in the binary: `export samples/music.wav`
/// in a folder without it is a missing file, not the built-in sample in disguise.
static CHOSEN: [AtomicBool; 2] = [AtomicBool::new(false), AtomicBool::new(false)];

/// Marks `path` ([`MUSIC`] or [`SPEECH`]) as iemsim's own choice: from now on, when it is not
/// on disk here, it is read from the binary.
pub fn choose(path: &str) {
    if let Some(i) = index(path) {
        CHOSEN[i].store(true, Ordering::Relaxed);
    }
}

fn index(path: &str) -> Option<usize> {
    match path.trim_start_matches("./") {
        MUSIC => Some(0),
        SPEECH => Some(1),
        _ => None,
    }
}

/// The embedded bytes for `path` if it names a bundled sample that iemsim chose ([`choose`]) and
/// that is not on disk here.
pub fn bytes(path: &Path) -> Option<&'static [u8]> {
    let i = index(path.to_str()?)?;
    if !CHOSEN[i].load(Ordering::Relaxed) || path.exists() {
        return None;
    }
    Some([MUSIC_WAV, SPEECH_WAV][i])
}

/// True when `path` will be read from the binary rather than from disk.
pub fn is_builtin(path: &Path) -> bool {
    bytes(path).is_some()
}
