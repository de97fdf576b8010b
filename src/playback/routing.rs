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

/// The sink and source a libpulse stream of this process connects to when it names none: the
/// server's defaults (from `pactl info`, which every version prints) unless the environment
/// names others.
pub fn effective_sink_source() -> Option<(String, String)> {
    let info = pactl(&["info"])?;
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
    };
    let (sink, source) = (field("Default Sink:")?, field("Default Source:")?);
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    Some((
        env("PULSE_SINK").unwrap_or(sink),
        env("PULSE_SOURCE").unwrap_or(source),
    ))
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
/// back into our input (a loop that howls within a second). `Err` says what to do instead.
pub fn check_feedback(sink: &str, source: &str) -> Result<(), String> {
    if source == format!("{sink}.monitor") {
        // The way out depends on which end is the apps' sink: never advise the run just refused.
        let instead = if sink == "iemsim" {
            "play to your headphones' sink instead: drop `--device iemsim` (the default output) \
             or name the headphones with --device"
                .to_string()
        } else {
            "play to your headphones' sink and capture another sink's monitor: `iemsim live \
             --setup` makes a sink named iemsim for the apps, then `iemsim live --input \
             iemsim.monitor`"
                .to_string()
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
/// `server` names: an exact device name, then an exact server name, then a device whose name or
/// description contains it, then a server name containing it. An exact sink name `audio` went
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
    // Devices first, as the exact names: the first match is the choice, the rest are noted.
    let partial = |n: &str| n.to_lowercase().contains(&w);
    let mut matches: Vec<(bool, String)> = devices
        .filter(|(n, d)| partial(n) || partial(d))
        .map(|(n, _)| (true, n.to_string()))
        .collect();
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
    let mut list = others
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
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
    for sink in &sinks {
        for source in &sources {
            check_feedback(sink, source)
                .map_err(|e| format!("the sound server moved a stream: {e}"))?;
        }
    }
    Ok(())
}

/// What `pactl` could not do, and what to check.
const NO_PACTL: &str = "is PulseAudio or PipeWire (with pipewire-pulse) running, and pactl \
                        installed (pulseaudio-utils)?";

/// The modules that made a sink named [`SETUP_SINK`] (`pactl list short modules`); `Err` when
/// the server cannot be asked (not "none": `--undo` said there was nothing to remove).
pub fn setup_modules() -> Result<Vec<String>, String> {
    let needle = format!("sink_name={SETUP_SINK}");
    let listed = pactl(&["list", "short", "modules"])
        .ok_or_else(|| format!("`pactl list short modules` failed: {NO_PACTL}"))?;
    Ok(listed
        .lines()
        .filter(|l| l.contains("module-null-sink") && l.split_whitespace().any(|w| w == needle))
        .filter_map(|l| l.split('\t').next().map(str::to_string))
        .collect())
}

/// What `--setup` did.
pub enum Setup {
    Created { module: String },
    AlreadyThere { module: String },
}

/// Creates the `iemsim` null sink (once). `Err`: pactl is missing or refused.
pub fn setup() -> Result<Setup, String> {
    if let Some(m) = setup_modules()?.into_iter().next() {
        return Ok(Setup::AlreadyThere { module: m });
    }
    let desc = "sink_properties=device.description=iemsim";
    let module = pactl(&[
        "load-module",
        "module-null-sink",
        &format!("sink_name={SETUP_SINK}"),
        desc,
    ])
    .map(|s| s.trim().to_string())
    .filter(|s| !s.is_empty())
    .ok_or_else(|| format!("`pactl load-module module-null-sink` failed: {NO_PACTL}"))?;
    Ok(Setup::Created { module })
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
        let e = check_feedback("alsa_output.usb", "alsa_output.usb.monitor").unwrap_err();
        assert!(e.contains("feedback") && e.contains("--setup"), "{e}");
        assert!(check_feedback("alsa_output.usb", "iemsim.monitor").is_ok());
        assert!(check_feedback("alsa_output.usb", "alsa_input.usb").is_ok());
        // Playing into the apps' sink: the advice is to play elsewhere, not the refused run.
        let e = check_feedback("iemsim", "iemsim.monitor").unwrap_err();
        assert!(e.contains("drop `--device iemsim`"), "{e}");
        assert!(!e.contains("--input iemsim.monitor`"), "{e}");
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
