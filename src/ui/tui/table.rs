//! Markdown tables in the demo text, drawn as aligned columns.
//!
//! The demo text is markdown-like; a pipe table wrapped as prose breaks rows mid-cell and loses
//! its columns on an 80-column terminal. Here each column gets the width of its widest cell;
//! when the row is wider than the panel the widest columns give way first and a cell that no
//! longer fits is cut with "…", so a row is always exactly one line.

use super::widgets::ellipsize;

/// Whether `line` is a row of a pipe table (`| a | b |`).
pub fn is_table_row(line: &str) -> bool {
    let t = line.trim();
    t.len() >= 2 && t.starts_with('|') && t.ends_with('|')
}

/// The cells of a table row, trimmed; `None` for the `|---|:--:|` separator row.
fn cells(line: &str) -> Option<Vec<String>> {
    let t = line.trim();
    let inner = &t[1..t.len() - 1];
    let cells: Vec<String> = inner.split('|').map(|c| c.trim().to_string()).collect();
    let separator = cells
        .iter()
        .all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')));
    (!separator).then_some(cells)
}

/// Spaces between two columns: two, or one when two would not fit.
const GAP: usize = 2;
/// A column never shrinks below this (room for a letter or two and the "…").
const MIN_COL: usize = 3;

/// The rows of a table (its markdown lines) as lines of at most `width` characters: columns
/// aligned, a rule under the header when there was a separator row.
pub fn render_table(lines: &[&str], width: usize) -> Vec<String> {
    let had_rule = lines.iter().any(|l| cells(l).is_none());
    let rows: Vec<Vec<String>> = lines.iter().filter_map(|l| cells(l)).collect();
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    if n == 0 {
        return Vec::new();
    }
    let mut widths = vec![0usize; n];
    for row in &rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let gap = if widths.iter().sum::<usize>() + GAP * (n - 1) > width {
        1
    } else {
        GAP
    };
    let total = |ws: &[usize]| ws.iter().sum::<usize>() + gap * (ws.len() - 1);
    // Narrow the widest column one character at a time until the row fits (or cannot shrink).
    while total(&widths) > width {
        let (i, &w) = widths
            .iter()
            .enumerate()
            .max_by_key(|&(i, w)| (*w, std::cmp::Reverse(i)))
            .unwrap_or((0, &0));
        if w <= MIN_COL {
            break;
        }
        widths[i] = w - 1;
    }
    let mut out = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        let line: Vec<String> = widths
            .iter()
            .enumerate()
            .map(|(i, &w)| {
                let c = row.get(i).map(String::as_str).unwrap_or("");
                format!("{:<w$}", ellipsize(c, w))
            })
            .collect();
        let line = line.join(&" ".repeat(gap));
        out.push(ellipsize(line.trim_end(), width));
        if r == 0 && had_rule {
            out.push("─".repeat(total(&widths).min(width)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_and_rows_never_wrap() {
        let md = [
            "| class | 20-60 Hz | 5-10 kHz |",
            "|---|---:|---|",
            "| BA | +1.0 ± 0.5 | -2.0 ± 1.0 |",
            "| hybrid | +6.5 ± 2.1 | +0.3 ± 0.9 |",
        ];
        let t = render_table(&md, 80);
        assert_eq!(
            t,
            [
                "class   20-60 Hz    5-10 kHz",
                "──────────────────────────────",
                "BA      +1.0 ± 0.5  -2.0 ± 1.0",
                "hybrid  +6.5 ± 2.1  +0.3 ± 0.9",
            ]
        );
        // Too narrow: every row is still one line of at most the width, cut per cell.
        let t = render_table(&md, 20);
        assert_eq!(t.len(), 4);
        for row in &t {
            assert!(row.chars().count() <= 20, "{row:?}");
        }
        assert!(t[2].starts_with("BA "), "{t:?}");
        assert!(t[3].contains('…'), "{t:?}");
    }

    #[test]
    fn only_pipe_rows_are_table_rows() {
        assert!(is_table_row("| a | b |"));
        assert!(is_table_row("  |a|  "));
        assert!(!is_table_row("a | b"));
        assert!(!is_table_row("|"));
    }
}
