//! A cross-tenant probe generated from the public schema: account A makes one of every kind
//! of resource; account B then calls every query, mutation and subscription field that
//! takes an `ID` argument, with each of A's ids, through the router. Every call must be
//! refused (an error other than INTERNAL, no data for the field), nothing of A's may show up
//! in any answer, and A's resources must be intact afterwards. The fields come from
//! introspection, so a new field with an id argument is probed without editing this test.
//! The REST surfaces get the same: every route of the compat service with an id in its
//! path (read from its sources) is called by B with A's ids and must answer 403/404.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{
    Cred, TestStack,
    jobs::{deploy, script_model_with, upload},
    media::mp3,
    spawn_stack,
    subscriptions::WsSubscription,
};
use serde_json::{Value, json};
use std::time::Duration;

const INTROSPECTION: &str = r#"{ __schema {
  queryType { name } mutationType { name } subscriptionType { name }
  types { kind name enumValues { name }
    inputFields { name description type { ...Ref } }
    fields { name args { name type { ...Ref } } type { ...Ref } } } } }
fragment Ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }"#;

/// The named type under NON_NULL / LIST wrappers, and whether the outer one is NON_NULL.
fn named(ty: &Value) -> (&str, &str, bool) {
    let required = ty["kind"] == "NON_NULL";
    let mut t = ty;
    while t["kind"] == "NON_NULL" || t["kind"] == "LIST" {
        t = &t["ofType"];
    }
    (
        t["kind"].as_str().unwrap_or(""),
        t["name"].as_str().unwrap_or(""),
        required,
    )
}

fn is_list(ty: &Value) -> bool {
    let t = if ty["kind"] == "NON_NULL" {
        &ty["ofType"]
    } else {
        ty
    };
    t["kind"] == "LIST"
}

/// Whether a required input field holds an id although its type is `String` (its
/// description says so: `The model's id or catalogue slug`).
fn names_an_id(field: &Value) -> bool {
    named(&field["type"]).1 == "String"
        && field["description"]
            .as_str()
            .is_some_and(|d| d.split(|c: char| !c.is_alphanumeric()).any(|w| w == "id"))
}

/// A value for a required argument of type `ty` (ids get `id`); `None` when it cannot be
/// made up (an upload). `used` turns true when `id` went into it.
fn value_for(
    types: &[Value],
    ty: &Value,
    id: &str,
    depth: usize,
    used: &mut bool,
) -> Option<Value> {
    let (kind, name, _) = named(ty);
    let one = match (kind, name) {
        ("SCALAR", "ID") => {
            *used = true;
            json!(id)
        }
        ("SCALAR", "String") => json!("probe"),
        ("SCALAR", "Int") => json!(1),
        ("SCALAR", "Float") => json!(1.0),
        ("SCALAR", "Boolean") => json!(false),
        ("SCALAR", "DateTime") => json!("2026-01-01T00:00:00Z"),
        ("SCALAR", "JSON") => json!({}),
        ("SCALAR", "Upload") => return None,
        ("SCALAR", _) => json!("probe"),
        ("ENUM", _) => {
            let t = types.iter().find(|t| t["name"] == name)?;
            json!(t["enumValues"][0]["name"])
        }
        ("INPUT_OBJECT", _) if depth < 4 => {
            let t = types.iter().find(|t| t["name"] == name)?;
            let mut object = serde_json::Map::new();
            for field in t["inputFields"].as_array()? {
                if names_an_id(field) && named(&field["type"]).2 {
                    *used = true;
                    object.insert(field["name"].as_str()?.to_owned(), json!(id));
                } else if named(&field["type"]).2 {
                    let value = value_for(types, &field["type"], id, depth + 1, used)?;
                    object.insert(field["name"].as_str()?.to_owned(), value);
                }
            }
            Value::Object(object)
        }
        _ => return None,
    };
    Some(if is_list(ty) { json!([one]) } else { one })
}

/// A's resources: every id and the markers (names) that must never reach B.
struct Victim {
    token: String,
    ids: Vec<(&'static str, String)>,
    markers: Vec<String>,
}

async fn victim(stack: &TestStack) -> Victim {
    let marker = format!("private-{}", uuid::Uuid::new_v4().simple());
    let email = format!("v-{}@example.com", uuid::Uuid::new_v4().simple());
    let (token, user, _) = stack
        .sign_up_with_email(&format!("{marker}-user"), &email)
        .await;
    let team = stack.create_team(&token, &format!("{marker}-team")).await;
    let (_, key) = stack.create_key(&token, None).await;
    let media = upload(
        stack,
        &token,
        &mp3(),
        &format!("{marker}.mp3"),
        "audio/mpeg",
    )
    .await;
    let model = script_model_with(
        stack,
        &token,
        "cp \"$1\" out.mp3",
        60,
        json!({"name": format!("{marker}-model"), "machineType": "gpu"}),
    )
    .await;
    let version = stack
        .gql(
            Cred::Bearer(&token),
            "query($id: ID!) { model(id: $id) { latestVersion { id } } }",
            json!({"id": model}),
        )
        .await
        .data("/model/latestVersion/id")
        .as_str()
        .unwrap()
        .to_owned();
    let job = deploy(
        stack,
        &token,
        json!({"model": model, "args": {"input": media}, "name": format!("{marker}-deployment")}),
    )
    .await;
    let deployment = stack
        .gql(
            Cred::Bearer(&token),
            "query($id: ID!) { job(id: $id) { deployment { id } } }",
            json!({"id": job}),
        )
        .await
        .data("/job/deployment/id")
        .as_str()
        .unwrap()
        .to_owned();
    Victim {
        token,
        ids: vec![
            ("user", user),
            ("team", team),
            ("api key", key),
            ("media", media),
            ("model", model),
            ("model version", version),
            ("job", job),
            ("deployment", deployment),
        ],
        markers: vec![marker],
    }
}

/// The root fields of `root` (a type name) taking an id (an `ID` argument, or an id in a
/// required input field), as GraphQL operations for `id`: `(field name, query text,
/// variables)`.
fn probes(types: &[Value], root: &str, keyword: &str, id: &str) -> Vec<(String, String, Value)> {
    let Some(root_type) = types.iter().find(|t| t["name"] == root) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for field in root_type["fields"].as_array().into_iter().flatten() {
        let args = field["args"].as_array().cloned().unwrap_or_default();
        let mut declared = Vec::new();
        let mut passed = Vec::new();
        let mut variables = serde_json::Map::new();
        let mut possible = true;
        let mut takes_the_id = false;
        for arg in &args {
            let (_, _, required) = named(&arg["type"]);
            let is_id = named(&arg["type"]).1 == "ID";
            if !required && !is_id {
                continue;
            }
            let Some(value) = value_for(types, &arg["type"], id, 0, &mut takes_the_id) else {
                possible = false;
                break;
            };
            let name = arg["name"].as_str().unwrap();
            declared.push(format!("${name}: {}", type_text(&arg["type"])));
            passed.push(format!("{name}: ${name}"));
            variables.insert(name.to_owned(), value);
        }
        if !possible || !takes_the_id {
            continue;
        }
        let selection = match named(&field["type"]).0 {
            "OBJECT" | "INTERFACE" | "UNION" => " { __typename }",
            _ => "",
        };
        let name = field["name"].as_str().unwrap().to_owned();
        let query = format!(
            "{keyword}({}) {{ {name}({}){selection} }}",
            declared.join(", "),
            passed.join(", ")
        );
        out.push((name, query, Value::Object(variables)));
    }
    out
}

fn type_text(ty: &Value) -> String {
    match ty["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", type_text(&ty["ofType"])),
        Some("LIST") => format!("[{}]", type_text(&ty["ofType"])),
        _ => ty["name"].as_str().unwrap_or("").to_owned(),
    }
}

/// Whether an answer gives the field's data away.
fn leaks(body: &Value, field: &str) -> bool {
    match body.pointer(&format!("/data/{field}")) {
        None | Some(Value::Null) => false,
        Some(Value::Array(items)) => !items.iter().all(Value::is_null),
        Some(_) => true,
    }
}

#[tokio::test]
async fn another_account_gets_nothing_from_any_field_that_takes_an_id() {
    let stack = spawn_stack().await;
    let a = victim(&stack).await;
    let (b, _, _) = stack.sign_up("prober").await;
    let schema = stack.gql(Cred::Bearer(&b), INTROSPECTION, json!({})).await;
    let types = schema.data("/__schema/types").as_array().unwrap().clone();
    let root = |key: &str| {
        schema.body["data"]["__schema"][key]["name"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    let ws_url = stack.router_url(0).replace("http://", "ws://");
    let mut probed = std::collections::BTreeSet::new();
    let mut failures = Vec::new();

    for (what, id) in &a.ids {
        for (keyword, root) in [
            ("query", root("queryType")),
            ("mutation", root("mutationType")),
        ] {
            for (field, query, variables) in probes(&types, &root, keyword, id) {
                let answer = stack.gql(Cred::Bearer(&b), &query, variables.clone()).await;
                probed.insert(field.clone());
                let code = answer
                    .body
                    .pointer("/errors/0/extensions/code")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let text = answer.body.to_string();
                if answer.status >= 500
                    || code == "INTERNAL"
                    || leaks(&answer.body, &field)
                    || a.markers.iter().any(|m| text.contains(m.as_str()))
                {
                    failures.push(format!("{field} with A's {what}: {text}"));
                }
            }
        }
        for (field, query, variables) in
            probes(&types, &root("subscriptionType"), "subscription", id)
        {
            probed.insert(field.clone());
            let mut subscription = WsSubscription::start(&ws_url, &b, &query, variables).await;
            let first = tokio::time::timeout(Duration::from_secs(5), subscription.next_raw())
                .await
                .ok()
                .flatten();
            let refused = first
                .as_ref()
                .is_some_and(|m| m.pointer("/errors/0").is_some() && !leaks(m, &field));
            if !refused {
                failures.push(format!("subscription {field} with A's {what}: {first:?}"));
            }
        }
    }

    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The probe covers the fields that matter (and every new one with an id argument).
    for field in [
        "media",
        "job",
        "deployment",
        "model",
        "team",
        "deleteMedia",
        "cancelJob",
        "jobUpdated",
        // by a model id in its input (a String field)
        "createDeployment",
    ] {
        assert!(probed.contains(field), "{field} was not probed: {probed:?}");
    }
    // A's resources are all still there for A.
    let check = stack
        .gql(
            Cred::Bearer(&a.token),
            "query($m: ID!, $j: ID!, $model: ID!) { media(id: $m) { status } job(id: $j) { status } model(id: $model) { name } }",
            json!({"m": a.ids[3].1, "j": a.ids[6].1, "model": a.ids[4].1}),
        )
        .await;
    assert!(check.body["errors"].is_null(), "{}", check.body);
    assert_eq!(check.data("/media/status"), "LIVE");
    assert_eq!(check.data("/job/status"), "QUEUED");
}

/// `(method, path)` of every route the compat service declares (`.route("path",
/// get(..).put(..))` in its sources), read from the sources so a new route is probed
/// without editing this test.
fn compat_routes() -> Vec<(String, String)> {
    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut sources = Vec::new();
    files(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../compat/src"),
        &mut sources,
    );
    let mut routes = Vec::new();
    for source in sources {
        let text = std::fs::read_to_string(&source).unwrap();
        for (start, _) in text.match_indices(".route(") {
            // The call's text up to its closing parenthesis.
            let rest = &text[start + ".route(".len()..];
            let mut depth = 1;
            let mut end = rest.len();
            for (i, c) in rest.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let call = &rest[..end];
            let Some(path) = call.split('"').nth(1) else {
                continue;
            };
            for method in ["get", "post", "put", "delete", "patch"] {
                let declared = call.match_indices(&format!("{method}(")).any(|(i, _)| {
                    i == 0
                        || !call.as_bytes()[i - 1].is_ascii_alphanumeric()
                            && call.as_bytes()[i - 1] != b'_'
                });
                if declared {
                    routes.push((method.to_ascii_uppercase(), path.to_owned()));
                }
            }
        }
    }
    routes
}

/// The kind of A's resource a path parameter names, by the segment before it.
fn resource_for(path: &str, param: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.split('/').collect();
    let at = segments.iter().position(|s| *s == param)?;
    Some(match *segments.get(at.checked_sub(1)?)? {
        "tokens" => "api key",
        "teams" => "team",
        "media" => "media",
        "models" => "model",
        "deployments" => "deployment",
        "jobs" => "job",
        // Seed 004's song hash is the separation job's id.
        "track" | "remove" => "job",
        // The track name after the hash.
        _ if param == "{track}" => "track",
        _ => return None,
    })
}

#[tokio::test]
async fn another_account_gets_nothing_from_any_rest_route_that_takes_an_id() {
    let stack = spawn_stack().await;
    let a = victim(&stack).await;
    let (b, _, _) = stack.sign_up("rest-prober").await;
    let base = stack.router_url(0).trim_end_matches("/graphql").to_owned();
    let http = reqwest::Client::new();
    let id_of = |what: &str| {
        a.ids
            .iter()
            .find(|(kind, _)| *kind == what)
            .map(|(_, id)| id.clone())
    };
    let mut routes: Vec<(String, String)> = compat_routes()
        .into_iter()
        .filter(|(_, path)| path.contains('{') && !path.contains("{*"))
        .collect();
    // The routes that take an id in their query: the converter's download (`fid`), seed
    // 003's media download (`id`).
    routes.push(("GET".into(), "/converter/download?fid={job}".into()));
    routes.push(("GET".into(), "/media-management/media?id={media}".into()));
    let mut failures = Vec::new();

    for (method, template) in &routes {
        let mut path = template.clone();
        for param in template
            .split(['/', '?', '='])
            .filter(|s| s.starts_with('{'))
        {
            let value = match param {
                "{job}" => id_of("job"),
                "{media}" => id_of("media"),
                "{track}" => Some("vocals.mp3".to_owned()),
                _ => resource_for(template, param).and_then(|kind| {
                    if kind == "track" {
                        Some("vocals.mp3".to_owned())
                    } else {
                        id_of(kind)
                    }
                }),
            };
            let Some(value) = value else {
                failures.push(format!(
                    "{method} {template}: no resource of A fits {param}; teach resource_for"
                ));
                continue;
            };
            path = path.replacen(param, &value, 1);
        }
        // Bodies the write routes take (they refuse unknown fields), tried in turn until
        // the answer is about the id rather than the body.
        let bodies = [
            json!({}),
            json!({"email": "probe@example.com", "role": "member"}),
            json!({"tags": ["probe"]}),
            json!({"name": "probe"}),
        ];
        let (mut status, mut text) = (0, String::new());
        for body in &bodies {
            let answer = http
                .request(method.parse().unwrap(), format!("{base}{path}"))
                .bearer_auth(&b)
                .json(body)
                .send()
                .await
                .unwrap();
            status = answer.status().as_u16();
            text = answer.text().await.unwrap_or_default();
            if status != 400 {
                break;
            }
        }
        if !matches!(status, 403 | 404) || a.markers.iter().any(|m| text.contains(m.as_str())) {
            failures.push(format!(
                "{method} {path} as B: {status} {text} (a 400 for every body: add one it takes)"
            ));
        }
    }

    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for expected in [
        "/api/v1/media/{id}",
        "/api/v1/jobs/{id}/cancel",
        "/apiv1/remove/{hash}/{track}",
    ] {
        assert!(
            routes.iter().any(|(_, p)| p == expected),
            "{expected} was not probed: {routes:?}"
        );
    }
    // A's resources are all still there for A.
    let check = stack
        .gql(
            Cred::Bearer(&a.token),
            "query($m: ID!, $j: ID!, $model: ID!, $t: ID!) { media(id: $m) { status } job(id: $j) { status } model(id: $model) { name } team(id: $t) { id } }",
            json!({"m": id_of("media"), "j": id_of("job"), "model": id_of("model"), "t": id_of("team")}),
        )
        .await;
    assert!(check.body["errors"].is_null(), "{}", check.body);
    assert_eq!(check.data("/media/status"), "LIVE");
    assert_eq!(check.data("/job/status"), "QUEUED");
}
