//! `iemsim profiles`: the built-ins, one line each.

use crate::cli::ProfilesArgs;
use crate::commands::out::outln;
use crate::dsp::builtin;
use anyhow::Result;

pub fn run(args: &ProfilesArgs) -> Result<()> {
    let all = builtin::profiles();
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&all)?)?;
        return Ok(());
    }
    let width = all.iter().map(|p| p.name.len()).max().unwrap_or(0);
    for p in &all {
        outln!("{:width$}  {}", p.name, p.description)?;
    }
    outln!("\nDetails and response: iemsim show PROFILE")?;
    Ok(())
}
