//! `src/commands/demo/text/signatures.rs`'s functions (the command layer is not in the unit-test build: see `src/lib.rs`).

use iemsim::commands::demo::text::signatures::*;
use iemsim::commands::demo::text::BANDS;

/// The intro explains the bands the class profiles do not follow by the fit's treble limits;
/// that explanation holds only while those bands are the treble ones.
#[test]
fn the_profiles_leave_only_the_upper_treble_of_the_class_means_out() {
    let off: Vec<usize> = unfollowed_bands().iter().map(|o| o.0).collect();
    assert_eq!(off, [5], "bands not followed: {off:?}");
    assert!(BANDS[5].0 >= 9000.0);
}
