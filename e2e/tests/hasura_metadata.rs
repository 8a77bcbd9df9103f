//! `hasura/` stays in step with the migrations and the code: every trigger, tracked table and
//! webhook route on one side exists on the other.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use diesel::{
    QueryableByName,
    sql_types::{Array, Nullable, Text},
};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use mediamagic_kit::testing;
use serde_yaml::Value;
use std::{collections::BTreeSet, path::PathBuf};

fn tables_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../hasura/metadata/databases/default/tables")
}

/// (schema.table, [triggers with (ops, columns, webhook)]) from the metadata files.
/// A trigger in the metadata: name, operations, UPDATE columns, webhook.
type MetaTrigger = (String, BTreeSet<String>, Option<Vec<String>>, String);

fn metadata() -> Vec<(String, Vec<MetaTrigger>)> {
    let index: Vec<String> =
        serde_yaml::from_str(&std::fs::read_to_string(tables_dir().join("tables.yaml")).unwrap())
            .unwrap();
    index
        .iter()
        .map(|entry| {
            let file = entry.trim_start_matches("!include ").trim();
            let doc: Value =
                serde_yaml::from_str(&std::fs::read_to_string(tables_dir().join(file)).unwrap())
                    .unwrap();
            let table = format!(
                "{}.{}",
                doc["table"]["schema"].as_str().unwrap(),
                doc["table"]["name"].as_str().unwrap()
            );
            let triggers = doc["event_triggers"]
                .as_sequence()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|t| {
                    let def = &t["definition"];
                    let ops: BTreeSet<String> = ["insert", "update", "delete"]
                        .iter()
                        .filter(|op| !def[**op].is_null())
                        .map(|op| op.to_uppercase())
                        .collect();
                    let columns = def["update"]["columns"].as_sequence().map(|cols| {
                        cols.iter()
                            .map(|c| c.as_str().unwrap().to_owned())
                            .collect()
                    });
                    (
                        t["name"].as_str().unwrap().to_owned(),
                        ops,
                        columns,
                        t["webhook"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            (table, triggers)
        })
        .collect()
}

#[derive(QueryableByName)]
struct DbTrigger {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    target: String,
    #[diesel(sql_type = Array<Text>)]
    operations: Vec<String>,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    columns: Option<Vec<String>>,
}

#[derive(QueryableByName)]
struct DbTable {
    #[diesel(sql_type = Text)]
    target: String,
}

#[tokio::test]
async fn hasura_metadata_matches_the_migrations_and_the_webhook_routes() {
    let mut conn = AsyncPgConnection::establish(&testing::test_database().await)
        .await
        .unwrap();
    let db_triggers: Vec<DbTrigger> = diesel::sql_query(
        "SELECT name, schema_name || '.' || table_name AS target, operations, columns FROM events.triggers ORDER BY name",
    )
    .load(&mut conn)
    .await
    .unwrap();
    let subgraph_schemas: Vec<&str> = mediamagic::stack::SUBGRAPHS.to_vec();
    let db_tables: BTreeSet<String> = diesel::sql_query(
        "SELECT table_schema || '.' || table_name AS target FROM information_schema.tables
         WHERE table_type = 'BASE TABLE' AND table_schema = ANY($1)",
    )
    .bind::<Array<Text>, _>(&subgraph_schemas)
    .load::<DbTable>(&mut conn)
    .await
    .unwrap()
    .into_iter()
    .map(|t| t.target)
    .collect();

    let metadata = metadata();
    let tracked: BTreeSet<String> = metadata.iter().map(|(t, _)| t.clone()).collect();
    assert_eq!(
        tracked, db_tables,
        "tracked tables in hasura/ differ from the subgraphs' tables"
    );

    let mut in_metadata = BTreeSet::new();
    for (table, triggers) in &metadata {
        for (name, ops, columns, webhook) in triggers {
            in_metadata.insert(name.clone());
            let db = db_triggers
                .iter()
                .find(|t| &t.name == name)
                .unwrap_or_else(|| panic!("hasura/ has trigger {name} that no migration attaches"));
            assert_eq!(
                &db.target, table,
                "trigger {name} is on another table in hasura/"
            );
            assert_eq!(
                &db.operations.iter().cloned().collect::<BTreeSet<_>>(),
                ops,
                "operations of {name}"
            );
            assert_eq!(&db.columns, columns, "update columns of {name}");
            let (owner, _) = mediamagic::stack::TRIGGERS
                .iter()
                .find(|(_, names)| names.contains(&name.as_str()))
                .unwrap_or_else(|| panic!("no service handles trigger {name}"));
            assert_eq!(
                webhook,
                &format!(
                    "{{{{MEDIAMAGIC_{}_URL}}}}/events/{name}",
                    owner.to_uppercase()
                ),
                "webhook of {name} must route to its service"
            );
        }
    }
    let in_db: BTreeSet<String> = db_triggers.iter().map(|t| t.name.clone()).collect();
    assert_eq!(
        in_metadata, in_db,
        "triggers attached by migrations but missing from hasura/ (or the reverse)"
    );
    let handled: BTreeSet<String> = mediamagic::stack::TRIGGERS
        .iter()
        .flat_map(|(_, n)| n.iter().map(|s| s.to_string()))
        .collect();
    assert_eq!(
        handled, in_db,
        "every attached trigger needs a handler (and every handler a trigger)"
    );
}
