//! The staging directory: every output file is written there and renamed into the output
//! directory only when the whole run succeeded.

use crate::error::RuntimeError;
use std::path::{Path, PathBuf};

/// A staging directory inside the output directory: files are written there and renamed into
/// the output directory by [`Staging::commit`]. Dropped without commit, it removes itself.
#[derive(Debug)]
pub(crate) struct Staging {
    dir: PathBuf,
    out_dir: PathBuf,
    files: Vec<String>,
    committed: bool,
}

impl Staging {
    /// Creates `out_dir` if needed and a fresh staging directory in it.
    pub(crate) fn create(out_dir: &Path) -> Result<Staging, RuntimeError> {
        std::fs::create_dir_all(out_dir).map_err(|error| RuntimeError::write(out_dir, &error))?;
        let stamp =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_nanos());
        let dir = out_dir.join(format!(".pol-run-{}-{stamp}", std::process::id()));
        std::fs::create_dir(&dir).map_err(|error| RuntimeError::write(&dir, &error))?;
        Ok(Staging { dir, out_dir: out_dir.to_path_buf(), files: Vec::new(), committed: false })
    }

    /// The staging path of an output file named `name`; the file is committed with the others.
    pub(crate) fn file(&mut self, name: &str) -> PathBuf {
        if !self.files.iter().any(|file| file == name) {
            self.files.push(name.to_string());
        }
        self.dir.join(name)
    }

    /// A scratch file in the staging directory that is not committed.
    pub(crate) fn scratch(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Moves every output file into the output directory and removes the staging directory;
    /// returns the final paths.
    pub(crate) fn commit(mut self) -> Result<Vec<PathBuf>, RuntimeError> {
        let mut paths = Vec::with_capacity(self.files.len());
        for name in &self.files {
            let target = self.out_dir.join(name);
            std::fs::rename(self.dir.join(name), &target).map_err(|error| RuntimeError::write(&target, &error))?;
            paths.push(target);
        }
        self.committed = true;
        let _ = std::fs::remove_dir_all(&self.dir);
        Ok(paths)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
