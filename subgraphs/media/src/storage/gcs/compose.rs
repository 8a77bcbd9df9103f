//! Writing large objects to GCS: parts uploaded as objects of their own (in parallel), then
//! composed into the object, 32 sources a call, in a tree when there are more.

use super::{COMPOSE_SOURCES, GcsClient, ObjectResource, json};
use futures::FutureExt;
use object_store::{MultipartUpload, PutPayload, PutResult, Result, UploadPart};
use serde_json::json;

/// A source of a composition: an object, pinned to the generation that was checked when
/// known, so a part replaced since is refused instead of composed.
#[derive(Clone, Debug)]
pub struct Source {
    /// The object's name.
    pub name: String,
    /// Its generation.
    pub generation: Option<String>,
}

impl GcsClient {
    /// Composes `sources` (in order) into `destination`; intermediate objects of a tree go
    /// under `scratch` and are removed after.
    pub async fn compose(
        &self,
        sources: &[Source],
        destination: &str,
        scratch: &str,
    ) -> Result<ObjectResource> {
        if sources.len() <= COMPOSE_SOURCES {
            return self.compose_once(sources, destination).await;
        }
        let mut made = Vec::new();
        let mut level = Vec::new();
        for (i, group) in sources.chunks(COMPOSE_SOURCES).enumerate() {
            let name = format!("{scratch}/compose-{}-{i:04}", sources.len());
            let result = self.compose_once(group, &name).await;
            made.push(name.clone());
            match result {
                Ok(resource) => level.push(Source {
                    name,
                    generation: resource.generation,
                }),
                Err(e) => {
                    self.remove_all(&made).await;
                    return Err(e);
                }
            }
        }
        let result = Box::pin(self.compose(&level, destination, scratch)).await;
        self.remove_all(&made).await;
        result
    }

    async fn compose_once(&self, sources: &[Source], destination: &str) -> Result<ObjectResource> {
        let body = json!({
            "sourceObjects": sources.iter().map(|s| match &s.generation {
                Some(generation) => json!({"name": s.name, "objectPreconditions": {"ifGenerationMatch": generation}}),
                None => json!({"name": s.name}),
            }).collect::<Vec<_>>(),
            "destination": {"contentType": "application/octet-stream"},
        });
        let request = self
            .request(
                reqwest::Method::POST,
                &format!("{}/compose", self.object_url(destination)),
            )
            .await?
            .json(&body);
        json(self.send(request, destination).await?).await
    }

    /// Removes `names`, ignoring failures (a sweep or a later abort removes what is left).
    pub(crate) async fn remove_all(&self, names: &[String]) {
        for name in names {
            if let Err(e) = self.remove(name).await
                && !matches!(e, object_store::Error::NotFound { .. })
            {
                tracing::warn!(object = %name, error = %e, "could not remove a temporary object");
            }
        }
    }
}

/// A streamed write: each part an object under `parts/_writes/<id>/`, composed into the
/// object when complete.
#[derive(Debug)]
pub struct GcsWrite {
    client: GcsClient,
    name: String,
    scratch: String,
    parts: Vec<String>,
}

impl GcsWrite {
    /// A write of `name`.
    pub fn new(client: GcsClient, name: &str) -> Self {
        Self {
            client,
            name: name.to_owned(),
            scratch: format!("parts/_writes/{}", uuid::Uuid::new_v4()),
            parts: Vec::new(),
        }
    }
}

#[async_trait::async_trait]
impl MultipartUpload for GcsWrite {
    fn put_part(&mut self, data: PutPayload) -> UploadPart {
        let part = format!("{}/{:05}", self.scratch, self.parts.len());
        self.parts.push(part.clone());
        let client = self.client.clone();
        async move { client.upload(&part, data, false).await.map(|_| ()) }.boxed()
    }

    async fn complete(&mut self) -> Result<PutResult> {
        let made = if self.parts.is_empty() {
            self.client
                .upload(&self.name, PutPayload::new(), false)
                .await?
        } else {
            let sources: Vec<Source> = self
                .parts
                .iter()
                .map(|name| Source {
                    name: name.clone(),
                    generation: None,
                })
                .collect();
            let made = self
                .client
                .compose(&sources, &self.name, &self.scratch)
                .await;
            self.client.remove_all(&self.parts).await;
            made?
        };
        Ok(PutResult {
            e_tag: made.etag,
            version: made.generation,
        })
    }

    async fn abort(&mut self) -> Result<()> {
        self.client.remove_all(&self.parts).await;
        Ok(())
    }
}
