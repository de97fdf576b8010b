//! The text of a rendered demo: the README an export writes (also printed to stdout) and the
//! numbers table the interactive demo shows beside each part.

use super::part::RenderedPart;
use super::DemoKind;
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
        format!("A: {}", part.a),
        format!("B: {}", part.b),
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

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The README of an exported demo: title, intro, then per part its text, files and numbers.
pub fn readme(kind: DemoKind, parts: &[RenderedPart]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# iemsim demo: {}\n", super::title(kind));
    let _ = writeln!(s, "{}\n", super::intro(kind));
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
                "- `{}`: {side} = {profile} (output gain {} dB)",
                file_name(path),
                db(gain)
            );
        }
        let _ = writeln!(
            s,
            "\n![{} and {}: magnitude responses]({})\n",
            p.a,
            p.b,
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
        for note in &p.notes {
            let _ = writeln!(s, "\nNote: {note}");
        }
        for (side, n) in [('A', p.clipped_samples[0]), ('B', p.clipped_samples[1])] {
            if n > 0 {
                let _ = writeln!(s, "\nWarning: {n} samples clipped in side {side}.");
            }
        }
        let _ = writeln!(s, "\nNumbers (dB):\n\n{}", numbers_table(p));
    }
    s
}
