//! Arguments several commands share: the audio device, `--json`, the A/B pair, chart size and
//! the headphone correction.

use clap::Args;
use std::path::PathBuf;

/// The audio device a playing command opens: `play`, `abx` and `demo` share these.
#[derive(Debug, Clone, Default, Args)]
pub struct DeviceArgs {
    /// Output device (name or part of it; see `iemsim devices`).
    #[arg(long)]
    pub device: Option<String>,
    /// Frames per audio callback to ask the device for [default: 1024; live: 2048]. Larger plays safely on a busy
    /// machine (no dropouts) but switches later; smaller switches sooner.
    #[arg(long, value_name = "FRAMES", value_parser = clap::value_parser!(u32).range(64..=16384))]
    pub buffer: Option<u32>,
}

/// The size of a chart drawn with `--plot` (`show`, `analyze`).
#[derive(Debug, Clone, Args)]
pub struct ChartSize {
    /// Chart size in pixels, from 480x300 to 4000x4000.
    #[arg(
        long,
        value_name = "WIDTHxHEIGHT",
        default_value = "1200x700",
        requires = "plot",
        // `-5x5` reaches the size check, not clap's "unexpected argument '-5'".
        allow_hyphen_values = true
    )]
    pub size: String,
    /// Replace an existing --plot file (without it, one is refused before any work; only a
    /// regular file is ever replaced).
    #[arg(long, requires = "plot")]
    pub force: bool,
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
/// what its JSON holds (`mut_arg` on its variant in [`Command`](crate::cli::Command)).
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
    /// their measurement `.csv` (corrected to --headphone-target by the PEQ fitter). A file's
    /// per-channel sections (`Channel: L`…) apply to those channels. Default: the one remembered by
    /// `iemsim config set headphones FILE`.
    #[arg(long, value_name = "FILE")]
    pub headphones: Option<PathBuf>,
    /// Target for a headphones measurement .csv [default: the one remembered by `iemsim config set
    /// headphone-target`, else harman-over-ear-2018]
    #[arg(
        long,
        value_name = "harman-over-ear-2018|harman-in-ear-2019|harman|diffuse-field|TARGET.csv",
        value_parser = TARGET_VALUE,
        hide_possible_values = true
    )]
    pub headphone_target: Option<String>,
    /// Apply no headphone correction this time (not even the remembered one).
    #[arg(long, conflicts_with = "headphones")]
    pub no_headphones: bool,
}

impl HeadphoneArgs {
    /// The files these options read (for the rule that no output may replace an input).
    pub fn files(&self) -> impl Iterator<Item = &std::path::Path> {
        let target = self.headphone_target.as_deref().map(std::path::Path::new);
        self.headphones.as_deref().into_iter().chain(target)
    }
}

/// A value taken as any text (checked where it is read), with `names()` the possible values
/// shell completion offers (it offered only file names), hidden from --help: the value of a
/// target option (`--target`, `--headphone-target`, `--measurement-target`: a bundled target's
/// name or a CSV file, [`TARGET_VALUE`]) and of `man COMMAND`.
#[derive(Debug, Clone, Copy)]
pub struct Offering(pub fn() -> Vec<String>);

/// A target option's value: a bundled target's name (offered) or a CSV file.
pub const TARGET_VALUE: Offering = Offering(|| {
    let names = crate::profiles::headphones::target_names();
    names.map(String::from).collect()
});

impl clap::builder::TypedValueParser for Offering {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        let names = (self.0)().into_iter();
        Some(Box::new(names.map(clap::builder::PossibleValue::new)))
    }
}
