//! `profile convert`, the user profile folder, refusals naming file/line/field, and one auto preamp,
//! through the real binary.

use crate::common::cli;

use cli::{autoeq_fixture as fixture, run_with_config as iemsim, show_json, stderr, text};

fn filters_of(v: &serde_json::Value) -> &Vec<serde_json::Value> {
    v["profile"]["filters"].as_array().unwrap()
}

#[test]
fn convert_goes_through_every_format_and_back_exactly_and_never_clobbers() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let src = fixture("Moondrop Chu");
    let original = show_json(d, src.to_str().unwrap());
    let mut prev = src.to_str().unwrap().to_string();
    for out in ["chu.yml", "chu.toml", "chu.yaml", "chu.txt"] {
        let o = iemsim(&["profile", "convert", &prev, "-o", out], d, None);
        assert!(o.status.success(), "{out}: {}", stderr(&o));
        let v = show_json(d, out);
        assert_eq!(filters_of(&v), filters_of(&original), "{out}");
        assert_eq!(v["preamp_db"], original["preamp_db"], "{out}");
        prev = out.to_string();
    }
    // The CamillaDSP file is a complete configuration: devices, filters and a pipeline.
    let yml = std::fs::read_to_string(d.join("chu.yml")).unwrap();
    for key in [
        "devices:",
        "filters:",
        "pipeline:",
        "type: Gain",
        "type: Lowshelf",
        "type: Highshelf",
    ] {
        assert!(yml.contains(key), "{key} missing:\n{yml}");
    }
    // Never replaces without --force; the old file stays as it was.
    let before = std::fs::read(d.join("chu.txt")).unwrap();
    let o = iemsim(&["profile", "convert", "ba", "-o", "chu.txt"], d, None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert_eq!(std::fs::read(d.join("chu.txt")).unwrap(), before);
    let o = iemsim(
        &["profile", "convert", "ba", "-o", "chu.txt", "--force"],
        d,
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = iemsim(&["profile", "convert", "ba", "-o", "ba.json"], d, None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("ba.json") && stderr(&o).contains(".toml"),
        "{}",
        stderr(&o)
    );
    assert!(!d.join("ba.json").exists());
}

#[test]
fn bad_files_are_refused_naming_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("bad.toml"),
        "name = \"bad\"\n\n[[filters]]\ntype = \"peaking\"\nfc_hz = 1000\ngain_db = 3\nq = -1\n",
    )
    .unwrap();
    let o = iemsim(&["show", "bad.toml"], d, None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("bad.toml:7: q: Q -1 is not a positive number"),
        "{}",
        stderr(&o)
    );
    // At or above Nyquist at the rate in use: an error naming the line (5 kHz at 8 kHz audio).
    std::fs::write(d.join("high.txt"), "Preamp: -1 dB\nFilter 1: ON PK Fc 1000 Hz Gain 1 dB Q 1\nFilter 2: ON HSC Fc 5000 Hz Gain 2 dB Q 0.7\n").unwrap();
    let o = iemsim(&["show", "high.txt", "--rate", "8000"], d, None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("high.txt:3: Fc") && stderr(&o).contains("Nyquist"),
        "{}",
        stderr(&o)
    );
    assert!(iemsim(&["show", "high.txt", "--rate", "48000"], d, None)
        .status
        .success());
    // A file that is not there, and a name that is not a profile.
    let o = iemsim(&["show", "missing.txt"], d, None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("missing.txt: cannot read the profile"),
        "{}",
        stderr(&o)
    );
    let o = iemsim(&["show", "sibilanse"], d, None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean 'sibilance'"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn user_profiles_are_listed_beside_the_builtins_and_a_bad_one_is_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = d.join("config");
    let folder = config.join("profiles");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::copy(fixture("Moondrop Chu"), folder.join("chu.txt")).unwrap();
    std::fs::write(folder.join("warm.toml"), "name = \"warm\"\ndescription = \"A little more bass\"\n\n[[filters]]\ntype = \"low_shelf\"\nfc_hz = 150\ngain_db = 3\nq = 0.7\n").unwrap();
    std::fs::write(
        folder.join("broken.toml"),
        "name = \"broken\"\n[[filters]]\ntype = \"peaking\"\nfc_hz = 0\ngain_db = 1\nq = 1\n",
    )
    .unwrap();
    std::fs::write(folder.join("clash.toml"), "name = \"ba\"\n").unwrap();
    // Named as another user file is: the message names that file. A hidden file is no profile.
    std::fs::write(folder.join("warm2.toml"), "name = \"WARM\"\n").unwrap();
    std::fs::write(folder.join(".hidden.toml"), "not = a profile").unwrap();
    let long = "x".repeat(300);
    std::fs::write(folder.join("long.toml"), format!("name = \"{long}\"\n")).unwrap();
    let o = iemsim(&["profiles"], d, Some(&config));
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    // A long name has a line of its own; the other descriptions stay where they were.
    assert!(out.lines().any(|l| l == long), "{out}");
    let ba = out.lines().find(|l| l.starts_with("ba ")).unwrap();
    assert!(
        ba.find(|c: char| c != ' ' && c != 'b' && c != 'a').unwrap() < 40,
        "{ba}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("warm") && l.contains("[user] A little more bass")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("chu ") && l.contains("[user]")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("ba ") && !l.contains("[user]")),
        "{out}"
    );
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 3, "{err}");
    assert!(err.contains("broken.toml:4: fc_hz"), "{err}");
    assert!(
        err.contains("clash.toml: name 'ba' is already taken by the built-in profile"),
        "{err}"
    );
    let warm = folder.join("warm.toml").display().to_string();
    assert!(
        err.contains(&format!(
            "warm2.toml: name 'WARM' is already taken by {warm}"
        )),
        "{err}"
    );
    // Usable by name wherever a profile is.
    let o = iemsim(&["show", "warm", "--json"], d, Some(&config));
    assert!(o.status.success(), "{}", stderr(&o));
    let o = iemsim(&["profiles", "--json"], d, Some(&config));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let warm = v
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "warm")
        .unwrap();
    assert_eq!(warm["origin"], "user");
}

#[test]
fn profiles_json_show_and_export_agree_on_the_auto_preamp() {
    // Issue 11 item 18: `profiles --json` said -3.8 for ba where show and --preamp auto said -3.7.
    let dir = tempfile::tempdir().unwrap();
    let o = iemsim(&["profiles", "--json"], dir.path(), None);
    let all: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for p in all.as_array().unwrap() {
        let name = p["name"].as_str().unwrap();
        let show = show_json(dir.path(), name);
        assert_eq!(p["preamp_db"], show["auto_preamp_db"], "{name}");
        let max_boost = show["max_boost_db"].as_f64().unwrap();
        assert_eq!(
            show["auto_preamp_db"].as_f64().unwrap(),
            0.0 - max_boost,
            "{name}"
        );
    }
}

/// A file that says nothing of itself (AutoEq's ParametricEQ.txt has no name, description or
/// source lines) is shown by its name alone, with no empty `: ` or `Source:` fields.
#[test]
fn show_prints_no_empty_fields() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("Some IEM ParametricEQ.txt"),
        "Preamp: -4.0 dB\nFilter 1: ON PK Fc 1000 Hz Gain 3.0 dB Q 1.00\n",
    )
    .unwrap();
    let o = cli::run(&["show", "Some IEM ParametricEQ.txt"], d);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    let first = out.lines().next().unwrap_or_default();
    assert_eq!(first, "Some IEM ParametricEQ", "{out}");
    assert!(!out.lines().any(|l| l.trim_end() == "Source:"), "{out}");
}

/// `profile convert`'s summary gave only the shared preamp ("preamp -3.0 dB") for a file whose
/// left channel has a preamp of its own: it names each channel's on top of it.
#[test]
fn convert_says_the_per_channel_preamps() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("chan.txt"),
        "Preamp: -3 dB\nFilter 1: ON PK Fc 1000 Hz Gain 3 dB Q 1\nChannel: L\nPreamp: -1 dB\n\
         Filter 2: ON PK Fc 3000 Hz Gain -4 dB Q 2\nChannel: R\nFilter 3: ON LSC Fc 100 Hz Gain 5 dB Q 0.7\n",
    )
    .unwrap();
    let o = iemsim(
        &["profile", "convert", "chan.txt", "-o", "chan.yml"],
        d,
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let printed = String::from_utf8_lossy(&o.stdout);
    assert!(
        printed.contains("(3 filters, preamp -3.0 dB, channel 1 (left) -1.0 dB on top)"),
        "{printed}"
    );
    // Without channel preamps, the summary is as it was.
    let o = iemsim(&["profile", "convert", "ba", "-o", "ba.toml"], d, None);
    assert!(!String::from_utf8_lossy(&o.stdout).contains("on top"));
}

/// A regular file where the profile folder goes: every error reading the folder but "not
/// found" was taken for no folder, so `profiles` listed no user profiles without a word and
/// `show NAME` said only "unknown profile".
#[test]
fn a_profile_folder_that_is_not_a_folder_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = d.join("config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("profiles"), "x\n").unwrap();
    let o = iemsim(&["profiles"], d, Some(&config));
    assert!(o.status.success(), "{}", stderr(&o));
    let folder = config.join("profiles").display().to_string();
    let e = stderr(&o);
    assert!(
        e.contains(&format!("warning: skipped {folder}: is not a folder")),
        "{e}"
    );
    let o = iemsim(&["show", "mine"], d, Some(&config));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("unknown profile 'mine'") && e.contains(&format!("{folder}: is not a folder")),
        "{e}"
    );
    // No folder at all is still no user profiles, and nothing to say.
    std::fs::remove_file(config.join("profiles")).unwrap();
    let o = iemsim(&["profiles"], d, Some(&config));
    assert!(o.status.success() && o.stderr.is_empty(), "{}", stderr(&o));
}

/// A user file skipped because its name is taken, asked for by its file's name or the name it
/// gives, says why: `show mine2` with `# name: mine` in mine2.txt beside a `name = "Mine"` file
/// said "unknown profile 'mine2' (did you mean 'Mine'?)".
#[test]
fn a_user_profile_skipped_for_its_name_says_why_when_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = d.join("config");
    let folder = config.join("profiles");
    std::fs::create_dir_all(&folder).unwrap();
    let filter = "Filter 1: ON PK Fc 100 Hz Gain 3 dB Q 1\n";
    std::fs::write(
        folder.join("mine1.toml"),
        "name = \"Mine\"\n[[filters]]\ntype = \"peaking\"\nfc_hz = 100\ngain_db = 3\nq = 1\n",
    )
    .unwrap();
    std::fs::write(folder.join("mine2.txt"), format!("# name: mine\n{filter}")).unwrap();
    std::fs::write(folder.join("x.txt"), format!("# name: iem:foo\n{filter}")).unwrap();
    let mine1 = folder.join("mine1.toml").display().to_string();
    for (asked, want) in [
        (
            "Mine2",
            format!("mine2.txt: name 'mine' is already taken by {mine1}; rename it"),
        ),
        (
            "iem:foo",
            "x.txt: name 'iem:foo' starts with 'iem:'".to_string(),
        ),
    ] {
        let o = iemsim(&["show", asked], d, Some(&config));
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let e = stderr(&o);
        assert!(
            e.contains(&want) && !e.contains("unknown profile"),
            "{asked}: {e}"
        );
    }
    // The file that has the name is found by it.
    let o = iemsim(&["show", "mine", "--json"], d, Some(&config));
    assert!(o.status.success(), "{}", stderr(&o));
}

/// A user file that gives itself a built-in's name (`ba.toml`) is skipped for it, which only
/// `iemsim profiles` said: `show ba` showed the built-in without a word. Now one warning on
/// stderr names the file and how to use it (by its path, which works), however many times the
/// name is given; stdout and the exit code are those of the same command without the file.
#[test]
fn a_user_file_shadowed_by_a_builtin_is_named_when_its_name_is_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = d.join("config");
    let folder = config.join("profiles");
    std::fs::create_dir_all(&folder).unwrap();
    let run = |args: &[&str]| iemsim(args, d, Some(&config));
    let without = run(&["show", "ba", "ba"]);
    assert!(without.status.success(), "{}", stderr(&without));
    assert_eq!(stderr(&without), "");
    let file = folder.join("ba.toml");
    std::fs::write(
        &file,
        "description = \"my own ba\"\n[[filters]]\ntype = \"peaking\"\nfc_hz = 1000\ngain_db = 3\nq = 1\n",
    )
    .unwrap();
    let with = run(&["show", "ba", "ba"]);
    assert_eq!(with.status.code(), without.status.code());
    assert_eq!(with.stdout, without.stdout);
    let err = stderr(&with);
    let path = file.display().to_string();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "iemsim: warning: 'ba' means the built-in profile 'ba', not {path}, which gives itself that name too"
        )) && err.contains(&format!("give its path (-p {path})")),
        "{err}"
    );
    // The way it gives works, without a warning; a name no file shadows has none either.
    let own = run(&["show", &path]);
    assert!(
        text(&own.stdout).contains("my own ba"),
        "{}",
        text(&own.stdout)
    );
    assert_eq!(stderr(&own), "");
    assert_eq!(stderr(&run(&["show", "dd"])), "");
}

/// A file of a built-in's name that cannot be read (`ba.toml` with a misspelt field) was said only
/// by `iemsim profiles`: `show ba` used the built-in without a word. Now one warning names the file
/// and what is wrong with it, and stdout and the exit code stay those of the built-in.
#[test]
fn a_broken_user_file_of_a_builtins_name_is_said_when_the_name_is_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = d.join("config");
    let folder = config.join("profiles");
    std::fs::create_dir_all(&folder).unwrap();
    let run = |args: &[&str]| iemsim(args, d, Some(&config));
    let without = run(&["show", "ba"]);
    let file = folder.join("ba.toml");
    std::fs::write(
        &file,
        "[[filters]]\nkind = \"peaking\"\nfc_hz = 1000\ngain_db = 3\nq = 1\n",
    )
    .unwrap();
    let with = run(&["show", "ba"]);
    assert_eq!(with.status.code(), without.status.code());
    assert_eq!(with.stdout, without.stdout);
    let err = stderr(&with);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(
            "iemsim: warning: 'ba' means the built-in profile 'ba'; a file of that name"
        ) && err.contains(&file.display().to_string())
            && err.contains("unknown field `kind`"),
        "{err}"
    );
    assert_eq!(stderr(&run(&["show", "dd"])), "");
}

/// A copy of a built-in or a per-IEM profile went into the profile folder under the name it
/// was copied from, which the folder refuses for a user's file: `show myba` said "name 'ba' is
/// already taken by the built-in profile". The copy is named after its file now, its source kept.
#[test]
fn a_copy_of_an_own_profile_in_the_profile_folder_is_usable_by_its_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = d.join("config");
    let folder = config.join("profiles");
    std::fs::create_dir_all(&folder).unwrap();
    for (spec, file, stem) in [
        ("ba", "myba.toml", "myba"),
        ("iem:moondrop-aria", "aria-eq.txt", "aria-eq"),
        ("Moondrop Aria", "aria2.yml", "aria2"),
    ] {
        let out = folder.join(file);
        let o = iemsim(
            &["profile", "convert", spec, "-o", out.to_str().unwrap()],
            d,
            Some(&config),
        );
        assert!(o.status.success(), "{spec}: {}", stderr(&o));
        assert!(
            text(&o.stdout).contains(&format!("'{stem}' (a copy of '")),
            "{}",
            text(&o.stdout)
        );
        let v = cli::json_of(&iemsim(&["show", stem, "--json"], d, Some(&config)));
        assert_eq!(v["profile"]["name"], stem, "{v}");
        let original = show_json(d, spec);
        assert_eq!(filters_of(&v), filters_of(&original), "{spec}");
        assert!(
            v["profile"]["source"]
                .as_str()
                .is_some_and(|s| !s.is_empty()),
            "{v}"
        );
    }
    // A copy kept under the very name it is named after stays as it is (the README's example).
    let o = iemsim(&["profile", "convert", "ba", "-o", "ba.yml"], d, None);
    assert!(text(&o.stdout).contains("'ba' as"), "{}", text(&o.stdout));
}
