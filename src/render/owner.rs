//! Whether iemsim wrote a file: its `ISFT` / `ENCODER` tag carries iemsim's mark
//! (`io::tags::mark`). The folder listing leaves iemsim's outputs out by it, and an export
//! replaces a file at an output's name only when it is iemsim's own (or empty).

use std::path::Path;

/// What wrote `path` when iemsim did: the ISFT / ENCODER tag of a WAV or FLAC file that carries
/// iemsim's mark (`io::tags::mark`, e.g. `iemsim 0.1.0`); None for any other file, one that
/// cannot be opened or read as audio, or a tag another program wrote.
pub fn iemsim_mark(path: &Path) -> Option<String> {
    let d = crate::io::Decoder::open(path).ok()?;
    is_ours(&d).then(|| d.tags().software.clone()).flatten()
}

/// Whether `d`'s ISFT / ENCODER tag carries iemsim's mark.
pub fn is_ours(d: &crate::io::Decoder) -> bool {
    d.tags()
        .software
        .as_deref()
        .is_some_and(crate::io::tags::is_mark)
}

/// Why a folder export may not replace the file at an output's name (None: it may): it reads as
/// audio (or is audio iemsim cannot read, or cannot be read at all) and does not carry iemsim's
/// mark, so it is someone's own file that only has an output's name. iemsim's own earlier outputs
/// may be replaced, and so may an empty file: there is nothing in it to lose. A damaged or cut
/// file may not: a recording cut short by a full disk is still someone's recording (it was
/// replaced, `--skip-existing` "redoing" it, exit 0), and whatever is not audio is no output.
pub fn not_ours(path: &Path) -> Option<&'static str> {
    use crate::io::DecodeError as D;
    // Said as what it is: a folder was "it cannot be read to see what wrote it". (A device or a
    // FIFO is refused by the output check, `io::Target::check`, which names its kind.)
    if path.is_dir() {
        return Some("it is a folder");
    }
    match crate::io::Decoder::open(path) {
        Ok(d) if is_ours(&d) => None,
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

/// Why a demo export may not replace the file at one of its charts' names (None: it may): it is
/// empty, or a PNG whose `Software` text chunk carries iemsim's mark (`commands::charts::write`
/// writes it before the image data), or it is someone's picture, or not a PNG at all.
pub fn png_not_ours(path: &Path) -> Option<&'static str> {
    if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
        return None;
    }
    match png_software(path) {
        Ok(s) if s.iter().any(|s| crate::io::tags::is_mark(s)) => None,
        Ok(_) => Some("it is a PNG without iemsim's mark"),
        Err(why) => Some(why),
    }
}

/// The `Software` text chunks of the PNG at `path`, in order; Err: why it cannot be read as one.
pub fn png_software(path: &Path) -> Result<Vec<String>, &'static str> {
    // Not blocking: the caller has refused FIFOs already, but a file swapped meanwhile must not
    // hang the run.
    let Ok(file) = crate::io::bounded::open_nonblocking(path) else {
        return Err("it cannot be read to see what wrote it");
    };
    let Ok(reader) = png::Decoder::new(std::io::BufReader::new(file)).read_info() else {
        return Err("it is not a PNG iemsim drew");
    };
    let text = &reader.info().uncompressed_latin1_text;
    let software = text.iter().filter(|t| t.keyword == "Software");
    Ok(software.map(|t| t.text.clone()).collect())
}

/// Whether the header of a file that does not decode (cut short, damaged) still carries iemsim's
/// mark: a WAV's `ISFT` chunk or a FLAC's `ENCODER=` comment, both written before the audio.
fn header_has_mark(path: &Path) -> bool {
    use std::io::Read;
    let mut head = Vec::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(64 * 1024).read_to_end(&mut head));
    read.is_ok() && software_in_header(&head).is_some_and(|s| crate::io::tags::is_mark(&s))
}

/// The software tag a WAV's or FLAC's header declares, read by walking its structure (a RIFF
/// `LIST`/`INFO` chunk's `ISFT`; a FLAC Vorbis comment whose key is `ENCODER`), so that the
/// words `ENCODER=iemsim 1` inside some other comment of a user's file do not count: a raw
/// search of the bytes took such a file for iemsim's and replaced it.
fn software_in_header(head: &[u8]) -> Option<String> {
    let u32le = |b: &[u8], at: usize| -> Option<usize> {
        let w: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
        Some(u32::from_le_bytes(w) as usize)
    };
    let text = |b: &[u8]| {
        let b = b.split(|&c| c == 0).next().unwrap_or_default();
        String::from_utf8_lossy(b).into_owned()
    };
    if head
        .get(..4)
        .is_some_and(|m| matches!(m, b"RIFF" | b"RF64" | b"BW64"))
    {
        let mut at = 12;
        while let (Some(id), Some(len)) = (head.get(at..at + 4), u32le(head, at + 4)) {
            let body = head.get(at + 8..(at + 8).saturating_add(len).min(head.len()))?;
            if id == b"LIST" && body.starts_with(b"INFO") {
                let mut sub = 4;
                while let (Some(sid), Some(slen)) = (body.get(sub..sub + 4), u32le(body, sub + 4)) {
                    let value =
                        body.get(sub + 8..(sub + 8).saturating_add(slen).min(body.len()))?;
                    if sid == b"ISFT" {
                        return Some(text(value));
                    }
                    sub += 8 + slen + (slen & 1);
                }
            }
            if id == b"data" {
                return None;
            }
            at = at.checked_add(8 + len + (len & 1))?;
        }
        return None;
    }
    if head.starts_with(b"fLaC") {
        let mut at = 4;
        while let Some(&flags) = head.get(at) {
            let len = u32le(
                &[
                    head.get(at + 3).copied()?,
                    head.get(at + 2).copied()?,
                    head.get(at + 1).copied()?,
                    0,
                ],
                0,
            )?;
            if flags & 0x7F == 4 {
                let c = head.get(at + 4..(at + 4 + len).min(head.len()))?;
                let mut p = 4 + u32le(c, 0)?;
                let count = u32le(c, p)?;
                p += 4;
                for _ in 0..count {
                    let n = u32le(c, p)?;
                    let comment = c.get(p + 4..(p + 4 + n).min(c.len()))?;
                    if let Some(value) = comment
                        .iter()
                        .position(|&b| b == b'=')
                        .filter(|&eq| comment[..eq].eq_ignore_ascii_case(b"ENCODER"))
                        .map(|eq| &comment[eq + 1..])
                    {
                        return Some(text(value));
                    }
                    p += 4 + n;
                }
                return None;
            }
            if flags & 0x80 != 0 {
                return None;
            }
            at += 4 + len;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::software_in_header;

    fn chunk(id: &[u8], body: &[u8]) -> Vec<u8> {
        let mut c = id.to_vec();
        c.extend((body.len() as u32).to_le_bytes());
        c.extend(body);
        if body.len() % 2 == 1 {
            c.push(0);
        }
        c
    }

    fn wav(info: &[(&[u8], &[u8])]) -> Vec<u8> {
        let mut list = b"INFO".to_vec();
        for (id, v) in info {
            list.extend(chunk(id, v));
        }
        let mut body = b"WAVE".to_vec();
        body.extend(chunk(b"fmt ", &[0; 16]));
        body.extend(chunk(b"LIST", &list));
        body.extend(chunk(b"data", &[0; 64]));
        chunk(b"RIFF", &body)
    }

    fn flac(comments: &[&str]) -> Vec<u8> {
        let mut c = 4u32.to_le_bytes().to_vec();
        c.extend(b"vndr");
        c.extend((comments.len() as u32).to_le_bytes());
        for s in comments {
            c.extend((s.len() as u32).to_le_bytes());
            c.extend(s.as_bytes());
        }
        let mut f = b"fLaC".to_vec();
        f.extend([0x00, 0, 0, 34]);
        f.extend([0; 34]);
        f.push(0x84);
        f.extend(&(c.len() as u32).to_be_bytes()[1..]);
        f.extend(c);
        f
    }

    /// Only the real software tag counts: `ENCODER=iemsim 1.2` inside a user's comment made a cut
    /// file of theirs read as iemsim's, and a folder export replaced it (exit 0).
    #[test]
    fn only_the_software_tag_itself_says_iemsim() {
        let ours = wav(&[(b"ISFT", b"iemsim 0.1.0\0")]);
        assert_eq!(software_in_header(&ours).as_deref(), Some("iemsim 0.1.0"));
        // Cut after the tag: still known.
        assert_eq!(
            software_in_header(&ours[..ours.len() - 40]).as_deref(),
            Some("iemsim 0.1.0")
        );
        let theirs = wav(&[
            (b"ICMT", b"ENCODER=iemsim 1.2 was not used"),
            (b"ISFT", b"Lavf59.27.100\0"),
        ]);
        assert_eq!(
            software_in_header(&theirs).as_deref(),
            Some("Lavf59.27.100")
        );
        assert_eq!(
            software_in_header(&wav(&[(b"ICMT", b"ISFT iemsim 1")])),
            None
        );
        assert_eq!(
            software_in_header(&flac(&["ENCODER=iemsim 0.1.0"])).as_deref(),
            Some("iemsim 0.1.0")
        );
        let theirs = flac(&[
            "ORIGINAL_ENCODER=iemsim 0.1.0",
            "COMMENT=ENCODER=iemsim 1",
            "encoder=Lavf",
        ]);
        assert_eq!(software_in_header(&theirs).as_deref(), Some("Lavf"));
        assert_eq!(software_in_header(b"ID3\x04 ENCODER=iemsim 1"), None);
    }
}
