//! The router's local view of credential states against a real Redis: answered from memory
//! once read, dropped when Redis says the key changed, and never trusted past a flush or a
//! lost connection. The bound on staleness that docs/security.md states is measured here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use mediamagic_kit::{redis::ConnectionManager, redis_link::RedisLink, testing};
use mediamagic_router::auth::local_view::LocalView;
use redis::AsyncCommands;
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

/// One test at a time: one of them pauses the whole Redis, which the bound measured by
/// another must not include.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn trusted(value: &str) -> Option<String> {
    Some(value.to_owned())
}

/// A view with its own tracked connection to `url`, and a plain connection playing the
/// accounts service (the writer of revocations).
async fn view_and_writer(url: &str) -> (Arc<LocalView>, RedisLink, ConnectionManager) {
    let view = LocalView::new(1_000, Duration::from_secs(60));
    let link = RedisLink::with_pushes(url, view.push_handler());
    let writer = mediamagic_kit::redis::connect(url).await.unwrap();
    (view, link, writer)
}

async fn read(view: &LocalView, link: &RedisLink, key: &str) -> Option<String> {
    let mut connection = link.connection().await.unwrap();
    view.get(Some(&mut connection), key, trusted).await.unwrap()
}

fn fresh_key() -> String {
    format!("mm:test:view:{}", uuid::Uuid::new_v4())
}

#[tokio::test]
async fn a_state_read_once_is_answered_from_memory_while_redis_is_paused() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (view, link, mut writer) = view_and_writer(&testing::redis_url()).await;
    let key = fresh_key();
    let _: () = writer.set(&key, "ok").await.unwrap();
    assert_eq!(read(&view, &link, &key).await.as_deref(), Some("ok"));

    // Redis answers no client for 600 ms: a read that went to Redis would wait that long.
    let _: () = redis::cmd("CLIENT")
        .arg("PAUSE")
        .arg(600)
        .arg("ALL")
        .query_async(&mut writer)
        .await
        .unwrap();
    let started = Instant::now();
    assert_eq!(read(&view, &link, &key).await.as_deref(), Some("ok"));
    let took = started.elapsed();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        took < Duration::from_millis(300),
        "answered from Redis, not memory: {took:?}"
    );
}

#[tokio::test]
async fn a_revocation_written_by_another_client_reaches_the_view_within_the_stated_bound() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (view, link, mut writer) = view_and_writer(&testing::redis_url()).await;
    let mut worst = Duration::ZERO;
    for _ in 0..50 {
        let key = fresh_key();
        let _: () = writer.set(&key, "ok").await.unwrap();
        assert_eq!(read(&view, &link, &key).await.as_deref(), Some("ok"));
        let _: () = writer.set(&key, "revoked").await.unwrap();
        // From the moment the writer heard OK (the revocation committed) to the view's answer.
        let written = Instant::now();
        while read(&view, &link, &key).await.as_deref() != Some("revoked") {
            assert!(
                written.elapsed() < Duration::from_secs(1),
                "never invalidated"
            );
            tokio::task::yield_now().await;
        }
        worst = worst.max(written.elapsed());
    }
    eprintln!("worst staleness over 50 revocations: {worst:?}");
    assert!(worst < Duration::from_millis(100), "{worst:?}");
}

#[tokio::test]
async fn a_flush_empties_the_view_and_later_changes_are_still_seen() {
    let _turn = ONE_AT_A_TIME.lock().await;
    // Its own database, so the flush touches no other test's keys.
    let url = format!("{}/7", testing::redis_url().trim_end_matches('/'));
    let (view, link, mut writer) = view_and_writer(&url).await;
    let key = fresh_key();
    let _: () = writer.set(&key, "ok").await.unwrap();
    assert_eq!(read(&view, &link, &key).await.as_deref(), Some("ok"));

    let _: () = redis::cmd("FLUSHDB")
        .query_async(&mut writer)
        .await
        .unwrap();
    // Redis forgets what it tracked on a flush: a state kept across it would never be
    // invalidated again, so the view must have let it go.
    let _: () = writer.set(&key, "revoked").await.unwrap();
    let deadline = Instant::now() + Duration::from_millis(100);
    while read(&view, &link, &key).await.as_deref() != Some("revoked") {
        assert!(Instant::now() < deadline, "a state outlived a flush");
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn a_lost_connection_empties_the_view_and_tracking_resumes_on_the_next() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (view, link, mut writer) = view_and_writer(&testing::redis_url()).await;
    let key = fresh_key();
    let _: () = writer.set(&key, "ok").await.unwrap();
    assert_eq!(read(&view, &link, &key).await.as_deref(), Some("ok"));
    assert!(!view.is_empty());

    let mut connection = link.connection().await.unwrap();
    let id: i64 = redis::cmd("CLIENT")
        .arg("ID")
        .query_async(&mut connection)
        .await
        .unwrap();
    let _: () = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("ID")
        .arg(id)
        .query_async(&mut writer)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(2);
    while !view.is_empty() {
        assert!(
            Instant::now() < deadline,
            "the view outlived its connection"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // The connection manager reconnects; the next read turns tracking on again before
    // keeping anything, so a change after it is still seen.
    let mut answer = None;
    for _ in 0..50 {
        let mut connection = link.connection().await.unwrap();
        if let Ok(value) = view.get(Some(&mut connection), &key, trusted).await {
            answer = value;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(answer.as_deref(), Some("ok"));
    assert!(!view.is_empty(), "nothing kept after the reconnect");
    let _: () = writer.set(&key, "revoked").await.unwrap();
    let deadline = Instant::now() + Duration::from_millis(100);
    while read(&view, &link, &key).await.as_deref() != Some("revoked") {
        assert!(
            Instant::now() < deadline,
            "a change after the reconnect was missed"
        );
        tokio::task::yield_now().await;
    }
}
