use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = iemsim::cli::Cli::parse();
    match iemsim::commands::run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("iemsim: {}", one_line(&err));
            ExitCode::from(iemsim::error::exit_code(&err))
        }
    }
}

/// "context: cause: root cause", without repeating a cause that the context already quotes.
fn one_line(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let s = cause.to_string();
        if out.contains(&s) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&s);
    }
    out
}
