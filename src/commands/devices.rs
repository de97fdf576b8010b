//! `iemsim devices`: the output and input devices the default audio host offers, defaults
//! marked with `*`.

use crate::cli::DevicesArgs;
use crate::commands::out::outln;
use crate::error::Result;
use crate::playback::device::{self, DeviceError, DeviceInfo};
use crate::playback::routing;

pub fn run(args: &DevicesArgs) -> Result<()> {
    // A missing device is a runtime failure (exit 1); the error text says what to try. With no
    // device because the sound server is down, say that, as play and live do.
    let all = device::list_devices().map_err(|e| match (e, routing::server_down()) {
        (DeviceError::NoDevice, Some(detail)) => DeviceError::NoServer {
            device: "default".to_string(),
            detail,
        },
        (e, _) => e,
    })?;
    let inputs = device::list_input_devices();
    if args.report.json {
        // One array, as before, each entry saying whether it plays or captures.
        let tagged: Vec<serde_json::Value> = all
            .iter()
            .map(|d| (d, "output"))
            .chain(inputs.iter().map(|d| (d, "input")))
            .map(|(d, kind)| {
                let mut v = serde_json::to_value(d).unwrap_or_default();
                if let Some(o) = v.as_object_mut() {
                    o.insert("kind".into(), kind.into());
                }
                v
            })
            .collect();
        outln!("{}", serde_json::to_string_pretty(&tagged)?)?;
        return Ok(());
    }
    let width = all
        .iter()
        .chain(&inputs)
        .map(|d| d.name.len())
        .max()
        .unwrap_or(0);
    let list = |devices: &[DeviceInfo]| -> Result<()> {
        for d in devices {
            let mark = if d.is_default { '*' } else { ' ' };
            outln!("{mark} {:width$}  {}", d.name, d.description)?;
            outln!("  {:width$}  {}", "", summary(d))?;
        }
        Ok(())
    };
    outln!("Outputs:")?;
    list(&all)?;
    outln!("\nInputs (capture, for `iemsim live --input`):")?;
    if inputs.is_empty() {
        outln!("  none")?;
    }
    list(&inputs)?;
    // The sound server's own sinks and sources, reached through its ALSA device by name.
    let (sinks, sources) = (routing::sink_names(), routing::source_names());
    if !sinks.is_empty() {
        outln!("\nSound server sinks (PulseAudio/PipeWire; also for --device):")?;
        for s in &sinks {
            outln!("  {s}")?;
        }
    }
    if !sources.is_empty() {
        outln!("\nSound server sources (also for `iemsim live --input`):")?;
        for s in &sources {
            outln!("  {s}")?;
        }
    }
    outln!(
        "\n* = default. Play on another output with --device NAME, capture another input with \
         `iemsim live --input NAME` (or any part of its name)."
    )?;
    Ok(())
}

/// "8000–192000 Hz; f32, i16; 1–8 ch".
pub fn summary(d: &DeviceInfo) -> String {
    let rates: Vec<String> = d
        .rates
        .iter()
        .map(|&(lo, hi)| {
            if lo == hi {
                lo.to_string()
            } else {
                format!("{lo}–{hi}")
            }
        })
        .collect();
    let channels = match (d.channels.first(), d.channels.last()) {
        (Some(lo), Some(hi)) if lo != hi && d.channels.len() == usize::from(hi - lo + 1) => {
            format!("{lo}–{hi}")
        }
        _ => d
            .channels
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    };
    format!(
        "{} Hz; {}; {} ch",
        rates.join(", "),
        d.formats.join(", "),
        channels
    )
}
