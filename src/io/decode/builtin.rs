//! The bundled material, compiled into the binary.
//!
//! Why embedded rather than looked up beside the executable: `cargo install` copies only the
//! binary, and a user runs iemsim from wherever their music is. 5.5 MB of WAV in the executable
//! costs nothing at run time (it is mapped, not read, until decoded), and every command that
//! defaults to the bundled sample or plays the demos' material works from any folder.
//! A file of the same name on disk wins, so editing `samples/` in the project still takes effect.

use std::path::Path;

/// `samples/music.wav`: the synthesized groove (`iemsim generate music`, seed 1, 24 s).
pub const MUSIC: &str = "samples/music.wav";
/// `samples/speech.wav`: synthesized speech dense in "s", "sh" and "t".
pub const SPEECH: &str = "samples/speech.wav";

static MUSIC_WAV: &[u8] = include_bytes!("../../../samples/music.wav");
static SPEECH_WAV: &[u8] = include_bytes!("../../../samples/speech.wav");

/// The embedded bytes for `path` if it names a bundled sample that is not on disk here.
pub fn bytes(path: &Path) -> Option<&'static [u8]> {
    if path.exists() {
        return None;
    }
    let p = path.to_str()?.trim_start_matches("./");
    match p {
        MUSIC => Some(MUSIC_WAV),
        SPEECH => Some(SPEECH_WAV),
        _ => None,
    }
}

/// True when `path` will be read from the binary rather than from disk.
pub fn is_builtin(path: &Path) -> bool {
    bytes(path).is_some()
}
