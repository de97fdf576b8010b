//! Charts as PNG or SVG files: magnitude responses and spectra on a log-frequency axis.
//!
//! Plain data in (curves with a label, points and a style), bytes out: this module imports
//! nothing else from the crate, and writing the file is the caller's business (atomically, with
//! its own error messages). Drawing uses `plotters` with its bitmap and SVG backends and the
//! DejaVu Sans font compiled into the binary (`assets/fonts/`, Bitstream Vera licence), so no
//! system font, fontconfig or freetype is needed.
//!
//! Colours are the Okabe–Ito palette (M. Okabe and K. Ito, "Color Universal Design", 2008),
//! distinguishable with the common colour-vision deficiencies; every curve also gets its own
//! marker shape, so the chart still reads in greyscale print.

mod draw;

pub use draw::{missing_glyphs, plot_area, svg, FREQ_HI_HZ, FREQ_LO_HZ};

/// A problem drawing or encoding a chart (a bug or resource failure, not bad input).
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("drawing the chart failed: {0}")]
    Draw(String),
    #[error("the embedded font could not be loaded")]
    Font,
    #[error("encoding the PNG failed: {0}")]
    Png(String),
}

/// The file format, chosen by the output file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Svg,
}

impl Format {
    /// `.png` or `.svg` (any case); `None` otherwise.
    pub fn from_path(path: &std::path::Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "png" => Some(Self::Png),
            "svg" => Some(Self::Svg),
            _ => None,
        }
    }
}

/// Width × height in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub width: u32,
    pub height: u32,
}

impl Size {
    /// 1200 × 700: wide enough for ten frequency labels, the shape of a review's figure.
    pub const DEFAULT: Size = Size {
        width: 1200,
        height: 700,
    };
    /// Smallest size whose labels and legend still fit.
    pub const MIN: Size = Size {
        width: 480,
        height: 300,
    };

    /// Parses `1200x700`; `None` if malformed or outside [`Size::MIN`]..4000 px.
    pub fn parse(s: &str) -> Option<Self> {
        let (w, h) = s.split_once(['x', 'X'])?;
        let (width, height) = (w.trim().parse().ok()?, h.trim().parse().ok()?);
        let ok = |v: u32, min: u32| (min..=4000).contains(&v);
        (ok(width, Self::MIN.width) && ok(height, Self::MIN.height))
            .then_some(Self { width, height })
    }
}

/// How a curve's line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    Solid,
    Dashed,
    Dotted,
}

/// The shape drawn at intervals along a curve (and in its legend entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    None,
    Circle,
    Triangle,
    Square,
    Diamond,
    Cross,
}

const MARKERS: [Marker; 5] = [
    Marker::Circle,
    Marker::Triangle,
    Marker::Square,
    Marker::Diamond,
    Marker::Cross,
];

/// A colour as 8-bit RGB.
pub type Rgb = (u8, u8, u8);

/// Okabe–Ito, ordered for a white background (its yellow is left out: too light on white), with
/// Paul Tol's wine in place of its black, which is the input's colour on a spectrum chart (a 7th
/// profile drew in the input's black).
pub const PALETTE: [Rgb; 7] = [
    (0, 114, 178),   // blue
    (213, 94, 0),    // vermillion
    (0, 158, 115),   // bluish green
    (204, 121, 167), // reddish purple
    (230, 159, 0),   // orange
    (86, 180, 233),  // sky blue
    (136, 34, 85),   // wine
];

/// The unprocessed input's colour on a spectrum chart: no profile's.
pub const INPUT_BLACK: Rgb = (0, 0, 0);

/// The reference line's grey.
pub const REFERENCE_GREY: Rgb = (110, 110, 110);

/// Colour, line, marker and width of one curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub colour: Rgb,
    pub line: Line,
    pub marker: Marker,
    /// Stroke width in pixels (at the default size; scaled with the chart).
    pub width: u32,
}

impl Style {
    /// The `i`-th series: its own palette colour and marker, a solid 3 px line.
    pub fn series(i: usize) -> Self {
        Self {
            colour: PALETTE[i % PALETTE.len()],
            line: Line::Solid,
            marker: MARKERS[i % MARKERS.len()],
            width: 3,
        }
    }

    /// A measurement beside series `i`: the same colour, thin and dotted, no marker while the
    /// colours last (from the 8th series on, a colour comes round again: its marker tells the
    /// two dotted curves apart).
    pub fn measured(i: usize) -> Self {
        Self {
            line: Line::Dotted,
            marker: if i < PALETTE.len() {
                Marker::None
            } else {
                MARKERS[i % MARKERS.len()]
            },
            width: 2,
            ..Self::series(i)
        }
    }

    /// The neutral reference: a grey dashed line.
    pub fn reference() -> Self {
        Self {
            colour: REFERENCE_GREY,
            line: Line::Dashed,
            marker: Marker::None,
            width: 2,
        }
    }
}

/// One curve: (frequency Hz, value) points in ascending frequency; non-finite values are gaps.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    pub label: String,
    pub points: Vec<(f64, f64)>,
    pub style: Style,
}

/// A chart on a log-frequency axis from [`FREQ_LO_HZ`] to [`FREQ_HI_HZ`].
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub title: String,
    /// Second line under the title (sample rate, source...); may be empty.
    pub subtitle: String,
    /// The value axis' label, with its unit: "Gain (dB)".
    pub y_label: String,
    /// Value range shown; `None` fits the curves (rounded out to whole grid steps).
    pub y_range: Option<(f64, f64)>,
    pub curves: Vec<Curve>,
}

/// Draws `chart` as a PNG file's bytes, `software` in its `Software` text chunk (before the
/// image data): what wrote the file, so that a later run can tell its own chart from someone
/// else's picture of the same name.
pub fn png(chart: &Chart, size: Size, software: &str) -> Result<Vec<u8>, PlotError> {
    let rgb = draw::rgb(chart, size)?;
    let png_err = |e: png::EncodingError| PlotError::Png(e.to_string());
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, size.width, size.height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.add_text_chunk("Software".into(), software.into())
        .map_err(png_err)?;
    let mut w = enc.write_header().map_err(png_err)?;
    w.write_image_data(&rgb).map_err(png_err)?;
    w.finish().map_err(png_err)?;
    Ok(out)
}

/// Draws `chart` in `format`; a PNG names `software` as what wrote it.
pub fn render(
    chart: &Chart,
    size: Size,
    format: Format,
    software: &str,
) -> Result<Vec<u8>, PlotError> {
    match format {
        Format::Png => png(chart, size, software),
        Format::Svg => svg(chart, size).map(String::into_bytes),
    }
}

#[cfg(test)]
mod tests;
