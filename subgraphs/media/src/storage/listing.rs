//! Listing what the store holds (the storage check reads it).

use super::{Storage, StorageError};
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use object_store::path::Path as ObjectPath;

/// An object as a listing gives it.
#[derive(Clone, Debug)]
pub struct StoredObject {
    /// Its key.
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
    /// When it was last written.
    pub modified: DateTime<Utc>,
}

impl Storage {
    /// Every object whose key is under `prefix` (a folder such as `media/`).
    pub async fn list(&self, prefix: &str) -> Result<Vec<StoredObject>, StorageError> {
        let prefix = ObjectPath::from(prefix.trim_end_matches('/'));
        Ok(self
            .store
            .list(Some(&prefix))
            .map_ok(|meta| StoredObject {
                key: meta.location.to_string(),
                size: meta.size,
                modified: meta.last_modified,
            })
            .try_collect()
            .await?)
    }
}
