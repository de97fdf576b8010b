//! `iemsim profiles`: the built-ins and the user's own profiles, one line each.

use crate::cli::ProfilesArgs;
use crate::commands::out::outln;
use crate::profiles::{self, Origin};
use anyhow::Result;
use serde::Serialize;

#[derive(Serialize)]
struct Entry<'a> {
    #[serde(flatten)]
    profile: &'a crate::dsp::Profile,
    /// `builtin` or `user`.
    origin: &'static str,
    /// The file, for a user profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
}

pub fn run(args: &ProfilesArgs) -> Result<()> {
    let (all, problems) = profiles::all();
    // One line per unusable file in the user's folder: reported, never fatal.
    for p in &problems {
        eprintln!("iemsim: warning: skipped {p}");
    }
    if args.json {
        let entries: Vec<Entry> = all
            .iter()
            .map(|l| Entry {
                profile: &l.profile,
                origin: match l.origin {
                    Origin::Builtin => "builtin",
                    Origin::User(_) => "user",
                },
                path: match &l.origin {
                    Origin::User(p) => Some(p.display().to_string()),
                    Origin::Builtin => None,
                },
            })
            .collect();
        outln!("{}", serde_json::to_string_pretty(&entries)?)?;
        return Ok(());
    }
    let width = all.iter().map(|l| l.profile.name.len()).max().unwrap_or(0);
    for l in &all {
        let mark = match l.origin {
            Origin::Builtin => "",
            Origin::User(_) => "[user] ",
        };
        outln!("{:width$}  {mark}{}", l.profile.name, l.profile.description)?;
    }
    match profiles::user_dir() {
        Some(d) => outln!(
            "\nDetails and response: iemsim show PROFILE. Your own profiles (.toml, .txt, .yml) go in {}",
            d.display()
        )?,
        None => outln!("\nDetails and response: iemsim show PROFILE")?,
    }
    Ok(())
}
