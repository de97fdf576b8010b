//! `src/commands/demo/report.rs`'s functions (the command layer is not in the unit-test build: see `src/lib.rs`).

use iemsim::cli::DemoKind;
use iemsim::commands::demo::report::*;

/// Only a README that still ends with the demo's own line is the demo's: the tester's
/// `README.md` ("my notes") was replaced by `demo --export DIR --force`.
#[test]
fn a_readme_is_the_demos_only_while_it_ends_with_its_trailer() {
    let body = "# iemsim demo: x\n\ntext\n\n";
    let ours = format!("{body}{}\n", trailer(DemoKind::Bass, body));
    assert!(is_own_readme(&ours));
    assert!(is_own_readme(&format!(
        "{}\n\n",
        trailer(DemoKind::Signatures, "")
    )));
    // An edit anywhere above the last line makes it the user's (it was replaced).
    assert!(!is_own_readme(&ours.replacen(
        "\ntext\n",
        "\ntext, and my notes\n",
        1
    )));
    assert!(!is_own_readme(&ours.replacen("x\n", "x\nmy notes\n", 1)));
    // Exports made before the fingerprint: the line alone marks them.
    assert!(is_own_readme(&format!(
        "{body}_Written by `iemsim demo bass` ({})._\n",
        iemsim::io::tags::mark()
    )));
    assert!(!is_own_readme("my notes\n"));
    assert!(!is_own_readme(""));
    assert!(!is_own_readme(&format!("{ours}\nmy notes on part 2\n")));
    assert!(!is_own_readme(
        "_Written by `iemsim demo bass` (someone else 1.0)._"
    ));
    assert!(!is_own_readme(
        "_Written by `iemsim demo karaoke` (iemsim 0.1.0)._"
    ));
}
