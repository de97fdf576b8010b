//! The `iemsim live` screen: which side is live, both sides' profile, loudness over the
//! matching window and gain, the output level, and the live path's health (latency measured,
//! underruns, overruns, clock drift corrected). A pure function of [`LiveView`].

use super::widgets::rounded;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

/// What the live screen shows, sampled once per frame by the command.
#[derive(Debug, Clone)]
pub struct LiveView<'a> {
    pub input: &'a str,
    pub device: &'a str,
    /// 'A' or 'B'.
    pub live: char,
    pub profiles: [&'a str; 2],
    pub descriptions: [&'a str; 2],
    pub gain_db: [f64; 2],
    /// Loudness of each side over the matching window, at 0 dB (LUFS).
    pub window_lufs: [f64; 2],
    pub momentary_lufs: [f64; 2],
    pub matching: bool,
    pub holding: bool,
    pub paused: bool,
    pub level_dbfs: [f64; 2],
    pub latency_ms: f64,
    pub underruns: u64,
    pub overruns: u64,
    /// The clocks' drift corrected, once measured (3 minutes in).
    pub drift_ppm: Option<f64>,
    pub load_pct: f64,
    pub show_help: bool,
    /// A passing notice (e.g. the devices were restarted), shown above the keys.
    pub message: Option<&'a str>,
    /// Profiles the digit keys load (the built-ins, then the user's): keys 1 to this, at most 9.
    pub loadable: usize,
}

fn lufs(v: f64) -> String {
    if v.is_finite() {
        format!("{v:6.1} LUFS")
    } else {
        "   -- LUFS".to_string()
    }
}

pub fn draw_live(frame: &mut Frame, v: &LiveView) {
    // A side's box holds its name, its numbers (two lines at 80 columns) and a line of its
    // description: the numbers come before the description, which may wrap past the box.
    let [top, a, b, rest] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Min(0),
    ])
    .areas(frame.area());
    draw_title(frame, top, v);
    draw_side(frame, a, v, 0);
    draw_side(frame, b, v, 1);
    // The help takes the health box's rows too: on 24 rows its last line was cut off.
    let help = if v.show_help {
        rest
    } else {
        let [status, help] =
            Layout::vertical([Constraint::Length(4), Constraint::Min(0)]).areas(rest);
        draw_health(frame, status, v);
        help
    };
    let digits = super::play::digit_keys(v.loadable);
    let keys = if let Some(m) = v.message.filter(|_| !v.show_help) {
        m.to_string()
    } else if v.show_help {
        format!(
            "a / b / tab  switch (20 ms crossfade)\n{digits}  load a profile into the live side\n\
             p  pick any profile (type to filter)\nm  loudness matching on/off\nspace  pause\n\
             q  quit\nEsc  close this help, else quit\n\nany other key closes this help and does what it \
             says"
        )
    } else {
        format!(
            "a / b / tab switch · {digits} / p load a profile · m matching · space pause · ? help \
             · q quit"
        )
    };
    frame.render_widget(Paragraph::new(keys).wrap(Wrap { trim: false }), help);
}

/// The devices and what matching is doing.
fn draw_title(frame: &mut Frame, area: Rect, v: &LiveView) {
    let title = format!(
        " live: {} -> {}{} ",
        v.input,
        v.device,
        if v.paused { "  (paused)" } else { "" }
    );
    let match_text = match (v.matching, v.holding) {
        (false, _) => "loudness matching OFF (m)".to_string(),
        (true, true) => "loudness matching on, holding (silence or still measuring)".to_string(),
        (true, false) => "loudness matching on, gliding <= 1 dB/s over the last 10 s".to_string(),
    };
    frame.render_widget(
        Paragraph::new(Line::from(match_text)).block(rounded(Style::new()).title(title)),
        area,
    );
}

/// Side `i`: its profile, loudness over the window and gain; green and bold when live.
fn draw_side(frame: &mut Frame, area: Rect, v: &LiveView, i: usize) {
    let label = ['A', 'B'][i];
    let is_live = v.live == label;
    let heard = v.window_lufs[i] + v.gain_db[i];
    let style = if is_live {
        Style::new().green().bold()
    } else {
        Style::default()
    };
    let lines = vec![
        Line::from(vec![
            Span::styled(
                format!("{label} {} ", if is_live { "LIVE" } else { "    " }),
                style,
            ),
            Span::styled(v.profiles[i].to_string(), style),
        ]),
        Line::from(format!(
            "window {}   last 0.4 s {}   gain {:+5.1} dB   heard {}",
            lufs(v.window_lufs[i]),
            lufs(v.momentary_lufs[i]),
            v.gain_db[i],
            lufs(heard)
        )),
        Line::from(v.descriptions[i].to_string()),
    ];
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(rounded(style)),
        area,
    );
}

/// Output levels and the live path's health: latency, underruns, overruns (red when any),
/// drift, load.
/// A level as the meters show it: silence (the meter's floor, -200 dBFS) as "-inf".
fn shown_level(dbfs: f64) -> String {
    if dbfs.is_finite() && dbfs > -150.0 {
        crate::ui::fmt::level(dbfs)
    } else {
        "-inf".into()
    }
}

fn draw_health(frame: &mut Frame, area: Rect, v: &LiveView) {
    let bad = Style::default().fg(Color::Red);
    let count = |n: u64, what: &str| {
        Span::styled(
            format!("{n} {what}"),
            if n > 0 { bad } else { Style::new() },
        )
    };
    let status_lines = vec![
        Line::from(format!(
            "output L {:>6} dBFS  R {:>6} dBFS",
            shown_level(v.level_dbfs[0]),
            shown_level(v.level_dbfs[1])
        )),
        Line::from(vec![
            Span::raw(format!("latency {:.0} ms (measured) · ", v.latency_ms)),
            count(v.underruns, "underruns"),
            Span::raw(" · "),
            count(v.overruns, "overruns"),
            Span::raw(format!(
                " · drift {} · load {:.1}%",
                v.drift_ppm
                    .map_or_else(|| "settling".to_string(), |d| format!("{d:+.0} ppm")),
                v.load_pct
            )),
        ]),
    ];
    frame.render_widget(
        Paragraph::new(status_lines).block(rounded(Style::new())),
        area,
    );
}

#[cfg(test)]
mod tests {
    use super::super::testing;
    use super::*;

    #[test]
    fn silence_reads_minus_inf_not_the_meter_floor() {
        assert_eq!(shown_level(-200.0), "-inf");
        assert_eq!(shown_level(f64::NEG_INFINITY), "-inf");
        assert_eq!(shown_level(-12.04), "-12.0");
    }

    fn view() -> LiveView<'static> {
        LiveView {
            input: "iemsim.monitor",
            device: "default",
            live: 'B',
            profiles: ["ba", "dd"],
            // As long as the built-ins' (two lines at 80 columns): the numbers hid under them.
            descriptions: [
                "Typical balanced-armature IEM: sub-bass rolled off below ~60 Hz, recessed 2-5 kHz \
                 presence, a narrow peak near 8.1 kHz",
                "dynamic driver",
            ],
            gain_db: [-6.2, -3.7],
            window_lufs: [-18.0, -20.5],
            momentary_lufs: [-17.0, f64::NEG_INFINITY],
            matching: true,
            holding: false,
            paused: false,
            level_dbfs: [-12.0, -13.0],
            latency_ms: 123.4,
            underruns: 2,
            overruns: 0,
            drift_ppm: Some(-150.0),
            load_pct: 0.3,
            show_help: false,
            message: None,
            loadable: 7,
        }
    }

    fn text(v: &LiveView, w: u16, h: u16) -> String {
        testing::text(&testing::draw(w, h, |f| draw_live(f, v)))
    }

    /// Both sides' loudness and gains, the heard level (window + gain: −24.2 both here, the
    /// match), which side is live, and the path's health, at 80x24.
    #[test]
    fn shows_levels_gains_live_side_and_health() {
        let t = text(&view(), 80, 24);
        for s in [
            "B LIVE dd",
            "gain  -6.2 dB",
            "gain  -3.7 dB",
            "window  -18.0 LUFS",
            "heard  -24.2 LUFS",
            "last 0.4 s    -- LUFS",
            "latency 123 ms (measured)",
            "2 underruns",
            "0 overruns",
            "iemsim.monitor -> default",
            "1-7 / p load a profile",
        ] {
            assert!(t.contains(s), "{s:?} not on screen:\n{t}");
        }
        let off = text(
            &LiveView {
                matching: false,
                ..view()
            },
            80,
            24,
        );
        assert!(off.contains("loudness matching OFF"), "{off}");
        // The help, whole, at 80x24.
        let help = text(
            &LiveView {
                show_help: true,
                ..view()
            },
            80,
            24,
        );
        // As the keys work: Esc only closes the help, any other key closes it and acts.
        assert!(help.contains("Esc  close this help, else quit"), "{help}");
        assert!(
            help.contains("any other key closes this help and does what it says"),
            "{help}"
        );
    }
}
