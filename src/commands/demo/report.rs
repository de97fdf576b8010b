//! The text of a rendered demo: the README an export writes (also printed to stdout) and the
//! numbers table the interactive demo shows beside each part.

use super::part::RenderedPart;
use super::DemoKind;
use crate::profiles::headphones::Correction;
use crate::ui::fmt::markdown_table;
use std::fmt::Write;
use std::path::Path;

/// The part's numbers as a Markdown table: one row per measure; the value on A's and B's files,
/// then for each side the measured change and the filters' closed-form response (see `numbers`).
pub fn numbers_table(part: &RenderedPart) -> String {
    let side = |profile: &str, measure: &str| {
        part.numbers
            .iter()
            .find(|n| n.profile == profile && n.measure == measure)
    };
    let mut measures: Vec<&str> = Vec::new();
    for n in &part.numbers {
        if !measures.contains(&n.measure.as_str()) {
            measures.push(&n.measure);
        }
    }
    let headers = [
        "dB".to_string(),
        format!("A: {}", part.side_label(&part.a)),
        format!("B: {}", part.side_label(&part.b)),
        "A change / filters".to_string(),
        "B change / filters".to_string(),
    ];
    let mut rows = vec![headers.to_vec()];
    for m in measures {
        let cells = [side(&part.a, m), side(&part.b, m)];
        let value = |i: usize| cells[i].map_or("-".into(), |n| db(n.value_db));
        let change = |i: usize| {
            cells[i].map_or("-".into(), |n| {
                format!("{} / {}", db(n.change_db), db(n.filters_db))
            })
        };
        rows.push(vec![
            m.to_string(),
            value(0),
            value(1),
            change(0),
            change(1),
        ]);
    }
    markdown_table(&rows)
}

use crate::ui::fmt::db;

pub fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The README of an exported demo: title, intro, then per part its text, files and numbers;
/// with a headphone correction `hp`, one line naming it.
pub fn readme(kind: DemoKind, parts: &[RenderedPart], hp: Option<&Correction>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# iemsim demo: {}\n", super::title(kind));
    let _ = writeln!(s, "{}\n", super::intro(kind));
    if let Some(c) = hp {
        // A remembered correction is easy to forget, and it moves every number: say so once.
        let _ = writeln!(
            s,
            "Headphone correction: {} ({}), before both sides of every part: the files, the \
charts and the numbers tables include it (sides marked \"+ headphone EQ\"); the figures quoted in \
the text are the profiles' own, without it.\n",
            c.label,
            c.summary()
        );
    }
    let _ = writeln!(
        s,
        "Play each part's A and B files in turn (they are loudness-matched), or run `iemsim demo {}` \
to flip between them live.\n",
        super::kind_name(kind)
    );
    for (i, p) in parts.iter().enumerate() {
        let _ = writeln!(s, "## Part {}/{}: {}\n", i + 1, parts.len(), p.title);
        let _ = writeln!(s, "{}\n", p.text);
        let _ = writeln!(s, "Files ({:.1} s, 44.1 kHz, 24-bit stereo):\n", p.seconds);
        let _ = writeln!(
            s,
            "- `{}`: the material, unprocessed",
            file_name(&p.files.source)
        );
        for (side, profile, path, gain) in [
            ('A', &p.a, &p.files.a, p.gains_db[0]),
            ('B', &p.b, &p.files.b, p.gains_db[1]),
        ] {
            let _ = writeln!(
                s,
                "- `{}`: {side} = {} (output gain {} dB)",
                file_name(path),
                p.side_label(profile),
                db(gain)
            );
        }
        let _ = writeln!(
            s,
            "\n![{} and {}: magnitude responses]({})\n",
            p.side_label(&p.a),
            p.side_label(&p.b),
            file_name(&p.files.response_png)
        );
        let _ = writeln!(
            s,
            "![The material's spectrum before and after]({})\n",
            file_name(&p.files.spectra_png)
        );
        let _ = writeln!(s, "Material:\n");
        for piece in &p.material {
            let _ = writeln!(s, "- {piece}");
        }
        for (side, n) in [('A', p.clipped_samples[0]), ('B', p.clipped_samples[1])] {
            if n > 0 {
                let _ = writeln!(s, "\nWarning: {n} samples clipped in side {side}.");
            }
        }
        let _ = writeln!(s, "\nNumbers (dB):\n\n{}", numbers_table(p));
    }
    let trailer = trailer(kind, &s);
    let _ = writeln!(s, "{trailer}");
    s
}

/// The start of the README's last line, which says what wrote it.
const TRAILER_HEAD: &str = "_Written by `iemsim demo ";

/// The README's last line: what wrote it, and a fingerprint of the text above it
/// (`_Written by `iemsim demo bass` (iemsim 0.1.0, text 3f2a9c01)._`). A demo export run again
/// replaces a README.md only while this is still its last line and the text above it is
/// unchanged ([`is_own_readme`]): the user's own README, or the demo's with notes added
/// anywhere in it, is kept.
pub fn trailer(kind: DemoKind, body: &str) -> String {
    format!(
        "{TRAILER_HEAD}{}` ({}, text {})._",
        super::kind_name(kind),
        crate::io::tags::mark(),
        fingerprint(body)
    )
}

/// The first 8 hex digits of the SHA-256 of `body`.
fn fingerprint(body: &str) -> String {
    use sha2::{Digest, Sha256};
    // The precision is in hex digits: the first 4 bytes.
    format!("{:.8x}", Sha256::digest(body.as_bytes()))
}

/// Whether `text` is a README `iemsim demo` wrote and nobody has edited (see [`not_own_readme`]).
pub fn is_own_readme(text: &str) -> bool {
    not_own_readme(text).is_none()
}

/// Why `text` is not a README `iemsim demo` wrote and nobody has edited (None: it is one): its
/// last line is a [`trailer`] (of any demo and iemsim version, as the audio files' mark is of any
/// version) whose fingerprint is that of the text above it. A trailer without one (exports made
/// before it was added) marks the README as the demo's by itself, as it did then. The two ways
/// to fail have their own words: a line edited in the middle was refused for a last line that
/// was intact.
pub fn not_own_readme(text: &str) -> Option<&'static str> {
    let Some(t) = parse_trailer(text) else {
        return Some("its last line is not the one `iemsim demo` ends its README with");
    };
    let unchanged = t.print.is_none_or(|print| print == fingerprint(t.body));
    (!unchanged).then_some(
        "it was edited: its last line is the one `iemsim demo` ends its README with, but the \
         text above it no longer matches the fingerprint there",
    )
}

/// The demo whose [`trailer`] ends `text` (edited or not; None when its last line is none).
pub fn readme_demo(text: &str) -> Option<&str> {
    parse_trailer(text).map(|t| t.kind)
}

/// A README's last line read as a [`trailer`], and the text above it.
struct Trailer<'a> {
    body: &'a str,
    kind: &'a str,
    /// Its fingerprint; None in a trailer from before fingerprints.
    print: Option<&'a str>,
}

/// `text`'s last line as a [`trailer`] of a known demo and an iemsim mark; None when it is not.
fn parse_trailer(text: &str) -> Option<Trailer<'_>> {
    let text = text.trim_end();
    let start = text.rfind('\n').map_or(0, |i| i + 1);
    let (body, last) = text.split_at(start);
    let (kind, rest) = last.strip_prefix(TRAILER_HEAD)?.split_once("` (")?;
    let rest = rest.strip_suffix(")._")?;
    let (mark, print) = match rest.split_once(", text ") {
        Some((mark, print)) => (mark, Some(print)),
        None => (rest, None),
    };
    let kinds = [DemoKind::Sibilance, DemoKind::Bass, DemoKind::Signatures];
    let known = kinds.iter().any(|&k| super::kind_name(k) == kind);
    (known && crate::io::tags::is_mark(mark) && !mark.contains(',')).then_some(Trailer {
        body,
        kind,
        print,
    })
}
