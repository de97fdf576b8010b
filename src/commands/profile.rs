//! `iemsim profile convert IN -o OUT`: a profile in another format, chosen by OUT's extension.

use crate::cli::{ProfileArgs, ProfileCommand};
use crate::commands::out::outln;
use crate::error::{Error, Result};
use crate::io::profile_file::Format;

pub fn run(args: &ProfileArgs) -> Result<()> {
    match &args.command {
        ProfileCommand::Convert(a) => {
            let out = &a.output;
            let format = Format::from_path(out).ok_or_else(|| {
                Error::usage("--output", format!(
                    "{}: the extension names no profile format (use .toml, .txt for Equalizer APO / AutoEq, .yml/.yaml for CamillaDSP)",
                    out.display()
                ))
            })?;
            crate::io::sink_types::check_not_input(out, [std::path::Path::new(&a.input)])?;
            // The one destination rule of every output (a folder, a device, an existing file).
            crate::io::sink_types::check_destination(out, a.force)?;
            let mut profile = crate::profiles::resolve(&a.input, None)?;
            super::warn_shadowed(&a.input);
            // A built-in's or an `iem:` name is iemsim's own, which the profile folder refuses
            // for a user's file: the copy is named after its file (its `source` says where it
            // came from), so it can be put there, edited and used by that name.
            let copy_of = copy_name(&mut profile.name, out);
            let text = format.write(&profile)?;
            let exists = "already exists (use --force to replace it)";
            super::write_atomic(out, text.as_bytes(), a.force, Some(exists))?;
            // A channel's own preamp is on top of the shared one (Equalizer APO `Channel: L` then
            // `Preamp:`): the summary names it, or it read as if there were only the shared one.
            let own: String = profile
                .channels
                .iter()
                .filter(|c| c.gain_db != 0.0)
                .map(|c| {
                    format!(
                        ", channel {} {} dB on top",
                        crate::dsp::profile::channel_label(c.channel),
                        crate::ui::fmt::db(c.gain_db)
                    )
                })
                .collect();
            outln!(
                "{}: '{}'{copy_of} as {} ({}, preamp {} dB{own})",
                out.display(),
                profile.name,
                format.label(),
                crate::ui::fmt::count(profile.filter_count(), "filter"),
                crate::ui::fmt::db(profile.preamp_db)
            )?;
            Ok(())
        }
    }
}

/// Names a copy of iemsim's own profile (`name` reserved) after its file `out`; returns what the
/// summary says of it (" (a copy of 'ba')"), empty when the name stays.
fn copy_name(name: &mut String, out: &std::path::Path) -> String {
    let stem = out.file_stem().map(|s| s.to_string_lossy().into_owned());
    match stem {
        Some(stem)
            if crate::profiles::is_reserved_name(name) && !stem.eq_ignore_ascii_case(name) =>
        {
            format!(" (a copy of '{}')", std::mem::replace(name, stem))
        }
        _ => String::new(),
    }
}
