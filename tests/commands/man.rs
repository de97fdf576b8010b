//! `src/commands/man.rs`'s functions (the command layer is not in the unit-test build: see `src/lib.rs`).

#[test]
fn non_ascii_becomes_roff_unicode_escapes() {
    assert_eq!(
        iemsim::commands::man::ascii_roff("a ≤ 24 · ±1 ↑"),
        "a \\[u2264] 24 \\[u00B7] \\[u00B1]1 \\[u2191]"
    );
}

/// The examples keep their columns: no fill, no justification, no hyphenation mid-name.
#[test]
fn examples_are_kept_as_written() {
    let roff = ".SH OPTIONS\n  kept filled\n.SH EXTRA\nNote.\nExamples:\n  a  b\n  c  d\nAfter.\n";
    assert_eq!(
        iemsim::commands::man::preformatted_examples(roff),
        ".SH OPTIONS\n  kept filled\n.SH NOTES\nNote.\nExamples:\n.nf\n  a  b\n  c  d\n.fi\nAfter.\n"
    );
}
