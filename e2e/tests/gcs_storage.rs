//! The GCS store (#38) against fake-gcs-server, below the media service: the
//! `ObjectStore` contract the service relies on (ranges, listing by directory, copies,
//! renames, deletes), and compositions of more parts than one `compose` call takes
//! (a tree of intermediate objects, removed afterwards). The service-level suites (media,
//! multipart, direct uploads, seed 003) run on it in their own files.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use futures::TryStreamExt;
use mediamagic_e2e::fake_gcs::FakeGcs;
use mediamagic_media::storage::gcs::{GcsClient, compose::Source};
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload, path::Path};

fn client(gcs: &FakeGcs) -> GcsClient {
    let signer = object_store::gcp::GoogleCloudStorageBuilder::new()
        .with_bucket_name("media")
        .with_service_account_path(gcs.key_file.to_string_lossy())
        .with_base_url(&gcs.endpoint)
        .build()
        .unwrap();
    GcsClient::new(&gcs.endpoint, "media", signer.credentials().clone())
}

async fn read(store: &GcsClient, name: &str, range: Option<GetRange>) -> Vec<u8> {
    let got = store
        .get_opts(
            &Path::from(name),
            GetOptions {
                range,
                ..GetOptions::default()
            },
        )
        .await
        .unwrap();
    got.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn the_gcs_store_reads_ranges_lists_directories_copies_renames_and_deletes() {
    let gcs = FakeGcs::start().await;
    let store = client(&gcs);
    for name in ["a/one", "a/two", "a/deeper/three", "b/four"] {
        store
            .put(
                &Path::from(name),
                PutPayload::from(format!("bytes of {name}")),
            )
            .await
            .unwrap();
    }
    assert_eq!(read(&store, "a/one", None).await, b"bytes of a/one");
    assert_eq!(
        read(&store, "a/one", Some(GetRange::Bounded(2..7))).await,
        b"tes o"
    );
    assert_eq!(
        read(&store, "a/one", Some(GetRange::Suffix(3))).await,
        b"one"
    );
    assert_eq!(store.head(&Path::from("a/two")).await.unwrap().size, 14);

    let mut all: Vec<String> = store
        .list(Some(&Path::from("a")))
        .map_ok(|m| m.location.to_string())
        .try_collect()
        .await
        .unwrap();
    all.sort();
    assert_eq!(all, ["a/deeper/three", "a/one", "a/two"]);
    let top = store
        .list_with_delimiter(Some(&Path::from("a")))
        .await
        .unwrap();
    assert_eq!(top.objects.len(), 2);
    assert_eq!(top.common_prefixes, [Path::from("a/deeper")]);

    store
        .copy(&Path::from("a/one"), &Path::from("c/one"))
        .await
        .unwrap();
    assert_eq!(read(&store, "c/one", None).await, b"bytes of a/one");
    store
        .rename(&Path::from("c/one"), &Path::from("c/moved"))
        .await
        .unwrap();
    assert!(matches!(
        store.head(&Path::from("c/one")).await,
        Err(object_store::Error::NotFound { .. })
    ));
    store.delete(&Path::from("c/moved")).await.unwrap();
    assert!(matches!(
        store.get(&Path::from("c/moved")).await,
        Err(object_store::Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn more_parts_than_one_compose_takes_are_composed_in_order_through_a_tree() {
    let gcs = FakeGcs::start().await;
    let store = client(&gcs);
    let mut expected = Vec::new();
    let mut sources = Vec::new();
    for i in 0..70u32 {
        let name = format!("parts/x/{i:05}");
        let body = format!("[part {i}]");
        expected.extend_from_slice(body.as_bytes());
        store
            .put(&Path::from(name.as_str()), PutPayload::from(body))
            .await
            .unwrap();
        sources.push(Source {
            name,
            generation: None,
        });
    }
    store
        .compose(&sources, "media/whole", "parts/x/_compose")
        .await
        .unwrap();
    assert_eq!(read(&store, "media/whole", None).await, expected);
    // The intermediate objects are gone; the parts are the caller's to remove.
    let left: Vec<String> = store
        .list(Some(&Path::from("parts/x")))
        .map_ok(|m| m.location.to_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(left.len(), 70, "{left:?}");
    assert!(left.iter().all(|n| !n.contains("_compose")));
}
