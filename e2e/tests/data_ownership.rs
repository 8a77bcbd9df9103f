//! Each subgraph owns its data (#36): every service connects as a Postgres role of its own
//! that Postgres itself stops at the edge of its schema. Another schema's data reaches it
//! only through the views and functions that schema publishes to it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use diesel::{QueryableByName, sql_types::Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use mediamagic_e2e::{Cred, spawn_stack};
use mediamagic_kit::{db_roles, testing};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// The schemas the services own (the migrator owns `events` and lends parts of it).
const SCHEMAS: &[&str] = db_roles::SERVICES;

#[derive(QueryableByName)]
struct Relation {
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    name: String,
    /// `r` table, `v` view.
    #[diesel(sql_type = Text)]
    kind: String,
}

async fn connect(url: &str) -> AsyncPgConnection {
    AsyncPgConnection::establish(url)
        .await
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"))
}

/// Every table and view of the services' schemas.
async fn relations(admin: &mut AsyncPgConnection) -> Vec<Relation> {
    diesel::sql_query(
        "SELECT n.nspname::text AS schema, c.relname::text AS name, c.relkind::text AS kind
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'v') ORDER BY 1, 2",
    )
    .bind::<diesel::sql_types::Array<Text>, _>(SCHEMAS)
    .load(admin)
    .await
    .unwrap()
}

/// Runs `sql` on `conn`: `Ok` when it ran, the error's text otherwise.
async fn try_run(conn: &mut AsyncPgConnection, sql: &str) -> Result<(), String> {
    diesel::sql_query(sql)
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn refused(result: Result<(), String>, what: &str) {
    match result {
        Err(e) if e.contains("permission denied") => {}
        other => panic!("{what}: expected permission denied, got {other:?}"),
    }
}

#[derive(QueryableByName)]
struct Granted {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    granted: bool,
}

async fn has_privilege(
    admin: &mut AsyncPgConnection,
    role: &str,
    relation: &str,
    privilege: &str,
) -> bool {
    diesel::sql_query("SELECT has_table_privilege($1, $2, $3) AS granted")
        .bind::<Text, _>(role)
        .bind::<Text, _>(relation)
        .bind::<Text, _>(privilege)
        .get_result::<Granted>(admin)
        .await
        .unwrap()
        .granted
}

#[tokio::test]
async fn every_service_role_is_refused_other_schemas_tables_and_reads_the_views_published_to_it() {
    let url = testing::test_database().await;
    let mut admin = connect(&url).await;
    let relations = relations(&mut admin).await;
    let docs = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/data-ownership.md"
    ))
    .unwrap();
    let mut published = 0;
    for service in db_roles::SERVICES {
        let role = db_roles::role_name(service);
        let mut conn = connect(&db_roles::url_as(&url, &role)).await;
        for r in &relations {
            let qualified = format!("{}.{}", r.schema, r.name);
            let select = format!("SELECT 1 FROM {qualified} LIMIT 0");
            if r.schema == *service {
                assert!(
                    try_run(&mut conn, &select).await.is_ok(),
                    "{role} cannot read its own {qualified}"
                );
                continue;
            }
            for privilege in ["INSERT", "UPDATE", "DELETE", "TRUNCATE"] {
                assert!(
                    !has_privilege(&mut admin, &role, &qualified, privilege).await,
                    "{role} may {privilege} {qualified} of another schema"
                );
            }
            if r.kind == "r" {
                refused(
                    try_run(&mut conn, &format!("DELETE FROM {qualified} WHERE false")).await,
                    &format!("{role} deleting from {qualified}"),
                );
                refused(
                    try_run(&mut conn, &select).await,
                    &format!("{role} reading table {qualified}"),
                );
            } else if has_privilege(&mut admin, &role, &qualified, "SELECT").await {
                // A contract: readable, and documented as published to this service.
                published += 1;
                try_run(&mut conn, &select)
                    .await
                    .unwrap_or_else(|e| panic!("{role} reading its contract {qualified}: {e}"));
                let documented = docs
                    .lines()
                    .any(|line| line.contains(&format!("`{qualified}`")) && line.contains(service));
                assert!(
                    documented,
                    "{qualified} is granted to {role} but docs/data-ownership.md does not \
                     list it as published to {service}"
                );
            } else {
                refused(
                    try_run(&mut conn, &select).await,
                    &format!("{role} reading view {qualified}, not published to it"),
                );
            }
        }
    }
    assert!(published >= 15, "only {published} contracts were checked");
}

#[derive(QueryableByName)]
struct TriggerCount {
    #[diesel(sql_type = Text)]
    trigger_name: String,
}

#[derive(QueryableByName)]
struct Handler {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    handler: Option<String>,
}

#[tokio::test]
async fn a_service_sees_only_the_events_of_the_triggers_it_handles_and_writes_none_itself() {
    let url = testing::test_database().await;
    let mut admin = connect(&url).await;
    let triggers: Vec<Handler> =
        diesel::sql_query("SELECT name, handler FROM events.triggers ORDER BY name")
            .load(&mut admin)
            .await
            .unwrap();
    assert!(!triggers.is_empty());
    for t in &triggers {
        let handler = t.handler.as_deref().unwrap_or_else(|| {
            panic!(
                "trigger {} has no handler role: set events.triggers.handler",
                t.name
            )
        });
        assert!(
            db_roles::SERVICES
                .iter()
                .any(|s| db_roles::role_name(s) == handler),
            "trigger {} is handled by unknown role {handler}",
            t.name
        );
        try_run(
            &mut admin,
            &format!(
                "SELECT events.invoke('{}', '{{\"id\": \"x\"}}'::jsonb)",
                t.name
            ),
        )
        .await
        .unwrap();
    }
    for service in db_roles::SERVICES {
        let role = db_roles::role_name(service);
        let mut conn = connect(&db_roles::url_as(&url, &role)).await;
        let seen: Vec<TriggerCount> =
            diesel::sql_query("SELECT DISTINCT trigger_name FROM events.event_log ORDER BY 1")
                .load(&mut conn)
                .await
                .unwrap();
        let seen: BTreeSet<String> = seen.into_iter().map(|c| c.trigger_name).collect();
        let expected: BTreeSet<String> = triggers
            .iter()
            .filter(|t| *service == "accounts" || t.handler.as_deref() == Some(role.as_str()))
            .map(|t| t.name.clone())
            .collect();
        assert_eq!(seen, expected, "the events {role} sees");
        if *service != "accounts" {
            refused(
                try_run(
                    &mut conn,
                    "INSERT INTO events.event_log (trigger_name, schema_name, table_name, event) \
                     VALUES ('job_status', 'jobs', 'jobs', '{}')",
                )
                .await,
                &format!("{role} writing an event"),
            );
        }
    }
}

#[derive(QueryableByName)]
struct Hash {
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    hash: Option<String>,
}

/// The attack: a compromised media process uses the database credential it holds. Before
/// the service roles it held the platform's one (superuser) credential, with which every
/// statement below succeeds, as the control on the migrator's URL shows.
#[tokio::test]
async fn the_media_services_credential_cannot_read_password_or_key_hashes_nor_change_billing() {
    let stack = spawn_stack().await;
    let (token, _user, _email) = stack.sign_up("victim").await;
    let (_secret, key_id) = stack.create_key(&token, None).await;
    let revoked = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }",
            json!({"id": key_id}),
        )
        .await;
    assert!(revoked.data("/revokeApiKey/revokedAt").is_string());

    let steal_passwords = "SELECT password_hash AS hash FROM accounts.users";
    let steal_keys = "SELECT key_hash AS hash FROM accounts.api_keys";
    // The key's row, hash included, travels in its `api_key_revoked` event.
    let steal_from_events = "SELECT event #>> '{data,new,key_hash}' AS hash \
                             FROM events.event_log WHERE trigger_name = 'api_key_revoked'";
    let change_prices = "UPDATE billing.prices SET amount = 0";

    // Control: the migrator's credential (what every service held before) does all of it.
    let mut migrator = connect(&stack.infra.database_url).await;
    for sql in [steal_passwords, steal_keys, steal_from_events] {
        let rows: Vec<Hash> = diesel::sql_query(sql).load(&mut migrator).await.unwrap();
        assert!(
            rows.iter().any(|r| r.hash.is_some()),
            "the control found nothing with {sql}"
        );
    }

    let media_url = stack.infra.database_url_for("media");
    assert_eq!(
        db_roles::url_user(&media_url),
        Some("mediamagic_media"),
        "the media service connects as its own role"
    );
    let mut media = connect(&media_url).await;
    refused(
        try_run(&mut media, steal_passwords).await,
        "media reading password hashes",
    );
    refused(
        try_run(&mut media, steal_keys).await,
        "media reading API key hashes",
    );
    let from_events: Vec<Hash> = diesel::sql_query(steal_from_events)
        .load(&mut media)
        .await
        .unwrap();
    assert!(
        from_events.is_empty(),
        "media read another service's events"
    );
    refused(
        try_run(&mut media, change_prices).await,
        "media changing prices",
    );
    refused(
        try_run(&mut media, "DELETE FROM billing.invoices").await,
        "media deleting invoices",
    );
}

/// Words that make a string literal SQL.
const SQL_WORDS: &[&str] = &[
    "SELECT ",
    "FROM ",
    "JOIN ",
    "UPDATE ",
    "INSERT INTO ",
    "DELETE ",
];

/// A schema-qualified name inside an SQL string literal of `source`.
fn qualified_names_in_strings(source: &str) -> Vec<(String, String)> {
    let names = regex_lite_names();
    let mut found = Vec::new();
    let literals = string_literals(source);
    for literal in literals
        .iter()
        .filter(|l| SQL_WORDS.iter().any(|w| l.contains(w)))
    {
        for (schema, name) in names(literal) {
            found.push((schema, name));
        }
    }
    found
}

/// `schema.name` pairs in `text` for the platform's schemas.
fn regex_lite_names() -> impl Fn(&str) -> Vec<(String, String)> {
    |text: &str| {
        let mut out = Vec::new();
        let bytes = text.as_bytes();
        let all: Vec<&str> = SCHEMAS.iter().copied().chain(["events"]).collect();
        for schema in all {
            let mut from = 0;
            while let Some(at) = text[from..].find(schema) {
                let start = from + at;
                from = start + schema.len();
                let before_ok = start == 0 || !is_ident(bytes[start - 1]);
                if !before_ok || bytes.get(from) != Some(&b'.') {
                    continue;
                }
                let rest = &text[from + 1..];
                let len = rest.bytes().take_while(|b| is_ident(*b)).count();
                // `media.example.com` is a host, not a relation.
                let dotted = rest.as_bytes().get(len) == Some(&b'.');
                if len > 0 && rest.as_bytes()[0].is_ascii_lowercase() && !dotted {
                    out.push((schema.to_owned(), rest[..len].to_owned()));
                }
            }
        }
        out
    }
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The contents of the string literals of Rust `source` (comments skipped).
fn string_literals(source: &str) -> Vec<String> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                    i += 1;
                }
                i += 2;
            }
            '\'' => {
                // A char literal ('x', '\n', '"'), else a lifetime.
                if chars.get(i + 1) == Some(&'\\') {
                    i += 2;
                    while i < chars.len() && chars[i] != '\'' {
                        i += 1;
                    }
                    i += 1;
                } else if chars.get(i + 2) == Some(&'\'') {
                    i += 3;
                } else {
                    i += 1;
                }
            }
            'r' if matches!(chars.get(i + 1), Some('"') | Some('#'))
                && (i == 0 || !is_ident(chars[i - 1] as u8)) =>
            {
                let mut hashes = 0;
                let mut j = i + 1;
                while chars.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if chars.get(j) != Some(&'"') {
                    i += 1;
                    continue;
                }
                let close: String = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                let body: String = chars[j + 1..].iter().collect();
                let end = body.find(&close).unwrap_or(body.len());
                out.push(body[..end].to_owned());
                i = j + 1 + body[..end].chars().count() + close.chars().count();
            }
            '"' => {
                let mut literal = String::new();
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    if let Some(c) = chars.get(i) {
                        literal.push(*c);
                    }
                    i += 1;
                }
                out.push(literal);
                i += 1;
            }
            _ => i += 1,
        }
    }
    out
}

fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[derive(QueryableByName)]
struct Published {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    published: bool,
}

/// Whether `object` (a view or a function) of another schema is published to `role`.
async fn published_to(admin: &mut AsyncPgConnection, role: &str, schema: &str, name: &str) -> bool {
    diesel::sql_query(
        "SELECT EXISTS (
             SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $2 AND c.relname = $3 AND c.relkind = 'v'
               AND has_table_privilege($1, c.oid, 'SELECT')
             UNION ALL
             SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = $2 AND p.proname = $3 AND has_function_privilege($1, p.oid, 'EXECUTE')
         ) AS published",
    )
    .bind::<Text, _>(role)
    .bind::<Text, _>(schema)
    .bind::<Text, _>(name)
    .get_result::<Published>(admin)
    .await
    .unwrap()
    .published
}

/// The SQL in each subgraph's crate names another schema only through what that schema
/// publishes to the subgraph's role, so the next reach into a table fails review here.
#[tokio::test]
async fn every_cross_schema_name_in_a_subgraphs_sql_is_a_contract_published_to_it() {
    let url = testing::test_database().await;
    let mut admin = connect(&url).await;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../subgraphs");
    let mut offences = BTreeMap::<String, BTreeSet<String>>::new();
    let mut checked = 0;
    for crate_name in SCHEMAS.iter().chain(&["kit"]) {
        let mut files = Vec::new();
        rust_files(&root.join(crate_name).join("src"), &mut files);
        let role = db_roles::role_name(crate_name);
        for file in files {
            let source = std::fs::read_to_string(&file).unwrap();
            for (schema, name) in qualified_names_in_strings(&source) {
                // The kit's event store serves every service: the migrator lends `events`
                // to each role (checked by the events test above).
                if schema == *crate_name || schema == "events" {
                    continue;
                }
                checked += 1;
                let ok =
                    *crate_name != "kit" && published_to(&mut admin, &role, &schema, &name).await;
                if !ok {
                    offences
                        .entry(format!("{}", file.display()))
                        .or_default()
                        .insert(format!("{schema}.{name}"));
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "SQL that reaches into another schema's tables instead of its published contract \
         (publish a view to the role in a migration, docs/data-ownership.md): {offences:#?}"
    );
    assert!(
        checked >= 10,
        "only {checked} cross-schema names were found: is the scan broken?"
    );
}

#[test]
fn the_scan_finds_names_in_strings_and_skips_comments_and_code() {
    let source = r##"
        // jobs.jobs in a comment
        let a = accounts.len();
        let q = "SELECT 1 FROM jobs.worker_leases w JOIN media.media m";
        let r = r#"UPDATE billing.prices"#;
        let c = '"'; let s = "SELECT * FROM worker.run_usage";
        let m = "see worker.program_dirs at https://media.example.com";
    "##;
    let found = qualified_names_in_strings(source);
    let names: Vec<String> = found.iter().map(|(s, n)| format!("{s}.{n}")).collect();
    assert_eq!(
        names.iter().cloned().collect::<BTreeSet<_>>(),
        [
            "jobs.worker_leases",
            "media.media",
            "billing.prices",
            "worker.run_usage"
        ]
        .map(String::from)
        .into_iter()
        .collect()
    );
}
