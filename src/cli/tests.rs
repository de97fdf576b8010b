//! The command line's own checks.

use super::*;
use clap::CommandFactory;

/// clap's own consistency checks (names, conflicts, and every `mut_arg` naming an argument
/// that exists).
#[test]
fn the_command_line_is_consistent() {
    Cli::command().debug_assert();
}

/// The shared groups land in their fields, and each command keeps its own `--json` wording.
#[test]
fn shared_device_and_json_arguments() {
    let cli = Cli::try_parse_from([
        "iemsim", "abx", "-a", "ba", "-b", "dd", "--device", "pulse", "--buffer", "256", "--json",
    ])
    .expect("parse");
    let Command::Abx(a) = cli.command else {
        panic!("abx")
    };
    assert_eq!((a.pair.a.as_str(), a.pair.b.as_str()), ("ba", "dd"));
    assert_eq!(a.audio.device.as_deref(), Some("pulse"));
    assert_eq!(a.audio.buffer, Some(256));
    assert!(a.report.json);
    assert!(Cli::try_parse_from(["iemsim", "demo", "bass", "--buffer", "32"]).is_err());
    let mut cmd = Cli::command();
    let help = |cmd: &mut clap::Command, sub: &str| {
        let c = cmd.find_subcommand_mut(sub).expect(sub);
        let a = c
            .get_arguments()
            .find(|a| a.get_id() == "json")
            .expect("json");
        a.get_help().map(|h| h.to_string()).unwrap_or_default()
    };
    assert_eq!(
        help(&mut cmd, "play"),
        "Print JSON lines instead of text (with --no-tui)"
    );
    assert_eq!(help(&mut cmd, "devices"), "Print JSON instead of text");
}
