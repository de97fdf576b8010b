//! The command line's own checks (`src/cli/`, not in the unit-test build: see `src/lib.rs`).

use clap::{CommandFactory, Parser};
use iemsim::cli::*;

/// clap's own consistency checks (names, conflicts, and every `mut_arg` naming an argument
/// that exists).
#[test]
fn the_command_line_is_consistent() {
    Cli::command().debug_assert();
}

/// `--bits` takes the four formats and nothing else; `--preamp` takes auto, profile or dB (a cut
/// of any depth, a boost up to +40) and names what it expects otherwise (before the command runs:
/// clap's usage error).
#[test]
fn bits_and_preamp_values() {
    let export = |extra: &[&str]| {
        let mut args = vec!["iemsim", "export", "-p", "ba"];
        args.extend_from_slice(extra);
        Cli::try_parse_from(args)
    };
    let Ok(Cli {
        command: Command::Export(a),
        ..
    }) = export(&["--bits", "32f", "--preamp", "-3.5 dB"])
    else {
        panic!("export parses")
    };
    assert_eq!(
        a.bits.map(BitsArg::out_format),
        Some(iemsim::io::OutFormat::F32)
    );
    assert_eq!(a.preamp, Some(iemsim::dsp::Preamp::Db(-3.5)));
    // Cuts past -40 dB: what a clipping export may advise after a deep `auto`.
    for (cut, db) in [("-52.2", -52.2), ("-40", -40.0), ("-300 dB", -300.0)] {
        let Ok(Cli {
            command: Command::Export(a),
            ..
        }) = export(&["--preamp", cut])
        else {
            panic!("--preamp {cut} parses")
        };
        assert_eq!(a.preamp, Some(iemsim::dsp::Preamp::Db(db)), "{cut}");
    }
    let Ok(Cli {
        command: Command::Export(a),
        ..
    }) = export(&[])
    else {
        panic!("export parses")
    };
    // Not given: None, so a run that matches loudness can refuse one that was given.
    assert_eq!((a.bits, a.preamp), (None, None));
    for bad in [
        ["--bits", "20"],
        ["--bits", "float"],
        ["--preamp", "41"],
        ["--preamp", "loud"],
        ["--preamp", "-inf"],
    ] {
        let e = export(&bad).expect_err(bad[1]);
        use clap::error::ErrorKind::{InvalidValue, ValueValidation};
        assert!(matches!(e.kind(), InvalidValue | ValueValidation), "{e}");
        assert!(e.to_string().contains(bad[0]), "{e}");
    }
    let e = export(&["--preamp", "41"]).expect_err("41");
    assert!(
        e.to_string().contains(
            "expected auto, profile or a number of dB (a cut of any depth, a boost up to +40)"
        ),
        "{e}"
    );
    let Ok(Cli {
        command: Command::Generate(g),
        ..
    }) = Cli::try_parse_from(["iemsim", "generate", "tone", "-o", "x.wav"])
    else {
        panic!("generate parses")
    };
    assert_eq!(g.bits, BitsArg::I16);
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

/// Every help text, the top level's and each command's (long form, as `--help` prints it).
fn all_help() -> String {
    let mut cmd = Cli::command();
    let mut all = cmd.render_long_help().to_string();
    for sub in cmd.get_subcommands_mut() {
        all += &sub.render_long_help().to_string();
    }
    all
}

/// Inputs are any format the decoder reads, so no help may say a command takes WAV only.
#[test]
fn no_help_says_the_input_must_be_a_wav() {
    let all = all_help();
    for stale in ["to WAV files", "Play a WAV", "every .wav", "to a WAV file"] {
        assert!(!all.contains(stale), "{stale:?} in the help");
    }
}

/// `play --help` and `live --help` name every key their screen acts on (the key map, not a copy
/// of it: a key added there and not here fails; `live` had left out 1-9 and p). Keys are the
/// leading words of each `·` item of the Keys line. `live` ignores seeking and loops.
#[test]
fn play_and_live_help_list_every_key_of_their_screen() {
    use iemsim::ui::tui::Action;
    keys_listed("play", &|_| true);
    keys_listed("live", &|a| {
        !matches!(a, Action::Seek(_) | Action::ToggleLoop)
    });
}

fn keys_listed(command: &str, acts: &dyn Fn(iemsim::ui::tui::Action) -> bool) {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use iemsim::ui::tui::{key_to_action, Mode};
    let mut cmd = Cli::command();
    let help = cmd
        .find_subcommand_mut(command)
        .expect("the command")
        .render_long_help()
        .to_string();
    let keys_line = help
        .split("\n\n")
        .find(|p| p.starts_with("Keys:"))
        .expect("a Keys paragraph")
        .replace('\n', " ");
    const NAMES: &[&str] = &["space", "tab", "Esc", "←/→", "1-9"];
    let mut listed: Vec<String> = Vec::new();
    for item in keys_line.trim_start_matches("Keys:").split('·') {
        for word in item.split_whitespace() {
            if word == "/" {
                continue;
            }
            if word.chars().count() == 1 || NAMES.contains(&word) {
                listed.push(word.to_string());
            } else {
                break;
            }
        }
    }
    let named = |code: KeyCode| match code {
        KeyCode::Char(' ') => "space".to_string(),
        KeyCode::Tab => "tab".to_string(),
        KeyCode::Esc => "Esc".to_string(),
        KeyCode::Left | KeyCode::Right => "←/→".to_string(),
        KeyCode::Char('1'..='9') => "1-9".to_string(),
        KeyCode::Char(c) => c.to_ascii_lowercase().to_string(),
        other => format!("{other:?}"),
    };
    let printable = (' '..='~').map(KeyCode::Char);
    let special = [KeyCode::Tab, KeyCode::Esc, KeyCode::Left, KeyCode::Right];
    for code in printable.chain(special) {
        let press = KeyEvent::new(code, KeyModifiers::NONE);
        if key_to_action(press, Mode::Play).is_some_and(acts) {
            let name = named(code);
            assert!(
                listed.contains(&name),
                "{command}: key {name} missing from: {keys_line}"
            );
        }
    }
}
