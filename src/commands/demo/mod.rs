//! `iemsim demo sibilance|bass|signatures`: guided listening with the explanation and the numbers.
//!
//! A demo is a list of [`DemoPart`]s (pure data from [`text`]): what to say, which material to play
//! ([`material::Source`]) and which two profiles to compare (A and B). Two ways to run it:
//! `--export DIR` renders every part to WAV files plus a README with the text and the measured
//! numbers (no audio device; this is what the tests drive), and the interactive way, where the
//! player flips between A and B on the rendered material ([`play_parts`]).

pub mod export;
pub mod material;
pub mod numbers;
pub mod part;
pub mod report;
pub mod text;

use super::session::{demo_part, need_terminal, on_terminal, DemoScreen, Outcome};
use crate::cli::DemoArgs;
use crate::cli::DemoKind;
use crate::commands::out::outln;
use crate::error::{Error, Result};
use crate::playback::player::{Player, PlayerConfig};
use material::Source;
use numbers::Measure;
use part::render_part;
use text::{intro, parts, title};

/// One step of a demo: text on screen while the material plays through profile A or B.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoPart {
    /// Short heading ("neutral vs sibilance").
    pub title: String,
    /// File-name stem, unique within the demo and in playing order ("01-neutral-vs-sibilance").
    pub slug: String,
    /// The explanation shown while the part plays (plain text, paragraphs split by blank lines).
    pub text: String,
    /// What to play.
    pub source: Source,
    /// Profile names of side A and side B.
    pub a: String,
    pub b: String,
    /// The numbers this part reports for A and B.
    pub measures: Vec<Measure>,
    /// The demo it belongs to: its files are marked with it ([`demo_mark`]).
    pub kind: DemoKind,
}

pub fn run(args: &DemoArgs) -> Result<()> {
    let parts = parts(args.kind);
    match &args.export {
        // It made a folder named `-`: the demo's files cannot go to standard output.
        Some(dir) if dir.as_os_str() == "-" => Err(crate::error::Error::usage(
            "--export",
            "--export needs a folder: standard output (`-`) cannot hold the demo's WAV, PNG and README files",
        )),
        // A clap conflict would do, but clap then skips `--json`'s and `--force`'s `requires`.
        Some(_) if args.no_tui => Err(crate::error::Error::usage(
            "--no-tui",
            "--no-tui is for playing; --export plays nothing (it shows no screen either)",
        )),
        Some(dir) => export::run(args, &parts, dir),
        // Not clap's `requires`: its usage line then suggested `--export <DIR> --no-tui`.
        None if args.report.json || args.force => {
            let (flag, does) = if args.report.json {
                ("--json", "it prints the files written and each part's numbers")
            } else {
                ("--force", "it replaces the demo's earlier files there")
            };
            let why = format!("{flag} goes with --export DIR ({does}); a played demo has no files");
            Err(Error::usage(flag, why))
        }
        None => play_parts(&parts, args),
    }
}

/// The command-line name of a demo.
pub fn kind_name(kind: DemoKind) -> &'static str {
    match kind {
        DemoKind::Sibilance => "sibilance",
        DemoKind::Bass => "bass",
        DemoKind::Signatures => "signatures",
    }
}

/// The software mark of a demo's charts (their PNG `Software` text): iemsim's
/// (`io::tags::mark`) and the demo that drew them, `iemsim 0.1.0 demo bass`. Two demos share
/// file names (`02-ba-vs-dd.*` is in both sibilance and bass), and a demo export replaces only
/// its own demo's earlier files: with iemsim's mark alone, bass's `--force` replaced sibilance's
/// files in the same folder.
pub fn demo_mark(kind: DemoKind) -> String {
    format!("{} demo {}", crate::io::tags::mark(), kind_name(kind))
}

/// The comment tag of a demo's WAV files, `iemsim demo bass`, for the same reason as
/// [`demo_mark`]; their software tag stays iemsim's mark alone, so that A and B stay
/// byte-identical to what `iemsim export` writes from the material (it carries the comment).
pub fn demo_comment(kind: DemoKind) -> String {
    format!("iemsim demo {}", kind_name(kind))
}

/// The demo a [`demo_mark`] or [`demo_comment`] names; None for anything else (iemsim's mark
/// alone: files written before the marks named their demo).
pub fn kind_in_mark(mark: &str) -> Option<&str> {
    let rest = mark.strip_prefix("iemsim ")?;
    rest.strip_prefix("demo ")
        .or_else(|| rest.split_once(" demo ").map(|(_, kind)| kind))
}

/// Plays the parts one after another with the A/B player, the part's text and numbers on screen;
/// `n`/`p` step between parts. With `--no-tui`, prints the text and plays each part through,
/// switching A/B every few seconds. The material is rendered into a private temporary folder that
/// is removed afterwards.
pub fn play_parts(parts: &[DemoPart], args: &DemoArgs) -> Result<()> {
    if !args.no_tui {
        need_terminal("--no-tui (plays each part through) or --export DIR")?;
    }
    let scratch = Scratch::new()?;
    // SIGHUP/SIGTERM between parts (the screen handles them while a part is up): stop cleanly, so
    // the scratch folder is removed.
    let signals = crate::ui::tui::hangup::Signals::install();
    // The demo material's rate: a headphone file's filter at or above its Nyquist frequency is
    // refused, as in every command, not dropped.
    let hp = super::headphones(&args.hp, Some(f64::from(material::RATE)))?;
    // Once: its note on a partial name is said before the screen, not at every part.
    let device = super::output_device(args.audio.device.as_deref());
    // Part `i` rendered and playing, with its text.
    let start = |i: usize| -> Result<(Player, String)> {
        let part = &parts[i];
        let rendered = render_part(part, &scratch.0, true, hp.as_ref())?;
        let table = report::numbers_table(&rendered);
        let opening = match i == 0 && !args.no_tui {
            true => format!("{}\n\n", intro(args.kind)),
            false => String::new(),
        };
        let cfg = PlayerConfig {
            input: rendered.files.source.clone(),
            profiles: [
                super::resolve_through(hp.as_ref(), &part.a, None)?,
                super::resolve_through(hp.as_ref(), &part.b, None)?,
            ],
            device: device.clone(),
            buffer_frames: args.audio.buffer,
            matching: true,
            start_s: 0.0,
            loop_s: None,
            quiet: true,
            // Each part is a short file rendered for this run: measured whole at once (cheap),
            // never cached.
            exact_first: true,
            cache: false,
        };
        let mut player = super::start_player(cfg)?;
        player.headphones.clone_from(&hp);
        Ok((player, format!("{opening}{}\n\n{table}", part.text)))
    };
    if args.no_tui {
        for (i, part) in parts.iter().enumerate() {
            if signals.caught() {
                break;
            }
            let (mut player, text) = start(i)?;
            // Once the device is open: a wrong --device was refused after the whole intro.
            if i == 0 {
                outln!("{}\n\n{}\n", title(args.kind), intro(args.kind))?;
            }
            outln!(
                "== part {}/{}: {}\n\n{text}\n",
                i + 1,
                parts.len(),
                part.title
            )?;
            play_through(&mut player, &signals)?;
            player.stop();
        }
    } else {
        // One terminal for every part: set up and restored at each, it was the shell's again
        // while the next part was rendered (a second), echoing the keys typed meanwhile.
        let (mut i, mut keys_ahead) = (0usize, Vec::new());
        on_terminal(|s, t, g| {
            while i < parts.len() && !signals.caught() {
                let (mut player, text) = start(i)?;
                let screen = DemoScreen {
                    text: &text,
                    part: (i, parts.len(), &parts[i].title),
                    keys: &mut keys_ahead,
                };
                match demo_part(&mut player, screen, (s, t, g))? {
                    Outcome::Quit => break,
                    Outcome::Next => i += 1,
                    Outcome::Prev => i = i.saturating_sub(1),
                }
            }
            Ok(())
        })?
        .unwrap_or(Ok(()))?;
    }
    if signals.caught() {
        return crate::error::check_interrupted();
    }
    Ok(())
}

/// Plays the whole file, A and B alternating every [`SWITCH_S`] seconds, a line per switch.
fn play_through(player: &mut Player, signals: &crate::ui::tui::hangup::Signals) -> Result<()> {
    const SWITCH_S: f64 = 4.0;
    let label = |p: &Player| {
        let s = p.ctl.live();
        format!("{} ({})", s.label(), p.sides[s.index()].profile)
    };
    outln!("  0.0 s  {}", label(player))?;
    let mut next = SWITCH_S;
    while !player.finished() && !signals.caught() {
        if let Some(news) = player.check()? {
            outln!(
                "{:5.1} s  {}",
                player.position_s(),
                news.message("audio device")
            )?;
        }
        let pos = player.position_s();
        if pos >= next {
            player.ctl.set_live(player.ctl.live().other());
            outln!("{pos:5.1} s  {}", label(player))?;
            next += SWITCH_S;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    Ok(())
}

/// A private temporary folder for the rendered material, removed on drop.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new() -> Result<Self> {
        let base = std::env::temp_dir();
        let cannot = || format!("cannot create a temporary folder in {}", base.display());
        remove_stale_scratch(&base);
        for n in 0..100u32 {
            let dir = base.join(format!("iemsim-demo-{}-{n}", std::process::id()));
            match std::fs::create_dir(&dir) {
                Ok(()) => {
                    crate::io::atomic::register_scratch_dir(&dir);
                    return Ok(Self(dir));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(Error::from(e).context(cannot())),
            }
        }
        Err(Error::machine(cannot()))
    }
}

/// Removes the scratch folders of demos that were killed before they could clean up (SIGKILL, a
/// power cut: 16 MB each, left for ever), by the rule for an export's partial files: their
/// process gone and untouched for 10 minutes (on a `/tmp` shared between machines or
/// containers, a PID not running here may be a demo running there). `remove_dir_all` removes a
/// symbolic link itself, never what it points to.
fn remove_stale_scratch(base: &std::path::Path) {
    let pid_of = |name: &str| {
        let (pid, n) = name.strip_prefix("iemsim-demo-")?.split_once('-')?;
        n.parse::<u32>().ok()?;
        pid.parse::<u32>().ok()
    };
    crate::io::atomic::remove_left_behind(base, pid_of, |p| std::fs::remove_dir_all(p));
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
        crate::io::atomic::unregister(&self.0);
    }
}
