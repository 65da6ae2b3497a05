//! What the provider holds per sandbox: its status, its two config files, its skill
//! directories with their writers, and the sessions started in it.
//!
//! Invariants these types keep, so that observers can judge the protocol on top:
//! - each config file holds the hash of the config that last wrote it, so a torn
//!   pair (`.env` from one config, `config.yaml` from another) is visible;
//! - a skill directory counts its active writers exactly; a second writer starting
//!   while one is active marks the directory `overlapped` until a later upload starts
//!   on a quiet directory (a clean full rewrite);
//! - a session records what it read at its start, so later writes do not hide what it
//!   ran with;
//! - the config file writes running on it are counted, so an observer can tell a
//!   write in flight (its caller may be gone) from a settled state.

use std::collections::BTreeMap;

use sim::{NodeId, SimTime};

pub type SandboxId = u64;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SandboxStatus {
    /// Created and billed, not yet answering.
    Booting,
    Healthy,
    Destroyed,
}

/// The two sandbox-global config files of Hermes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConfigFile {
    /// `/home/daytona/.hermes/.env`
    Env,
    /// `/home/daytona/.hermes/config.yaml`
    ConfigYaml,
}

/// The upload state of one skill directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadState {
    Absent,
    /// Being written by `writers` uploads at once (more than one corrupts it).
    Partial {
        writers: u32,
    },
    Complete,
}

/// One skill directory, `skillDir[skill]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SkillDir {
    pub state: UploadState,
    /// Two uploads overlapped on it since the last upload that started on a quiet
    /// directory: its files may come from either (I14 is violated).
    pub overlapped: bool,
}

impl SkillDir {
    pub const ABSENT: SkillDir = SkillDir { state: UploadState::Absent, overlapped: false };

    /// The uploads writing it now.
    pub fn writers(&self) -> u32 {
        match self.state {
            UploadState::Partial { writers } => writers,
            UploadState::Absent | UploadState::Complete => 0,
        }
    }

    /// Complete, with no upload overlapping another: safe to start a session on.
    pub fn is_intact(&self) -> bool {
        self.state == UploadState::Complete && !self.overlapped
    }

    pub(crate) fn begin_upload(&mut self) {
        let writers = self.writers();
        // A start on a quiet directory rewrites it whole; a start beside another
        // writer mixes their files.
        self.overlapped = writers > 0;
        self.state = UploadState::Partial { writers: writers + 1 };
    }

    pub(crate) fn end_upload(&mut self) {
        self.state = match self.writers() {
            0 | 1 => UploadState::Complete,
            n => UploadState::Partial { writers: n - 1 },
        };
    }
}

/// One sandbox as the provider holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sandbox {
    pub id: SandboxId,
    /// The user it was created for (a Daytona label).
    pub user: u32,
    pub status: SandboxStatus,
    /// The config hash whose `.env` is on disk; `None` before the first write.
    pub env: Option<u64>,
    /// The config hash whose `config.yaml` is on disk; `None` before the first write.
    pub config_yaml: Option<u64>,
    pub skill_dirs: BTreeMap<u32, SkillDir>,
    /// Config file writes running on it now.
    pub config_writes: u32,
    /// When its boot phase ends, once the create has drawn it (state hashes need it:
    /// two booting sandboxes are told apart by when they come up).
    pub boot_ends_at: Option<SimTime>,
}

impl Sandbox {
    pub(crate) fn new(id: SandboxId, user: u32) -> Sandbox {
        Sandbox {
            id,
            user,
            status: SandboxStatus::Booting,
            env: None,
            config_yaml: None,
            skill_dirs: BTreeMap::new(),
            config_writes: 0,
            boot_ends_at: None,
        }
    }

    /// Not destroyed: it exists and costs money, whether or not anyone tracks it.
    pub fn is_live(&self) -> bool {
        self.status != SandboxStatus::Destroyed
    }

    /// `(.env, config.yaml)`, the config a session starting now would read.
    pub fn config_files(&self) -> (Option<u64>, Option<u64>) {
        (self.env, self.config_yaml)
    }

    /// The two config files come from different configs (I9).
    pub fn config_torn(&self) -> bool {
        self.env != self.config_yaml
    }

    /// The config both files come from, if they agree.
    pub fn config_hash(&self) -> Option<u64> {
        if self.config_torn() {
            None
        } else {
            self.env
        }
    }

    pub fn skill_dir(&self, skill: u32) -> SkillDir {
        self.skill_dirs.get(&skill).copied().unwrap_or(SkillDir::ABSENT)
    }

    pub(crate) fn file_mut(&mut self, file: ConfigFile) -> &mut Option<u64> {
        match file {
            ConfigFile::Env => &mut self.env,
            ConfigFile::ConfigYaml => &mut self.config_yaml,
        }
    }
}

/// A Hermes session, started by a tab for one skill inside a sandbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub id: u64,
    pub tab: u32,
    /// The node that asked for it.
    pub started_by: NodeId,
    pub sandbox: SandboxId,
    pub skill: u32,
    /// `(.env, config.yaml)` as read when the session started (I11).
    pub config_seen: (Option<u64>, Option<u64>),
    /// The skill directory as it was when the session started (I14).
    pub skill_dir_at_start: SkillDir,
    pub started_at: SimTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_marks_the_directory_until_a_clean_rewrite() {
        let mut dir = SkillDir::ABSENT;
        dir.begin_upload();
        dir.begin_upload();
        assert_eq!((dir.writers(), dir.overlapped), (2, true));
        dir.end_upload();
        assert_eq!(dir.state, UploadState::Partial { writers: 1 });
        dir.end_upload();
        assert_eq!(dir.state, UploadState::Complete);
        assert!(!dir.is_intact(), "overlapping uploads leave a corrupt directory");
        dir.begin_upload();
        dir.end_upload();
        assert!(dir.is_intact(), "a lone full rewrite repairs it");
    }
}
