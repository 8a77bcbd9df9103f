//! The models issue's acceptance tests, through the real router: seed 000's model examples,
//! ownership rules, validation errors, versions, the catalogue.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{Cred, TestStack, spawn_stack};
use serde_json::{Value, json};

const MODEL_FIELDS: &str = "id name description icon tags exampleOutputs classification hidden
    container command invocation machineType machineCount timeoutSeconds args updatedAt
    editable builtin public ownerKind latestVersion { id version }";

/// Seed 000's "Create model with id" body, in GraphQL input form.
fn styleclip(id: Option<&str>, tags: &[&str]) -> Value {
    let mut input = json!({
        "args": {
            "image": {"tags": ["mask"], "optional": true, "type": "file", "format": "--form image=@:value"},
            "source": {"type": "string", "format": "--form source=@:value"},
            "target": {"type": "string", "format": "--form target=@:value"},
            "alpha": {"type": "number", "format": "--form alpha=@:value", "min": 0, "max": 100},
            "beta": {"type": "number", "format": "--form beta=@:value", "min": 0, "max": 100}
        },
        "name": "styleClip",
        "container": "ubuntu",
        "machineType": "container2",
        "machineCount": 2,
        "tags": tags,
        "icon": "icon.jpg",
        "command": "127.0.0.1:8013/styleclip {args} --form output=/tmp/clust_mgr/",
        "description": "it does manipulation based on text query from user",
        "exampleOutputs": ["https://studio213.us/gpu/ai/input/em.jpg"]
    });
    if let Some(id) = id {
        input["id"] = json!(id);
    }
    input
}

async fn create(stack: &TestStack, token: &str, input: Value) -> Value {
    let response = stack
        .gql(
            Cred::Bearer(token),
            &format!("mutation($input: CreateModelInput!) {{ createModel(input: $input) {{ {MODEL_FIELDS} }} }}"),
            json!({"input": input}),
        )
        .await;
    response.data("/createModel").clone()
}

async fn get(stack: &TestStack, cred: Cred<'_>, id: &str) -> mediamagic_e2e::GqlResponse {
    stack
        .gql(
            cred,
            &format!("query($id: ID!) {{ model(id: $id) {{ {MODEL_FIELDS} deletedAt }} }}"),
            json!({"id": id}),
        )
        .await
}

async fn list(stack: &TestStack, cred: Cred<'_>, filter: Value) -> Vec<String> {
    let response = stack
        .gql(
            cred,
            "query($f: ModelFilter) { models(filter: $f, first: 100) { totalCount nodes { id } } }",
            json!({"f": filter}),
        )
        .await;
    response
        .data("/models/nodes")
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn update(
    stack: &TestStack,
    token: &str,
    id: &str,
    input: Value,
) -> mediamagic_e2e::GqlResponse {
    stack
        .gql(
            Cred::Bearer(token),
            &format!("mutation($id: ID!, $input: UpdateModelInput!) {{ updateModel(id: $id, input: $input) {{ {MODEL_FIELDS} }} }}"),
            json!({"id": id, "input": input}),
        )
        .await
}

async fn delete(stack: &TestStack, token: &str, id: &str) -> mediamagic_e2e::GqlResponse {
    stack
        .gql(
            Cred::Bearer(token),
            "mutation($id: ID!) { deleteModel(id: $id) { id hidden } }",
            json!({"id": id}),
        )
        .await
}

const SEED_ID: &str = "c691b065-2a8e-4db5-a8bb-3d33eaccf0d5";

#[tokio::test]
async fn seed_000s_model_examples_work_through_the_router() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("modeller").await;

    // Create model with id.
    let with_id = create(
        &stack,
        &token,
        styleclip(Some(SEED_ID), &["face", "head", "body"]),
    )
    .await;
    assert_eq!(with_id["id"], SEED_ID);
    assert_eq!(with_id["name"], "styleClip");
    assert_eq!(with_id["classification"], "FAST");
    assert_eq!(with_id["tags"], json!(["face", "head", "body"]));
    assert_eq!(
        with_id["exampleOutputs"],
        json!(["https://studio213.us/gpu/ai/input/em.jpg"])
    );
    assert_eq!(with_id["invocation"], "HTTP");
    assert_eq!(with_id["machineType"], "container2");
    assert_eq!(with_id["machineCount"], 2);
    assert_eq!(with_id["latestVersion"]["version"], 1);

    // Create model without id.
    let without_id = create(&stack, &token, styleclip(None, &["face", "body"])).await;
    let generated = without_id["id"].as_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&generated).is_ok());
    assert_ne!(generated, SEED_ID);

    // Get model by id: args with `example` and `optional` filled in, as the seed shows.
    let fetched = get(&stack, Cred::Bearer(&token), SEED_ID).await;
    assert_eq!(
        fetched.data("/model/args"),
        &json!({
            "alpha": {"example": "", "format": "--form alpha=@:value", "max": 100, "min": 0, "optional": false, "type": "number"},
            "beta": {"example": "", "format": "--form beta=@:value", "max": 100, "min": 0, "optional": false, "type": "number"},
            "image": {"example": "", "format": "--form image=@:value", "optional": true, "type": "file", "tags": ["mask"]},
            "source": {"example": "", "format": "--form source=@:value", "optional": false, "type": "string"},
            "target": {"example": "", "format": "--form target=@:value", "optional": false, "type": "string"}
        })
    );
    assert_eq!(fetched.data("/model/icon"), "icon.jpg");
    assert_eq!(fetched.data("/model/classification"), "FAST");
    let updated_at: chrono::DateTime<chrono::Utc> = fetched
        .data("/model/updatedAt")
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(updated_at <= chrono::Utc::now());

    // List models, and filter by tags=head.
    let mine = list(&stack, Cred::Bearer(&token), json!({"mine": true})).await;
    assert_eq!(mine, [generated.clone(), SEED_ID.to_owned()]);
    let head = list(&stack, Cred::Bearer(&token), json!({"tags": ["head"]})).await;
    assert_eq!(head, [SEED_ID]);

    // Update model: the seed's PUT body changes the tags only, so no new version.
    let updated = update(
        &stack,
        &token,
        &generated,
        json!({"tags": ["face", "body", "face2"]}),
    )
    .await;
    assert_eq!(
        updated.data("/updateModel/tags"),
        &json!(["face", "body", "face2"])
    );
    assert_eq!(updated.data("/updateModel/latestVersion/version"), 1);
    assert_eq!(updated.data("/updateModel/hidden"), false);

    // Delete model.
    let deleted = delete(&stack, &token, &generated).await;
    assert_eq!(deleted.data("/deleteModel/hidden"), false);
    assert_eq!(
        get(&stack, Cred::Bearer(&token), &generated)
            .await
            .error_code(),
        "NOT_FOUND"
    );
    assert_eq!(
        list(&stack, Cred::Bearer(&token), json!({"mine": true})).await,
        [SEED_ID]
    );
}

#[tokio::test]
async fn changing_what_runs_adds_an_immutable_version() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("versioner").await;
    let model = create(&stack, &token, styleclip(None, &["face"])).await;
    let id = model["id"].as_str().unwrap();
    let first_version = model["latestVersion"]["id"].as_str().unwrap().to_owned();

    let changed = update(
        &stack,
        &token,
        id,
        json!({"machineCount": 4, "container": "ubuntu:24.04"}),
    )
    .await;
    assert_eq!(changed.data("/updateModel/latestVersion/version"), 2);
    assert_eq!(changed.data("/updateModel/machineCount"), 4);

    let versions = stack
        .gql(
            Cred::Bearer(&token),
            "query($id: ID!, $v: ID!) {
                model(id: $id) { versions(first: 1) { totalCount pageInfo { hasNextPage endCursor } nodes { version container machineCount } } }
                modelVersion(id: $v) { version container machineCount model { id } }
            }",
            json!({"id": id, "v": first_version}),
        )
        .await;
    assert_eq!(versions.data("/model/versions/totalCount"), 2);
    assert_eq!(versions.data("/model/versions/nodes/0/version"), 2);
    assert_eq!(versions.data("/model/versions/pageInfo/hasNextPage"), true);
    // The pinned first version still describes what ran then.
    assert_eq!(versions.data("/modelVersion/container"), "ubuntu");
    assert_eq!(versions.data("/modelVersion/machineCount"), 2);
    assert_eq!(versions.data("/modelVersion/model/id"), id);

    let cursor = versions
        .data("/model/versions/pageInfo/endCursor")
        .as_str()
        .unwrap();
    let rest = stack
        .gql(
            Cred::Bearer(&token),
            "query($id: ID!, $after: String) { model(id: $id) { versions(first: 5, after: $after) { nodes { version } } } }",
            json!({"id": id, "after": cursor}),
        )
        .await;
    assert_eq!(rest.data("/model/versions/nodes"), &json!([{"version": 1}]));

    let metadata_only = update(&stack, &token, id, json!({"description": "new words"})).await;
    assert_eq!(metadata_only.data("/updateModel/latestVersion/version"), 2);
}

#[tokio::test]
async fn invalid_definitions_are_rejected_naming_the_field() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("validator").await;
    let cases = [
        (
            json!({"alpha": {"type": "number", "min": 5, "max": 1}, "mode": {"type": "enum"}}),
            "127.0.0.1:8013/styleclip {args}",
            "args",
            "args.alpha: min (5) is greater than max (1); args.mode: an enum needs a non-empty `choices` list",
        ),
        (
            json!({"alpha": {"type": "complex"}}),
            "run {args}",
            "args",
            "args.alpha: invalid declaration",
        ),
        (
            json!({"alpha": {"type": "number"}}),
            "run --alpha {alpha} --beta {beta}",
            "command",
            "command: the command refers to `{beta}`, which is not an argument",
        ),
    ];
    for (args, command, field, message) in cases {
        let mut input = styleclip(None, &[]);
        input["args"] = args;
        input["command"] = json!(command);
        let response = stack
            .gql(
                Cred::Bearer(&token),
                "mutation($input: CreateModelInput!) { createModel(input: $input) { id } }",
                json!({"input": input}),
            )
            .await;
        assert_eq!(response.error_code(), "BAD_USER_INPUT", "{}", response.body);
        assert_eq!(response.body["errors"][0]["extensions"]["field"], field);
        assert!(
            response.error_message().starts_with(message),
            "{} does not start with {message}",
            response.error_message()
        );
    }
    let mut input = styleclip(None, &[]);
    input["machineCount"] = json!(0);
    let response = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($input: CreateModelInput!) { createModel(input: $input) { id } }",
            json!({"input": input}),
        )
        .await;
    assert_eq!(response.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        response.body["errors"][0]["extensions"]["field"],
        "machine_count"
    );

    create(&stack, &token, styleclip(Some(SEED_ID), &[])).await;
    let response = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($input: CreateModelInput!) { createModel(input: $input) { id } }",
            json!({"input": styleclip(Some(SEED_ID), &[])}),
        )
        .await;
    assert_eq!(response.error_code(), "CONFLICT");
}

#[tokio::test]
async fn only_the_owner_changes_a_model_and_private_models_of_others_are_not_found() {
    let stack = spawn_stack().await;
    let (owner, _, _) = stack.sign_up("owner").await;
    let (other, _, _) = stack.sign_up("other").await;
    let private = create(&stack, &owner, styleclip(None, &["private"])).await;
    let private_id = private["id"].as_str().unwrap();
    let mut public_input = styleclip(None, &["shared"]);
    public_input["public"] = json!(true);
    let public = create(&stack, &owner, public_input).await;
    let public_id = public["id"].as_str().unwrap();
    assert_eq!(public["editable"], true);

    assert_eq!(
        get(&stack, Cred::Bearer(&other), private_id)
            .await
            .error_code(),
        "NOT_FOUND"
    );
    assert_eq!(
        update(&stack, &other, private_id, json!({"name": "mine now"}))
            .await
            .error_code(),
        "NOT_FOUND"
    );
    assert_eq!(
        delete(&stack, &other, private_id).await.error_code(),
        "NOT_FOUND"
    );
    assert!(
        !list(&stack, Cred::Bearer(&other), json!({}))
            .await
            .contains(&private_id.to_owned())
    );

    let seen = get(&stack, Cred::Bearer(&other), public_id).await;
    assert_eq!(seen.data("/model/editable"), false);
    assert!(
        list(&stack, Cred::Bearer(&other), json!({"tags": ["shared"]}))
            .await
            .contains(&public_id.to_owned())
    );
    assert_eq!(
        update(&stack, &other, public_id, json!({"name": "mine now"}))
            .await
            .error_code(),
        "FORBIDDEN"
    );
    assert_eq!(
        delete(&stack, &other, public_id).await.error_code(),
        "FORBIDDEN"
    );

    // The owner still can.
    let renamed = update(&stack, &owner, private_id, json!({"name": "renamed"})).await;
    assert_eq!(renamed.data("/updateModel/name"), "renamed");
}

#[tokio::test]
async fn team_models_are_not_visible_to_a_user_credential() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("teamer").await;
    let team = stack.create_team(&token, "Studio").await;
    let (team_key, _) = stack.create_key(&token, Some(&team)).await;
    let response = stack
        .gql(
            Cred::Key(&team_key),
            "mutation($input: CreateModelInput!) { createModel(input: $input) { id ownerKind ownerId } }",
            json!({"input": styleclip(None, &["team"])}),
        )
        .await;
    let id = response.data("/createModel/id").as_str().unwrap();
    assert_eq!(response.data("/createModel/ownerKind"), "TEAM");
    assert_eq!(response.data("/createModel/ownerId"), team.as_str());

    assert_eq!(
        get(&stack, Cred::Bearer(&token), id).await.error_code(),
        "NOT_FOUND"
    );
    assert_eq!(
        get(&stack, Cred::Key(&team_key), id)
            .await
            .data("/model/id"),
        id
    );
}

#[tokio::test]
async fn the_catalogue_loads_and_is_public_and_read_only() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("browser").await;

    let catalogue = stack
        .gql(
            Cred::Bearer(&token),
            "{ models(first: 100) { totalCount nodes { slug builtin editable classification invocation } } }",
            json!({}),
        )
        .await;
    let mut slugs: Vec<&str> = catalogue
        .data("/models/nodes")
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["builtin"] == true)
        .map(|n| n["slug"].as_str().unwrap())
        .collect();
    slugs.sort();
    assert_eq!(
        slugs,
        [
            "audio-extract",
            "background-remove",
            "demucs",
            "face-detect",
            "frames",
            "image-resize",
            "stems",
            "transcode",
            "waveform"
        ]
    );
    assert!(
        catalogue
            .data("/models/nodes")
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["editable"] == false)
    );

    let extract = get(&stack, Cred::Bearer(&token), "audio-extract").await;
    assert_eq!(extract.data("/model/builtin"), true);
    assert_eq!(extract.data("/model/invocation"), "EXEC");
    assert_eq!(extract.data("/model/args/bitrate/default"), 192);
    let demucs = get(&stack, Cred::Bearer(&token), "demucs").await;
    assert_eq!(demucs.data("/model/classification"), "SLOW");
    assert_eq!(demucs.data("/model/machineType"), "gpu");

    let id = extract.data("/model/id").as_str().unwrap();
    assert_eq!(
        update(&stack, &token, id, json!({"name": "mine"}))
            .await
            .error_code(),
        "FORBIDDEN"
    );
    assert_eq!(delete(&stack, &token, id).await.error_code(), "FORBIDDEN");

    let search = stack
        .gql(
            Cred::Bearer(&token),
            "{ models(filter: {search: \"WAVEFORM\"}) { nodes { slug } } }",
            json!({}),
        )
        .await;
    assert_eq!(search.data("/models/nodes"), &json!([{"slug": "waveform"}]));
    let stems = stack
        .gql(
            Cred::Bearer(&token),
            "{ models(filter: {tags: [\"stems\"], excludeTags: [\"gpu\"]}) { nodes { slug } } }",
            json!({}),
        )
        .await;
    assert_eq!(stems.data("/models/nodes"), &json!([{"slug": "stems"}]));
}

#[tokio::test]
async fn listing_pages_with_cursors_without_gaps_or_repeats() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("pager").await;
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(
            create(&stack, &token, styleclip(None, &["paged"])).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = stack
            .gql(
                Cred::Bearer(&token),
                "query($after: String) { models(filter: {tags: [\"paged\"]}, first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } }",
                json!({"after": after}),
            )
            .await;
        assert_eq!(page.data("/models/totalCount"), 5);
        for node in page.data("/models/nodes").as_array().unwrap() {
            seen.push(node["id"].as_str().unwrap().to_owned());
        }
        if page.data("/models/pageInfo/hasNextPage") == false {
            break;
        }
        after = Some(
            page.data("/models/pageInfo/endCursor")
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    created.reverse();
    assert_eq!(seen, created);
}

#[tokio::test]
async fn deleting_a_model_that_jobs_ran_hides_it_but_keeps_it_readable() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("historian").await;
    let model = create(&stack, &token, styleclip(None, &["history"])).await;
    let id = model["id"].as_str().unwrap();
    let version = uuid::Uuid::parse_str(model["latestVersion"]["id"].as_str().unwrap()).unwrap();
    // What the jobs subgraph's handler does when a job pins a version.
    let deps = mediamagic_models::ModelsDeps {
        pool: mediamagic_kit::db::pool(&stack.infra.database_url, 2).unwrap(),
        internal: mediamagic_kit::tokens::TokenVerifier::from_hex(
            &stack.infra.keys.internal_public_key,
        )
        .unwrap(),
        config: Default::default(),
    };
    mediamagic_models::commands::models::record_job(&deps, version)
        .await
        .unwrap();

    let deleted = delete(&stack, &token, id).await;
    assert_eq!(deleted.data("/deleteModel/hidden"), true);

    let still = get(&stack, Cred::Bearer(&token), id).await;
    assert!(still.data("/model/deletedAt").is_string());
    assert_eq!(still.data("/model/editable"), false);
    assert!(
        !list(&stack, Cred::Bearer(&token), json!({"includeHidden": true}))
            .await
            .contains(&id.to_owned())
    );
    assert_eq!(
        update(&stack, &token, id, json!({"name": "again"}))
            .await
            .error_code(),
        "NOT_FOUND"
    );
    assert_eq!(delete(&stack, &token, id).await.error_code(), "NOT_FOUND");
}

#[tokio::test]
async fn catalogue_changes_add_versions_and_removed_models_are_retired_once() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("curator").await;
    let pool = mediamagic_kit::db::pool(&stack.infra.database_url, 2).unwrap();
    let mut catalogue = mediamagic_models::domain::catalogue::builtin().unwrap();
    catalogue.retain(|m| m.slug != "demucs");
    let extract = catalogue
        .iter_mut()
        .find(|m| m.slug == "audio-extract")
        .unwrap();
    extract.spec.run.timeout_seconds = 900;

    let report = mediamagic_models::commands::catalogue::sync_catalogue(&pool, catalogue.clone())
        .await
        .unwrap();
    assert_eq!(report.added, Vec::<String>::new());
    assert_eq!(report.updated, ["audio-extract"]);
    assert_eq!(report.retired, ["demucs"]);
    let again = mediamagic_models::commands::catalogue::sync_catalogue(&pool, catalogue)
        .await
        .unwrap();
    assert_eq!(again, Default::default(), "a second sync changes nothing");

    let extract = get(&stack, Cred::Bearer(&token), "audio-extract").await;
    assert_eq!(extract.data("/model/latestVersion/version"), 2);
    assert_eq!(extract.data("/model/timeoutSeconds"), 900);
    let listed = stack
        .gql(
            Cred::Bearer(&token),
            "{ models(first: 100) { nodes { slug } } }",
            json!({}),
        )
        .await;
    assert!(!listed.body.to_string().contains("\"demucs\""));
}

#[tokio::test]
async fn a_machine_type_no_worker_pool_serves_is_refused_unless_an_operator_expects_it() {
    // Arrange: workers serve `cpu` only; nobody declared seed 000's `container2`.
    let stack = mediamagic_e2e::spawn_stack_with(|config| {
        config.models.expected_machine_types.clear();
    })
    .await;
    let (token, _, _) = stack.sign_up("modeller").await;

    // Act: seed 000's own example, then a change of a served model to it.
    let refused = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($input: CreateModelInput!) { createModel(input: $input) { id } }",
            json!({"input": styleclip(None, &[])}),
        )
        .await;
    let mut served = styleclip(None, &[]);
    served["machineType"] = json!("cpu");
    let model = create(&stack, &token, served).await;
    let moved = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($id: ID!, $input: UpdateModelInput!) { updateModel(id: $id, input: $input) { id } }",
            json!({"id": model["id"], "input": {"machineType": "container2"}}),
        )
        .await;

    // Assert: both refused, naming the field and the machine types that are served.
    for answer in [&refused, &moved] {
        assert_eq!(answer.error_code(), "BAD_USER_INPUT", "{}", answer.body);
        assert_eq!(
            answer.body["errors"][0]["extensions"]["field"],
            "machine_type"
        );
        let message = answer.error_message();
        assert!(
            message.contains("container2") && message.contains("known: cpu"),
            "{message}"
        );
    }
}

/// The smallest model a deployment can run, under a client-chosen `id`.
fn chosen(id: &str, name: &str) -> Value {
    json!({"id": id, "name": name, "container": "ubuntu", "command": "echo hello", "args": {}})
}

async fn create_answer(stack: &TestStack, token: &str, input: Value) -> Value {
    let response = stack
        .gql(
            Cred::Bearer(token),
            "mutation($input: CreateModelInput!) { createModel(input: $input) { id name ownerId } }",
            json!({"input": input}),
        )
        .await;
    response.body
}

#[tokio::test]
async fn choosing_the_id_of_another_accounts_private_model_creates_your_own_and_reveals_nothing() {
    // Arrange: a private model whose id the attacker has learnt, and an id nobody holds.
    let stack = spawn_stack().await;
    let (victim, _, _) = stack.sign_up("victim").await;
    let (attacker, attacker_id, _) = stack.sign_up("attacker").await;
    let secret = create(&stack, &victim, styleclip(None, &["secret"])).await;
    let secret_id = secret["id"].as_str().unwrap().to_owned();
    let fresh_id = uuid::Uuid::new_v4().to_string();

    // Act: the same request with the taken id and with the free one.
    let on_taken = create_answer(&stack, &attacker, chosen(&secret_id, "mine")).await;
    let on_free = create_answer(&stack, &attacker, chosen(&fresh_id, "mine")).await;

    // Assert: both answers are a model of the attacker's under the chosen id.
    assert_eq!(
        on_taken,
        json!({"data": {"createModel": {"id": secret_id, "name": "mine", "ownerId": attacker_id}}})
    );
    assert_eq!(
        on_free,
        json!({"data": {"createModel": {"id": fresh_id, "name": "mine", "ownerId": attacker_id}}})
    );
    // Each account addresses its own model by that id; the victim's is untouched.
    let seen_by_attacker = get(&stack, Cred::Bearer(&attacker), &secret_id).await;
    assert_eq!(seen_by_attacker.data("/model/name"), "mine");
    let seen_by_victim = get(&stack, Cred::Bearer(&victim), &secret_id).await;
    assert_eq!(seen_by_victim.data("/model/name"), "styleClip");
    assert_eq!(seen_by_victim.data("/model/tags"), &json!(["secret"]));
    // What the attacker deploys under that id runs its own model, and says so.
    let deployed = stack
        .gql(
            Cred::Bearer(&attacker),
            "mutation($i: CreateDeploymentInput!) { createDeployment(input: $i) {
                model { id name ownerId } modelVersion { command model { id name } }
            } }",
            json!({"i": {"model": secret_id}}),
        )
        .await;
    assert_eq!(
        deployed.data("/createDeployment"),
        &json!({
            "model": {"id": secret_id, "name": "mine", "ownerId": attacker_id},
            "modelVersion": {"command": "echo hello", "model": {"id": secret_id, "name": "mine"}}
        })
    );
    // Changes reach only the changer's own model.
    let renamed = update(&stack, &attacker, &secret_id, json!({"name": "renamed"})).await;
    assert_eq!(renamed.data("/updateModel/name"), "renamed");
    let published = update(&stack, &victim, &secret_id, json!({"public": true})).await;
    assert_eq!(published.data("/updateModel/name"), "styleClip");
    assert_eq!(
        get(&stack, Cred::Bearer(&attacker), &secret_id)
            .await
            .data("/model/name"),
        "renamed"
    );
    assert_eq!(
        get(&stack, Cred::Bearer(&victim), &secret_id)
            .await
            .data("/model/public"),
        true
    );
    // Publishing under an id a public model already has is a CONFLICT about that public one.
    let republished = update(&stack, &attacker, &secret_id, json!({"public": true})).await;
    assert_eq!(republished.error_code(), "CONFLICT", "{}", republished.body);
    // Taken within what the account can already see stays a CONFLICT.
    let again = create_answer(&stack, &attacker, chosen(&fresh_id, "again")).await;
    assert_eq!(
        again["errors"][0]["extensions"]["code"], "CONFLICT",
        "{again}"
    );
    let (third, _, _) = stack.sign_up("third").await;
    let public_taken = create_answer(&stack, &third, chosen(&secret_id, "copy")).await;
    assert_eq!(
        public_taken["errors"][0]["extensions"]["code"], "CONFLICT",
        "{public_taken}"
    );
}
