//! `src/commands/show.rs`'s functions (the command layer is not in the unit-test build: see `src/lib.rs`).

/// Bars line up on the 0 dB mark; past ±12 dB they end in an arrow instead of stopping.
#[test]
fn bars_mark_what_they_cannot_show() {
    use iemsim::commands::show::bar;
    assert_eq!(bar(3.0), format!("{}|███", " ".repeat(12)));
    assert_eq!(bar(-2.0), format!("{}██|", " ".repeat(10)));
    assert_eq!(bar(12.0), format!("{}|{}", " ".repeat(12), "█".repeat(12)));
    assert_eq!(bar(-30.0), format!("◀{}|", "█".repeat(11)));
    assert_eq!(bar(20.0), format!("{}|{}▶", " ".repeat(12), "█".repeat(11)));
    for db in [-30.0, -12.0, -1.0, 0.0, 1.0, 12.0, 20.0] {
        let zero = bar(db).chars().position(|c| c == '|');
        assert_eq!(zero, Some(12), "{db}");
    }
}
