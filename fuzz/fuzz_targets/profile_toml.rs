//! Any bytes, read as a profile file the way `iemsim -p FILE` reads it; see the crate docs for the properties.
#![no_main]

use iemsim::io::profile_file::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    iemsim_fuzz::check_parse(Format::Toml, data);
});
