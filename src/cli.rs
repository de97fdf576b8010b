//! Command-line interface: one subcommand per user task. Doc comments here are the `--help` text.

use clap::{Args, Parser, Subcommand};

mod files;
mod listen;
mod shared;
mod study;

pub use files::{
    BitsArg, ConvertArgs, DitherArg, ExportArgs, FormatArg, GenerateArgs, ProfileArgs,
    ProfileCommand, SignalKind,
};
pub use listen::{AbxArgs, DemoArgs, DemoKind, DevicesArgs, LiveArgs, PlayArgs};
pub use shared::{ChartSize, DeviceArgs, HeadphoneArgs, ProfilePair, ReportArgs, TARGET_VALUE};
pub use study::{AnalyzeArgs, FitArgs, ProfilesArgs, ShowArgs};

/// The command line, parsed as `iemsim` reads it: `--seconds -1` reaches the option's own check
/// ("must be…"), not clap's "unexpected argument '-1'" with a `-- -1` tip that does not work for
/// an option's value (the setting is per command, so every subcommand gets it).
pub fn parse() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    fn negatives(cmd: clap::Command) -> clap::Command {
        cmd.allow_negative_numbers(true).mut_subcommands(negatives)
    }
    let matches = negatives(Cli::command()).get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// The bundled default material, used when a command's INPUT is omitted.
pub const DEFAULT_INPUT: &str = "samples/music.wav";

#[derive(Debug, Parser)]
#[command(
    name = "iemsim",
    version,
    about = "Hear how in-ear monitor driver types colour sound",
    long_about = "Hear how in-ear monitor (IEM) driver types colour sound.\n\n\
        iemsim applies filter profiles measured from real IEMs - balanced armature (ba), dynamic \
        driver (dd), V-shaped hybrid (v-hybrid) and more - to music files (WAV, FLAC, MP3, Ogg Vorbis, \
        AAC or ALAC in M4A), plays them in real time with instant, click-free, loudness-matched A/B \
        switching, runs blind ABX tests and guided demos, and exports the results as WAV or FLAC.\n\n\
        Profiles are deviations from the Harman in-ear 2019 target: listen on neutral headphones \
        or IEMs for the comparison to mean what it says.",
    after_help = "Start with:\n  iemsim play                      A/B of ba vs dd on the bundled sample\n  \
        iemsim demo sibilance            what sibilance is, and how to hear it\n  \
        iemsim profiles                  the built-in profiles\n  \
        iemsim export -p ba -p dd        two matched WAVs of the sample, here (in a clone: in samples/)"
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
        0.5-2 kHz) with at most --max-filters RBJ filters, |gain| <= 12 dB, Q <= 6 and no filter boosting above 14 kHz \
        (nor their sum, to within 0.05 dB), and reports the RMS error over 20 Hz-10 kHz (mean offset removed) and the worst point.\n\n\
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
        4x oversampled (dBTP). RMS and octave bands are dB re full scale, where a full-scale sine \
        has RMS -3.0 dB; the charted spectrum is a power density, dB re full scale squared per Hz \
        (a sine's level spread over the bins it covers, so it reads below its RMS)."
    )]
    #[command(mut_arg("json", |a| a.help("Print JSON instead of a table")))]
    Analyze(AnalyzeArgs),
    /// Apply one or more profiles to an audio file (or every audio file in a folder) and write the
    /// results as WAV or FLAC.
    #[command(
        after_help = "With several profiles the outputs are loudness-matched (--match, the default): equally \
        loud by ITU-R BS.1770, as `play` matches, at the highest level at which none exceeds -0.1 dBFS.\n\n\
        Examples:\n  iemsim export -p ba -p dd                       music.ba.wav, music.dd.wav (matched)\n  \
        iemsim export song.flac -p ba -p dd             song.ba.flac and song.dd.flac, matched\n  \
        iemsim export song.wav -p \"HD 600 ParametricEQ.txt\" -o eq.wav    an AutoEq / Equalizer APO file\n  \
        iemsim export song.wav -p ba -o song.ba.flac    FLAC (the extension picks the format)\n  \
        ffmpeg -i song.mp3 -f wav - | iemsim export - -p ba -o - | sox - -d    streams in and out\n  \
        iemsim export -p ba -p dd --no-match            each at --preamp auto instead\n\n\
        Only regular files are ever replaced (--force); SIGINT/SIGTERM/SIGHUP/SIGQUIT and a closed pipe (`| head`) leave nothing half-written."
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
    /// Play an audio file in real time and flip between two profiles (A/B), loudness-matched and
    /// click-free.
    #[command(
        after_help = "Keys: space pause · a / b / tab switch · ←/→ seek 5 s · l loop (mark start, end, clear) · \
        m loudness matching on/off · 1-9 load a profile into the live side (the built-ins, then your own, in \
        `iemsim profiles` order: 1-7 with none of your own) · p pick any profile (built-in, \
        per-IEM or your own; type to filter) · ? help · q quit · Esc close help, else quit\n\n\
        Both profiles run all the time; a switch is a 20 ms crossfade and is heard within about 50 ms. \
        Loudness matching (ITU-R BS.1770) lowers the louder side so neither wins by being louder.\n\n\
        Examples:\n  iemsim play                                   ba vs dd on the bundled sample\n  \
        iemsim play song.wav -a neutral -b v-hybrid\n  \
        iemsim play --loop 0:12-0:20                  repeat a passage\n  \
        iemsim play --no-tui --switch-every 2 --duration 10"
    )]
    #[command(mut_arg("json", |a| a.help("Print JSON lines instead of text (with --no-tui)")))]
    Play(PlayArgs),
    /// A/B two profiles on whatever is playing: capture a device (e.g. the monitor of a virtual
    /// sink your apps play into), run both profiles at once and play the live side,
    /// loudness-matched and click-free.
    #[command(after_help = "What to route (Linux, PulseAudio or PipeWire):\n  \
        1. iemsim live --setup                 makes a virtual sink `iemsim` (undo: --setup --undo)\n  \
        2. play music into it: pavucontrol > Playback > the app > iemsim, or\n     \
        pactl move-sink-input <id from `pactl list short sink-inputs`> iemsim\n  \
        3. iemsim live --input iemsim.monitor  captures it; you hear it through A or B\n\n\
        iemsim plays to your default output (--device picks another; a PulseAudio sink name works \
        too) and refuses to capture the monitor of that same output (feedback).\n\n\
        Keys: space pause · a / b / tab switch · m loudness matching on/off · 1-9 load a profile into \
        the live side (the built-ins, then your own, in `iemsim profiles` order: 1-7 with none of \
        your own) · p pick any profile (type to filter) · ? help · q quit · Esc close help, else quit\n\n\
        Both profiles run all the time; a switch is a 20 ms crossfade. Loudness matching measures \
        both sides over the last 10 s (ITU-R BS.1770, gated) and glides the louder side down at \
        most 1 dB/s, holding still in silence. The two devices' clocks drift apart; an adaptive \
        resampler keeps the buffer between them at a fixed fill, so hours of listening neither \
        drop out nor lag more.\n\n\
        Examples:\n  iemsim live -a iem:moondrop-ssr -b iem:etymotic-er4sr --input iemsim.monitor\n  \
        iemsim live --no-tui --switch-every 3 --duration 30 --json")]
    #[command(mut_arg("json", |a| a.help("Print JSON lines instead of text (with --no-tui)")))]
    Live(LiveArgs),
    /// List audio devices, outputs and inputs (the defaults are marked) with their rates and
    /// formats.
    Devices(DevicesArgs),
    /// Blind ABX test: can you tell two profiles apart when you do not know which is which?
    #[command(
        after_help = "Keys: a / b / x listen to A, B or the hidden X · tab cycles · A or 1: X is A · \
        B or 2: X is B · space pause · ←/→ seek · l loop · ? help · q / Esc quit (the session is logged as abandoned)\n\n\
        Each trial hides A or B behind X. After the last trial you get your score and the chance of doing \
        at least that well by guessing (p); p < 0.05 means you reliably heard a difference. 16 trials is a \
        good minimum.\n\nExamples:\n  iemsim abx -a ba -b dd --trials 16\n  iemsim abx --summary   \
        every logged session, and the sessions of each pair pooled"
    )]
    #[command(mut_arg("json", |a| a.help("Print the result as JSON")))]
    Abx(AbxArgs),
    /// Guided demos of sibilance, bass roll-off and the classic driver signatures.
    #[command(
        after_help = "Keys: as in `iemsim play`, except p: n / p the next / previous part, ↑/↓ \
        scroll the text.\n\nExamples:\n  iemsim demo sibilance\n  iemsim demo bass --export bass-demo   \
        WAVs + README.md, no audio device needed"
    )]
    #[command(mut_arg("json", |a| a.help("With --export: print the files written and each part's numbers as JSON")))]
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
    /// Print a completion script for your shell on standard output (subcommands, options and, in
    /// bash, zsh and fish, fixed values such as --dither tpdf|none and the demo and generate kinds
    /// complete on tab; profile names do not: -p, -a and -b offer file names).
    #[command(after_help = "Install (then open a new shell):\n  \
        bash        iemsim completions bash > ~/.local/share/bash-completion/completions/iemsim\n  \
        zsh         iemsim completions zsh > ~/.zfunc/_iemsim\n              \
        (and in ~/.zshrc, before compinit: fpath+=~/.zfunc)\n  \
        fish        iemsim completions fish > ~/.config/fish/completions/iemsim.fish\n  \
        powershell  iemsim completions powershell >> $PROFILE\n  \
        elvish      iemsim completions elvish >> ~/.config/elvish/rc.elv")]
    Completions(CompletionsArgs),
    /// Print the manual page (roff) on standard output: iemsim(1), or with COMMAND iemsim-COMMAND(1);
    /// or write every page into a folder (--out-dir).
    #[command(
        after_help = "Examples:\n  iemsim man | man -l -                          read it now\n  \
        iemsim man profile convert | man -l -          a subcommand's page\n  \
        iemsim man --out-dir ~/.local/share/man/man1   install every page: then `man iemsim`, `man iemsim-export`"
    )]
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// A value of `man COMMAND`: any text (`man` says which commands there are), with the commands'
/// names offered to shell completion (`man <TAB>` offered file names).
const COMMAND_NAME: shared::Offering = shared::Offering(|| {
    use clap::CommandFactory;
    let commands = Cli::command();
    commands
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
});

#[derive(Debug, Args)]
pub struct ManArgs {
    /// A command's own page (`export`, `play`, `profile convert`, ...) instead of the overview.
    #[arg(num_args = 0.., value_parser = COMMAND_NAME, hide_possible_values = true)]
    pub command: Vec<String>,
    /// Write every page (iemsim.1, iemsim-export.1, iemsim-profile-convert.1, ...) into DIR,
    /// created when missing; all or none (a failure, such as a full disk, leaves no page).
    #[arg(long, value_name = "DIR", conflicts_with = "command")]
    pub out_dir: Option<std::path::PathBuf>,
    /// With --out-dir: replace the pages of an earlier install.
    #[arg(long, requires = "out_dir")]
    pub force: bool,
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
    /// Print the remembered value (nothing, exit 0, when none); without KEY, every key as
    /// `KEY = VALUE` (`(not set)` for none).
    Get {
        #[arg(value_parser = ["headphones", "headphone-target"])]
        key: Option<String>,
    },
    /// Forget a value.
    Unset {
        #[arg(value_parser = ["headphones", "headphone-target"])]
        key: String,
    },
}
