//! Reading objects as streams of large chunks.
//!
//! `object_store`'s `GetResult::into_stream` reads local files 8 KiB at a time, each read a
//! trip to the blocking pool: 131,072 trips per GiB, which made hashing a local GiB take
//! seconds. Local files are read here 1 MiB at a time instead; other stores' streams pass
//! through as they are.

use bytes::Bytes;
use futures::{StreamExt, stream::BoxStream};
use object_store::{GetResult, GetResultPayload};
use std::io::{Read, Seek, SeekFrom};

/// Bytes per read of a local file.
const LOCAL_CHUNK: u64 = 1024 * 1024;

/// The object's bytes (the range the get asked for) as a stream of chunks.
pub fn into_stream(result: GetResult) -> BoxStream<'static, Result<Bytes, object_store::Error>> {
    let range = result.range.clone();
    match result.payload {
        GetResultPayload::File(file, path) => {
            let state = (file, path, range.start, range.end, false);
            futures::stream::try_unfold(state, |(mut file, path, at, end, seeked)| async move {
                if at >= end {
                    return Ok(None);
                }
                // Allocated here, not on the blocking thread: glibc gives each thread that
                // allocates its own arena, and the blocking pool's many short-lived threads
                // would each keep freed megabytes (the service's memory grew by tens of MB
                // while assembling a GiB).
                let mut buffer = Vec::with_capacity(LOCAL_CHUNK.min(end - at) as usize);
                let read = tokio::task::spawn_blocking(move || {
                    if !seeked {
                        file.seek(SeekFrom::Start(at))?;
                    }
                    (&mut file)
                        .take(LOCAL_CHUNK.min(end - at))
                        .read_to_end(&mut buffer)?;
                    Ok::<_, std::io::Error>((file, buffer))
                })
                .await
                .map_err(|e| generic(&path, std::io::Error::other(e)))?;
                let (file, buffer) = read.map_err(|e| generic(&path, e))?;
                if buffer.is_empty() {
                    // The file is shorter than its metadata said (truncated under us).
                    return Err(generic(
                        &path,
                        std::io::Error::from(std::io::ErrorKind::UnexpectedEof),
                    ));
                }
                let next = at + buffer.len() as u64;
                Ok(Some((Bytes::from(buffer), (file, path, next, end, true))))
            })
            .boxed()
        }
        GetResultPayload::Stream(stream) => stream,
    }
}

fn generic(path: &std::path::Path, source: std::io::Error) -> object_store::Error {
    object_store::Error::Generic {
        store: "LocalFileSystem",
        source: format!("reading {}: {source}", path.display()).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::TryStreamExt;
    use object_store::{
        GetOptions, GetRange, ObjectStore, ObjectStoreExt, local::LocalFileSystem, path::Path,
    };

    async fn read_all(store: &LocalFileSystem, range: Option<GetRange>) -> Vec<u8> {
        let options = GetOptions {
            range,
            ..Default::default()
        };
        let got = store
            .get_opts(&Path::from("object"), options)
            .await
            .unwrap();
        let chunks: Vec<Bytes> = into_stream(got).try_collect().await.unwrap();
        chunks.concat()
    }

    #[tokio::test]
    async fn a_local_object_reads_back_whole_and_by_range_across_chunks() {
        // Arrange: an object of two and a half chunks.
        let dir = tempfile::tempdir().unwrap();
        let store = LocalFileSystem::new_with_prefix(dir.path()).unwrap();
        let bytes: Vec<u8> = (0..(LOCAL_CHUNK * 5 / 2))
            .map(|i| (i % 251) as u8)
            .collect();
        store
            .put(&Path::from("object"), bytes.clone().into())
            .await
            .unwrap();

        // Act
        let whole = read_all(&store, None).await;
        let middle = read_all(&store, Some(GetRange::Bounded(1000..LOCAL_CHUNK + 5))).await;
        let tail = read_all(&store, Some(GetRange::Suffix(10))).await;

        // Assert
        assert_eq!(whole, bytes);
        assert_eq!(middle, bytes[1000..(LOCAL_CHUNK + 5) as usize]);
        assert_eq!(tail, bytes[bytes.len() - 10..]);
    }
}
