//! A full disk: `cervai run` with `--out` on a small tmpfs mounted by the
//! test (root only; otherwise the test says SKIPPED). The run must fail
//! with an error naming the file and the lack of space, leave nothing
//! half-written, and a resume on a big disk must finish the work.

use super::{assert_nothing_half_written, assert_same_outputs, reference, STAGES};
use crate::common::{copy_dir, files_under, fixture, run, run_cmd};
use std::path::{Path, PathBuf};
use std::process::Command;

const PAGE: u64 = 4096;

/// A tmpfs mount, unmounted when dropped (also when the test panics).
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    /// Mounts `bytes` of tmpfs on `dir`, or says why not.
    fn mount(dir: &Path, bytes: u64) -> Result<Self, String> {
        std::fs::create_dir_all(dir).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"])
            .arg(dir)
            .output()
            .map_err(|e| format!("cannot start mount: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
        }
        Ok(Self {
            dir: dir.to_owned(),
        })
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let plain = Command::new("umount").arg(&self.dir).status();
        if !plain.is_ok_and(|s| s.success()) {
            let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        }
    }
}

/// What the reference run occupies on tmpfs: every file takes whole pages.
fn pages_used(dir: &Path) -> u64 {
    let files = files_under(dir);
    files
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len().div_ceil(PAGE) * PAGE)
        .sum()
}

#[test]
fn a_full_disk_is_a_clear_error_and_a_resume_elsewhere_finishes() {
    let fx = fixture();
    let (reference, _) = reference();
    let needed = pages_used(reference);
    let stages = needed - pages_used(&reference.join("report"));

    // Space for the lock and little else, for half the stages' files, for
    // the stages but not the report, and for half the report's overlays
    let sizes = [
        4 * PAGE,
        stages / 2,
        stages + 4 * PAGE,
        stages + (needed - stages) / 2,
    ];
    for (case, size) in sizes.into_iter().enumerate() {
        let size = size.div_ceil(PAGE) * PAGE;
        let mnt = fx.root.join(format!("disk{case}"));
        let disk = match Tmpfs::mount(&mnt, size) {
            Ok(disk) => disk,
            Err(why) => {
                println!("SKIPPED full-disk test: cannot mount a tmpfs ({why})");
                return;
            }
        };

        // The run fails, naming a file on the full disk and the reason
        let out = mnt.join("run");
        let result = run(&mut run_cmd(fx, &fx.data, &out), false);
        let err = String::from_utf8_lossy(&result.stderr);
        println!("disk of {size} bytes ({needed} needed): {}", err.trim());
        assert!(err.contains("No space left on device"), "{err}");
        assert!(err.contains(&mnt.display().to_string()), "{err}");
        assert_nothing_half_written(&out);

        // What it left is resumed on a big disk
        let moved = fx.root.join(format!("disk{case}-moved"));
        copy_dir(&out, &moved);
        drop(disk);
        run(
            run_cmd(fx, &fx.data, &moved).args(["--stages", STAGES]),
            true,
        );
        assert_same_outputs(&moved);
        assert_nothing_half_written(&moved);
    }
}
