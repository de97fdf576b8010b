//! Command-line interface: one subcommand per user task. Doc comments here are the `--help` text.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// The bundled default material, used when a command's INPUT is omitted.
pub const DEFAULT_INPUT: &str = "samples/music.wav";

#[derive(Debug, Parser)]
#[command(
    name = "iemsim",
    version,
    about = "Hear how in-ear monitor driver types colour sound",
    long_about = "Hear how in-ear monitor (IEM) driver types colour sound.\n\n\
        iemsim applies filter profiles measured from real IEMs - balanced armature (ba), dynamic \
        driver (dd), V-shaped hybrid (v-hybrid) and more - to WAV files, plays them in real time \
        with instant, click-free, loudness-matched A/B switching, runs blind ABX tests and guided \
        demos, and exports processed WAVs.\n\n\
        Profiles are deviations from the Harman in-ear 2019 target: listen on neutral headphones \
        or IEMs for the comparison to mean what it says.",
    after_help = "Start with:\n  iemsim play                      A/B of ba vs dd on the bundled sample\n  \
        iemsim demo sibilance            what sibilance is, and how to hear it\n  \
        iemsim profiles                  the built-in profiles\n  \
        iemsim export -p ba -p dd        processed WAVs next to samples/music.wav"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the built-in profiles and your own (from your profile folder), one line each.
    #[command(mut_arg("json", |a| a.help("Print JSON instead of a table")))]
    Profiles(ProfilesArgs),
    /// Show profiles' filters and magnitude responses (dB at 1/3-octave centres), or chart them.
    #[command(after_help = "Examples:\n  iemsim show ba\n  \
        iemsim show ba dd v-hybrid --plot fr.png      the three responses on one chart\n  \
        iemsim show ba --plot ba.svg --size 1600x900\n  \
        iemsim show ba --plot ba.png --measurement 'samples/measurements/iem/ba/BGVP DM6.csv'")]
    #[command(mut_arg("json", |a| a.help("Print JSON instead of a table (one object per profile; an array for several)")))]
    Show(ShowArgs),
    /// Work with profile files: `iemsim profile convert IN -o OUT`.
    Profile(ProfileArgs),
    /// Fit a parametric EQ to an IEM measurement: the filters that make neutral audio sound like it.
    #[command(
        after_help = "The fit reproduces the IEM's deviation from the target (both normalised to 0 dB over \
        0.5-2 kHz) with at most --max-filters RBJ filters, |gain| <= 12 dB, Q <= 6 and no boost above 14 kHz, \
        and reports the RMS error over 20 Hz-10 kHz (mean offset removed) and the worst point.\n\n\
        Examples:\n  iemsim fit \"Moondrop Chu.csv\"                      how the Chu colours sound\n  \
        iemsim fit \"Moondrop Chu.csv\" --invert -o chu-eq.txt   the correction EQ, Equalizer APO format\n  \
        iemsim fit \"Moondrop Chu.csv\" --like er4sr.csv         make the Chu sound like the ER4SR\n  \
        iemsim fit m.csv --target diffuse-field --max-filters 6 --json"
    )]
    #[command(mut_arg("json", |a| a.help("Print JSON instead of a table")))]
    Fit(FitArgs),
    /// Measure a file and what profiles do to it: loudness (LUFS), loudness range, true peak,
    /// crest factor, octave-band levels and the long-term average spectrum.
    #[command(
        after_help = "Examples:\n  iemsim analyze                                the bundled sample\n  \
        iemsim analyze song.wav -p ba -p dd --plot spectra.png\n  \
        iemsim analyze song.wav -p v-hybrid --json\n\n\
        Loudness per ITU-R BS.1770-4 (gated, LUFS), loudness range per EBU Tech 3342 (LU), true peak \
        4x oversampled (dBTP). RMS, octave bands and the spectrum are dB re full scale, where a \
        full-scale sine has RMS -3.0 dB."
    )]
    #[command(mut_arg("json", |a| a.help("Print JSON instead of a table")))]
    Analyze(AnalyzeArgs),
    /// Apply one or more profiles to a WAV file (or every .wav in a folder) and write the results.
    #[command(
        after_help = "With several profiles the outputs are loudness-matched (--match, the default): equally \
        loud by ITU-R BS.1770, as `play` matches, at the highest level at which none exceeds -0.1 dBFS.\n\n\
        Examples:\n  iemsim export -p ba -p dd                       two matched WAVs next to samples/music.wav\n  \
        iemsim export song.flac -p ba -p dd             song.ba.flac and song.dd.flac, matched\n  \
        iemsim export song.wav -p \"HD 600 ParametricEQ.txt\" -o eq.wav    an AutoEq / Equalizer APO file\n  \
        iemsim export song.wav -p ba -o song.ba.flac    FLAC (the extension picks the format)\n  \
        ffmpeg -i song.mp3 -f wav - | iemsim export - -p ba -o - | sox - -d    streams in and out\n  \
        iemsim export -p ba -p dd --no-match            each at --preamp auto instead\n\n\
        Only regular files are ever replaced (--force); SIGINT/SIGTERM/SIGHUP/SIGQUIT leave nothing half-written."
    )]
    #[command(mut_arg("json", |a| a.help("Print a JSON report instead of text")))]
    Export(ExportArgs),
    /// Write a test signal (sweep, noise, tone, sibilants, bass notes, music) to a WAV or FLAC file.
    #[command(
        after_help = "Examples:\n  iemsim generate sweep -o sweep.wav --seconds 5\n  \
        iemsim generate tone --freq 440 -o a440.flac --bits 24\n  \
        iemsim generate pink -o - | sox - -d                   straight to the speakers"
    )]
    #[command(mut_arg("json", |a| a.help("Print a JSON report instead of text")))]
    Generate(GenerateArgs),
    /// Play a WAV in real time and flip between two profiles (A/B), loudness-matched and click-free.
    #[command(
        after_help = "Keys: space pause · a / b / tab switch · ←/→ seek 5 s · l loop (mark start, end, clear) · \
        m loudness matching on/off · 1-9 load a profile into the live side · ? help · q / Esc quit\n\n\
        Both profiles run all the time; a switch is a 20 ms crossfade and is heard within about 50 ms. \
        Loudness matching (ITU-R BS.1770) lowers the louder side so neither wins by being louder.\n\n\
        Examples:\n  iemsim play                                   ba vs dd on the bundled sample\n  \
        iemsim play song.wav -a neutral -b v-hybrid\n  \
        iemsim play --loop 0:12-0:20                  repeat a passage\n  \
        iemsim play --no-tui --switch-every 2 --duration 10"
    )]
    #[command(mut_arg("json", |a| a.help("Print JSON lines instead of text (with --no-tui)")))]
    Play(PlayArgs),
    /// List audio output devices (the default is marked) with their rates and formats.
    Devices(DevicesArgs),
    /// Blind ABX test: can you tell two profiles apart when you do not know which is which?
    #[command(
        after_help = "Keys: a / b / x listen to A, B or the hidden X · tab cycles · A or 1: X is A · \
        B or 2: X is B · space pause · ←/→ seek · l loop · ? help · q / Esc quit (the session is logged as abandoned)\n\n\
        Each trial hides A or B behind X. After the last trial you get your score and the chance of doing \
        at least that well by guessing (p); p < 0.05 means you reliably heard a difference. 16 trials is a \
        good minimum.\n\nExample:\n  iemsim abx -a ba -b dd --trials 16"
    )]
    #[command(mut_arg("json", |a| a.help("Print the result as JSON")))]
    Abx(AbxArgs),
    /// Guided demos of sibilance, bass roll-off and the classic driver signatures.
    #[command(
        after_help = "Keys: as in `iemsim play`, plus n / p for the next / previous part and ↑/↓ to \
        scroll the text.\n\nExamples:\n  iemsim demo sibilance\n  iemsim demo bass --export bass-demo   \
        WAVs + README.md, no audio device needed"
    )]
    #[command(mut_arg("json", |a| a.help("Print the numbers as JSON")))]
    Demo(DemoArgs),
    /// Remember settings: `iemsim config set headphones FILE` applies that headphone correction
    /// to every command that plays or renders.
    #[command(
        after_help = "Keys:\n  headphones        your headphones' correction (as --headphones FILE)\n  \
        headphone-target  the target a headphones measurement .csv is corrected to (as --headphone-target)\n\n\
        Examples:\n  iemsim config set headphones \"Sennheiser HD 600 ParametricEQ.txt\"\n  \
        iemsim config get headphones\n  iemsim config unset headphones\n\n\
        The file is config.toml in the config folder (IEMSIM_CONFIG_DIR overrides it)."
    )]
    Config(ConfigArgs),
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Remember a value (a file is checked and stored as an absolute path).
    Set {
        #[arg(value_parser = ["headphones", "headphone-target"])]
        key: String,
        value: String,
    },
    /// Print the remembered value (nothing, exit 0, when none).
    Get {
        #[arg(value_parser = ["headphones", "headphone-target"])]
        key: String,
    },
    /// Forget a value.
    Unset {
        #[arg(value_parser = ["headphones", "headphone-target"])]
        key: String,
    },
}

/// The audio device a playing command opens: `play`, `abx` and `demo` share these.
#[derive(Debug, Clone, Default, Args)]
pub struct DeviceArgs {
    /// Output device (name or part of it; see `iemsim devices`).
    #[arg(long)]
    pub device: Option<String>,
    /// Frames per audio callback to ask the device for [default: 1024]. Larger plays safely on a busy
    /// machine (no dropouts) but switches later; smaller switches sooner.
    #[arg(long, value_name = "FRAMES", value_parser = clap::value_parser!(u32).range(64..=16384))]
    pub buffer: Option<u32>,
}

/// The size of a chart drawn with `--plot` (`show`, `analyze`).
#[derive(Debug, Clone, Args)]
pub struct ChartSize {
    /// Chart size in pixels.
    #[arg(
        long,
        value_name = "WIDTHxHEIGHT",
        default_value = "1200x700",
        requires = "plot"
    )]
    pub size: String,
}

/// The two profiles compared by `play` and `abx`.
#[derive(Debug, Clone, Args)]
pub struct ProfilePair {
    /// Profile on side A (a name or a .toml/.txt/.yml file).
    #[arg(short = 'a', long = "a", default_value = "ba", value_name = "PROFILE")]
    pub a: String,
    /// Profile on side B (a name or a .toml/.txt/.yml file).
    #[arg(short = 'b', long = "b", default_value = "dd", value_name = "PROFILE")]
    pub b: String,
}

/// Machine-readable output, shared by every command that reports something. Each command says
/// what its JSON holds (`mut_arg` on its variant in [`Command`]).
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct ReportArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Headphone compensation, shared by every command that plays or renders.
#[derive(Debug, Clone, Default, Args)]
pub struct HeadphoneArgs {
    /// Your headphones' correction, applied before the profile (one cascade): their AutoEq
    /// `ParametricEQ.txt` (the EQ that brings them to the Harman target), another profile file, or
    /// their measurement `.csv` (corrected to --headphone-target by the PEQ fitter). Default: the one
    /// remembered by `iemsim config set headphones FILE`.
    #[arg(long, value_name = "FILE")]
    pub headphones: Option<PathBuf>,
    /// Target for a headphones measurement .csv [default: harman-over-ear-2018]
    #[arg(
        long,
        value_name = "harman-over-ear-2018|harman-in-ear-2019|TARGET.csv"
    )]
    pub headphone_target: Option<String>,
    /// Apply no headphone correction this time (not even the remembered one).
    #[arg(long, conflicts_with = "headphones")]
    pub no_headphones: bool,
}

#[derive(Debug, Args)]
pub struct ProfilesArgs {
    #[command(flatten)]
    pub report: ReportArgs,
    /// List the per-IEM profiles (`iem:moondrop-ssr`, …) with class, drivers and fit error
    /// (fits every bundled measurement: a few seconds).
    #[arg(long)]
    pub iem: bool,
}

/// `iemsim fit`: a PEQ fitted to a measurement.
#[derive(Debug, Args)]
pub struct FitArgs {
    /// The IEM's frequency response: an AutoEq-style CSV (`frequency,raw`; more columns, other
    /// header names, `;` or tab separators and no header are fine).
    pub measurement: PathBuf,
    /// The neutral reference: `harman` (Harman in-ear 2019 v2), `diffuse-field`, or a CSV file.
    #[arg(
        long,
        default_value = "harman",
        value_name = "harman|diffuse-field|TARGET.csv"
    )]
    pub target: String,
    /// At most this many filters (1-20).
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub max_filters: usize,
    /// Fit the correction EQ instead (what brings this IEM to the target, as AutoEq computes).
    #[arg(long, conflicts_with = "like")]
    pub invert: bool,
    /// Make MEASUREMENT sound like this IEM: its correction plus B's deviation, as one PEQ.
    #[arg(long, value_name = "B.csv")]
    pub like: Option<PathBuf>,
    /// Write the filters to this file (`.txt`: Equalizer APO / AutoEq ParametricEQ.txt format).
    #[arg(short = 'o', long, value_name = "PROFILE.txt")]
    pub output: Option<PathBuf>,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub hp: HeadphoneArgs,
    /// Profile name(s) (see `iemsim profiles`) or file(s) (.toml, .txt = Equalizer APO / AutoEq,
    /// .yml = CamillaDSP); with --plot, their responses are overlaid.
    #[arg(required = true, value_name = "PROFILE")]
    pub profiles: Vec<String>,
    /// Sample rate the response is computed at (Hz).
    #[arg(long, default_value_t = 48_000)]
    pub rate: u32,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Draw the magnitude responses as a chart instead: FILE.png or FILE.svg (an existing file is
    /// replaced).
    #[arg(long, value_name = "FILE.png|FILE.svg", conflicts_with = "json")]
    pub plot: Option<PathBuf>,
    #[command(flatten)]
    pub chart: ChartSize,
    /// A measured frequency response to overlay (CSV rows `frequency,dB`, e.g. AutoEq's), drawn
    /// as its deviation from the Harman in-ear 2019 target, comparable with the profiles; repeat
    /// for several.
    #[arg(long = "measurement", value_name = "CSV", requires = "plot")]
    pub measurements: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Audio file to analyse (WAV, FLAC, MP3, ...) [default: samples/music.wav]
    pub input: Option<PathBuf>,
    #[command(flatten)]
    pub hp: HeadphoneArgs,
    /// Also measure the input through this profile (with export's automatic anti-clipping
    /// preamp); repeat for several.
    #[arg(short = 'p', long = "profile", value_name = "PROFILE")]
    pub profiles: Vec<String>,
    /// Draw the long-term average spectra (input and each profile) as a chart: FILE.png or
    /// FILE.svg (an existing file is replaced).
    #[arg(long, value_name = "FILE.png|FILE.svg")]
    pub plot: Option<PathBuf>,
    #[command(flatten)]
    pub chart: ChartSize,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DitherArg {
    /// Triangular dither (±1 LSB): the default for ≤ 24-bit integer output.
    Tpdf,
    /// Plain rounding.
    None,
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
    /// only with one input and one profile [default: INPUT-stem.PROFILE.wav beside the input;
    /// .flac for a FLAC input]
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
    /// Folder to write the outputs to (it must exist).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Output sample format: 16, 24, 32 (integer) or 32f (float) [default: same as the input]
    #[arg(long, value_name = "16|24|32|32f", value_parser = ["16", "24", "32", "32f"])]
    pub bits: Option<String>,
    /// Dither when reducing to ≤ 24-bit integer output.
    #[arg(long, value_enum, default_value_t = DitherArg::Tpdf)]
    pub dither: DitherArg,
    /// Gain before the filters: `auto` (= -(largest boost), so nothing can clip), `profile` (the
    /// profile's own value) or a number in dB.
    #[arg(
        long,
        default_value = "auto",
        value_name = "auto|profile|DB",
        allow_hyphen_values = true
    )]
    pub preamp: String,
    /// Make all outputs of one input equally loud (ITU-R BS.1770, as `play` measures), at the
    /// highest common level at which no output's samples exceed -0.1 dBFS; replaces --preamp.
    /// The default when more than one profile is exported.
    #[arg(long = "match", conflicts_with = "no_match")]
    pub match_loudness: bool,
    /// Do not match loudness between the outputs (each gets --preamp only).
    #[arg(long)]
    pub no_match: bool,
    /// Replace existing output files.
    #[arg(long)]
    pub force: bool,
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
    /// Logarithmic sine sweep, 20 Hz to 20 kHz.
    Sweep,
    /// Pink noise (equal energy per octave).
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
    /// Sample rate (Hz).
    #[arg(long, default_value_t = 44_100)]
    pub rate: u32,
    /// Tone frequency (Hz), for `tone`.
    #[arg(long, default_value_t = 1000.0)]
    pub freq: f64,
    /// Output sample format: 16, 24, 32 or 32f (WAV only).
    #[arg(long, default_value = "16", value_parser = ["16", "24", "32", "32f"])]
    pub bits: String,
    /// Seed for the noise and the music's variations (the same seed gives the same file).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct PlayArgs {
    #[command(flatten)]
    pub hp: HeadphoneArgs,
    /// Audio file to play (WAV, FLAC, MP3, Ogg Vorbis, M4A) [default: samples/music.wav, built in]
    pub input: Option<PathBuf>,
    #[command(flatten)]
    pub pair: ProfilePair,
    #[command(flatten)]
    pub audio: DeviceArgs,
    /// Start position (seconds, or M:SS).
    #[arg(long, value_name = "TIME")]
    pub start: Option<String>,
    /// Loop a passage, e.g. 0:12-0:20 or 12-20 (seconds).
    #[arg(long = "loop", value_name = "START-END")]
    pub loop_range: Option<String>,
    /// Do not match the loudness of A and B (not recommended: louder sounds "better").
    #[arg(long)]
    pub no_match: bool,
    /// No terminal UI: play --duration seconds, switching A/B every --switch-every seconds.
    #[arg(long)]
    pub no_tui: bool,
    /// With --no-tui: switch sides every SECS seconds.
    #[arg(long, value_name = "SECS")]
    pub switch_every: Option<f64>,
    /// With --no-tui: stop after SECS seconds [default: the whole file].
    #[arg(long, value_name = "SECS")]
    pub duration: Option<f64>,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct DevicesArgs {
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct AbxArgs {
    #[command(flatten)]
    pub hp: HeadphoneArgs,
    /// Audio file to listen to (WAV, FLAC, MP3, Ogg Vorbis, M4A) [default: samples/music.wav, built in]
    pub input: Option<PathBuf>,
    #[command(flatten)]
    pub pair: ProfilePair,
    /// Number of trials. Fewer than 5 cannot reach p < 0.05 even all correct (4/4 is p = 0.0625):
    /// allowed for practice, with a warning. A and B must be different profiles.
    #[arg(long, default_value_t = 16)]
    pub trials: u32,
    /// Append the session to this JSON-lines log [default: in the platform data folder]. Only a
    /// missing or empty file or an existing ABX log is written to; any other file is refused
    /// (exit 2) before the first trial and left untouched.
    #[arg(long)]
    pub log: Option<PathBuf>,
    /// Seed for the hidden choices (reproducible runs, for tests); default: fresh OS randomness.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Scripted answers, e.g. a,b,b,a (or a file with them, or - for stdin); needs --no-tui.
    #[arg(long)]
    pub answers: Option<String>,
    /// No terminal UI (scripted mode).
    #[arg(long)]
    pub no_tui: bool,
    #[command(flatten)]
    pub audio: DeviceArgs,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DemoKind {
    /// Harsh "s" sounds: what sibilance is and where it lives.
    Sibilance,
    /// Bass roll-off: why some IEMs lose the lowest octave.
    Bass,
    /// A tour: neutral, BA, DD, V-shaped hybrid.
    Signatures,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub hp: HeadphoneArgs,
    #[arg(value_enum)]
    pub kind: DemoKind,
    /// Render every part as WAV plus a README.md into DIR instead of playing (no audio device needed).
    #[arg(long, value_name = "DIR")]
    pub export: Option<PathBuf>,
    /// No terminal UI: print the text and play each part in turn.
    #[arg(long)]
    pub no_tui: bool,
    #[command(flatten)]
    pub audio: DeviceArgs,
    /// Replace existing files in the export folder.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// clap's own consistency checks (names, conflicts, and every `mut_arg` naming an argument
    /// that exists).
    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    /// The shared groups land in their fields, and each command keeps its own `--json` wording.
    #[test]
    fn shared_device_and_json_arguments() {
        let cli = Cli::try_parse_from([
            "iemsim", "abx", "-a", "ba", "-b", "dd", "--device", "pulse", "--buffer", "256",
            "--json",
        ])
        .expect("parse");
        let Command::Abx(a) = cli.command else {
            panic!("abx")
        };
        assert_eq!((a.pair.a.as_str(), a.pair.b.as_str()), ("ba", "dd"));
        assert_eq!(a.audio.device.as_deref(), Some("pulse"));
        assert_eq!(a.audio.buffer, Some(256));
        assert!(a.report.json);
        assert!(Cli::try_parse_from(["iemsim", "demo", "bass", "--buffer", "32"]).is_err());
        let mut cmd = Cli::command();
        let help = |cmd: &mut clap::Command, sub: &str| {
            let c = cmd.find_subcommand_mut(sub).expect(sub);
            let a = c
                .get_arguments()
                .find(|a| a.get_id() == "json")
                .expect("json");
            a.get_help().map(|h| h.to_string()).unwrap_or_default()
        };
        assert_eq!(
            help(&mut cmd, "play"),
            "Print JSON lines instead of text (with --no-tui)"
        );
        assert_eq!(help(&mut cmd, "devices"), "Print JSON instead of text");
    }
}
