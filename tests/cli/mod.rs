//! The `iemsim` binary's commands, run for real: one module per command or concern.

mod abx;
mod decode;
mod demo;
mod docs;
mod export;
mod export_match;
mod export_memory;
mod fit;
mod generate;
mod headphones;
mod hostile_inputs;
mod output_safety;
mod plot;
mod profile;
mod readme;
mod samples;
mod show;
mod stdout_errors;
mod unused_options;
