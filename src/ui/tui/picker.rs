//! The profile picker (`p` on the play screen): with the per-IEM profiles there are dozens of
//! names, far more than the digit keys can number, so the listener types part of a name instead.
//!
//! The state and its filter are plain data, tested without a terminal; [`draw_picker`] renders it
//! as a popup over the play screen. Matching ignores case and punctuation, so `moondropssr`,
//! `Moondrop SSR` and `iem:moondrop-ssr` all find `iem:moondrop-ssr`.

use super::widgets::{ellipsize, rounded};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

/// One profile the picker offers.
#[derive(Debug, Clone, PartialEq)]
pub struct PickerEntry {
    /// The name the resolver loads (`ba`, `iem:moondrop-ssr`, a user profile's name).
    pub name: String,
    /// Shown in its own column: `built-in`, `user`, or the IEM's class (`BA`, `DD`, `hybrid`,
    /// `planar`).
    pub class: String,
    /// Also searched, so a model name typed as its maker writes it finds the IEM.
    pub detail: String,
}

/// The open picker: what has been typed and which match is highlighted.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Picker {
    pub query: String,
    /// Index into the current matches (not into the entries).
    pub selected: usize,
}

/// What a key did to the picker.
#[derive(Debug, Clone, PartialEq)]
pub enum PickerInput {
    /// Still open (the query or the highlight may have changed).
    Open,
    /// Closed without choosing.
    Cancel,
    /// Load this entry (an index into the entries).
    Choose(usize),
    /// Ctrl-C: quit the program, as everywhere else.
    Quit,
}

/// Lower-case letters and digits only: the form names are compared in.
pub fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Indices of the entries that match `query`, best first: every entry (in entry order) for an
/// empty query, else the entries whose name matches, exactly, by its start, by the start of one
/// of its words (`ssr` in `iem:moondrop-ssr`), inside, then loosely (the query's letters in
/// order); then those of that class; then, last, those whose description holds the query. Case
/// and punctuation are ignored everywhere; ties keep the entry order.
pub fn filter(entries: &[PickerEntry], query: &str) -> Vec<usize> {
    let q = normalize(query);
    let mut ranked: Vec<(u8, usize)> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| Some((rank(e, &q)?, i)))
        .collect();
    ranked.sort();
    ranked.into_iter().map(|(_, i)| i).collect()
}

/// How well `e` matches the normalised query `q` (lower is better), `None` if it does not.
fn rank(e: &PickerEntry, q: &str) -> Option<u8> {
    if q.is_empty() {
        return Some(0);
    }
    let name = normalize(&e.name);
    // `iem:` is the kind, not the name: `moondrop` is a prefix of `iem:moondrop-ssr`.
    let bare = normalize(e.name.strip_prefix("iem:").unwrap_or(&e.name));
    let mut words = e.name.split(|c: char| !c.is_alphanumeric()).map(normalize);
    let tiers = [
        name == q || bare == q,
        name.starts_with(q) || bare.starts_with(q),
        words.any(|w| !w.is_empty() && w.starts_with(q)),
        name.contains(q),
        in_order(q, &name),
        normalize(&e.class) == q,
        normalize(&e.detail).contains(q),
    ];
    tiers.iter().position(|&t| t).map(|i| i as u8)
}

/// Whether the characters of `q` appear in `s` in the same order (not necessarily together).
fn in_order(q: &str, s: &str) -> bool {
    let mut rest = s.chars();
    q.chars().all(|c| rest.any(|d| d == c))
}

impl Picker {
    /// Applies one key. Typing edits the query (the highlight goes back to the first match),
    /// ↑/↓ move the highlight, Enter chooses, Esc cancels.
    pub fn key(&mut self, key: KeyEvent, entries: &[PickerEntry]) -> PickerInput {
        if key.kind == KeyEventKind::Release {
            return PickerInput::Open;
        }
        if key.modifiers.contains(KeyModifiers::CONTROL) {
            return match key.code {
                KeyCode::Char('c') | KeyCode::Char('C') => PickerInput::Quit,
                _ => PickerInput::Open,
            };
        }
        let matches = filter(entries, &self.query);
        let last = matches.len().saturating_sub(1);
        match key.code {
            KeyCode::Esc => return PickerInput::Cancel,
            KeyCode::Enter => {
                return match matches.get(self.selected) {
                    Some(&i) => PickerInput::Choose(i),
                    None => PickerInput::Open,
                }
            }
            KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            KeyCode::Down => self.selected = (self.selected + 1).min(last),
            KeyCode::PageUp => self.selected = self.selected.saturating_sub(PAGE),
            KeyCode::PageDown => self.selected = (self.selected + PAGE).min(last),
            KeyCode::Backspace => {
                self.query.pop();
                self.selected = 0;
            }
            KeyCode::Char(c) if !key.modifiers.intersects(KeyModifiers::ALT) => {
                self.query.push(c);
                self.selected = 0;
            }
            _ => {}
        }
        PickerInput::Open
    }
}

/// Rows PgUp/PgDn move the highlight.
const PAGE: usize = 10;

/// Draws the picker as a popup centred over `area`; the list scrolls to keep the highlight shown.
pub fn draw_picker(frame: &mut Frame, area: Rect, picker: &Picker, entries: &[PickerEntry]) {
    let matches = filter(entries, &picker.query);
    let widest = |col: fn(&PickerEntry) -> &str| {
        entries
            .iter()
            .map(|e| col(e).chars().count())
            .max()
            .unwrap_or(0)
    };
    let (name_w, class_w) = (widest(|e| e.name.as_str()), widest(|e| e.class.as_str()));
    let w = ((name_w + class_w + 40) as u16).min(area.width.saturating_sub(2));
    let h = area.height.saturating_sub(2).clamp(3, 24);
    let popup = area.centered(Constraint::Length(w), Constraint::Length(h));
    frame.render_widget(Clear, popup);
    let block = rounded(Style::new().fg(Color::Yellow))
        .title(Line::from(" load a profile into the live side ").bold())
        .title_bottom(
            Line::from(" type to filter · ↑↓ · Enter loads · Esc closes ").right_aligned(),
        );
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let rows = inner.height.saturating_sub(1) as usize;
    let mut lines = vec![Line::from(vec![
        Span::styled("> ", Style::new().fg(Color::Yellow).bold()),
        Span::raw(picker.query.clone()),
        Span::styled("▏", Style::new().fg(Color::Yellow)),
        Span::styled(
            format!("  {} of {}", matches.len(), entries.len()),
            Style::new().fg(Color::Gray),
        ),
    ])];
    if matches.is_empty() {
        lines.push(Line::from(" no profile matches").fg(Color::Gray));
    }
    let first = picker.selected.saturating_sub(rows.saturating_sub(1));
    let detail_w = (inner.width as usize).saturating_sub(name_w + class_w + 6);
    for (row, &i) in matches.iter().enumerate().skip(first).take(rows) {
        let e = &entries[i];
        let chosen = row == picker.selected;
        let mark = if chosen { "▶ " } else { "  " };
        let style = if chosen {
            Style::new().fg(Color::Black).bg(Color::Yellow).bold()
        } else {
            Style::new()
        };
        lines.push(
            Line::from(vec![
                Span::raw(mark),
                Span::raw(format!("{:<name_w$}  ", e.name)),
                Span::raw(format!("{:<class_w$}  ", e.class)),
                Span::raw(ellipsize(&e.detail, detail_w)),
            ])
            .style(style),
        );
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, class: &str, detail: &str) -> PickerEntry {
        PickerEntry {
            name: name.into(),
            class: class.into(),
            detail: detail.into(),
        }
    }

    fn entries() -> Vec<PickerEntry> {
        vec![
            entry("ba", "built-in", "Balanced armature"),
            entry("dd", "built-in", "Single dynamic driver"),
            entry("iem:moondrop-ssr", "DD", "Moondrop SSR"),
            entry("iem:etymotic-er4sr", "BA", "Etymotic ER4SR"),
            entry("iem:7hz-timeless", "planar", "7Hz Timeless"),
            entry("My-Tune", "user", "mine"),
        ]
    }

    fn ch(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }
    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn filter_ignores_case_and_punctuation() {
        let e = entries();
        assert_eq!(filter(&e, ""), (0..e.len()).collect::<Vec<_>>());
        for q in [
            "moondropssr",
            "Moondrop SSR",
            "iem:moondrop-ssr",
            "MOON-DROP",
        ] {
            assert_eq!(filter(&e, q), vec![2], "{q}");
        }
        // The user profile, typed any way.
        assert_eq!(filter(&e, "my tune"), vec![5]);
        assert_eq!(filter(&e, "MYTUNE"), vec![5]);
        // A class name picks out that class (whole word, so "ba" is not every "built-in").
        assert_eq!(filter(&e, "planar"), vec![4]);
        assert_eq!(filter(&e, "BA"), vec![0, 3]);
        // The model as its maker writes it.
        assert_eq!(filter(&e, "er4"), vec![3]);
        assert!(filter(&e, "zzz").is_empty());
    }

    /// Issue: "ssr" listed `ba` and `bass-rolloff` (their descriptions hold "ssr" once
    /// punctuation goes) above `iem:moondrop-ssr`. Names first: exact, prefix, word, fuzzy;
    /// descriptions last. Fails on the old filter, which kept the entry order.
    #[test]
    fn names_rank_above_descriptions() {
        let e = vec![
            entry(
                "ba",
                "built-in",
                "Balanced armature: less sub-bass, rolled-off",
            ),
            entry("bass-rolloff", "built-in", "Less sub-bass; roll-off"),
            entry("iem:moondrop-ssr", "DD", "Moondrop SSR"),
            entry("ssr-like", "user", "mine"),
            entry("iem:moondrop-s8", "planar", "Moondrop S8"),
            entry("sr", "user", "exactly sr"),
        ];
        // Prefix (ssr-like), word (moondrop-ssr), inside the name across punctuation
        // (bass-rolloff), then the description (ba's "sub-bass, rolled").
        assert_eq!(filter(&e, "ssr"), vec![3, 2, 1, 0]);
        // Exact first; inside-the-name ties keep the entry order; the description last.
        assert_eq!(filter(&e, "sr"), vec![5, 1, 2, 3, 0]);
        // The maker's name is a prefix of the bare IEM name.
        assert_eq!(filter(&e, "moondrop"), vec![2, 4]);
        // Fuzzy: letters in order inside a name.
        assert_eq!(filter(&e, "mdssr"), vec![2]);
    }

    #[test]
    fn keys_type_move_choose_and_cancel() {
        let e = entries();
        let mut p = Picker::default();
        assert_eq!(p.key(ch('i'), &e), PickerInput::Open);
        assert_eq!(p.key(ch('E'), &e), PickerInput::Open);
        assert_eq!(p.key(ch('m'), &e), PickerInput::Open);
        assert_eq!(p.query, "iEm");
        // Three per-IEM matches; ↓ twice, a third ↓ stays on the last.
        for _ in 0..3 {
            p.key(press(KeyCode::Down), &e);
        }
        assert_eq!(p.selected, 2);
        p.key(press(KeyCode::Up), &e);
        assert_eq!(p.key(press(KeyCode::Enter), &e), PickerInput::Choose(3));
        // Typing resets the highlight to the first match; Backspace widens the filter again.
        p.key(ch('x'), &e);
        assert_eq!(p.selected, 0);
        assert_eq!(
            p.key(press(KeyCode::Enter), &e),
            PickerInput::Open,
            "no match"
        );
        p.key(press(KeyCode::Backspace), &e);
        assert_eq!(p.key(press(KeyCode::Enter), &e), PickerInput::Choose(2));
        // Letters that are keys elsewhere (q, a, b) are text here; Esc cancels, Ctrl-C quits.
        let mut p = Picker::default();
        p.key(ch('q'), &e);
        assert_eq!(p.query, "q");
        assert_eq!(p.key(press(KeyCode::Esc), &e), PickerInput::Cancel);
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(p.key(ctrl_c, &e), PickerInput::Quit);
    }

    #[test]
    fn the_popup_lists_matches_with_their_class_and_highlights_one() {
        use super::super::testing::{draw, text};
        let e = entries();
        let p = Picker {
            query: "iem".into(),
            selected: 1,
        };
        let screen = text(&draw(80, 24, |f| draw_picker(f, f.area(), &p, &e)));
        assert!(screen.contains("3 of 6"), "{screen}");
        let row = |n: &str| {
            screen
                .lines()
                .find(|l| l.contains(n))
                .unwrap_or("")
                .to_string()
        };
        assert!(row("iem:etymotic-er4sr").contains("▶"), "{screen}");
        assert!(row("iem:etymotic-er4sr").contains(" BA "), "{screen}");
        assert!(row("iem:7hz-timeless").contains("planar"), "{screen}");
        assert!(!screen.contains("My-Tune"), "{screen}");
    }
}
