//! The one way iemsim writes a diagnostic (warning, error, notice) to standard error, and the
//! one way text that came from a file is made safe to print.
//!
//! `eprintln!` panics when stderr cannot be written: `export DIR … 2>/dev/full` with one bad file
//! exited 101. [`line`] ignores every write error (EPIPE, ENOSPC, a dead terminal): a diagnostic
//! that cannot be shown must never change what the command does or its exit code.
//!
//! Names, descriptions and error echoes come from files that anyone may write: an ESC or OSC
//! sequence in a profile's name reached the terminal (and set the window title). [`printable`]
//! escapes every control character but newline and tab, so the text shows as written, inert.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::fmt::{self, Write as _};
use std::io::Write;
use std::path::Path;

/// `name` as text: as it is when it is UTF-8, else with each byte that is not part of UTF-8
/// written `%XX` (upper-case hex), so two names that differ only there stay apart (a lossy
/// `\u{FFFD}` made them one). Export names its outputs with it (`bad\xFF.wav` →
/// `bad%FF.ba.wav`), and every `--json` writes paths with it ([`json_path`]). Borrowed when UTF-8.
pub fn escaped(name: &OsStr) -> Cow<'_, str> {
    if let Some(s) = name.to_str() {
        return Cow::Borrowed(s);
    }
    let mut out = String::new();
    for chunk in name.as_encoded_bytes().utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            let _ = write!(out, "%{b:02X}");
        }
    }
    Cow::Owned(out)
}

/// A path as `--json` writes it ([`escaped`]): serde_json refuses a path that is not UTF-8
/// ("path contains invalid UTF-8 characters"), which failed `export --json` after its outputs
/// were written. For `#[serde(serialize_with = "crate::io::diag::json_path")]`.
pub fn json_path<P: AsRef<Path>, S: serde::Serializer>(p: &P, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&escaped(p.as_ref().as_os_str()))
}

/// [`json_path`] of an optional path (`null` when absent).
pub fn json_opt_path<P: AsRef<Path>, S: serde::Serializer>(
    p: &Option<P>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match p {
        Some(p) => json_path(p, s),
        None => s.serialize_none(),
    }
}

/// `s` with each control character (C0 but `\n` and `\t`, DEL, C1) written as `\u001b` /
/// `\u009b`: JSON's escape, so a `--json` line stays valid JSON (serde_json leaves DEL and C1
/// raw; `\u{85}` made `show --json` unreadable). Borrowed when there is none.
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !is_unsafe(c) {
            out.push(c);
        } else {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
    }
    Cow::Owned(out)
}

/// `s` on one line: its line breaks written `\n` / `\r`, for lines that stand one per item (a
/// folder's skip and failure lines), where a file named `new⏎line.wav` split its line in two.
pub fn one_line(s: &str) -> Cow<'_, str> {
    if !s.contains(['\n', '\r']) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.replace('\n', "\\n").replace('\r', "\\r"))
}

/// An error message as printed: the line breaks a file's name or contents bring (`bad⏎name.txt`)
/// written `\n` / `\r`, so the message stays one line; a break before two spaces, which starts
/// an item of the message's own list (`2 outputs clash …:⏎  a.wav …`), is kept.
pub fn message(s: &str) -> Cow<'_, str> {
    if !s.contains(['\n', '\r']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for (i, c) in s.char_indices() {
        match c {
            '\n' if s[i + 1..].starts_with("  ") => out.push('\n'),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn is_unsafe(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// A word (a run without white space) longer than this is cut in a diagnostic: no path comes
/// near it, and a message quoting a file's 500,000-character value was one 500 KB line.
const WORD_MAX: usize = 1000;

/// `s` with each word over [`WORD_MAX`] characters cut to its first 80 and a count of the rest.
fn bounded(s: &str) -> Cow<'_, str> {
    if s.len() <= WORD_MAX {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(WORD_MAX);
    let mut rest = s;
    while !rest.is_empty() {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..end];
        let n = word.chars().count();
        if n > WORD_MAX {
            out.extend(word.chars().take(80));
            let _ = write!(out, "…({} more characters)", n - 80);
        } else {
            out.push_str(word);
        }
        rest = &rest[end..];
        let space = rest.len() - rest.trim_start().len();
        out.push_str(&rest[..space]);
        rest = &rest[space..];
    }
    Cow::Owned(out)
}

/// Writes `args` and a newline to stderr, control characters escaped, very long words cut,
/// ignoring write errors.
pub fn line(args: fmt::Arguments<'_>) {
    let text = fmt::format(args);
    let mut e = std::io::stderr().lock();
    let _ = e.write_all(bounded(&printable(&text)).as_bytes());
    let _ = e.write_all(b"\n");
    let _ = e.flush();
}

/// `eprintln!` that never panics and escapes what files put in it: `diag!("iemsim: {e:#}")`.
macro_rules! diag {
    ($($arg:tt)*) => {
        $crate::io::diag::line(format_args!($($arg)*))
    };
}
pub(crate) use diag;

#[cfg(test)]
mod tests {
    use super::{bounded, escaped, json_opt_path, json_path, message, one_line, printable};
    use std::borrow::Cow;

    #[test]
    fn a_huge_word_is_cut_and_the_rest_kept() {
        let junk = "(".repeat(500_000);
        let msg = format!("x.toml:13: unknown filter type 'peaking{junk}'; the types are PK, LS");
        let out = bounded(&msg);
        assert!(out.len() < 400, "{}", out.len());
        assert!(out.starts_with("x.toml:13: unknown filter type 'peaking((("));
        assert!(
            out.contains("…(499930 more characters) the types are PK, LS"),
            "{out}"
        );
        // Ordinary lines, and long ones of ordinary words, are untouched.
        let long = "word ".repeat(1000);
        assert!(matches!(bounded(&long), Cow::Owned(ref s) if *s == long));
        assert!(matches!(bounded("a b"), Cow::Borrowed("a b")));
    }

    /// A path that is not UTF-8 serialises (serde_json refused it), its stray bytes as `%XX`;
    /// a UTF-8 one as it is.
    #[cfg(unix)]
    #[test]
    fn paths_that_are_not_utf8_serialise_escaped() {
        use std::os::unix::ffi::OsStrExt;
        use std::path::{Path, PathBuf};
        let bad = PathBuf::from(std::ffi::OsStr::from_bytes(b"n2/bad\xff\xfe.wav"));
        assert!(
            serde_json::to_string(&bad).is_err(),
            "serde_json's own refusal"
        );
        #[derive(serde::Serialize)]
        struct R<'a> {
            #[serde(serialize_with = "json_path")]
            p: &'a Path,
            #[serde(serialize_with = "json_path")]
            owned: PathBuf,
            #[serde(serialize_with = "json_opt_path")]
            opt: Option<&'a Path>,
            #[serde(serialize_with = "json_opt_path")]
            none: Option<PathBuf>,
        }
        let r = R {
            p: &bad,
            owned: PathBuf::from("ü %41.wav"),
            opt: Some(&bad),
            none: None,
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"p":"n2/bad%FF%FE.wav","owned":"ü %41.wav","opt":"n2/bad%FF%FE.wav","none":null}"#
        );
        assert!(matches!(
            escaped(std::ffi::OsStr::new("a.wav")),
            Cow::Borrowed("a.wav")
        ));
    }

    /// A folder's lines stay one per item whatever the file names hold.
    #[test]
    fn one_line_writes_line_breaks_as_escapes() {
        assert_eq!(
            one_line("dir/new\nline.wav: bad"),
            "dir/new\\nline.wav: bad"
        );
        assert_eq!(one_line("a\rb"), "a\\rb");
        assert!(matches!(one_line("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn escapes_terminal_controls_keeps_text() {
        assert_eq!(printable("plain ü\ttab\n"), "plain ü\ttab\n");
        assert_eq!(
            message("bad\nname.txt:1: x\r:\n  a list\n  item"),
            "bad\\nname.txt:1: x\\r:\n  a list\n  item"
        );
        assert_eq!(
            printable("a\u{1b}]0;pwned\u{7}b\rc\u{9b}d"),
            "a\\u001b]0;pwned\\u0007b\\u000dc\\u009bd"
        );
        // Inside a JSON string the escape decodes to the character itself.
        let line =
            printable(&serde_json::json!({"name": "a\u{85}\u{7f}b"}).to_string()).into_owned();
        let back: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
        assert_eq!(back["name"], "a\u{85}\u{7f}b");
    }
}
