//! Refusing a request body politely. A server that answers (say 413) and closes while the
//! client is still sending leaves unread bytes behind, so the kernel resets the connection
//! and the client — often the router, forwarding — sees a reset instead of the answer. Before
//! answering, a refused body is read to its end and dropped, within a bound, as web servers
//! do with a "lingering close".

use futures::{Stream, StreamExt};
use std::time::Duration;

/// At most this much of a refused body is read and dropped.
pub const DRAIN_BYTES: usize = 256 * 1024 * 1024;
/// For at most this long.
pub const DRAIN_TIME: Duration = Duration::from_secs(30);

/// Reads and drops the rest of `body`, up to [`DRAIN_BYTES`] and [`DRAIN_TIME`]; stops at
/// the first error.
pub async fn drain<S, B, E>(body: S)
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
{
    drain_within(body, DRAIN_BYTES, DRAIN_TIME).await;
}

async fn drain_within<S, B, E>(mut body: S, max_bytes: usize, max_time: Duration)
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
{
    let mut drained = 0usize;
    let _ = tokio::time::timeout(max_time, async {
        while let Some(Ok(chunk)) = body.next().await {
            drained += chunk.as_ref().len();
            if drained > max_bytes {
                break;
            }
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn draining_reads_the_rest_of_a_body() {
        let chunks = vec![Ok::<_, ()>(vec![0u8; 10]); 5];
        let mut body = futures::stream::iter(chunks);
        drain(&mut body).await;
        assert!(body.next().await.is_none());
    }

    #[tokio::test]
    async fn draining_stops_past_its_byte_bound() {
        let mut body = futures::stream::iter(vec![Ok::<_, ()>(vec![0u8; 10]); 5]);
        drain_within(&mut body, 15, DRAIN_TIME).await;
        assert_eq!(body.count().await, 3, "the rest is left unread");
    }

    #[tokio::test]
    async fn draining_stops_at_an_error() {
        let mut body = futures::stream::iter(vec![Ok(vec![0u8; 10]), Err(()), Ok(vec![1u8])]);
        drain(&mut body).await;
        assert_eq!(body.count().await, 1);
    }
}
