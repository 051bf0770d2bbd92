//! An exclusive lock on a run directory, so that two `cervai run`
//! processes never interleave their writes. The lock is an OS file lock on
//! `RUN/.lock`: it is released when the process ends, even by `kill -9`,
//! so a crashed run never leaves a stale lock behind.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

/// Held for the life of a run; dropping it releases the lock.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("run directory {dir} is in use by another cervai process{holder}; wait for it or choose another --out")]
    Busy { dir: String, holder: String },
    #[error("cannot lock run directory {dir}: {source}")]
    Io { dir: String, source: std::io::Error },
}

impl RunLock {
    /// Takes the lock or fails at once, naming the holder's pid if known.
    pub fn acquire(run_dir: &Path) -> Result<Self, LockError> {
        let dir = run_dir.display().to_string();
        let io = |source| LockError::Io {
            dir: dir.clone(),
            source,
        };
        std::fs::create_dir_all(run_dir).map_err(io)?;
        let path = run_dir.join(".lock");
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let pid = std::fs::read_to_string(&path).unwrap_or_default();
                let holder = match pid.trim() {
                    "" => String::new(),
                    pid => format!(" (pid {pid})"),
                };
                return Err(LockError::Busy { dir, holder });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        file.set_len(0).map_err(io)?;
        write!(file, "{}", std::process::id()).map_err(io)?;
        Ok(Self { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = RunLock::acquire(dir.path()).unwrap();
        let err = RunLock::acquire(dir.path()).unwrap_err();
        assert!(
            err.to_string().contains("in use by another cervai process"),
            "{err}"
        );
        drop(first);
        RunLock::acquire(dir.path()).unwrap();
    }
}
