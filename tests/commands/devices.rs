//! `src/commands/devices.rs`'s functions (the command layer is not in the unit-test build: see `src/lib.rs`).

use iemsim::commands::devices::*;
use iemsim::playback::device::DeviceInfo;

#[test]
fn summary_compacts_ranges() {
    let d = DeviceInfo {
        name: "x".into(),
        description: "X".into(),
        is_default: true,
        rates: vec![(44_100, 44_100), (8_000, 192_000)],
        formats: vec!["f32".into(), "i16".into()],
        channels: vec![1, 2, 3, 4],
    };
    assert_eq!(summary(&d), "44100, 8000–192000 Hz; f32, i16; 1–4 ch");
    let d = DeviceInfo {
        channels: vec![2, 6],
        ..d
    };
    assert!(summary(&d).ends_with("; 2, 6 ch"));
}
