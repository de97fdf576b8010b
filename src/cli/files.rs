//! Arguments of the commands that write files: `export`, `profile convert`, `generate`.

use super::{HeadphoneArgs, ReportArgs};
use crate::dsp::Preamp;
use crate::io::OutFormat;
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DitherArg {
    /// Triangular dither (±1 LSB) on integer output (16, 24 or 32-bit).
    Tpdf,
    /// Plain rounding.
    None,
}

/// Output sample formats (`--bits`). No doc comments on the values: clap would list them one
/// a line in `--help` instead of `[possible values: 16, 24, 32, 32f]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BitsArg {
    #[value(name = "16")]
    I16,
    #[value(name = "24")]
    I24,
    #[value(name = "32")]
    I32,
    #[value(name = "32f")]
    F32,
}

impl BitsArg {
    /// The sample format it names.
    pub fn out_format(self) -> OutFormat {
        match self {
            Self::I16 => OutFormat::I16,
            Self::I24 => OutFormat::I24,
            Self::I32 => OutFormat::I32,
            Self::F32 => OutFormat::F32,
        }
    }
}

/// The largest boost `--preamp` takes in dB (as for a profile's own preamp).
pub const MAX_PREAMP_DB: f64 = 40.0;

/// A `--preamp` value: `auto`, `profile` or a number of dB (a trailing `dB` allowed); the error
/// is the reason in clap's "invalid value" line. A cut may be of any depth: it cannot overflow,
/// and the preamp a clipping export advises goes as deep as its peak needs (past -40 dB after
/// `auto` cut a 50 dB boost, and further for a float input past 0 dBFS).
pub fn parse_preamp(s: &str) -> Result<Preamp, String> {
    match s.trim() {
        "auto" => Ok(Preamp::Auto),
        "profile" => Ok(Preamp::Profile),
        other => match other
            .trim_end_matches("dB")
            .trim_end_matches("db")
            .trim()
            .parse::<f64>()
        {
            Ok(db) if db.is_finite() && db <= MAX_PREAMP_DB => Ok(Preamp::Db(db)),
            _ => Err(format!(
                "expected auto, profile or a number of dB (a cut of any depth, a boost up to +{MAX_PREAMP_DB})"
            )),
        },
    }
}

/// Output file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// RIFF WAVE (RF64 past 4 GiB).
    Wav,
    /// FLAC, lossless, 16- or 24-bit.
    Flac,
}

impl FormatArg {
    /// The container it names.
    pub fn container(self) -> crate::io::Container {
        match self {
            Self::Wav => crate::io::Container::Wav,
            Self::Flac => crate::io::Container::Flac,
        }
    }
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub hp: HeadphoneArgs,
    /// Input audio file (WAV, FLAC, MP3, Ogg Vorbis, M4A), `-` for standard input
    /// (e.g. `ffmpeg -i song.m4a -f wav - | iemsim export - -p ba`), or a folder to process every
    /// audio file in it [default: samples/music.wav, built in]
    pub input: Option<PathBuf>,
    /// Profile to apply: a name (`iemsim profiles`) or a file (.toml, .txt = Equalizer APO /
    /// AutoEq ParametricEQ.txt, .yml = CamillaDSP); repeat for several (one output per profile).
    #[arg(short = 'p', long = "profile", required = true, value_name = "PROFILE")]
    pub profiles: Vec<String>,
    /// Output file, .wav or .flac (the extension picks the format), or `-` for standard output;
    /// only with one input and one profile [default: INPUT-stem.PROFILE.wav beside the input, in
    /// the current folder for the built-in sample and `-`; .flac for a lossless input file other
    /// than WAV (FLAC, ALAC)]
    #[arg(
        short = 'o',
        long,
        conflicts_with = "out_dir",
        allow_hyphen_values = true
    )]
    pub output: Option<PathBuf>,
    /// Output file format when no -o name says it (`-o -`, --out-dir, default names). FLAC is 16-
    /// or 24-bit: a 32-bit or float input becomes 24-bit FLAC unless --bits asks otherwise
    /// (--bits 32/32f with FLAC is refused).
    #[arg(long, value_enum, value_name = "wav|flac")]
    pub format: Option<FormatArg>,
    /// Folder to write the outputs to (created, parents too, when missing).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Output sample format: 16, 24, 32 (integer) or 32f (float) [default: same as the input]
    #[arg(long, value_enum, value_name = "16|24|32|32f")]
    pub bits: Option<BitsArg>,
    /// Dither when quantising to integer output (16, 24 or 32-bit); float output (32f) has no
    /// quantisation step to dither.
    #[arg(long, value_enum, default_value_t = DitherArg::Tpdf)]
    pub dither: DitherArg,
    /// Gain before the filters: `auto` (= -(largest boost), so no frequency comes out louder than
    /// it went in; the filters' phase can still raise a peak, and the report then counts clipped
    /// samples and gives the preamp that avoids them), `profile` (the profile's own value) or a
    /// number in dB (a cut of any depth, a boost up to +40). Not with loudness-matched outputs (--match, and the default for several
    /// profiles): matching sets their gains [default: auto]
    #[arg(
        long,
        value_name = "auto|profile|DB",
        allow_hyphen_values = true,
        value_parser = parse_preamp
    )]
    pub preamp: Option<Preamp>,
    /// Make all outputs of one input equally loud (ITU-R BS.1770, as `play` measures), at the
    /// highest common level at which no output's samples exceed -0.1 dBFS; replaces --preamp.
    /// The default when more than one profile is exported; refused with one, and for standard
    /// input or a pipe (read once, it cannot be measured first: the default then uses --preamp).
    #[arg(long = "match", conflicts_with = "no_match")]
    pub match_loudness: bool,
    /// Do not match loudness between the outputs (each gets --preamp only).
    #[arg(long)]
    pub no_match: bool,
    /// Replace existing output files. In a folder export only iemsim's own earlier outputs (and
    /// files with no audio in them): a file of yours that has an output's name is refused, even
    /// with --force (move or rename it, or export its input alone with -o FILE --force).
    #[arg(long)]
    pub force: bool,
    /// Resume an interrupted run: keep every output that exists already and is complete (a whole
    /// WAV/FLAC at the input's rate, channels and length, in the format the export writes) and
    /// write the others (each kept or redone one with a line; an input whose outputs are all
    /// complete is not decoded).
    #[arg(long, conflicts_with = "force")]
    pub skip_existing: bool,
    /// Files of a folder exported at once [default: the available cores]. The outputs are
    /// byte-identical whatever the number.
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct ProfileArgs {
    #[command(subcommand)]
    pub command: ProfileCommand,
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Convert a profile between iemsim TOML, Equalizer APO / AutoEq and CamillaDSP.
    ///
    /// The output's format follows its extension: .toml (iemsim), .txt (Equalizer APO / AutoEq
    /// ParametricEQ.txt), .yml or .yaml (a CamillaDSP configuration that runs as it is). IN may
    /// also be a profile name.
    #[command(
        after_help = "Examples:\n  iemsim profile convert \"Moondrop Chu ParametricEQ.txt\" -o chu.toml\n  \
        iemsim profile convert ba -o ba.yml           a built-in, for CamillaDSP\n  \
        iemsim profile convert my.toml -o config.txt  for Equalizer APO"
    )]
    Convert(ConvertArgs),
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Profile file (.toml, .txt, .yml/.yaml) or profile name.
    pub input: String,
    /// Output file; its extension picks the format.
    #[arg(short = 'o', long)]
    pub output: PathBuf,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SignalKind {
    /// Logarithmic sine sweep, 20 Hz to 20 kHz (to 0.45 × the rate when that is lower).
    Sweep,
    /// Pink noise (equal energy per octave).
    // `noise`, as the command's own summary says, is pink noise too.
    #[value(alias = "noise")]
    Pink,
    /// A sine tone at --freq.
    Tone,
    /// Noise bursts shaped like "s", "sh" and "t".
    Sibilants,
    /// Bass notes from 30 to 120 Hz with a kick drum.
    BassNotes,
    /// A short synthesized piece: kick, bass line, chords, hi-hats and cymbals.
    Music,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// What to generate.
    #[arg(value_enum)]
    pub kind: SignalKind,
    /// Output file, .wav or .flac (the extension picks the format, as in `export`), or `-` for
    /// standard output (WAV unless --format flac).
    #[arg(short = 'o', long, allow_hyphen_values = true)]
    pub output: PathBuf,
    /// Output file format; must agree with the -o extension (needed only for `-o -`). FLAC is
    /// 16- or 24-bit.
    #[arg(long, value_enum, value_name = "wav|flac")]
    pub format: Option<FormatArg>,
    /// Length in seconds [default: 10; music: 24]
    #[arg(long)]
    pub seconds: Option<f64>,
    /// Sample rate (Hz), 8000-192000.
    #[arg(long, default_value_t = 44_100)]
    pub rate: u32,
    /// Tone frequency (Hz), for `tone` only [default: 1000]
    #[arg(long)]
    pub freq: Option<f64>,
    /// Output sample format: 16, 24, 32 or 32f (32 and 32f: WAV only).
    #[arg(long, value_enum, default_value_t = BitsArg::I16)]
    pub bits: BitsArg,
    /// Seed for the noise of `pink`, `sibilants` and `music` (the same seed gives the same file;
    /// the other kinds have no noise to seed) [default: 1]
    #[arg(long)]
    pub seed: Option<u64>,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub report: ReportArgs,
}
