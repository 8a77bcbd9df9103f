//! Multipart uploads on GCS, assembled: the parts composed into the media object, then
//! that object read once, each part's stretch checked against the checksum its URL was asked
//! with and the whole hashed (GCS checks only its own MD5 and CRC32C as bytes arrive).

use super::{GcsClient, compose::Source};
use crate::storage::{
    Storage, StorageError,
    checksum::{BodyHasher, PartChecksum},
    parts::{Assembled, PartToAssemble, part_number, parts_prefix},
    reading,
};
use futures::{StreamExt, TryStreamExt};
use object_store::{ObjectStoreExt, path::Path as ObjectPath};
use sha2::{Digest, Sha256};

impl Storage {
    /// GCS assembly: the parts, pinned to the generations listed, composed into `key`; then
    /// the composed object read once, each part's stretch checked against its checksum and
    /// the whole hashed. A mismatch removes the composed object.
    pub(in crate::storage) async fn compose_parts(
        &self,
        client: &GcsClient,
        key: &str,
        algorithm: PartChecksum,
        parts: &[PartToAssemble],
    ) -> Result<Assembled, StorageError> {
        let prefix = ObjectPath::from(parts_prefix(key));
        let listed: Vec<_> = self.store.list(Some(&prefix)).try_collect().await?;
        let mut sources = Vec::with_capacity(parts.len());
        let mut sizes = Vec::with_capacity(parts.len());
        for part in parts {
            let meta = listed
                .iter()
                .find(|m| part_number(m.location.as_ref()) == Some(part.number))
                .ok_or(StorageError::UploadGone)?;
            sources.push(Source {
                name: meta.location.to_string(),
                generation: meta.version.clone(),
            });
            sizes.push(meta.size);
        }
        client
            .compose(&sources, key, &format!("{}/_compose", parts_prefix(key)))
            .await?;
        match self.verify_composed(key, algorithm, parts, &sizes).await {
            Ok(assembled) => Ok(assembled),
            Err(e) => {
                let _ = self.delete(key).await;
                Err(e)
            }
        }
    }

    async fn verify_composed(
        &self,
        key: &str,
        algorithm: PartChecksum,
        parts: &[PartToAssemble],
        sizes: &[u64],
    ) -> Result<Assembled, StorageError> {
        let stream = reading::into_stream(self.store.get(&ObjectPath::from(key)).await?);
        let mut stream = std::pin::pin!(stream);
        let mut whole = Sha256::new();
        let mut size = 0u64;
        let mut index = 0;
        let mut left = sizes.first().copied().unwrap_or(0);
        let mut hasher = algorithm.hasher();
        let finish_part = |index: usize, hasher: BodyHasher| {
            let part = &parts[index];
            if hasher.finish() == part.checksum {
                Ok(())
            } else {
                Err(StorageError::PartMismatch(part.number))
            }
        };
        while let Some(chunk) = stream.next().await {
            let mut chunk = chunk?;
            whole.update(&chunk);
            size += chunk.len() as u64;
            while !chunk.is_empty() {
                if index >= parts.len() {
                    return Err(StorageError::Http(
                        "the composed object is longer than its parts".into(),
                    ));
                }
                let take = usize::try_from(left.min(chunk.len() as u64)).unwrap_or(chunk.len());
                hasher.update(&chunk.split_to(take));
                left -= take as u64;
                if left == 0 {
                    finish_part(index, std::mem::replace(&mut hasher, algorithm.hasher()))?;
                    index += 1;
                    left = sizes.get(index).copied().unwrap_or(0);
                }
            }
        }
        // Parts of no bytes at the end (never asked for: a part has at least one).
        if index < parts.len() {
            return Err(StorageError::Http(
                "the composed object is shorter than its parts".into(),
            ));
        }
        Ok(Assembled {
            size,
            sha256: hex::encode(whole.finalize()),
        })
    }
}
