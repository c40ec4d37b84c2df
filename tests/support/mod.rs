//! Helpers shared by the end-to-end tests (the independent oracle is in `pol-testkit`).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The repository root (where `policies/`, `tests/` and `Cargo.toml` are).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The Shaanxi policy directory of the repository.
pub fn shaanxi_dir() -> PathBuf {
    repo_root().join("policies").join("shaanxi")
}

/// The second policy of the repository, a small pension top-up (`tests/policies/pension_topup`):
/// the tools must work on a policy that is not Shaanxi's.
pub fn pension_topup_dir() -> PathBuf {
    repo_root().join("tests").join("policies").join("pension_topup")
}

/// The policy of dated rules (`tests/policies/child_allowance`): versions by date, a parameter
/// and a rule that stop being in force.
pub fn child_allowance_dir() -> PathBuf {
    repo_root().join("tests").join("policies").join("child_allowance")
}

/// The policy of periods (`tests/policies/periods`).
pub fn periods_dir() -> PathBuf {
    repo_root().join("tests").join("policies").join("periods")
}

/// The policy of household roles (`tests/policies/household_roles`): parents (at most two) and
/// children.
pub fn household_roles_dir() -> PathBuf {
    repo_root().join("tests").join("policies").join("household_roles")
}

/// A fresh directory under the system's temporary directory, removed (with its contents) when
/// dropped, also when a test fails. Set `POL_E2E_KEEP=1` to keep it for a post-mortem.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates `<tmp>/pol-e2e-<pid>-<n>-<label>`, unique within and across test processes.
    pub fn new(label: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("pol-e2e-{}-{n}-{label}", std::process::id()));
        if path.exists() {
            let _ = std::fs::remove_dir_all(&path);
        }
        std::fs::create_dir_all(&path).unwrap_or_else(|error| panic!("cannot create {}: {error}", path.display()));
        TempDir { path }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os("POL_E2E_KEEP").is_some() {
            eprintln!("kept {}", self.path.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// Copies the directory tree `from` into `to` (created if needed).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|error| panic!("cannot create {}: {error}", to.display()));
    let entries = std::fs::read_dir(from).unwrap_or_else(|error| panic!("cannot read {}: {error}", from.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|error| panic!("cannot read {}: {error}", from.display()));
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target)
                .unwrap_or_else(|error| panic!("cannot copy {}: {error}", entry.path().display()));
        }
    }
}

/// Reads a file as UTF-8 text, failing the test if it cannot.
pub fn read_text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

/// The policy whose scales cities and counties set (`tests/policies/local_scales`): two cities,
/// a county with its own file, `require`s on a scale, a scenario.
pub fn local_scales_dir() -> PathBuf {
    repo_root().join("tests").join("policies").join("local_scales")
}

/// The policy in euros without jurisdictions (`tests/policies/eur_no_jurisdictions`): a
/// declared currency, scales, no county column, province totals only.
pub fn eur_no_jurisdictions_dir() -> PathBuf {
    repo_root().join("tests").join("policies").join("eur_no_jurisdictions")
}

pub fn openfisca_country_template_dir() -> PathBuf {
    repo_root().join("policies").join("openfisca_country_template")
}
