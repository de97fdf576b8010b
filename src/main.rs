use std::process::ExitCode;

fn main() -> ExitCode {
    restore_sigpipe();
    // SIGINT, SIGTERM, SIGHUP, SIGQUIT outside the terminal UI: clean up, exit 128 + n.
    iemsim::interrupt::install();
    let cli = iemsim::cli::parse();
    let result = iemsim::commands::run(cli.command);
    // A closed stdout pipe ends the process by SIGPIPE, after the signal thread's clean-up.
    iemsim::interrupt::await_closed_pipe();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // Not eprintln!: after a hang-up stderr may be a dead terminal, and eprintln! panics.
            // The one diagnostic writer ignores write errors and escapes what files put in it;
            // a line break in a file's name must not split the message either.
            let text = err.to_string();
            iemsim::io::diag::line(format_args!("iemsim: {}", iemsim::io::diag::message(&text)));
            ExitCode::from(err.class().exit_code())
        }
    }
}

/// `iemsim show dd | head` should stop quietly when `head` closes the pipe, as Unix tools do, not
/// panic in `println!`: Rust ignores SIGPIPE by default, so put the default action back (then
/// `interrupt::install` handles it, to remove half-written outputs first, and dies of it).
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any other thread exists; SIG_DFL is always valid.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
