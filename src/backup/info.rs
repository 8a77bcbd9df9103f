//! What the repository holds (`pgbackrest info --output=json`): backups, and the window a
//! restore may target.

use super::BackupError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One backup in the repository.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct BackupSet {
    /// pgBackRest's label (`20261206-171208F`, `..._20261206-181000I`).
    pub label: String,
    /// `full`, `diff` or `incr`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Start and stop, in Unix seconds.
    pub timestamp: Span,
    /// Sizes.
    pub info: Sizes,
}

/// A backup's start and stop.
#[derive(Clone, Copy, Debug, Deserialize, Serialize)]
pub struct Span {
    /// Unix seconds.
    pub start: i64,
    /// Unix seconds; a restore may target any time from the oldest backup's stop on.
    pub stop: i64,
}

/// A backup's sizes.
#[derive(Clone, Copy, Debug, Deserialize, Serialize)]
pub struct Sizes {
    /// The database's size when it was taken.
    pub size: u64,
    /// What it adds to the repository.
    pub repository: RepositorySize,
}

/// Bytes in the repository.
#[derive(Clone, Copy, Debug, Deserialize, Serialize)]
pub struct RepositorySize {
    /// This backup's files, compressed (an incremental's changed files only).
    pub delta: u64,
}

impl BackupSet {
    /// When it stopped.
    pub fn stopped(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.timestamp.stop, 0).unwrap_or_default()
    }
}

#[derive(Debug, Deserialize)]
struct Stanza {
    status: Status,
    #[serde(default)]
    backup: Vec<BackupSet>,
    #[serde(default)]
    repo: Vec<Repo>,
}

#[derive(Debug, Deserialize)]
struct Repo {
    status: Status,
}

#[derive(Debug, Deserialize)]
struct Status {
    code: i64,
    message: String,
}

/// The repository's backups, oldest first.
#[derive(Clone, Debug, Default)]
pub struct Inventory {
    /// Every backup.
    pub backups: Vec<BackupSet>,
}

/// pgBackRest's status code of a stanza with no backup yet.
const NO_BACKUP: i64 = 2;
/// ... of a repository without the stanza.
const MISSING_STANZA: i64 = 1;

impl Inventory {
    /// Reads `pgbackrest info --output=json`. A repository it could not read (a wrong
    /// passphrase, a missing bucket) is an error; an empty one is not.
    pub fn parse(json: &str) -> Result<Self, BackupError> {
        // With the wrong passphrase, pgBackRest quotes the undecryptable bytes, control
        // characters and all, inside its JSON.
        let json: String = json
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let stanzas: Vec<Stanza> = serde_json::from_str(&json).map_err(|e| {
            BackupError::Repository(format!("unreadable answer from pgbackrest info: {e}"))
        })?;
        let stanza = stanzas
            .into_iter()
            .next()
            .ok_or_else(|| BackupError::Repository("pgbackrest info named no stanza".into()))?;
        if let Some(repo) = stanza.repo.iter().find(|r| {
            r.status.code != 0 && r.status.code != NO_BACKUP && r.status.code != MISSING_STANZA
        }) {
            return Err(BackupError::Repository(explain(&repo.status.message)));
        }
        if ![0, NO_BACKUP, MISSING_STANZA].contains(&stanza.status.code) {
            return Err(BackupError::Repository(explain(&stanza.status.message)));
        }
        let mut backups = stanza.backup;
        backups.sort_by_key(|b| b.timestamp.stop);
        Ok(Self { backups })
    }

    /// The newest full backup.
    pub fn last_full(&self) -> Option<&BackupSet> {
        self.backups.iter().rev().find(|b| b.kind == "full")
    }

    /// The newest backup.
    pub fn last(&self) -> Option<&BackupSet> {
        self.backups.last()
    }

    /// The earliest time a restore may target: the end of the oldest backup.
    pub fn earliest_target(&self) -> Option<DateTime<Utc>> {
        self.backups.first().map(BackupSet::stopped)
    }

    /// Refuses a target outside the window (before the oldest backup ended, or later than
    /// now) before anything is touched.
    pub fn check_target(
        &self,
        target: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), BackupError> {
        let earliest = self.earliest_target().ok_or(BackupError::NoBackups)?;
        if target < earliest || target > now {
            return Err(BackupError::OutsideWindow {
                target,
                earliest,
                latest: now,
            });
        }
        Ok(())
    }
}

/// pgBackRest's messages for a repository it cannot read, in an operator's words first.
fn explain(message: &str) -> String {
    let first = message.lines().next().unwrap_or(message);
    if message.contains("FormatError") || message.contains("CryptoError") {
        format!(
            "the repository's files could not be decrypted: is backup.cipher_pass the one it was made with? ({first})"
        )
    } else if message.contains("bucket")
        || message.contains("404")
        || message.contains("NoSuchBucket")
    {
        format!(
            "the repository's bucket could not be used: does it exist, and may these keys use it? ({first})"
        )
    } else {
        first.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &str = r#"[{"archive":[],"backup":[
        {"label":"20261206-171208F","type":"full","timestamp":{"start":100,"stop":110},"info":{"size":2000,"repository":{"delta":300,"size":300}}},
        {"label":"20261206-171208F_20261206-181000I","type":"incr","timestamp":{"start":200,"stop":205},"info":{"size":2100,"repository":{"delta":40,"size":40}}}
      ],"name":"mediamagic","repo":[{"key":1,"status":{"code":0,"message":"ok"}}],"status":{"code":0,"message":"ok"}}]"#;

    #[test]
    fn the_window_starts_when_the_oldest_backup_ended_and_ends_now() {
        let inventory = Inventory::parse(TWO).unwrap();
        assert_eq!(inventory.last_full().unwrap().label, "20261206-171208F");
        assert_eq!(inventory.last().unwrap().kind, "incr");
        let at = |s| DateTime::from_timestamp(s, 0).unwrap();
        assert!(inventory.check_target(at(110), at(1000)).is_ok());
        assert!(matches!(
            inventory.check_target(at(109), at(1000)),
            Err(BackupError::OutsideWindow { .. })
        ));
        assert!(matches!(
            inventory.check_target(at(1001), at(1000)),
            Err(BackupError::OutsideWindow { .. })
        ));
    }

    #[test]
    fn a_repository_read_with_the_wrong_passphrase_is_an_error_that_says_so() {
        let json = "[{\"archive\":[],\"backup\":[],\"name\":\"mediamagic\",\"repo\":[{\"key\":1,\"status\":{\"code\":99,\"message\":\"[FormatError] unable to load info file: m\u{1}\u{8}v\"}}],\"status\":{\"code\":99,\"message\":\"other\"}}]";
        let error = Inventory::parse(json).unwrap_err().to_string();
        assert!(error.contains("cipher_pass"), "{error}");
    }

    #[test]
    fn an_empty_repository_has_no_window() {
        let json = r#"[{"archive":[],"backup":[],"name":"mediamagic","repo":[{"key":1,"status":{"code":1,"message":"missing stanza path"}}],"status":{"code":1,"message":"missing stanza path"}}]"#;
        let inventory = Inventory::parse(json).unwrap();
        assert!(inventory.backups.is_empty());
        assert!(matches!(
            inventory.check_target(Utc::now(), Utc::now()),
            Err(BackupError::NoBackups)
        ));
    }
}
