//! Whether iemsim wrote a file: its `ISFT` / `ENCODER` tag carries iemsim's mark
//! (`io::tags::mark`). The folder listing leaves iemsim's outputs out by it, and an export
//! replaces a file at an output's name only when it is iemsim's own (or empty).

use std::path::Path;

/// What wrote `path` when iemsim did: the ISFT / ENCODER tag of a WAV or FLAC file that carries
/// iemsim's mark (`io::tags::mark`, e.g. `iemsim 0.1.0`); None for any other file, one that
/// cannot be opened or read as audio, or a tag another program wrote.
pub fn iemsim_mark(path: &Path) -> Option<String> {
    let software = crate::io::Decoder::open(path)
        .ok()?
        .tags()
        .software
        .clone()?;
    crate::io::tags::is_mark(&software).then_some(software)
}

/// Why a folder export may not replace the file at an output's name (None: it may): it reads as
/// audio (or is audio iemsim cannot read, or cannot be read at all) and does not carry iemsim's
/// mark, so it is someone's own file that only has an output's name. iemsim's own earlier outputs
/// may be replaced, and so may an empty file: there is nothing in it to lose. A damaged or cut
/// file may not: a recording cut short by a full disk is still someone's recording (it was
/// replaced, `--skip-existing` "redoing" it, exit 0), and whatever is not audio is no output.
pub fn not_ours(path: &Path) -> Option<&'static str> {
    use crate::io::DecodeError as D;
    match crate::io::Decoder::open(path) {
        Ok(d)
            if d.tags()
                .software
                .as_deref()
                .is_some_and(crate::io::tags::is_mark) =>
        {
            None
        }
        Ok(_) => Some("it has no iemsim tag"),
        Err(D::Empty { .. }) => None,
        Err(_) if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) => None,
        Err(D::Truncated { .. } | D::Corrupt { .. }) if header_has_mark(path) => None,
        Err(D::Truncated { .. } | D::Corrupt { .. }) => {
            Some("it is damaged or cut short, and its header has no iemsim tag")
        }
        Err(D::NotAudio { .. }) => Some("it is not audio iemsim wrote"),
        Err(D::Unsupported { .. } | D::Undecodable { .. }) => {
            Some("it is audio iemsim did not write")
        }
        Err(_) => Some("it cannot be read to see what wrote it"),
    }
}

/// Whether the header of a file that does not decode (cut short, damaged) still carries iemsim's
/// mark: a WAV's `ISFT` chunk or a FLAC's `ENCODER=` comment, both written before the audio.
fn header_has_mark(path: &Path) -> bool {
    use std::io::Read;
    let mut head = Vec::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(64 * 1024).read_to_end(&mut head));
    if read.is_err() {
        return false;
    }
    let value_at =
        |i: usize| String::from_utf8_lossy(&head[i..(i + 24).min(head.len())]).into_owned();
    let marked = |needle: &[u8], skip: usize| {
        head.windows(needle.len())
            .enumerate()
            .filter(|(_, w)| *w == needle)
            .any(|(i, _)| i + skip <= head.len() && crate::io::tags::is_mark(&value_at(i + skip)))
    };
    // ISFT, then its 4-byte size; ENCODER= (a Vorbis comment, key in any case iemsim writes).
    marked(b"ISFT", 8) || marked(b"ENCODER=", 8)
}
