//! Number formats shared by every command and screen, so the same value reads the same
//! everywhere: one dB rule (one decimal, never "-0.0") and one clock rule (see `clock`); and the
//! one Markdown table the reports print.

/// dB with a sign and one decimal: "+3.7", "-12.0"; a value that rounds to zero is "+0.0",
/// never "-0.0" (Rust keeps the sign of a negative number that rounds to zero).
pub fn db(x: f64) -> String {
    let s = format!("{x:+.1}");
    if s == "-0.0" {
        "+0.0".into()
    } else {
        s
    }
}

/// dB without a forced sign (levels such as dBFS, LUFS): "-12.3", "0.0", never "-0.0".
pub fn level(x: f64) -> String {
    db(x).trim_start_matches('+').to_string()
}

/// "M:SS", or "H:MM:SS" past an hour, rounded down to the second (a position reads the second it
/// is in, like a CD player's display). Negative or non-finite times show as 0:00. Every time on
/// the screens (position, duration, loop ends, messages) goes through this one rule.
pub fn clock(s: f64) -> String {
    // `as` takes a negative number (and NaN) to 0.
    let total = if s.is_finite() { s.floor() as u64 } else { 0 };
    let (h, m, sec) = (total / 3600, (total / 60) % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{sec:02}")
    } else {
        format!("{m}:{sec:02}")
    }
}

/// [`clock`] with tenths, "M:SS.t", rounded down the same way: for loop ends, which are marked
/// to a fraction of a second (the loop bar and the messages both use it).
pub fn clock_tenths(s: f64) -> String {
    let t = s * 10.0 + 1e-9;
    let tenths = if t.is_finite() { t.floor() as u64 } else { 0 };
    format!("{}.{}", clock((tenths / 10) as f64), tenths % 10)
}

/// "1 trial", "4 trials".
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The columns `s` takes on a terminal: two for a CJK character or an emoji, none for a
/// combining mark (a `char` count put `[user]` out of line after a CJK profile name).
pub fn columns(s: &str) -> usize {
    ratatui::text::Span::raw(s).width()
}

/// `s` padded with spaces to `width` terminal columns.
pub fn pad(s: &str, width: usize) -> String {
    format!("{s}{}", " ".repeat(width.saturating_sub(columns(s))))
}

/// The width of the terminal standard output is, or None when it is not one (a pipe or file
/// keeps each item on one line, for scripts and grep).
pub fn stdout_columns() -> Option<usize> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    crossterm::terminal::size()
        .ok()
        .map(|(w, _)| usize::from(w))
        .filter(|&w| w >= 40)
}

/// `text` word-wrapped to `width` columns (None: as it is), every line after the first indented
/// by `indent` spaces, as a column that goes on under itself; a word longer than a line stays
/// whole rather than being cut in the middle.
pub fn wrap(text: &str, first_col: usize, indent: usize, width: Option<usize>) -> String {
    let Some(width) = width else {
        return text.to_string();
    };
    let mut out = String::new();
    let mut col = first_col;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let len = columns(word);
        if col > indent && col + 1 + len > width {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            col = indent;
        } else if !out.is_empty() {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += len;
    }
    out
}

/// A Markdown table with columns padded to line up in a terminal too.
pub fn markdown_table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| columns(s))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |r: &[String]| {
        let cells: Vec<String> = (0..cols)
            .map(|c| pad(r.get(c).map_or("", String::as_str), width[c]))
            .collect();
        format!("| {} |\n", cells.join(" | "))
    };
    let mut out = String::new();
    for (i, r) in rows.iter().enumerate() {
        out.push_str(&line(r));
        if i == 0 {
            let dashes: Vec<String> = width.iter().map(|&w| "-".repeat(w.max(3))).collect();
            out.push_str(&format!("|-{}-|\n", dashes.join("-|-")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    /// Columns on a terminal, not bytes or chars: `ü` is one (two bytes), `日本` four (two
    /// chars); the profile list lined its descriptions up by bytes.
    #[test]
    fn padding_counts_terminal_columns() {
        assert_eq!(columns("ü spaced"), 8);
        assert_eq!(columns("日本"), 4);
        assert_eq!(pad("日本", 6), "日本  ");
        assert_eq!(pad("ü", 3), "ü  ");
        let t = markdown_table(&[vec!["a".into()], vec!["日本".into()]]);
        assert!(t.contains("| a    |") && t.contains("| 日本 |"), "{t}");
    }

    #[test]
    fn wraps_at_words_under_its_column() {
        use super::wrap;
        let t = "sub-bass rolled off below ~60 Hz, recessed 2-5 kHz presence";
        assert_eq!(wrap(t, 0, 0, None), t);
        let w = wrap(t, 10, 10, Some(40));
        assert_eq!(
            w,
            "sub-bass rolled off below ~60\n          Hz, recessed 2-5 kHz presence"
        );
        assert!(w.lines().all(|l| l.chars().count() <= 40 - 10 + 10));
        // A word longer than the line stays whole.
        assert_eq!(wrap("aaaaaaaaaaaa bb", 0, 2, Some(8)), "aaaaaaaaaaaa\n  bb");
    }

    use super::*;

    #[test]
    fn no_negative_zero() {
        assert_eq!(db(-0.04), "+0.0");
        assert_eq!(db(-0.0), "+0.0");
        assert_eq!(db(0.05), "+0.1");
        assert_eq!(db(-3.66), "-3.7");
        assert_eq!(level(-0.04), "0.0");
        assert_eq!(level(-12.34), "-12.3");
    }

    #[test]
    fn clocks_and_counts() {
        assert_eq!(clock(4.5), "0:04");
        assert_eq!(clock(7.8), "0:07");
        assert_eq!(clock(59.9), "0:59");
        assert_eq!(clock(-1.0), "0:00");
        assert_eq!(clock(f64::NAN), "0:00");
        assert_eq!(clock(3725.0), "1:02:05");
        assert_eq!(clock_tenths(4.5), "0:04.5");
        assert_eq!(clock_tenths(7.86), "0:07.8");
        assert_eq!(clock_tenths(65.0), "1:05.0");
        assert_eq!(count(1, "trial"), "1 trial");
        assert_eq!(count(4, "trial"), "4 trials");
    }
}
