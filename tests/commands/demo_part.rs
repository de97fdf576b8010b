//! `src/commands/demo/part.rs`'s functions (the command layer is not in the unit-test build: see `src/lib.rs`).

use iemsim::commands::demo::part::*;
use iemsim::commands::resolve_through;
use iemsim::profiles::headphones::Correction;

/// With a headphone correction the demo's response chart drew the correction's bump as
/// "neutral", under a subtitle calling each curve the profile's deviation from the target.
#[test]
fn the_response_chart_says_when_the_profiles_play_through_a_correction() {
    let part = &iemsim::commands::demo::text::parts(iemsim::cli::DemoKind::Bass)[1];
    let hp = Correction {
        profile: iemsim::profiles::resolve("sibilance", None).expect("built-in"),
        label: "hp.txt".into(),
    };
    let through = |p: &str| resolve_through(Some(&hp), p, None).expect("built-in");
    let plain = |p: &str| resolve_through(None, p, None).expect("built-in");
    let chart = response_chart(part, &[through("neutral"), through("dd")], Some(&hp));
    let labels: Vec<&str> = chart.curves.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(
        labels[1..],
        ["neutral + headphone EQ", "dd + headphone EQ"],
        "{labels:?}"
    );
    assert!(chart
        .subtitle
        .contains("through the headphone correction sibilance"));
    assert!(
        !chart.subtitle.contains("deviation from"),
        "{}",
        chart.subtitle
    );
    assert!(chart.title.ends_with(" + headphone EQ"), "{}", chart.title);
    // Without one, as before: neutral draws no curve, dd is just "dd".
    let chart = response_chart(part, &[plain("neutral"), plain("dd")], None);
    let labels: Vec<&str> = chart.curves.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels[1..], ["dd"]);
    assert!(chart.subtitle.contains("deviation from the Harman"));
}
