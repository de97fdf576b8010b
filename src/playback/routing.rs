//! PulseAudio / PipeWire (pipewire-pulse) routing for `iemsim live`, through `pactl`: which
//! sink we play to and which source we capture, the feedback rule, a source or sink named by
//! part of its name, and the one-step set-up (a null sink named `iemsim` whose monitor we
//! capture). Through cpal's ALSA host the server is reached by the `pulse`/`default` ALSA
//! devices, which connect to the server's default sink and source unless `PULSE_SINK` /
//! `PULSE_SOURCE` name others (libpulse reads both when a stream connects).

use std::process::{Command, Stdio};

/// The sink `--setup` creates.
pub const SETUP_SINK: &str = "iemsim";

/// Runs `pactl ARGS`; `None` when pactl is missing.
fn run_pactl(args: &[&str]) -> Option<std::process::Output> {
    // Its labels ("Default Sink:", "Sink:") are translated otherwise.
    Command::new("pactl")
        .args(args)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .output()
        .ok()
}

/// `pactl ARGS`'s output; `None` when pactl is missing, the server unreachable or the call failed.
fn pactl(args: &[&str]) -> Option<String> {
    let out = run_pactl(args)?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Why the sound server cannot be reached, when pactl is installed and says so ("Connection
/// failure: Connection refused"); `None` when it answers or pactl is missing (pure ALSA).
pub fn server_down() -> Option<String> {
    let out = run_pactl(&["info"])?;
    let err = String::from_utf8_lossy(&out.stderr);
    (!out.status.success() && err.contains("Connection"))
        .then(|| err.lines().next().unwrap_or("").trim().to_string())
}

/// Where the sink a stream of this process plays to comes from: the feedback refusal's advice
/// depends on it (it told a user who gave no --device to drop `--device iemsim`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkFrom {
    /// Named for this run: `--device` (reached through `PULSE_SINK`, see [`name_sink`]).
    Named,
    /// `PULSE_SINK` set in the environment the run was started with.
    Environment,
    /// The server's default sink.
    Default,
}

/// The sink `--device` named for this run, when it set `PULSE_SINK` for it.
static DEVICE_SINK: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Plays this process's streams to server sink `sink` (`--device`): sets `PULSE_SINK`, which
/// libpulse reads when a stream connects (call it before any audio thread exists), and notes
/// that the run named it, so advice can tell it from a `PULSE_SINK` the user's shell set.
pub fn name_sink(sink: &str) {
    std::env::set_var("PULSE_SINK", sink);
    let _ = DEVICE_SINK.set(sink.to_string());
}

/// The value of the first line of `pactl` output `text` that starts with `key` (indentation
/// aside), trimmed.
fn field(text: &str, key: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.trim().strip_prefix(key).map(|v| v.trim().to_string()))
}

/// `pactl info`'s `Default Sink:` and `Default Source:`.
fn server_defaults() -> Option<(String, String)> {
    let info = pactl(&["info"])?;
    Some((
        field(&info, "Default Sink:")?,
        field(&info, "Default Source:")?,
    ))
}

/// The sink and source a libpulse stream of this process connects to when it names none: the
/// server's defaults (from `pactl info`, which every version prints) unless the environment
/// names others; with where the sink comes from.
pub fn effective_sink_source() -> Option<(String, String, SinkFrom)> {
    let (sink, source) = server_defaults()?;
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let (sink, from) = match env("PULSE_SINK") {
        Some(named) if DEVICE_SINK.get() == Some(&named) => (named, SinkFrom::Named),
        Some(named) => (named, SinkFrom::Environment),
        None => (sink, SinkFrom::Default),
    };
    Some((sink, env("PULSE_SOURCE").unwrap_or(source), from))
}

/// The name to show for an ALSA device: a server device that `var` (`PULSE_SOURCE`,
/// `PULSE_SINK`) points elsewhere shows where it goes, `default (iemsim.monitor)`, not just
/// `default`.
pub fn shown_name(device: &str, var: &str) -> String {
    match std::env::var(var).ok().filter(|v| !v.is_empty()) {
        Some(v) if is_server_device(device, "") => format!("{device} ({v})"),
        _ => device.to_string(),
    }
}

/// Whether an ALSA device reaches the sound server (rather than a card directly).
pub fn is_server_device(name: &str, description: &str) -> bool {
    let n = name.to_lowercase();
    let d = description.to_lowercase();
    matches!(n.as_str(), "default" | "pulse" | "pipewire" | "sysdefault")
        || d.contains("pulseaudio")
        || d.contains("pipewire")
}

/// The feedback rule: capturing the monitor of the sink we play to would feed our own output
/// back into our input (a loop that howls within a second). `Err` says what to do instead,
/// for a sink named for this run or the server's default (`from`).
pub fn check_feedback(sink: &str, source: &str, from: SinkFrom) -> Result<(), String> {
    if source == format!("{sink}.monitor") {
        // The way out depends on which end is the apps' sink: never advise the run just refused.
        let instead = match (sink == SETUP_SINK, from) {
            (true, SinkFrom::Named) => format!(
                "play to your headphones' sink instead: drop `--device {sink}` (the default \
                 output) or name the headphones with --device"
            ),
            (true, SinkFrom::Environment) => format!(
                "play to your headphones' sink instead: PULSE_SINK={sink} is set in the \
                 environment iemsim was started from, so start it without (`env -u PULSE_SINK \
                 iemsim live …`, or `unset PULSE_SINK`) or name the headphones with --device"
            ),
            (true, SinkFrom::Default) => format!(
                "play to your headphones' sink instead: \"{sink}\" is the default output, so set \
                 the default back to the headphones (`pactl set-default-sink NAME`, or your sound \
                 settings) or name the headphones with --device"
            ),
            (false, _) => "play to your headphones' sink and capture another sink's monitor: \
                 `iemsim live --setup` makes a sink named iemsim for the apps, then `iemsim live \
                 --input iemsim.monitor`"
                .to_string(),
        };
        return Err(format!(
            "refusing to capture \"{source}\": it is the monitor of \"{sink}\", the output iemsim \
             would play to, so its own sound would come back in (feedback). {instead}"
        ));
    }
    Ok(())
}

/// The rows of `pactl list short KIND` with an index and a name (the first two columns); `None`
/// when pactl cannot tell.
fn short_rows(kind: &str) -> Option<Vec<(String, String)>> {
    Some(
        pactl(&["list", "short", kind])?
            .lines()
            .filter_map(|l| {
                let mut f = l.split('\t');
                Some((f.next()?.to_string(), f.next()?.to_string()))
            })
            .collect(),
    )
}

/// Names (first column after the index) of `pactl list short sources|sinks`.
fn short_list(kind: &str) -> Vec<String> {
    short_rows(kind)
        .map(|rows| rows.into_iter().map(|(_, n)| n).collect())
        .unwrap_or_default()
}

/// The server's sinks (for `devices`: what `--device` also takes).
pub fn sink_names() -> Vec<String> {
    short_list("sinks")
}

/// The server's sources (for a message listing what exists).
pub fn source_names() -> Vec<String> {
    short_list("sources")
}

/// What a `--device` / `--input` name reaches: an ALSA device (by its name), or a server sink or
/// source (its full name), or nothing known (the device layer then says what there is).
#[derive(Debug, PartialEq)]
pub enum Named {
    Device(String),
    Server(String),
    Unknown,
}

/// Resolves `wanted` (ignoring case) against ALSA `devices` (name, description) and the server's
/// `server` names: an exact device name, then an exact server name, then a device whose name,
/// then whose description, contains it, then a server name containing it. An exact sink name `audio` went
/// to ALSA's `default`, whose description ("…through the PulseAudio sound server") contains it.
/// `server` is asked only when no device name is exact (it runs `pactl`). With the choice come
/// the other names a partial `wanted` matches (none for an exact name), for the caller to note.
pub fn resolve_name<'a>(
    devices: impl Iterator<Item = (&'a str, &'a str)> + Clone,
    server: impl FnOnce() -> Vec<String>,
    wanted: &str,
) -> (Named, Vec<String>) {
    let w = wanted.trim().to_lowercase();
    if w.is_empty() {
        return (Named::Unknown, Vec::new());
    }
    if let Some((n, _)) = devices.clone().find(|(n, _)| n.to_lowercase() == w) {
        return (Named::Device(n.to_string()), Vec::new());
    }
    let server = server();
    if let Some(s) = server.iter().find(|s| s.to_lowercase() == w) {
        return (Named::Server(s.clone()), Vec::new());
    }
    // Devices first, as the exact names, and among them a part of a name before a part of a
    // description (`puls` is `pulse`, not `default` "…through the PulseAudio sound server"):
    // the first match is the choice, the rest are noted.
    let partial = |n: &str| n.to_lowercase().contains(&w);
    let mut matches: Vec<(bool, String)> = devices
        .filter(|(n, d)| partial(n) || partial(d))
        .map(|(n, _)| (true, n.to_string()))
        .collect();
    matches.sort_by_key(|(_, n)| !partial(n));
    matches.extend(
        server
            .into_iter()
            .filter(|s| partial(s))
            .map(|s| (false, s)),
    );
    let mut matches = matches.into_iter();
    let named = match matches.next() {
        Some((true, n)) => Named::Device(n),
        Some((false, s)) => Named::Server(s),
        None => Named::Unknown,
    };
    (named, matches.map(|(_, n)| n).collect())
}

/// A note when part of a name (`--device s`) matched several devices or sinks: which one it
/// took, and the others, so a wrong guess is not silent.
pub fn note_others(option: &str, want: &str, named: &Named, others: &[String]) {
    let (Named::Device(chosen) | Named::Server(chosen)) = named else {
        return;
    };
    if others.is_empty() {
        return;
    }
    const SHOWN: usize = 8;
    let mut list = others[..others.len().min(SHOWN)].join(", ");
    if others.len() > SHOWN {
        list.push_str(&format!(" and {} more", others.len() - SHOWN));
    }
    crate::io::diag::diag!(
        "iemsim: note: {option} '{want}' also matches {list}; using {chosen} (give more of a name, or the whole name from `iemsim devices`)"
    );
}

/// The sinks this process plays to and the sources it records, as the server has them now (it
/// moves a stream when its sink or source goes away); None when pactl cannot tell.
fn our_streams() -> Option<(Vec<String>, Vec<String>)> {
    let pid = format!("application.process.id = \"{}\"", std::process::id());
    let ours = |kind: &str, key: &str, names: &[(String, String)]| -> Option<Vec<String>> {
        let text = pactl(&["list", kind])?;
        Some(
            text.split("\n\n")
                .filter(|block| block.contains(&pid))
                .filter_map(|block| {
                    let index = block.lines().find_map(|l| l.trim().strip_prefix(key))?;
                    let index = index.trim();
                    names
                        .iter()
                        .find(|(i, _)| i == index)
                        .map(|(_, n)| n.clone())
                })
                .collect(),
        )
    };
    let (sinks, sources) = (short_rows("sinks")?, short_rows("sources")?);
    Some((
        ours("sink-inputs", "Sink:", &sinks)?,
        ours("source-outputs", "Source:", &sources)?,
    ))
}

/// The feedback rule again, on where the server has moved our streams since they started (a
/// sink unloaded, `live --setup --undo` run in another terminal): `Err` when a capture of ours
/// now records the monitor of a sink we play to. Ok when pactl cannot tell.
pub fn check_moved_streams() -> Result<(), String> {
    let Some((sinks, sources)) = our_streams() else {
        return Ok(());
    };
    let default_sink = server_defaults().map(|(sink, _)| sink);
    for sink in &sinks {
        let from = match default_sink.as_ref() == Some(sink) {
            true => SinkFrom::Default,
            false => SinkFrom::Named,
        };
        for source in &sources {
            check_feedback(sink, source, from)
                .map_err(|e| format!("the sound server moved a stream: {e}"))?;
        }
    }
    Ok(())
}

/// What `pactl` could not do, and what to check.
const NO_PACTL: &str = "is PulseAudio or PipeWire (with pipewire-pulse) running, and pactl \
                        installed (pulseaudio-utils)?";

/// The arguments `--setup` loads its null sink with. A module is ours only with exactly these: a
/// user's own `sink_name=iemsim` with others (a rate, a description of theirs) was taken for
/// ours, said to be "already there" and unloaded by `--undo`.
const SETUP_ARGS: [&str; 2] = [
    "sink_name=iemsim",
    "sink_properties=device.description=iemsim",
];

/// The modules [`setup`] made (`pactl list short modules`: index, name, arguments); `Err` when
/// the server cannot be asked (not "none": `--undo` said there was nothing to remove).
pub fn setup_modules() -> Result<Vec<String>, String> {
    let listed = pactl(&["list", "short", "modules"])
        .ok_or_else(|| format!("`pactl list short modules` failed: {NO_PACTL}"))?;
    Ok(listed.lines().filter_map(setup_module).collect())
}

/// The module index of a `pactl list short modules` row that is one [`setup`] loaded.
fn setup_module(row: &str) -> Option<String> {
    let mut f = row.split('\t');
    let (index, name, args) = (f.next()?, f.next()?, f.next().unwrap_or(""));
    (name == "module-null-sink" && args.split_whitespace().eq(SETUP_ARGS))
        .then(|| index.to_string())
}

/// Why [`setup`] did nothing: a sink of its name that is not its own is the user's to sort out
/// (exit 2); pactl missing or failing is the machine's (exit 1).
pub enum SetupError {
    NotOurs(String),
    Failed(String),
}

/// What `--setup` did.
pub enum Setup {
    Created { module: String },
    AlreadyThere { module: String },
}

/// Creates the `iemsim` null sink (once). `Err`: pactl is missing or refused, or a sink named
/// `iemsim` is there that `--setup` did not make: the server named ours `iemsim.2` then, and
/// the advice printed (`PULSE_SINK=iemsim`, `--input iemsim.monitor`) pointed at the other sink.
pub fn setup() -> Result<Setup, SetupError> {
    let ours = setup_modules().map_err(SetupError::Failed)?;
    match sink_owner(SETUP_SINK).map_err(SetupError::Failed)? {
        Some(Some(m)) if ours.contains(&m) => return Ok(Setup::AlreadyThere { module: m }),
        Some(owner) => return Err(SetupError::NotOurs(not_ours_message(owner.as_deref()))),
        None => {}
    }
    let module = pactl(&[&["load-module", "module-null-sink"][..], &SETUP_ARGS[..]].concat())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            SetupError::Failed(format!(
                "`pactl load-module module-null-sink` failed: {NO_PACTL}"
            ))
        })?;
    Ok(Setup::Created { module })
}

/// Whether the server has a sink named `name` (`pactl list sinks`), and then the module that
/// made it (None when the server names none: PipeWire's own sinks); `Err` when it cannot be asked.
fn sink_owner(name: &str) -> Result<Option<Option<String>>, String> {
    let listed = pactl(&["list", "sinks"])
        .ok_or_else(|| format!("`pactl list sinks` failed: {NO_PACTL}"))?;
    Ok(listed
        .split("\n\n")
        .find(|block| field(block, "Name:").as_deref() == Some(name))
        .map(|block| {
            field(block, "Owner Module:").filter(|m| m.chars().all(|c| c.is_ascii_digit()))
        }))
}

/// The refusal when a sink named [`SETUP_SINK`] is there that `--setup` did not make (`owner`:
/// the module that did, when known).
fn not_ours_message(owner: Option<&str>) -> String {
    let s = SETUP_SINK;
    let remove = match owner {
        Some(m) => format!("remove it (`pactl unload-module {m}`)"),
        None => "remove it where it was made".to_string(),
    };
    format!(
        "a sink named `{s}` is there already, and `iemsim live --setup` did not make it \
         (nothing was created: a new one would get another name, and `{s}` would not be it). \
         Use it as it is (route the apps into it, then `iemsim live --input \
         {s}.monitor`), or {remove} and run `iemsim live --setup` again"
    )
}

/// After an undo that found nothing of [`setup`]'s: what to say of a sink of its name that is
/// there all the same (the user's own, left alone), if any.
pub fn left_foreign_sink() -> Option<String> {
    let owner = sink_owner(SETUP_SINK).ok()??;
    let remove = match owner {
        Some(m) => format!("`pactl unload-module {m}` removes it"),
        None => "remove it where it was made".to_string(),
    };
    Some(format!(
        "no sink made by `iemsim live --setup` to remove; the `{SETUP_SINK}` sink there is not \
         one, so it was left as it is (if it is yours to remove: {remove})"
    ))
}

/// Removes what [`setup`] made; returns the modules unloaded.
pub fn undo_setup() -> Result<Vec<String>, String> {
    let mods = setup_modules()?;
    for m in &mods {
        pactl(&["unload-module", m]).ok_or_else(|| format!("`pactl unload-module {m}` failed"))?;
    }
    Ok(mods)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only a null sink loaded with exactly `--setup`'s arguments is ours: rows as `pactl list
    /// short modules` prints them (index, name, arguments, tab-separated).
    #[test]
    fn only_a_module_with_setups_own_arguments_is_ours() {
        let row = |args: &str| format!("27\tmodule-null-sink\t{args}\t");
        let ours = "sink_name=iemsim sink_properties=device.description=iemsim";
        assert_eq!(setup_module(&row(ours)).as_deref(), Some("27"));
        for foreign in [
            "sink_name=iemsim rate=96000 sink_properties=device.description=MyBus",
            "sink_name=iemsim",
            "sink_name=iemsim sink_properties=device.description=iemsim rate=96000",
            "sink_name=iemsim.2 sink_properties=device.description=iemsim",
        ] {
            assert_eq!(setup_module(&row(foreign)), None, "{foreign}");
        }
        let other = format!("27\tmodule-remap-sink\t{ours}\t");
        assert_eq!(setup_module(&other), None);
    }

    /// An exact name wins over a part of a description: `--device audio` (a sink of that name)
    /// went to ALSA's `default`, described as "Playback/recording through the PulseAudio sound
    /// server", and the sink stayed silent.
    #[test]
    fn an_exact_name_wins_over_a_part_of_another() {
        let devices = [
            (
                "default",
                "Playback/recording through the PulseAudio sound server",
            ),
            ("pulse", "PulseAudio Sound Server"),
            ("hw:CARD=USB,DEV=0", "USB Audio, USB Audio"),
        ];
        let sinks = || {
            vec![
                "audio".to_string(),
                "vsink".to_string(),
                "alsa_output.usb".into(),
            ]
        };
        let r = |w: &str| resolve_name(devices.iter().copied(), sinks, w).0;
        assert_eq!(r("audio"), Named::Server("audio".into()));
        assert_eq!(r("AUDIO"), Named::Server("audio".into()));
        assert_eq!(r("pulse"), Named::Device("pulse".into()));
        assert_eq!(r("usb audio"), Named::Device("hw:CARD=USB,DEV=0".into()));
        assert_eq!(r("vsi"), Named::Server("vsink".into()));
        assert_eq!(r("sound server"), Named::Device("default".into()));
        // A part of a name before a part of another's description.
        assert_eq!(r("puls"), Named::Device("pulse".into()));
        assert_eq!(r("nothing"), Named::Unknown);
        assert_eq!(r(" "), Named::Unknown);
        // An exact device name does not ask the server at all.
        let r = resolve_name(devices.iter().copied(), || panic!("pactl run"), "default");
        assert_eq!(r, (Named::Device("default".into()), vec![]));
        // A partial name that matches several: the choice, and the others to name in a note.
        let (named, others) = resolve_name(devices.iter().copied(), sinks, "pulseaudio");
        assert_eq!(
            named,
            Named::Device("default".into()),
            "the first description with it"
        );
        assert_eq!(others, ["pulse"]);
        let (named, others) = resolve_name(devices.iter().copied(), sinks, "usb");
        assert_eq!(
            named,
            Named::Device("hw:CARD=USB,DEV=0".into()),
            "a device before a sink"
        );
        assert_eq!(others, ["alsa_output.usb"]);
        assert_eq!(
            resolve_name(devices.iter().copied(), sinks, "vsi").1,
            Vec::<String>::new()
        );
        assert_eq!(
            resolve_name(devices.iter().copied(), sinks, "audio").1,
            Vec::<String>::new()
        );
    }

    #[test]
    fn the_monitor_of_our_own_sink_is_refused_any_other_is_fine() {
        let named = SinkFrom::Named;
        let e = check_feedback("alsa_output.usb", "alsa_output.usb.monitor", named).unwrap_err();
        assert!(e.contains("feedback") && e.contains("--setup"), "{e}");
        assert!(check_feedback("alsa_output.usb", "iemsim.monitor", named).is_ok());
        assert!(check_feedback("alsa_output.usb", "alsa_input.usb", named).is_ok());
        // Playing into the apps' sink: the advice is to play elsewhere, not the refused run.
        let e = check_feedback("iemsim", "iemsim.monitor", named).unwrap_err();
        assert!(e.contains("drop `--device iemsim`"), "{e}");
        assert!(!e.contains("--input iemsim.monitor`"), "{e}");
        // The apps' sink from the shell's PULSE_SINK, no --device given: unset it.
        let e = check_feedback("iemsim", "iemsim.monitor", SinkFrom::Environment).unwrap_err();
        assert!(!e.contains("--device iemsim"), "{e}");
        assert!(
            e.contains("PULSE_SINK=iemsim") && e.contains("unset PULSE_SINK"),
            "{e}"
        );
        // The apps' sink as the default output, no --device given: nothing to drop.
        let e = check_feedback("iemsim", "iemsim.monitor", SinkFrom::Default).unwrap_err();
        assert!(!e.contains("--device iemsim"), "{e}");
        assert!(
            e.contains("set-default-sink") && e.contains("--device"),
            "{e}"
        );
    }

    #[test]
    fn names_match_exactly_first_then_by_part() {
        let names = || vec!["iemsim_x.monitor".to_string(), "iemsim".to_string()];
        let r = |w: &str| resolve_name(std::iter::empty(), names, w);
        assert_eq!(r("IEMSIM"), (Named::Server("iemsim".into()), vec![]));
        assert_eq!(
            r("x.mon"),
            (Named::Server("iemsim_x.monitor".into()), vec![])
        );
        assert_eq!(r("nope"), (Named::Unknown, vec![]));
        assert!(is_server_device("default", ""));
        assert!(is_server_device("x", "PulseAudio Sound Server"));
        assert!(!is_server_device("hw:CARD=PCH,DEV=0", "HDA Intel PCH"));
    }
}
