//! The output directory of a run: locked for the whole run, staged, and committed as a set.
//!
//! # The protocol
//!
//! A run writes every file into a staging directory `.pol-run-<pid>-<stamp>/` inside the output
//! directory. When the run has succeeded, [`Staging::commit`] replaces the previous set of
//! outputs by the new one so that a failure or a crash (`kill -9`, power cut after the renames
//! reached the disk) at any point leaves either the whole previous set or the whole new set:
//!
//! 1. **Check** every target: a directory where an output file must go (or where an output of
//!    the other format would be removed) is a [`RuntimeError::OutputTarget`] before anything is
//!    touched.
//! 2. Create a backup directory `.pol-run-old-<pid>-<stamp>/` holding `.new-files`, the names
//!    the new set places.
//! 3. Move every previous file the new set replaces into the backup: the files of the same
//!    names, and the outputs of the other formats (`household_results.parquet` and `.jsonl` when
//!    `household_results.csv` is written). Then write the marker `.old-moved`.
//! 4. Move every new file into the output directory. Then write the marker `.done`.
//! 5. Remove the backup and the staging directory.
//!
//! A step that fails rolls back at once (see below) and the run reports the error. A crash
//! leaves a backup directory, which the next run into the same directory settles before it
//! does anything else: with `.done`, the new set is complete and the backup is removed;
//! otherwise the set is rolled back (with `.old-moved`, the new files named in `.new-files` are
//! removed first; then every file in the backup is moved back). Leftover staging directories
//! hold nothing committed and are removed.
//!
//! **The lock.** For the whole run the output directory itself is locked (an exclusive `flock`
//! through [`File::try_lock`], released when the process ends, however it ends); a second run
//! into the same directory stops at once with [`RuntimeError::Locked`]. Nothing is left behind
//! for the lock.

use crate::error::RuntimeError;
use std::fs::File;
use std::path::{Path, PathBuf};

/// An output directory: created, locked and settled on first use, then staged once per pass.
#[derive(Debug)]
pub(crate) struct OutputDir {
    path: PathBuf,
    /// The open directory holding the lock, once taken.
    lock: Option<File>,
}

/// A staging directory inside the output directory: files are written there and put in place
/// by [`Staging::commit`]. Dropped without commit, it removes itself.
#[derive(Debug)]
pub(crate) struct Staging {
    dir: PathBuf,
    out_dir: PathBuf,
    /// The `<pid>-<stamp>` shared by the staging and the backup directory.
    suffix: String,
    files: Vec<String>,
    committed: bool,
}

/// Where a staging directory's name starts.
const STAGING_PREFIX: &str = ".pol-run-";
/// Where a backup directory's name starts.
const BACKUP_PREFIX: &str = ".pol-run-old-";
/// In a backup: the names the new set places, one a line.
const NEW_FILES: &str = ".new-files";
/// In a backup: every previous file the new set replaces has been moved into the backup.
const OLD_MOVED: &str = ".old-moved";
/// In a backup: every new file is in place.
const DONE: &str = ".done";
/// Formats an output table may be written in: writing one removes the others.
const TABLE_EXTENSIONS: [&str; 3] = ["csv", "jsonl", "parquet"];

impl OutputDir {
    /// The output directory at `path`; nothing is done until [`OutputDir::stage`].
    pub(crate) fn new(path: &Path) -> OutputDir {
        OutputDir { path: path.to_path_buf(), lock: None }
    }

    /// A fresh staging directory. The first call creates the directory if needed, locks it
    /// against another run, and settles what an interrupted run left (see the module docs).
    pub(crate) fn stage(&mut self) -> Result<Staging, RuntimeError> {
        if self.lock.is_none() {
            std::fs::create_dir_all(&self.path).map_err(|error| RuntimeError::write(&self.path, &error))?;
            let dir = File::open(&self.path).map_err(|error| RuntimeError::write(&self.path, &error))?;
            match dir.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(RuntimeError::Locked { dir: self.path.display().to_string() });
                }
                Err(std::fs::TryLockError::Error(error)) => return Err(RuntimeError::write(&self.path, &error)),
            }
            self.lock = Some(dir);
            settle(&self.path)?;
        }
        Staging::create(&self.path)
    }
}

impl Staging {
    /// Creates a fresh staging directory in `out_dir` (which exists).
    fn create(out_dir: &Path) -> Result<Staging, RuntimeError> {
        let stamp =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_nanos());
        let suffix = format!("{}-{stamp}", std::process::id());
        let dir = out_dir.join(format!("{STAGING_PREFIX}{suffix}"));
        std::fs::create_dir(&dir).map_err(|error| RuntimeError::write(&dir, &error))?;
        Ok(Staging { dir, out_dir: out_dir.to_path_buf(), suffix, files: Vec::new(), committed: false })
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

    /// Replaces the previous set of outputs by the staged files, all or nothing (see the module
    /// docs); returns the final paths.
    pub(crate) fn commit(self) -> Result<Vec<PathBuf>, RuntimeError> {
        self.commit_with(None)
    }

    /// [`Staging::commit`], failing at step `fault.at` (tests): `fault.crash` stops there as a
    /// killed process would, without rolling back.
    fn commit_with(mut self, fault: Option<Fault>) -> Result<Vec<PathBuf>, RuntimeError> {
        let replaced = self.replaced()?;
        let backup = self.out_dir.join(format!("{BACKUP_PREFIX}{}", self.suffix));
        let mut steps = Steps { done: 0, fault };
        match self.swap(&backup, &replaced, &mut steps) {
            Ok(()) => {}
            Err(error) if steps.crashed() => return Err(error),
            Err(error) => {
                // The error that stopped the commit is the one to report; a rollback that fails
                // too leaves the backup for the next run to settle.
                let _ = roll_back(&self.out_dir, &backup);
                return Err(error);
            }
        }
        self.committed = true;
        let _ = std::fs::remove_dir_all(&backup);
        let _ = std::fs::remove_dir_all(&self.dir);
        Ok(self.files.iter().map(|name| self.out_dir.join(name)).collect())
    }

    /// Step 1: the previous files the new set replaces, after checking that no target is a
    /// directory.
    fn replaced(&self) -> Result<Vec<String>, RuntimeError> {
        let mut targets: Vec<String> = self.files.clone();
        for name in &self.files {
            if let Some((stem, extension)) = name.rsplit_once('.')
                && TABLE_EXTENSIONS.contains(&extension)
                && stem != "rejects"
            {
                targets.extend(
                    TABLE_EXTENSIONS.iter().filter(|other| **other != extension).map(|other| format!("{stem}.{other}")),
                );
            }
        }
        let mut replaced = Vec::new();
        for name in targets {
            let path = self.out_dir.join(&name);
            match std::fs::symlink_metadata(&path) {
                Ok(meta) if meta.is_dir() => {
                    return Err(RuntimeError::OutputTarget { path: path.display().to_string() });
                }
                Ok(_) => replaced.push(name),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => return Err(RuntimeError::write(&path, &error)),
            }
        }
        Ok(replaced)
    }

    /// Steps 2 to 4.
    fn swap(&self, backup: &Path, replaced: &[String], steps: &mut Steps) -> Result<(), RuntimeError> {
        steps.next()?;
        std::fs::create_dir(backup).map_err(|error| RuntimeError::write(backup, &error))?;
        steps.next()?;
        write_marker(&backup.join(NEW_FILES), &self.files.join("\n"))?;
        for name in replaced {
            steps.next()?;
            rename(&self.out_dir.join(name), &backup.join(name))?;
        }
        steps.next()?;
        write_marker(&backup.join(OLD_MOVED), "")?;
        sync_dir(&self.out_dir)?;
        for name in &self.files {
            steps.next()?;
            rename(&self.dir.join(name), &self.out_dir.join(name))?;
        }
        steps.next()?;
        write_marker(&backup.join(DONE), "")?;
        sync_dir(&self.out_dir)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A failure injected into a commit (tests).
#[derive(Debug, Clone, Copy)]
struct Fault {
    /// The step (from 0) that fails.
    at: usize,
    /// Stop as a killed process would (no rollback) rather than fail.
    crash: bool,
}

/// Counts the commit's steps, to inject a [`Fault`].
struct Steps {
    done: usize,
    fault: Option<Fault>,
}

impl Steps {
    fn next(&mut self) -> Result<(), RuntimeError> {
        let step = self.done;
        self.done += 1;
        match self.fault {
            Some(fault) if fault.at == step => Err(RuntimeError::internal(format!("injected failure at step {step}"))),
            Some(_) | None => Ok(()),
        }
    }

    fn crashed(&self) -> bool {
        self.fault.is_some_and(|fault| fault.crash && fault.at < self.done)
    }
}

/// Settles what interrupted runs left in `out_dir`: finishes or rolls back each backup, then
/// removes each staging directory.
fn settle(out_dir: &Path) -> Result<(), RuntimeError> {
    let mut backups = Vec::new();
    let mut stagings = Vec::new();
    for entry in std::fs::read_dir(out_dir).map_err(|error| RuntimeError::read(out_dir, &error))? {
        let entry = entry.map_err(|error| RuntimeError::read(out_dir, &error))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.file_type().is_ok_and(|file_type| file_type.is_dir()) {
            continue;
        }
        if name.starts_with(BACKUP_PREFIX) {
            backups.push(entry.path());
        } else if name.starts_with(STAGING_PREFIX) {
            stagings.push(entry.path());
        }
    }
    backups.sort();
    for backup in backups {
        if backup.join(DONE).exists() {
            std::fs::remove_dir_all(&backup).map_err(|error| RuntimeError::write(&backup, &error))?;
        } else {
            roll_back(out_dir, &backup)?;
        }
    }
    for staging in stagings {
        std::fs::remove_dir_all(&staging).map_err(|error| RuntimeError::write(&staging, &error))?;
    }
    Ok(())
}

/// Puts the previous set back from `backup` and removes it (see the module docs).
fn roll_back(out_dir: &Path, backup: &Path) -> Result<(), RuntimeError> {
    if !backup.exists() {
        return Ok(());
    }
    if backup.join(OLD_MOVED).exists() {
        let new_files = std::fs::read_to_string(backup.join(NEW_FILES))
            .map_err(|error| RuntimeError::read(&backup.join(NEW_FILES), &error))?;
        for name in new_files.lines().filter(|name| !name.is_empty() && !name.contains('/')) {
            let path = out_dir.join(name);
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => return Err(RuntimeError::write(&path, &error)),
            }
        }
    }
    for entry in std::fs::read_dir(backup).map_err(|error| RuntimeError::read(backup, &error))? {
        let entry = entry.map_err(|error| RuntimeError::read(backup, &error))?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        rename(&entry.path(), &out_dir.join(&name))?;
    }
    sync_dir(out_dir)?;
    std::fs::remove_dir_all(backup).map_err(|error| RuntimeError::write(backup, &error))
}

fn rename(from: &Path, to: &Path) -> Result<(), RuntimeError> {
    std::fs::rename(from, to).map_err(|error| RuntimeError::write(to, &error))
}

/// Writes a small file and makes it durable.
fn write_marker(path: &Path, text: &str) -> Result<(), RuntimeError> {
    use std::io::Write as _;
    let mut file = File::create(path).map_err(|error| RuntimeError::write(path, &error))?;
    file.write_all(text.as_bytes()).and_then(|()| file.sync_all()).map_err(|error| RuntimeError::write(path, &error))
}

/// Makes the renames in `dir` durable.
fn sync_dir(dir: &Path) -> Result<(), RuntimeError> {
    File::open(dir).and_then(|dir| dir.sync_all()).map_err(|error| RuntimeError::write(dir, &error))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The files (name → content) of `dir`, hidden ones included.
    fn files(dir: &Path) -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| {
                let content = std::fs::read_to_string(entry.path()).unwrap_or_else(|_| "<dir>".to_string());
                (entry.file_name().to_string_lossy().into_owned(), content)
            })
            .collect();
        files.sort();
        files
    }

    fn set(entries: &[(&str, &str)]) -> Vec<(String, String)> {
        entries.iter().map(|(name, content)| ((*name).to_string(), (*content).to_string())).collect()
    }

    /// An output directory holding the previous set (CSV tables), and a staged new set (Parquet
    /// tables) ready to commit.
    fn prepared(root: &Path) -> Result<(OutputDir, Staging), RuntimeError> {
        let out = root.join("out");
        std::fs::create_dir_all(&out).map_err(|error| RuntimeError::write(&out, &error))?;
        for (name, content) in [("people.csv", "old people"), ("rejects.csv", "old rejects"), ("report.md", "old")] {
            std::fs::write(out.join(name), content).map_err(|error| RuntimeError::write(&out, &error))?;
        }
        let mut dir = OutputDir::new(&out);
        let mut staging = dir.stage()?;
        for (name, content) in [("people.parquet", "new people"), ("rejects.csv", "new rejects"), ("report.md", "new")]
        {
            let path = staging.file(name);
            std::fs::write(&path, content).map_err(|error| RuntimeError::write(&path, &error))?;
        }
        Ok((dir, staging))
    }

    fn old_set() -> Vec<(String, String)> {
        set(&[("people.csv", "old people"), ("rejects.csv", "old rejects"), ("report.md", "old")])
    }

    fn new_set() -> Vec<(String, String)> {
        set(&[("people.parquet", "new people"), ("rejects.csv", "new rejects"), ("report.md", "new")])
    }

    /// The number of steps of the prepared commit: 2, then 3 previous files, 1, then 3 new
    /// files, 1.
    const STEPS: usize = 10;

    #[test]
    fn a_commit_replaces_the_set_and_removes_the_other_format() -> Result<(), RuntimeError> {
        let root = tempfile::tempdir().map_err(|error| RuntimeError::internal(error.to_string()))?;
        let (_dir, staging) = prepared(root.path())?;
        staging.commit()?;
        assert_eq!(files(&root.path().join("out")), new_set());
        Ok(())
    }

    #[test]
    fn a_failure_at_any_step_of_the_commit_leaves_the_previous_set() -> Result<(), RuntimeError> {
        for at in 0..STEPS {
            let root = tempfile::tempdir().map_err(|error| RuntimeError::internal(error.to_string()))?;
            let (_dir, staging) = prepared(root.path())?;
            let result = staging.commit_with(Some(Fault { at, crash: false }));
            assert!(result.is_err(), "step {at}");
            assert_eq!(files(&root.path().join("out")), old_set(), "a failure at step {at}");
        }
        Ok(())
    }

    #[test]
    fn a_crash_at_any_step_of_the_commit_is_settled_by_the_next_run() -> Result<(), RuntimeError> {
        for at in 0..=STEPS {
            let root = tempfile::tempdir().map_err(|error| RuntimeError::internal(error.to_string()))?;
            let out = root.path().join("out");
            let (dir, staging) = prepared(root.path())?;
            let result = staging.commit_with(Some(Fault { at, crash: true }));
            // A killed process neither rolls back nor removes its staging directory, and its
            // lock goes with it.
            drop(dir);
            let mut next = OutputDir::new(&out);
            let next_staging = next.stage()?;
            drop(next_staging);
            let expected = if result.is_ok() || at == STEPS { new_set() } else { old_set() };
            assert_eq!(files(&out), expected, "a crash at step {at}");
        }
        Ok(())
    }

    #[test]
    fn a_directory_where_a_file_goes_stops_the_commit_before_anything_moves() -> Result<(), RuntimeError> {
        for blocker in ["people.parquet", "people.jsonl"] {
            let root = tempfile::tempdir().map_err(|error| RuntimeError::internal(error.to_string()))?;
            let out = root.path().join("out");
            let (_dir, staging) = prepared(root.path())?;
            std::fs::create_dir(out.join(blocker)).map_err(|error| RuntimeError::write(&out, &error))?;
            let before = files(&out);
            let error = staging.commit().err();
            assert!(matches!(error, Some(RuntimeError::OutputTarget { .. })), "{error:?}");
            assert_eq!(
                files(&out),
                before.into_iter().filter(|(name, _)| !name.starts_with(STAGING_PREFIX)).collect::<Vec<_>>()
            );
        }
        Ok(())
    }

    #[test]
    fn a_second_run_into_a_locked_directory_stops() -> Result<(), RuntimeError> {
        let root = tempfile::tempdir().map_err(|error| RuntimeError::internal(error.to_string()))?;
        let out = root.path().join("out");
        let mut first = OutputDir::new(&out);
        let _staging = first.stage()?;
        let mut second = OutputDir::new(&out);
        assert!(matches!(second.stage(), Err(RuntimeError::Locked { .. })));
        drop(_staging);
        drop(first);
        assert!(second.stage().is_ok());
        Ok(())
    }
}
