//! The corpus folder: atomic writes, and loading every case of one scenario.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::case::{Case, CaseError};

/// Writes `contents` to `path` atomically: a temporary file in the same folder,
/// synced, then renamed over the target. A campaign killed at any instant leaves
/// either the old file or the new one, never half of one.
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    // Temporary files are private (0600); a case file is for everyone who can read
    // the folder, like any file the user creates (0666 less the umask).
    let mut builder = tempfile::Builder::new();
    builder.prefix(".lockstep-case-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(contents)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A corpus folder.
#[derive(Clone, Debug)]
pub struct Corpus {
    pub dir: PathBuf,
}

impl Corpus {
    pub fn new(dir: impl Into<PathBuf>) -> Corpus {
        Corpus { dir: dir.into() }
    }

    /// Saves `case` under its [`Case::file_name`], atomically; returns its path.
    pub fn save(&self, case: &Case) -> std::io::Result<PathBuf> {
        let path = self.dir.join(case.file_name());
        write_atomic(&path, case.to_json().as_bytes())?;
        Ok(path)
    }

    /// The cases of `scenario`/`variant` in this corpus, in file-name order. A missing
    /// folder is an empty corpus; an unreadable case is an error naming its file.
    pub fn cases_for(&self, scenario: &str, variant: &str) -> Result<Vec<(PathBuf, Case)>, CaseError> {
        Ok(load_dir(&self.dir)?.into_iter().filter(|(_, c)| c.scenario == scenario && c.variant == variant).collect())
    }
}

impl Corpus {
    /// The folder of the goal witnesses of `scenario`/`variant`.
    pub fn witness_dir(&self, scenario: &str, variant: &str) -> PathBuf {
        self.dir.join("goals").join(format!("{}.{variant}", scenario.replace('/', "-")))
    }

    /// Saves a goal witness (a case with [`Case::goal`] set) as `goals/<scenario>.
    /// <variant>/<goal>.json`, unless that goal has a witness already: the first one
    /// found stays, so a witness file changes only when it is deleted.
    pub fn save_witness(&self, case: &Case) -> std::io::Result<Option<PathBuf>> {
        let goal = case.goal.as_deref().unwrap_or("goal");
        let path = self.witness_dir(&case.scenario, &case.variant).join(format!("{goal}.json"));
        if path.exists() {
            return Ok(None);
        }
        write_atomic(&path, case.to_json().as_bytes())?;
        Ok(Some(path))
    }

    /// The goal witnesses of `scenario`/`variant`, by goal name.
    pub fn witnesses_for(&self, scenario: &str, variant: &str) -> Result<Vec<(PathBuf, Case)>, CaseError> {
        Ok(load_dir(&self.witness_dir(scenario, variant))?.into_iter().filter(|(_, c)| c.goal.is_some()).collect())
    }
}

/// Every `*.json` case in `dir`, sorted by file name (a missing folder has none).
pub fn load_dir(dir: &Path) -> Result<Vec<(PathBuf, Case)>, CaseError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(CaseError::Io { path: dir.into(), source }),
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    paths.into_iter().map(|p| Case::load(&p).map(|c| (p, c))).collect()
}
