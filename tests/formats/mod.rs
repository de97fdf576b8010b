//! Files in and out: every decoder and WAV layout, every output format read back by other
//! programs, profile files (AutoEq, Equalizer APO, CamillaDSP run in CamillaDSP itself) and the
//! built-in profiles against the measurements they come from.

mod camilladsp;
mod decoders;
mod layouts;
mod mp4_gapless;
mod outputs;
mod profile_files;
mod profiles_vs_measurements;
mod wav_layouts;
