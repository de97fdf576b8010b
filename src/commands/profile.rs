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
            let profile = crate::profiles::resolve(&a.input, None)?;
            super::warn_shadowed(&a.input);
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
                "{}: '{}' as {} ({}, preamp {} dB{own})",
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
