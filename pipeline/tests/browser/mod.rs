//! Headless-browser checks for HTML the project writes: find Debian's
//! `chromium` (or `$CERVAI_CHROMIUM`), take a screenshot of a local page and
//! dump its parsed DOM. Each call runs a fresh profile in a temporary folder
//! and is killed after a time limit. Tests skip visibly when no browser.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Longest a single browser call may take.
const LIMIT: Duration = Duration::from_secs(90);

/// The browser binary: `$CERVAI_CHROMIUM`, else the first of `chromium`,
/// `chromium-browser`, `google-chrome` on `PATH`.
pub fn find() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CERVAI_CHROMIUM").map(PathBuf::from) {
        return path.is_file().then_some(path);
    }
    let dirs: Vec<PathBuf> = std::env::split_paths(&std::env::var_os("PATH")?).collect();
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| dirs.iter().map(move |d| d.join(name)))
        .find(|p| p.is_file())
}

/// Says why a browser test is skipped; returns the browser if found. The
/// note goes straight to stderr, which the test harness does not capture,
/// so a plain `cargo test` shows it.
pub fn find_or_skip(test: &str) -> Option<PathBuf> {
    use std::io::Write;
    let found = find();
    if found.is_none() {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED {test}: no chromium on PATH (apt-get install chromium, or run \
             scripts/setup.sh with CERVAI_BROWSER_TESTS=1, or set CERVAI_CHROMIUM)"
        );
    }
    found
}

/// Runs headless chromium on `page` with `extra` arguments.
fn run(browser: &Path, page: &Path, extra: &[String]) -> Result<Output, String> {
    let profile = tempfile::tempdir().map_err(|e| e.to_string())?;
    let page = page
        .canonicalize()
        .map_err(|e| format!("{}: {e}", page.display()))?;
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .args(extra)
    .arg(format!("file://{}", page.display()))
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", browser.display()))?;
    wait_with_limit(child)
}

fn wait_with_limit(mut child: std::process::Child) -> Result<Output, String> {
    let start = Instant::now();
    // Read the pipes on other threads so that a chatty browser never blocks.
    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || read_all(&mut out));
    let err = std::thread::spawn(move || read_all(&mut err));
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("browser still running after {LIMIT:?}; killed"));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Ok(Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

fn read_all(r: &mut impl std::io::Read) -> Vec<u8> {
    let mut buf = Vec::new();
    let _ = r.read_to_end(&mut buf);
    buf
}

/// Screenshot of `page` at `width`×`height` into `png`.
pub fn screenshot(
    browser: &Path,
    page: &Path,
    png: &Path,
    (w, h): (u32, u32),
) -> Result<(), String> {
    let args = [
        format!("--screenshot={}", png.display()),
        format!("--window-size={w},{h}"),
    ];
    let out = run(browser, page, &args)?;
    if !out.status.success() || !png.is_file() {
        return Err(format!(
            "screenshot failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

/// The DOM of `page` after parsing, as chromium serialises it.
pub fn dump_dom(browser: &Path, page: &Path) -> Result<String, String> {
    let out = run(browser, page, &["--dump-dom".to_owned()])?;
    if !out.status.success() {
        return Err(format!(
            "--dump-dom failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
