use super::*;

#[test]
fn size_parse() {
    assert_eq!(Size::parse("1200x700"), Some(Size::DEFAULT));
    assert_eq!(Size::parse("800X600").map(|s| s.width), Some(800));
    assert_eq!(Size::parse("10x10"), None);
    assert_eq!(Size::parse("1200"), None);
    assert_eq!(Size::parse("axb"), None);
}

/// A label too long for its room keeps its start and its clipping note; a title its start and end.
#[test]
fn long_text_is_elided_in_the_middle() {
    use super::draw::elided;
    let label = "Etymotic ER4SR (measured, re samples/measurements/targets/diffuse_field_gras_kemar.csv) (clipped < -12 dB)";
    let short = elided(label, 10.0, 300.0);
    assert_eq!(short.chars().count(), 54, "{short}");
    assert!(
        short.starts_with("Etymotic ER4SR (measured, re sampl"),
        "{short}"
    );
    assert!(short.ends_with("… (clipped < -12 dB)"), "{short}");
    assert_eq!(elided("ba", 10.0, 300.0), "ba");
    let title = elided(&"iem:x, ".repeat(40), 10.0, 300.0);
    assert!(title.starts_with("iem:x") && title.contains('…'), "{title}");
}

/// Each legend label is sized on its own: one long label made every row's text 60 % of the
/// legend size (about 10 px). A short label keeps the full size; a long one goes on two lines,
/// split at the space nearest its middle, larger than it would be on one; one without a space is
/// shrunk and elided.
#[test]
fn legend_labels_are_sized_each_on_its_own() {
    use super::draw::label_lines;
    let (base, room, row) = (17.0, 330.0, 30.0);
    assert_eq!(
        label_lines("ba + headphone EQ", base, room, row),
        [("ba + headphone EQ".to_string(), base, 0)]
    );
    let long = "BGVP DM6 (measured, re harman-over-ear-2018, + headphone EQ)";
    let lines = label_lines(long, base, room, row);
    let one_line = room / (long.chars().count() as f64 * 0.55);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(format!("{} {}", lines[0].0, lines[1].0), long);
    assert_eq!(lines[0].0, "BGVP DM6 (measured, re");
    assert!(lines[0].1 > one_line && lines[0].1 >= base * 0.6 && lines[0].1 <= row / 2.3);
    assert!(lines[0].2 < 0 && lines[1].2 > 0, "{lines:?}");
    let word = "x".repeat(80);
    let lines = label_lines(&word, base, room, row);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].1, base * 0.6);
    assert!(lines[0].0.contains('…'), "{lines:?}");
}

/// No profile is drawn in the input's black, and two dotted measurements whose colours come round
/// again differ by their marker.
#[test]
fn series_styles_stay_apart() {
    for i in 0..40 {
        assert_ne!(Style::series(i).colour, INPUT_BLACK, "series {i}");
    }
    for i in 0..PALETTE.len() {
        let (a, b) = (Style::measured(i), Style::measured(i + PALETTE.len()));
        assert_eq!(a.colour, b.colour);
        assert_ne!(a.marker, b.marker, "measured {i} and {}", i + PALETTE.len());
    }
}

/// |H| in dB of an RBJ-cookbook peaking EQ (Audio-EQ-Cookbook), written out here so the test does
/// not depend on the crate's own filter code.
fn rbj_peak_db(f: f64, fc: f64, gain_db: f64, q: f64, fs: f64) -> f64 {
    use std::f64::consts::PI;
    let a = 10f64.powf(gain_db / 40.0);
    let w0 = 2.0 * PI * fc / fs;
    let alpha = w0.sin() / (2.0 * q);
    let (b0, b1, b2) = (1.0 + alpha * a, -2.0 * w0.cos(), 1.0 - alpha * a);
    let (a0, a1, a2) = (1.0 + alpha / a, -2.0 * w0.cos(), 1.0 - alpha / a);
    let w = 2.0 * PI * f / fs;
    let mag2 = |c0: f64, c1: f64, c2: f64| {
        let re = c0 + c1 * w.cos() + c2 * (2.0 * w).cos();
        let im = -c1 * w.sin() - c2 * (2.0 * w).sin();
        re * re + im * im
    };
    10.0 * (mag2(b0, b1, b2) / mag2(a0, a1, a2)).log10()
}

fn peak_chart(fc: f64, gain_db: f64) -> Chart {
    let points = (0..=480)
        .map(|i| {
            let f = 20.0 * 1000f64.powf(i as f64 / 480.0);
            (f, rbj_peak_db(f, fc, gain_db, 2.0, 48_000.0))
        })
        .collect();
    Chart {
        title: "peak".into(),
        subtitle: String::new(),
        y_label: "dB".into(),
        y_range: None,
        curves: vec![Curve {
            label: "peak".into(),
            points,
            style: Style {
                marker: Marker::None,
                ..Style::series(0)
            },
        }],
    }
}

fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut dec = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .expect("a valid PNG");
    let mut buf = vec![0; dec.output_buffer_size().expect("size")];
    let info = dec.next_frame(&mut buf).expect("a frame");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// The plotted curve's highest point sits at fc on the (log) x axis and at the gain on the y
/// axis, where the axis mapping puts them, within a few pixels.
#[test]
fn png_shows_a_peak_at_fc_and_its_gain() {
    for (fc, gain, size) in [
        (1000.0, 6.0, Size::DEFAULT),
        (150.0, 9.0, Size::DEFAULT),
        (
            6000.0,
            4.0,
            Size {
                width: 800,
                height: 500,
            },
        ),
    ] {
        let chart = peak_chart(fc, gain);
        let (w, h, rgb) = decode(&png(&chart, size, "test").unwrap());
        assert_eq!((w, h), (size.width, size.height));
        let a = plot_area(&chart, size);
        let decades = (FREQ_HI_HZ / FREQ_LO_HZ).log10();
        let want_x = f64::from(a.x0) + (fc / FREQ_LO_HZ).log10() / decades * f64::from(a.x1 - a.x0);
        let want_y = f64::from(a.y0) + (a.y_hi - gain) / (a.y_hi - a.y_lo) * f64::from(a.y1 - a.y0);
        // Pixels of the curve's colour (the stroke's core, not its antialiased edge).
        let (r, g, b) = PALETTE[0];
        let is_curve = |x: u32, y: u32| {
            let i = ((y * w + x) * 3) as usize;
            let d = |p: u8, q: u8| (i32::from(p) - i32::from(q)).abs();
            d(rgb[i], r) + d(rgb[i + 1], g) + d(rgb[i + 2], b) < 60
        };
        let top = (a.y0 as u32..a.y1 as u32)
            .find(|&y| (a.x0 as u32..a.x1 as u32).any(|x| is_curve(x, y)))
            .expect("the curve is drawn");
        let xs: Vec<u32> = (a.x0 as u32..a.x1 as u32)
            .filter(|&x| is_curve(x, top))
            .collect();
        let got_x = xs.iter().map(|&x| f64::from(x)).sum::<f64>() / xs.len() as f64;
        // The top row is the upper edge of a 3 px stroke centred on the curve.
        let got_y = f64::from(top) + 1.5;
        assert!(
            (got_x - want_x).abs() <= 3.0,
            "{fc} Hz: x {got_x} vs {want_x}"
        );
        assert!(
            (got_y - want_y).abs() <= 3.0,
            "{gain} dB: y {got_y} vs {want_y}"
        );
    }
}

/// A span that rounds out to more than 12 steps of its grid takes the next step: −17.5..+7.5 dB
/// by 2 was −18..+8, 13 steps.
#[test]
fn a_rounded_out_axis_keeps_to_twelve_steps() {
    for (lo, hi) in [(-17.5, 7.5), (-29.0, 3.5), (-3.2, 55.9), (-59.0, 59.0)] {
        let mut chart = peak_chart(1000.0, 6.0);
        chart.curves[0].points[10].1 = lo;
        chart.curves[0].points[20].1 = hi;
        let a = plot_area(&chart, Size::DEFAULT);
        assert!(
            (a.y_hi - a.y_lo) / a.y_step <= 12.0 + 1e-9,
            "{lo} {hi}: {a:?}"
        );
        assert!(a.y_lo <= lo && a.y_hi >= hi, "{lo} {hi}: {a:?}");
    }
}

/// A narrow peak's tip is a hairpin turn: a thick line joined there was mitred into a spike
/// reaching far below it (a +20 dB peak at 1 kHz drew a line down to −15 dB). No pixel of the
/// curve lies more than its stroke below 0 dB.
#[test]
fn a_hairpin_peak_draws_no_spike_below_it() {
    let mut chart = peak_chart(1000.0, 0.0);
    let i = chart.curves[0]
        .points
        .iter()
        .position(|p| p.0 > 1000.0)
        .unwrap();
    chart.curves[0].points.insert(i, (1000.0, 20.0));
    let size = Size::DEFAULT;
    let (w, _, rgb) = decode(&png(&chart, size, "test").unwrap());
    let a = plot_area(&chart, size);
    let zero_y = f64::from(a.y0) + a.y_hi / (a.y_hi - a.y_lo) * f64::from(a.y1 - a.y0);
    let (r, g, b) = PALETTE[0];
    let lowest = (a.y0 as u32..a.y1 as u32)
        .filter(|&y| {
            (a.x0 as u32..a.x1 as u32).any(|x| {
                let i = ((y * w + x) * 3) as usize;
                let d = |p: u8, q: u8| (i32::from(p) - i32::from(q)).abs();
                d(rgb[i], r) + d(rgb[i + 1], g) + d(rgb[i + 2], b) < 60
            })
        })
        .max()
        .unwrap();
    assert!(
        f64::from(lowest) <= zero_y + 4.0,
        "{lowest} vs 0 dB at {zero_y}"
    );
}

/// The SVG is well-formed XML of the requested size with one polyline per solid curve, in that
/// curve's colour and with all its points.
#[test]
fn svg_parses_with_one_path_per_curve() {
    let mut chart = peak_chart(1000.0, 6.0);
    for i in 1..3 {
        let mut c = chart.curves[0].clone();
        c.label = format!("series {i}");
        c.style = Style::series(i);
        c.points.iter_mut().for_each(|p| p.1 -= i as f64);
        chart.curves.push(c);
    }
    chart.curves.push(Curve {
        label: "reference".into(),
        points: vec![(20.0, 0.0), (20_000.0, 0.0)],
        style: Style::reference(),
    });
    let text = svg(&chart, Size::DEFAULT).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.attribute("width"), Some("1200"));
    assert_eq!(root.attribute("height"), Some("700"));
    for (i, &(r, g, b)) in PALETTE.iter().enumerate().take(3) {
        let hex = format!("#{r:02X}{g:02X}{b:02X}");
        let lines: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("polyline"))
            .filter(|n| {
                n.attribute("stroke")
                    .is_some_and(|s| s.eq_ignore_ascii_case(&hex))
            })
            .collect();
        // The curve, and the legend's line sample.
        assert_eq!(lines.len(), 2, "series {i} ({hex})");
        let pts = lines[0]
            .attribute("points")
            .unwrap()
            .split_whitespace()
            .count();
        assert_eq!(pts, 481, "series {i}: every point of the curve");
    }
    // Every label is text in the document.
    for label in ["peak", "series 1", "series 2", "reference", "20k", "1k"] {
        assert!(
            doc.descendants()
                .any(|n| n.text().map(str::trim) == Some(label)),
            "{label}"
        );
    }
}

#[test]
fn format_from_extension() {
    use std::path::Path;
    assert_eq!(Format::from_path(Path::new("a.PNG")), Some(Format::Png));
    assert_eq!(Format::from_path(Path::new("a.svg")), Some(Format::Svg));
    assert_eq!(Format::from_path(Path::new("a.jpg")), None);
    assert_eq!(Format::from_path(Path::new("png")), None);
}

/// A measured curve like Etymotic ER4SR's: flat within ±4 dB to 16 kHz, then rolling off to
/// −30 dB at 20 kHz.
fn rolloff_chart(bottom_db: f64) -> Chart {
    let points = (0..=480)
        .map(|i| {
            let f = 20.0 * 1000f64.powf(i as f64 / 480.0);
            let v = if f <= 16_000.0 {
                4.0 * (f.log10() * 3.0).sin()
            } else {
                bottom_db * (f - 16_000.0) / 4_000.0
            };
            (f, v)
        })
        .collect();
    let mut c = peak_chart(1000.0, 6.0);
    c.curves[0].points = points;
    c.curves[0].label = "ER4SR (measured)".into();
    c.curves[0].style = Style::measured(0);
    c
}

/// Markers are placed on the data, not on a stretch clamped to the frame's edge (a marker on the
/// edge read as a value there, the curve being far below).
#[test]
fn no_marker_stands_on_a_clipped_stretch() {
    let mut chart = peak_chart(1000.0, 6.0);
    chart.curves[0].style = Style::series(0);
    for p in &mut chart.curves[0].points {
        if p.0 < 100.0 {
            p.1 = -110.0;
        }
    }
    let a = draw::PlotArea {
        y_lo: -60.0,
        ..plot_area(&chart, Size::DEFAULT)
    };
    let marks = draw::marker_points(&chart.curves[0], 0, 1, &a);
    assert!(
        !marks.is_empty() && marks.iter().all(|m| m.0 > 90.0),
        "{marks:?}"
    );
    // Those of the clamped curve would have stood on the edge.
    let (clipped, _) = draw::clip(&chart, a.y_lo, a.y_hi);
    assert!(draw::marker_points(&clipped.curves[0], 0, 1, &a)
        .iter()
        .any(|m| m.0 < 90.0));
}

/// A profile's own response is exact up to 20 kHz: its top-octave peak sets the axis like any
/// other (only a measurement's top octave is held to the range below it).
#[test]
fn a_profiles_top_octave_peak_is_on_the_axis() {
    let chart = peak_chart(18_000.0, 12.0);
    let a = plot_area(&chart, Size::DEFAULT);
    assert!(a.y_hi >= 12.0, "{a:?}");
    let (clipped, _) = draw::clip(&chart, a.y_lo, a.y_hi);
    assert_eq!(clipped.curves[0].label, "peak");
}

/// The 20 kHz roll-off no longer sets the scale: the axis covers the data below 16 kHz (plus
/// a little), the rest is clamped to the edge, and the legend says so.
#[test]
fn a_top_octave_rolloff_is_clipped_and_marked_not_scaled_to() {
    let chart = rolloff_chart(-30.0);
    let a = plot_area(&chart, Size::DEFAULT);
    assert!(
        a.y_lo >= -10.0,
        "the roll-off stretched the axis to {}",
        a.y_lo
    );
    assert!(a.y_hi >= 4.0 && a.y_hi <= 10.0, "{}", a.y_hi);
    let (clipped, marks) = draw::clip(&chart, a.y_lo, a.y_hi);
    assert!(
        clipped.curves[0].label.contains("clipped < "),
        "{}",
        clipped.curves[0].label
    );
    assert!(!marks[0].is_empty() && marks[0].iter().all(|p| p.0 > 16_000.0));
    assert!(clipped.curves[0].points.iter().all(|p| p.1 >= a.y_lo));
    // A chart that fits gets no note and no clipping.
    let (same, marks) = draw::clip(&peak_chart(1000.0, 6.0), -12.0, 12.0);
    assert_eq!(same.curves[0].label, "peak");
    assert!(marks[0].is_empty());
    // It still draws, in both formats.
    png(&chart, Size::DEFAULT, "test").unwrap();
    svg(&chart, Size::DEFAULT).unwrap();
}

/// Absurd levels (a broken CSV's 1e15 dB) give a bounded axis of a dozen grid lines, drawn at
/// once: the range never passes ±60 dB and its computation does not depend on the values.
#[test]
fn absurd_levels_give_a_bounded_axis() {
    for v in [1e15, -1e15, 1e300, f64::MAX] {
        let mut chart = peak_chart(1000.0, 6.0);
        chart.curves[0].points[100].1 = v;
        let a = plot_area(&chart, Size::DEFAULT);
        assert!(
            a.y_lo >= -60.0 && a.y_hi <= 60.0,
            "{v}: {} {}",
            a.y_lo,
            a.y_hi
        );
        assert!((a.y_hi - a.y_lo) / a.y_step <= 12.0 + 1e-9);
        let t = std::time::Instant::now();
        png(&chart, Size::DEFAULT, "test").unwrap();
        // A hang guard, not a speed claim: the old grid loop took 25 s at 1e8 dB.
        assert!(t.elapsed().as_secs() < 60, "{v}: took {:?}", t.elapsed());
    }
}

/// Text on a small chart stays readable: pixels scaled in proportion to the 1200 × 700 default
/// made a 480 × 300 chart's 16 px labels 6.4 px. Below the default they scale as the square root
/// (10 px there); at and above it, in proportion as before. A subtitle too long for one line at
/// 85 % of its size goes on two, and the plot moves down by the second line.
#[test]
fn small_charts_keep_their_text_readable() {
    use super::draw::{scale, subtitle_lines};
    let size = |width, height| Size { width, height };
    assert!(16.0 * scale(size(480, 300)) >= 10.0);
    assert_eq!(scale(Size::DEFAULT), 1.0);
    assert_eq!(scale(size(2400, 1400)), 2.0);
    let mut chart = peak_chart(1000.0, 6.0);
    chart.subtitle = "Magnitude response of each profile's filters, i.e. its deviation from the \
                      Harman in-ear 2019 target (computed at 48 kHz)"
        .into();
    let small = size(640, 400);
    let (lines, extra) = subtitle_lines(&chart, small, scale(small));
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines
            .iter()
            .all(|(_, px, _)| *px >= 0.85 * 16.0 * scale(small)),
        "{lines:?}"
    );
    assert!(extra > 0);
    let wide = plot_area(&chart, small).y0;
    chart.subtitle = "short".into();
    assert_eq!(plot_area(&chart, small).y0 + extra, wide);
    let (lines, extra) = subtitle_lines(&chart, Size::DEFAULT, 1.0);
    assert_eq!((lines.len(), extra), (1, 0));
}
