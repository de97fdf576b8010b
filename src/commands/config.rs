//! `iemsim config set|get|unset KEY`: remembered settings (the headphone correction).

use crate::cli::{ConfigArgs, ConfigCommand};
use crate::commands::out::outln;
use crate::error::{Error, Result};
use crate::profiles::headphones::{is_csv, Correction, HeadphonesError, Source};
use crate::profiles::settings;
use std::path::PathBuf;

pub fn run(args: &ConfigArgs) -> Result<()> {
    // A change is read, checked and written under the lock: another `config set` meanwhile
    // waits, then reads this one's file (each wrote back its own read, and one key was lost).
    let _held = match args.command {
        ConfigCommand::Get { .. } => None,
        _ => Some(settings::lock()?),
    };
    let mut s = settings::load()?;
    let done: String;
    match &args.command {
        ConfigCommand::Get { key } => {
            let headphones = s.headphones.map(|p| p.display().to_string());
            let all = [
                ("headphones", headphones),
                ("headphone-target", s.headphone_target),
            ];
            for (k, v) in all {
                match (key.as_deref(), v) {
                    (None, v) => outln!("{k} = {}", v.as_deref().unwrap_or("(not set)"))?,
                    (Some(want), Some(v)) if want == k => outln!("{v}")?,
                    _ => {}
                }
            }
            return Ok(());
        }
        // Reported only once saved: a full disk must not print success and then fail.
        ConfigCommand::Unset { key } => {
            let was = match key.as_str() {
                "headphones" => s.headphones.take().map(|p| p.display().to_string()),
                _ => s.headphone_target.take(),
            };
            // Said, like set: a silent unset left the user to wonder whether it was set at all.
            done = match was {
                Some(v) => format!("{key} unset (was {v})"),
                None => format!("{key} was not set"),
            };
        }
        // "cannot make an empty path absolute" (exit 1) or ": no such target" said less.
        ConfigCommand::Set { key, value } if value.trim().is_empty() => {
            return Err(Error::usage(
                "VALUE",
                format!(
                    "config set {key} needs a value: a file, or for headphone-target a target name"
                ),
            ));
        }
        ConfigCommand::Set { key, value } => match key.as_str() {
            "headphones" => {
                // Checked now, so a typo fails here rather than in every later command; stored
                // absolute so it works from any folder.
                let path = std::path::absolute(PathBuf::from(value))?;
                let c =
                    Correction::load(&path, s.headphone_target.as_deref(), None, Source::Argument)
                        .map_err(HeadphonesError::with_remembered_target)?;
                if let Some(t) = s.headphone_target.as_ref().filter(|_| !is_csv(&path)) {
                    crate::io::diag::diag!(
                        "iemsim: note: {} is an EQ, not a measurement .csv: the remembered headphone-target, {t}, is not used with it",
                        path.display()
                    );
                }
                done = format!("headphones = {} ({})", path.display(), c.summary());
                s.headphones = Some(path);
            }
            _ => {
                crate::profiles::headphones::target_measurement(value)?;
                // Every name the check above accepts is kept as that name (`harman` and
                // `diffuse-field` were once stored as paths in the current folder).
                let v = if crate::profiles::headphones::is_builtin_target(value) {
                    value.clone()
                } else {
                    std::path::absolute(value)?.display().to_string()
                };
                // Kept (a measurement may be set later), but not silently unused meanwhile.
                if let Some(eq) = s.headphones.as_ref().filter(|h| !is_csv(h)) {
                    crate::io::diag::diag!(
                        "iemsim: note: the remembered headphones, {}, is an EQ, not a measurement .csv: the target is used once headphones is a measurement",
                        eq.display()
                    );
                }
                done = format!("headphone-target = {v}");
                s.headphone_target = Some(v);
            }
        },
    }
    settings::save(&s)?;
    outln!("{done}")?;
    Ok(())
}
