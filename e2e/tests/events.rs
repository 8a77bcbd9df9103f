//! Event triggers end to end: capture in Postgres, delivery by real dispatchers, retries,
//! dead events, redelivery, webhooks, ordering, and the Hasura payload shape.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use mediamagic_kit::{
    db::{self, DbPool},
    events::{
        HasuraEvent, Trigger, TriggerConfig,
        dispatcher::{Dispatcher, EventMetrics},
        store,
    },
    metrics::Metrics,
    testing,
};
use serde_json::{Value, json};
use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const FIXTURE: &str = include_str!("fixtures/hasura_event.json");

/// A database with a `public.things` table whose changes fire `thing_changed` (any op; UPDATE
/// only when `status` changes) and `thing_ordered` (ordered per row).
async fn setup() -> (String, DbPool) {
    let url = testing::test_database().await;
    let mut conn = AsyncPgConnection::establish(&url).await.unwrap();
    conn.batch_execute(
        "CREATE TABLE public.things (id uuid PRIMARY KEY, name text NOT NULL, status text NOT NULL);
         SELECT events.attach('thing_changed', 'public.things', ARRAY['INSERT', 'UPDATE', 'DELETE'], ARRAY['status']);
         CREATE TABLE public.counters (id uuid PRIMARY KEY, n integer NOT NULL);
         SELECT events.attach('counter_ordered', 'public.counters', ARRAY['UPDATE'], NULL, true);",
    )
    .await
    .unwrap();
    let pool = db::pool(&url, 8).unwrap();
    (url, pool)
}

fn fast(retries: i32) -> TriggerConfig {
    TriggerConfig {
        retries,
        base_interval_ms: 20,
        max_interval_ms: None,
        timeout_ms: 2_000,
        concurrency: 8,
        lease_margin_ms: 30_000,
    }
}

fn start(url: &str, pool: &DbPool, triggers: Vec<Trigger>) -> (CancellationToken, Metrics) {
    let metrics = Metrics::new("events-test").unwrap();
    let dispatcher = Dispatcher::new(
        pool.clone(),
        url,
        triggers,
        EventMetrics::new(&metrics.registry).unwrap(),
    );
    let shutdown = CancellationToken::new();
    tokio::spawn(dispatcher.run(shutdown.clone()));
    (shutdown, metrics)
}

fn collecting(
    name: &str,
    config: TriggerConfig,
) -> (Trigger, mpsc::UnboundedReceiver<HasuraEvent>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let trigger = Trigger::new(name, config, move |event| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(event);
            Ok(())
        }
    });
    (trigger, rx)
}

async fn next(rx: &mut mpsc::UnboundedReceiver<HasuraEvent>) -> HasuraEvent {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("an event within 10 s")
        .unwrap()
}

/// Inserts one row into `public.things`.
async fn insert_thing(url: &str) {
    sql(
        url,
        &format!(
            "INSERT INTO public.things VALUES ('{}', 'a', 'draft')",
            uuid::Uuid::new_v4()
        ),
    )
    .await;
}

async fn sql(url: &str, statements: &str) {
    let mut conn = AsyncPgConnection::establish(url).await.unwrap();
    conn.batch_execute(statements).await.unwrap();
}

async fn wait_for_status(pool: &DbPool, id: uuid::Uuid, status: &str) -> store::StoredEvent {
    for _ in 0..200 {
        let event = store::get(pool, id).await.unwrap();
        if event.status == status {
            return event;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "event {id} never became {status}: {:?}",
        store::get(pool, id).await.unwrap()
    );
}

/// The same keys at every level (values may differ).
fn same_shape(a: &Value, b: &Value, path: &str) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut kx: Vec<_> = x.keys().collect();
            let mut ky: Vec<_> = y.keys().collect();
            kx.sort();
            ky.sort();
            assert_eq!(kx, ky, "keys differ at {path}");
            for key in x.keys() {
                // Row images carry the table's own columns.
                if key != "new" && key != "old" {
                    same_shape(&x[key], &y[key], &format!("{path}.{key}"));
                }
            }
        }
        (Value::Number(_), Value::Number(_)) | (Value::String(_), Value::String(_)) => {}
        _ => assert_eq!(
            std::mem::discriminant(a),
            std::mem::discriminant(b),
            "types differ at {path}"
        ),
    }
}

#[tokio::test]
async fn a_change_reaches_its_handler_once_with_the_hasura_payload_shape() {
    let (url, pool) = setup().await;
    let (trigger, mut rx) = collecting("thing_changed", fast(3));
    let (shutdown, _) = start(&url, &pool, vec![trigger]);
    let id = uuid::Uuid::new_v4();

    sql(
        &url,
        &format!(
            "BEGIN;
             SELECT set_config('mediamagic.session_variables', '{{\"x-hasura-role\": \"user\", \"x-hasura-user-id\": \"7d1c4a0e-0000-4000-8000-000000000001\"}}', true);
             SELECT set_config('mediamagic.trace_context', '{{\"trace_id\": \"4bf92f3577b34da6a3ce929d0e0e4736\", \"span_id\": \"00f067aa0ba902b7\"}}', true);
             INSERT INTO public.things VALUES ('{id}', 'first', 'draft');
             COMMIT;"
        ),
    )
    .await;
    let inserted = next(&mut rx).await;
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    same_shape(&serde_json::to_value(&inserted).unwrap(), &fixture, "$");
    // Our type reads Hasura's documented payload too.
    let parsed: HasuraEvent = serde_json::from_str(FIXTURE).unwrap();
    assert_eq!(parsed.trigger.name, "thing_changed");
    assert_eq!(inserted.event.op, "INSERT");
    assert_eq!(inserted.table.schema, "public");
    assert_eq!(inserted.table.name, "things");
    assert_eq!(inserted.event.data.new.as_ref().unwrap()["name"], "first");
    assert!(inserted.event.data.old.is_none());
    assert_eq!(
        inserted.event.session_variables.as_ref().unwrap()["x-hasura-role"],
        "user"
    );
    assert_eq!(inserted.delivery_info.current_retry, 0);
    assert_eq!(inserted.delivery_info.max_retries, 3);

    // A change to a column the trigger does not watch fires nothing; `status` does.
    sql(
        &url,
        &format!("UPDATE public.things SET name = 'renamed' WHERE id = '{id}'"),
    )
    .await;
    sql(
        &url,
        &format!("UPDATE public.things SET status = 'live' WHERE id = '{id}'"),
    )
    .await;
    let updated = next(&mut rx).await;
    assert_eq!(updated.event.op, "UPDATE");
    assert_eq!(updated.event.data.old.as_ref().unwrap()["status"], "draft");
    assert_eq!(updated.event.data.new.as_ref().unwrap()["status"], "live");
    assert!(updated.event.session_variables.is_none());

    sql(
        &url,
        &format!("DELETE FROM public.things WHERE id = '{id}'"),
    )
    .await;
    let deleted = next(&mut rx).await;
    assert_eq!(deleted.event.op, "DELETE");
    assert!(deleted.event.data.new.is_none());

    // Exactly once each: nothing else arrives.
    assert!(
        tokio::time::timeout(Duration::from_millis(500), rx.recv())
            .await
            .is_err()
    );
    let delivered = wait_for_status(&pool, inserted.id, "delivered").await;
    assert_eq!(delivered.tries, 1);
    shutdown.cancel();
}

#[tokio::test]
async fn a_handler_that_fails_twice_then_succeeds_is_delivered_three_times() {
    let (url, pool) = setup().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let trigger = Trigger::new("thing_changed", fast(5), move |_event| {
        let counter = counter.clone();
        async move {
            match counter.fetch_add(1, Ordering::SeqCst) {
                0 | 1 => Err("not yet".to_owned()),
                _ => Ok(()),
            }
        }
    });
    let (shutdown, metrics) = start(&url, &pool, vec![trigger]);
    insert_thing(&url).await;

    let id = wait_for_event_id(&pool, "thing_changed").await;
    let event = wait_for_status(&pool, id, "delivered").await;
    assert_eq!(event.tries, 3);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    let log = store::invocations(&pool, id).await.unwrap();
    let statuses: Vec<_> = log
        .iter()
        .map(|(attempt, status, _, _)| (*attempt, status.as_str()))
        .collect();
    assert_eq!(statuses, vec![(1, "error"), (2, "error"), (3, "ok")]);
    assert_eq!(log[0].3.as_deref(), Some("not yet"));
    let rendered = metrics.render();
    assert!(
        rendered.contains(
            r#"mediamagic_event_failures_total{trigger="thing_changed",service="events-test"} 2"#
        ),
        "{rendered}"
    );
    assert!(
        rendered.contains("mediamagic_event_delivery_latency_seconds_bucket"),
        "{rendered}"
    );
    shutdown.cancel();
}

async fn wait_for_event_id(pool: &DbPool, trigger: &str) -> uuid::Uuid {
    use diesel::{QueryableByName, sql_types::Uuid as SqlUuid};
    use diesel_async::RunQueryDsl;
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = SqlUuid)]
        id: uuid::Uuid,
    }
    let mut conn = pool.get().await.unwrap();
    let rows: Vec<Id> = diesel::sql_query(
        "SELECT id FROM events.event_log WHERE trigger_name = $1 ORDER BY seq LIMIT 1",
    )
    .bind::<diesel::sql_types::Text, _>(trigger)
    .load(&mut conn)
    .await
    .unwrap();
    rows[0].id
}

#[tokio::test]
async fn an_always_failing_handler_ends_dead_after_its_retry_limit_and_redelivery_works() {
    let (url, pool) = setup().await;
    let healthy = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = healthy.clone();
    let trigger = Trigger::new("thing_changed", fast(2), move |_event| {
        let flag = flag.clone();
        async move {
            if flag.load(Ordering::SeqCst) {
                Ok(())
            } else {
                Err("downstream is down".to_owned())
            }
        }
    });
    let (shutdown, metrics) = start(&url, &pool, vec![trigger]);
    insert_thing(&url).await;
    let id = wait_for_event_id(&pool, "thing_changed").await;

    let dead = wait_for_status(&pool, id, "dead").await;
    assert_eq!(dead.tries, 3, "one delivery plus two retries");
    assert_eq!(dead.last_error.as_deref(), Some("downstream is down"));
    assert_eq!(store::invocations(&pool, id).await.unwrap().len(), 3);
    assert_eq!(
        store::dead(&pool, Some("thing_changed"), 0, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(metrics.render().contains(
        r#"mediamagic_events_dead_total{trigger="thing_changed",service="events-test"} 1"#
    ));

    healthy.store(true, Ordering::SeqCst);
    assert!(store::redeliver(&pool, id).await.unwrap());
    let delivered = wait_for_status(&pool, id, "delivered").await;
    assert_eq!(delivered.tries, 1, "redelivery starts a fresh retry budget");
    assert_eq!(store::invocations(&pool, id).await.unwrap().len(), 4);
    shutdown.cancel();
}

#[tokio::test]
async fn two_dispatchers_deliver_each_event_exactly_once() {
    let (url, pool) = setup().await;
    let seen: Arc<Mutex<HashMap<uuid::Uuid, usize>>> = Arc::default();
    let make = |seen: Arc<Mutex<HashMap<uuid::Uuid, usize>>>| {
        Trigger::new("thing_changed", fast(3), move |event| {
            let seen = seen.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(2)).await;
                *seen.lock().unwrap().entry(event.id).or_default() += 1;
                Ok(())
            }
        })
    };
    let (a, _) = start(&url, &pool, vec![make(seen.clone())]);
    let (b, _) = start(&url, &pool, vec![make(seen.clone())]);
    sql(&url, "INSERT INTO public.things SELECT gen_random_uuid(), 'n' || i, 'draft' FROM generate_series(1, 300) i").await;

    for _ in 0..300 {
        if seen.lock().unwrap().len() == 300 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 300);
    assert!(
        seen.values().all(|n| *n == 1),
        "an event was delivered twice"
    );
    a.cancel();
    b.cancel();
}

#[tokio::test]
async fn killing_a_dispatcher_mid_batch_loses_nothing() {
    let (url, pool) = setup().await;
    let config = TriggerConfig {
        retries: 3,
        base_interval_ms: 20,
        max_interval_ms: None,
        timeout_ms: 1_000,
        concurrency: 50,
        lease_margin_ms: 0,
    };
    // Dispatcher A claims everything and hangs in its handler; then its runtime is killed.
    let claimed = Arc::new(AtomicUsize::new(0));
    let counter = claimed.clone();
    let hanging = Trigger::new("thing_changed", config.clone(), move |_event| {
        counter.fetch_add(1, Ordering::SeqCst);
        std::future::pending::<Result<(), String>>()
    });
    sql(&url, "INSERT INTO public.things SELECT gen_random_uuid(), 'n' || i, 'draft' FROM generate_series(1, 20) i").await;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    {
        let (url, pool) = (url.clone(), pool.clone());
        runtime.spawn(async move {
            let metrics = Metrics::new("a").unwrap();
            Dispatcher::new(
                pool,
                &url,
                vec![hanging],
                EventMetrics::new(&metrics.registry).unwrap(),
            )
            .run(CancellationToken::new())
            .await;
        });
    }
    for _ in 0..100 {
        if claimed.load(Ordering::SeqCst) == 20 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(claimed.load(Ordering::SeqCst), 20);
    runtime.shutdown_background();

    // Dispatcher B takes the events over once A's leases expire.
    let (trigger, mut rx) = collecting("thing_changed", config);
    let (shutdown, _) = start(&url, &pool, vec![trigger]);
    let mut delivered = std::collections::HashSet::new();
    while delivered.len() < 20 {
        let event = next(&mut rx).await;
        assert_eq!(
            event.delivery_info.current_retry, 1,
            "the second delivery of each event"
        );
        delivered.insert(event.id);
    }
    shutdown.cancel();
}

#[tokio::test]
async fn an_ordered_trigger_delivers_one_rows_events_in_order() {
    let (url, pool) = setup().await;
    let order: Arc<Mutex<Vec<i64>>> = Arc::default();
    let log = order.clone();
    let trigger = Trigger::new("counter_ordered", fast(3), move |event| {
        let log = log.clone();
        async move {
            let n = event
                .event
                .data
                .new
                .as_ref()
                .and_then(|r| r["n"].as_i64())
                .unwrap_or(-1);
            // Later events finish faster: only ordering keeps them in sequence.
            tokio::time::sleep(Duration::from_millis(60 - 5 * n.clamp(0, 10) as u64)).await;
            log.lock().unwrap().push(n);
            Ok(())
        }
    });
    let id = uuid::Uuid::new_v4();
    sql(
        &url,
        &format!("INSERT INTO public.counters VALUES ('{id}', 0)"),
    )
    .await;
    for n in 1..=8 {
        sql(
            &url,
            &format!("UPDATE public.counters SET n = {n} WHERE id = '{id}'"),
        )
        .await;
    }
    let (shutdown, _) = start(&url, &pool, vec![trigger]);
    for _ in 0..200 {
        if order.lock().unwrap().len() == 8 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(*order.lock().unwrap(), (1..=8).collect::<Vec<_>>());
    shutdown.cancel();
}

#[tokio::test]
async fn a_manual_invocation_is_delivered_with_op_manual() {
    let (url, pool) = setup().await;
    let (trigger, mut rx) = collecting("thing_changed", fast(3));
    let (shutdown, _) = start(&url, &pool, vec![trigger]);
    let id = store::invoke(
        &pool,
        "thing_changed",
        &json!({"id": "x1", "name": "by hand"}),
    )
    .await
    .unwrap();
    let event = next(&mut rx).await;
    assert_eq!(event.id, id);
    assert_eq!(event.event.op, "MANUAL");
    assert_eq!(event.event.data.new.unwrap()["name"], "by hand");
    let unknown = store::invoke(&pool, "no_such_trigger", &json!({}))
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), "NOT_FOUND");
    shutdown.cancel();
}

#[tokio::test]
async fn retention_deletes_old_delivered_events_and_keeps_dead_ones() {
    let (url, pool) = setup().await;
    let trigger = Trigger::new("thing_changed", fast(0), |event: HasuraEvent| async move {
        if event
            .event
            .data
            .new
            .as_ref()
            .is_some_and(|r| r["name"] == "bad")
        {
            Err("bad".to_owned())
        } else {
            Ok(())
        }
    });
    let (shutdown, _) = start(&url, &pool, vec![trigger]);
    sql(
        &url,
        &format!(
            "INSERT INTO public.things VALUES ('{}', 'good', 'x'), ('{}', 'bad', 'x')",
            uuid::Uuid::new_v4(),
            uuid::Uuid::new_v4()
        ),
    )
    .await;
    for _ in 0..100 {
        let dead = store::dead(&pool, None, 0, 10).await.unwrap().len();
        let pending: i64 = store::pending_counts(&pool)
            .await
            .unwrap()
            .iter()
            .map(|(_, n)| n)
            .sum();
        if dead == 1 && pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (events, invocations) = store::delete_older_than(&pool, 0.0).await.unwrap();
    assert_eq!((events, invocations), (1, 2));
    assert_eq!(store::dead(&pool, None, 0, 10).await.unwrap().len(), 1);
    shutdown.cancel();
}

#[tokio::test]
async fn the_retention_job_runs_on_its_schedule() {
    let (url, pool) = setup().await;
    let (trigger, mut rx) = collecting("thing_changed", fast(3));
    let (shutdown, _) = start(&url, &pool, vec![trigger]);
    sql(
        &url,
        &format!(
            "INSERT INTO public.things VALUES ('{}', 'a', 'x')",
            uuid::Uuid::new_v4()
        ),
    )
    .await;
    let event = next(&mut rx).await;
    wait_for_status(&pool, event.id, "delivered").await;

    let mut scheduler = mediamagic_kit::events::cleanup::schedule(pool.clone(), "* * * * * *", 0.0)
        .await
        .unwrap();
    let mut gone = false;
    for _ in 0..60 {
        if store::get(&pool, event.id).await.is_err() {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    scheduler.shutdown().await.unwrap();
    assert!(gone, "the scheduled job deleted the delivered event");
    shutdown.cancel();
}
