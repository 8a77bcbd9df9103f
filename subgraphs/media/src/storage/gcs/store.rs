//! [`ObjectStore`] over the JSON API: one call per operation, streamed downloads, paginated
//! listings, server-side copies.

use super::{GcsClient, ObjectResource, compose::GcsWrite, generic, json};
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt, stream::BoxStream};
use object_store::{
    Attributes, CopyMode, CopyOptions, GetOptions, GetResult, GetResultPayload, ListResult,
    MultipartUpload, ObjectMeta, ObjectStore, PutMode, PutMultipartOptions, PutOptions, PutPayload,
    PutResult, Result, path::Path,
};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ObjectList {
    #[serde(default)]
    items: Vec<ObjectResource>,
    #[serde(default)]
    prefixes: Vec<String>,
    #[serde(default)]
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rewrite {
    done: bool,
    #[serde(default)]
    rewrite_token: Option<String>,
}

/// A refused `ifGenerationMatch=0` means the object exists.
fn already_exists(e: object_store::Error) -> object_store::Error {
    match e {
        object_store::Error::Precondition { path, source } => {
            object_store::Error::AlreadyExists { path, source }
        }
        other => other,
    }
}

/// A prefix as `object_store` means it: a directory (`a/b` lists `a/b/...`).
fn directory(prefix: Option<&Path>) -> String {
    match prefix {
        Some(p) if !p.as_ref().is_empty() => format!("{}/", p.as_ref()),
        _ => String::new(),
    }
}

impl GcsClient {
    /// Uploads `payload` as `name` in one request; `if_absent` refuses to replace.
    pub(crate) async fn upload(
        &self,
        name: &str,
        payload: PutPayload,
        if_absent: bool,
    ) -> Result<ObjectResource> {
        let mut query = vec![
            ("uploadType", "media".to_owned()),
            ("name", name.to_owned()),
        ];
        if if_absent {
            query.push(("ifGenerationMatch", "0".into()));
        }
        let request = self
            .request(reqwest::Method::POST, &self.upload_url())
            .await?
            .query(&query)
            .header("content-type", "application/octet-stream")
            .body(Bytes::from(payload));
        json(self.send(request, name).await?).await
    }

    /// Removes `name`.
    pub(crate) async fn remove(&self, name: &str) -> Result<()> {
        let request = self
            .request(reqwest::Method::DELETE, &self.object_url(name))
            .await?;
        self.send(request, name).await.map(|_| ())
    }

    async fn page(
        &self,
        prefix: &str,
        delimiter: bool,
        token: Option<String>,
    ) -> Result<ObjectList> {
        let mut query = vec![("prefix", prefix.to_owned()), ("maxResults", "1000".into())];
        if delimiter {
            query.push(("delimiter", "/".into()));
        }
        if let Some(token) = token {
            query.push(("pageToken", token));
        }
        let request = self
            .request(reqwest::Method::GET, &self.objects_url())
            .await?
            .query(&query);
        json(self.send(request, prefix).await?).await
    }
}

#[async_trait::async_trait]
impl ObjectStore for GcsClient {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        let if_absent = match opts.mode {
            PutMode::Overwrite => false,
            PutMode::Create => true,
            PutMode::Update(_) => {
                return Err(object_store::Error::NotImplemented {
                    operation: "conditional update".into(),
                    implementer: "GcsClient".into(),
                });
            }
        };
        let stored = self
            .upload(location.as_ref(), payload, if_absent)
            .await
            .map_err(already_exists)?;
        Ok(PutResult {
            e_tag: stored.etag,
            version: stored.generation,
        })
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        _opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        Ok(Box::new(GcsWrite::new(self.clone(), location.as_ref())))
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        let name = location.as_ref();
        let resource = self.metadata(name).await?;
        let meta = resource.meta();
        options.check_preconditions(&meta)?;
        let range = match &options.range {
            Some(range) => range
                .as_range(meta.size)
                .map_err(|e| generic(e.to_string()))?,
            None => 0..meta.size,
        };
        if options.head || range.is_empty() {
            return Ok(GetResult {
                payload: GetResultPayload::Stream(futures::stream::empty().boxed()),
                meta,
                range,
                attributes: Attributes::default(),
            });
        }
        let mut query = vec![("alt", "media".to_owned())];
        if let Some(generation) = &resource.generation {
            // The bytes of the version whose metadata was read.
            query.push(("generation", generation.clone()));
        }
        let request = self
            .request(reqwest::Method::GET, &self.object_url(name))
            .await?
            .query(&query)
            .header("range", format!("bytes={}-{}", range.start, range.end - 1));
        let response = self.send(request, name).await?;
        let payload = response
            .bytes_stream()
            .map_err(|e| generic(e.to_string()))
            .boxed();
        Ok(GetResult {
            payload: GetResultPayload::Stream(payload),
            meta,
            range,
            attributes: Attributes::default(),
        })
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        let client = self.clone();
        locations
            .and_then(move |path| {
                let client = client.clone();
                async move {
                    client.remove(path.as_ref()).await?;
                    Ok(path)
                }
            })
            .boxed()
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        let client = self.clone();
        let prefix = directory(prefix);
        futures::stream::try_unfold(Some(None), move |state: Option<Option<String>>| {
            let client = client.clone();
            let prefix = prefix.clone();
            async move {
                let Some(token) = state else {
                    return Ok::<_, object_store::Error>(None);
                };
                let page = client.page(&prefix, false, token).await?;
                let metas: Vec<Result<ObjectMeta>> =
                    page.items.iter().map(|o| Ok(o.meta())).collect();
                let next = page.next_page_token.map(Some);
                Ok(Some((futures::stream::iter(metas), next)))
            }
        })
        .try_flatten()
        .boxed()
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        let prefix = directory(prefix);
        let mut result = ListResult {
            common_prefixes: Vec::new(),
            objects: Vec::new(),
        };
        let mut token = None;
        loop {
            let page = self.page(&prefix, true, token).await?;
            result
                .objects
                .extend(page.items.iter().map(ObjectResource::meta));
            result.common_prefixes.extend(
                page.prefixes
                    .iter()
                    .map(|p| Path::from(p.trim_end_matches('/'))),
            );
            match page.next_page_token {
                Some(next) => token = Some(next),
                None => return Ok(result),
            }
        }
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        let url = format!(
            "{}/rewriteTo/b/{}/o/{}",
            self.object_url(from.as_ref()),
            super::encode(&self.bucket),
            super::encode(to.as_ref())
        );
        let mut token: Option<String> = None;
        // A large copy across storage classes takes several calls, each resuming the last.
        loop {
            let mut query = Vec::new();
            if matches!(options.mode, CopyMode::Create) {
                query.push(("ifGenerationMatch", "0".to_owned()));
            }
            if let Some(token) = &token {
                query.push(("rewriteToken", token.clone()));
            }
            let request = self
                .request(reqwest::Method::POST, &url)
                .await?
                .query(&query)
                .header("content-type", "application/json")
                .body("{}");
            let answer = self
                .send(request, from.as_ref())
                .await
                .map_err(already_exists)?;
            let rewrite: Rewrite = json(answer).await?;
            if rewrite.done {
                return Ok(());
            }
            token = rewrite.rewrite_token;
            if token.is_none() {
                return Err(generic("an unfinished rewrite without a token".into()));
            }
        }
    }
}
