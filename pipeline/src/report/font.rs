//! Text for plotters charts. plotters is built with its pure-Rust
//! `ab_glyph` backend, which loads no system fonts: DejaVu Sans (Debian's
//! `fonts-dejavu-core`, installed by `scripts/setup.sh`) is registered at
//! run time. Without a font, charts are drawn without text and a warning.

use plotters::style::FontStyle;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Environment variable naming a TrueType font to use instead.
pub const FONT_ENV: &str = "CERVAI_FONT";

/// Where Debian and common distributions keep DejaVu Sans.
const CANDIDATES: [&str; 4] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
];

static REGISTERED: OnceLock<bool> = OnceLock::new();

/// True when a font is registered for plotters' `"sans-serif"` family;
/// the first call looks for one and warns once if there is none.
pub fn text_available() -> bool {
    *REGISTERED.get_or_init(register)
}

fn candidates() -> impl Iterator<Item = PathBuf> {
    let env = std::env::var_os(FONT_ENV).map(PathBuf::from);
    env.into_iter().chain(CANDIDATES.iter().map(PathBuf::from))
}

fn register() -> bool {
    for path in candidates().filter(|p| p.is_file()) {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        // NOTE: plotters keeps fonts for the whole process, so the bytes are
        // leaked once (a few hundred kB).
        let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
        if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok() {
            tracing::debug!("chart font: {}", path.display());
            return true;
        }
        tracing::warn!("{} is not a usable TrueType font", path.display());
    }
    tracing::warn!(
        "no font found (install fonts-dejavu-core or set {FONT_ENV}); charts will have no text"
    );
    false
}
