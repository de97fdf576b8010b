//! Which files an export reads and writes: the inputs of a folder, the default output names and
//! formats, and the check that no two outputs (or an output and an input) are one file.

use super::export::ExportError;
use crate::dsp::Profile;
use crate::io::{Container, Decoder};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The format of an output named after its input: WAV for WAV input, FLAC for other lossless
/// input, WAV for lossy input (a FLAC of decoded MP3 only looks lossless).
///
/// The decoder says whether a file is lossless (ALAC in .m4a too) and whether it is a WAV, whatever
/// its name. Anything else goes by its
/// extension: an input the decoder cannot open (its error is reported when it is exported), and
/// one that is not a regular file (standard input, a FIFO), which is read once: probing it here
/// took the stream's first bytes, and the export then found no audio in what was left. Standard
/// input has no extension, so it is WAV (`--format flac` asks for FLAC).
pub fn default_container(input: &Path) -> Container {
    let ext = input
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let by_extension = || ["flac", "wv", "ape", "aif", "aiff"].contains(&ext.as_str());
    // What the file holds, not what it is called: a WAV named `take.mp3` got a FLAC.
    let (lossless, is_wav) = match input.is_file().then(|| Decoder::open(input)) {
        Some(Ok(d)) => (
            d.info().lossless,
            matches!(d.info().container, "WAV" | "RF64" | "BW64"),
        ),
        _ => (
            by_extension(),
            ["wav", "wave", "rf64"].contains(&ext.as_str()),
        ),
    };
    if lossless && !is_wav && !crate::io::decode::builtin::is_builtin(input) {
        Container::Flac
    } else {
        Container::Wav
    }
}

/// The most bytes of a profile's part, and of the input's, in an output name: together within
/// the 255 bytes a file name may have, with the dots and extension.
const MAX_LABEL_BYTES: usize = 80;
const MAX_STEM_BYTES: usize = 150;

/// `s` as one portable file-name component: no `/ \ : * ? " < > |`, no control character (each
/// becomes `-`), no trailing dot or space, at most [`MAX_LABEL_BYTES`]. Windows, exFAT and SMB
/// refuse the colon of `iem:moondrop-ssr` (→ `iem-moondrop-ssr`), and a separator would let the
/// text steer the path (`../../x` → `..-..-x`, one harmless component).
pub fn portable_name(s: &str) -> String {
    portable(s, MAX_LABEL_BYTES)
}

/// [`portable_name`] within `max` bytes: a longer name keeps its start and ends in `~` and 8
/// hex digits of its SHA-256, so two long names that differ only past the cut stay apart.
fn portable(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '-'
            } else {
                c
            }
        })
        .collect();
    if out.len() > max {
        use sha2::Digest;
        let mut keep = max - 9;
        while !out.is_char_boundary(keep) {
            keep -= 1;
        }
        out.truncate(keep);
        let digest = sha2::Sha256::digest(s.as_bytes());
        out.push('~');
        out.extend(digest[..4].iter().map(|b| format!("{b:02x}")));
    }
    let trimmed = out.trim_end_matches(['.', ' ']).trim_start();
    if trimmed.is_empty() {
        "profile".into()
    } else {
        trimmed.to_string()
    }
}

/// `DIR/stem.PROFILE.EXT`, DIR being the input's folder (the current one for what has none)
/// unless `out_dir` is given; both names made portable by [`portable_name`].
pub fn default_output(
    input: &Path,
    profile: &str,
    out_dir: Option<&Path>,
    container: Container,
) -> PathBuf {
    let stem = input
        .file_stem()
        .filter(|_| input.as_os_str() != "-")
        // A name as text, with each byte that is not UTF-8 written `%XX`: two inputs that differ
        // only there get two outputs (a lossy `\u{FFFD}` gave both one name). `--json` writes
        // paths the same way.
        .map(|n| crate::io::diag::escaped(n).into_owned())
        .unwrap_or_else(|| "stdin".into());
    // Built-in material, standard input and what is not a file (`/dev/stdin`, process
    // substitution's `/dev/fd/63`, a FIFO) have no folder of their own: write here. A typed
    // `/dev/stdin` wrote `/dev/stdin.ba.wav` (as root), `<(…)` failed in `/dev/fd`.
    let here = input.as_os_str() == "-"
        || crate::io::decode::builtin::is_builtin(input)
        || !std::fs::metadata(input).is_ok_and(|m| m.is_file());
    // A bare name stays bare (`song.ba.flac`, not `./song.ba.flac`).
    let dir = out_dir
        .or(input.parent().filter(|_| !here))
        .map(Path::to_path_buf)
        .unwrap_or_default();
    dir.join(format!(
        "{}.{}.{}",
        not_reserved(portable(&stem, MAX_STEM_BYTES)),
        portable_name(profile),
        container.extension()
    ))
}

/// `stem` with `_` after its first dot-separated part when Windows reserves that part as a
/// device name (`CON`, `PRN`, `AUX`, `NUL`, `COM0`–`COM9`, `LPT0`–`LPT9`, any case): Windows
/// (and SMB shares) refuse `CON.ba.wav` whatever follows the name, so `CON.wav`'s output is
/// `CON_.ba.wav`.
pub fn not_reserved(stem: String) -> String {
    let first = stem.split('.').next().unwrap_or_default();
    let upper = first.trim_end().to_ascii_uppercase();
    let device = matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (upper.len() == 4
            && (upper.starts_with("COM") || upper.starts_with("LPT"))
            && upper.as_bytes()[3].is_ascii_digit());
    if device {
        format!("{first}_{}", &stem[first.len()..])
    } else {
        stem
    }
}

/// A file in an input folder that export leaves out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    #[serde(serialize_with = "crate::io::diag::json_path")]
    pub path: PathBuf,
    pub reason: String,
}

/// Extensions of the formats `io::decode` reads (folder mode picks these up).
pub const AUDIO_EXTENSIONS: &[&str] = &[
    "wav", "wave", "rf64", "flac", "mp3", "ogg", "oga", "m4a", "m4b", "mp4", "aac",
];

/// Extensions of audio formats iemsim does not decode, with the format's name (a folder entry
/// with one of these is listed as an unsupported codec, not as "not audio").
const UNSUPPORTED_AUDIO: &[(&str, &str)] = &[
    ("opus", "Opus"),
    ("wma", "Windows Media Audio"),
    ("ape", "Monkey's Audio"),
    ("wv", "WavPack"),
    ("aif", "AIFF"),
    ("aiff", "AIFF"),
    ("aifc", "AIFF-C"),
    ("mka", "Matroska audio"),
    ("webm", "WebM"),
    ("ac3", "AC-3"),
    ("dts", "DTS"),
    ("mpc", "Musepack"),
    ("amr", "AMR"),
    ("caf", "Core Audio Format"),
    ("dsf", "DSD (DSF)"),
    ("dff", "DSD (DFF)"),
    ("tta", "True Audio"),
    ("mp2", "MPEG audio Layer II"),
    ("mp1", "MPEG audio Layer I"),
    ("mpa", "MPEG audio Layer II"),
    ("w64", "Wave64"),
    ("au", "Sun/NeXT audio"),
    ("snd", "Sun/NeXT audio"),
    ("spx", "Speex"),
    ("shn", "Shorten"),
    ("tak", "TAK"),
    ("ofr", "OptimFROG"),
    ("ra", "RealAudio"),
    ("voc", "Creative Voice"),
];

/// Every entry of `dir`, sorted (the files of an input folder): the audio files to export, and every
/// other entry, left out, with the reason it is left out (hidden, a sub-folder, a broken symbolic
/// link, not a regular file, an unsupported codec, not audio, an earlier output), so nothing in the
/// folder is dropped silently.
pub fn list_wavs(dir: &Path) -> Result<(Vec<PathBuf>, Vec<Skipped>), ExportError> {
    // Earlier outputs: `NAME.PROFILE.ext`, the profile part compared without case; a per-IEM
    // profile both as `iem-SLUG` and as `iem:SLUG`, the spelling of earlier versions.
    let iems = crate::profiles::iems::names();
    let names: Vec<String> = crate::dsp::builtin::NAMES
        .iter()
        .map(|n| n.to_string())
        .chain(iems.iter().map(|n| n.to_lowercase()))
        .chain(iems.iter().map(|n| portable_name(n).to_lowercase()))
        .collect();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|error| ExportError::ListFolder {
            path: dir.to_path_buf(),
            error,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    let (mut files, mut skipped) = (Vec::new(), Vec::new());
    for p in entries {
        let lossy = |s: Option<&std::ffi::OsStr>| s.map(|s| s.to_string_lossy().into_owned());
        let name = lossy(p.file_name()).unwrap_or_default();
        let ext = lossy(p.extension())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let stem = lossy(p.file_stem()).unwrap_or_default().to_lowercase();
        let reason = if name.starts_with('.') {
            Some("hidden (its name starts with a dot)".to_string())
        } else if p.is_dir() {
            Some("a sub-folder: export reads only the files of the folder it is given (there is no --recursive); export the sub-folder on its own".to_string())
        } else if !p.exists() && p.symlink_metadata().is_ok() {
            // Links that point at each other are no broken link: nothing is missing.
            let looped =
                std::fs::metadata(&p).err().and_then(|e| e.raw_os_error()) == Some(libc::ELOOP);
            Some(if looped {
                "a loop of symbolic links (it leads back to itself)".to_string()
            } else {
                "a broken symbolic link (what it points to does not exist)".to_string()
            })
        } else if !p.is_file() {
            Some("not a regular file".to_string())
        } else if let Some((_, codec)) = UNSUPPORTED_AUDIO.iter().find(|(e, _)| *e == ext) {
            Some(format!("unsupported codec: {codec} (iemsim reads WAV, FLAC, MP3, Ogg Vorbis, AAC/ALAC in .m4a/.m4b/.mp4); convert it first, e.g. with ffmpeg -i IN OUT.flac"))
        } else if !AUDIO_EXTENSIONS.contains(&ext.as_str()) {
            Some("not audio (by its extension)".to_string())
        } else {
            names
                .iter()
                .find(|n| stem.ends_with(&format!(".{n}")))
                .map(|profile| format!(
                    "named like an output of profile '{profile}' (NAME.PROFILE.{ext}); rename it to export it"
                ))
                .or_else(|| marked_output(&p, &ext))
        };
        match reason {
            Some(reason) => skipped.push(Skipped { reason, path: p }),
            None => files.push(p),
        }
    }
    Ok((files, skipped))
}

/// The reason to leave out a WAV or FLAC file that iemsim wrote, whatever its name: its ISFT /
/// ENCODER tag is iemsim's mark (`io::tags::mark`). A file that cannot be opened is not judged
/// here: the export names its problem.
fn marked_output(path: &Path, ext: &str) -> Option<String> {
    if !matches!(ext, "wav" | "wave" | "rf64" | "flac") {
        return None;
    }
    super::owner::iemsim_mark(path).map(|software| {
        format!(
            "an earlier output: its tags say '{software}' wrote it (iemsim marks every file it exports); \
             remove the tag or convert it to export it again"
        )
    })
}

/// A path as the collision messages name it: as it is when it is UTF-8, else with its invalid bytes
/// escaped (`"a\\xFF.wav"`), so two names that differ only there do not read alike.
fn shown(p: &Path) -> String {
    p.to_str().map_or_else(|| format!("{p:?}"), str::to_string)
}

/// Refuses a plan in which two outputs, or an output and an input, would be one file, before
/// anything is written: `a.wav` and `a.WAV` both map to `a.ba.wav`, and the second would fail on
/// (or with --force overwrite) the file the first just wrote. Names are compared case-folded too,
/// since on a case-insensitive filesystem (macOS, Windows, FAT/exFAT media) names that differ only
/// in case are one file. Refusing (exit 2, naming both inputs) keeps every output name
/// predictable; the user renames one input or exports it separately. Every clash is named (up to
/// [`MAX_SHOWN`]), so one run shows all there is to rename.
pub fn check_collisions(plan: &[(PathBuf, Vec<(Profile, PathBuf)>)]) -> Result<(), ExportError> {
    use std::collections::HashMap;
    // Case-folded; a name that is not UTF-8 keeps its own bytes (ASCII-folded), so two names that
    // differ only in their invalid bytes stay two names.
    let fold = |p: &Path| match p.to_str() {
        Some(s) => same_name(s).into_bytes(),
        None => p.as_os_str().as_encoded_bytes().to_ascii_lowercase(),
    };
    let mut inputs: HashMap<Vec<u8>, &Path> = HashMap::new();
    for (input, _) in plan {
        inputs.insert(fold(input), input);
    }
    let mut outputs: HashMap<Vec<u8>, (&Path, &str, &Path)> = HashMap::new();
    let mut clashes = Vec::new();
    for (input, jobs) in plan {
        for (profile, out) in jobs {
            let key = fold(out);
            if let Some(&first) = outputs.get(&key) {
                clashes.push(output_clash(first, (input, &profile.name, out)));
                continue;
            }
            if let Some(other_in) = inputs.get(&key).filter(|i| **i != input.as_path()) {
                clashes.push(format!(
                    "{} [{}] would be written to {}, which is (or on a case-insensitive filesystem would be) the input {}; rename one of them",
                    shown(input),
                    profile.name,
                    shown(out),
                    shown(other_in)
                ));
            }
            outputs.insert(key, (input, &profile.name, out));
        }
    }
    match clashes.len() {
        0 => Ok(()),
        1 => Err(ExportError::Collision(format!(
            "{} (nothing was written)",
            clashes[0]
        ))),
        n => {
            let mut message =
                format!("{n} outputs clash with another file's name (nothing was written):");
            for clash in clashes.iter().take(MAX_SHOWN) {
                message.push_str("\n  ");
                message.push_str(clash);
            }
            if n > MAX_SHOWN {
                message.push_str(&format!("\n  ... and {} more", n - MAX_SHOWN));
            }
            Err(ExportError::Collision(message))
        }
    }
}

/// The form of a UTF-8 name under which names one file system may take for one file are equal:
/// lower case, then canonically composed (NFC). macOS's file systems (APFS, HFS+) hold `é` and
/// `e` + U+0301 to be one name, as they do `A` and `a`: two inputs named so gave two outputs
/// that clash there. Canonical equivalence only, not NFKC's compatibility folding: `ﬁ` and `fi`,
/// `①` and `1` are two names on every file system. Lower case first: composing after it gives
/// `É` (U+00C9) and `E` + U+0301 the same `é`.
fn same_name(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.to_lowercase().nfc().collect()
}

/// How many clashes a refusal lists, one line each; the rest are counted.
const MAX_SHOWN: usize = 20;

/// One clash of two outputs, `(input, profile, output)` each: the same name, or names that differ
/// only in case.
fn output_clash(first: (&Path, &str, &Path), second: (&Path, &str, &Path)) -> String {
    let ((other_in, other_profile, other_out), (input, profile, out)) = (first, second);
    let lower = |p: &Path| p.to_string_lossy().to_lowercase();
    let what = if other_out == out {
        "would both be written to"
    } else if lower(other_out) == lower(out) {
        "would be written to names that differ only in case,"
    } else {
        "would be written to names that differ only in case or in how their accents are encoded (Unicode normalisation),"
    };
    // One input twice: the same profile was named twice (or two with one label).
    let advice = if other_in == input {
        "name each profile once"
    } else {
        "rename one input or export it separately"
    };
    let also = if other_out == out {
        String::new()
    } else {
        format!(" and {}", shown(out))
    };
    format!(
        "{} [{other_profile}] and {} [{profile}] {what} {}{also}; {advice}",
        shown(other_in),
        shown(input),
        shown(other_out),
    )
}
