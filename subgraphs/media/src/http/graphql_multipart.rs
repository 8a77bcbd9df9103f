//! `POST /graphql/upload`: GraphQL requests with files, following the GraphQL multipart
//! request spec (`operations`, then `map`, then one part per file). The router forwards
//! multipart requests to its GraphQL endpoint here.
//!
//! Every file is streamed into storage (size-limited, hashed on the way, never held in
//! memory) as it arrives; then the operation runs with each mapped variable referring to its
//! stored file (the `Upload` scalar), and `uploadMedia` registers it. Files the operation did not
//! use, and every file of a refused request, are removed: nothing is left half-written.

use crate::{
    MediaDeps, MediaSchema,
    commands::direct::{StoredUpload, Streamer, discard_stored, store_stream},
    domain::UploadRequest,
    graphql::upload::{FILE_REFERENCE_PREFIX, StagedUploads},
};
use async_graphql::{Name, Value, Variables};
use async_graphql_axum::GraphQLResponse;
use axum::{
    Router,
    extract::{DefaultBodyLimit, Multipart, State, multipart::MultipartRejection},
    http::HeaderMap,
    response::{IntoResponse, Response},
    routing::post,
};
use futures::TryStreamExt;
use mediamagic_kit::{
    ApiError, Scope, auth::identity_from_headers, server::graphql_error_response,
};
use std::{collections::BTreeMap, sync::Arc};

/// Most file parts one request may carry.
pub const MAX_FILES_PER_REQUEST: usize = 16;
/// Largest `operations` or `map` part, in bytes.
pub const MAX_JSON_PART_BYTES: usize = 256 * 1024;

#[derive(Clone)]
struct UploadState {
    deps: MediaDeps,
    schema: MediaSchema,
    /// The only root fields an operation here may select.
    allowed: &'static [&'static str],
    /// Whether callers are the worker (worker token) rather than the router (internal token).
    worker: bool,
}

/// The route the router forwards clients' multipart requests to.
pub const PUBLIC_PATH: &str = "/graphql/upload";
/// The worker's route for job outputs (the router never forwards here).
pub const JOB_OUTPUTS_PATH: &str = "/internal/job-outputs";
/// The same route for worker agents, reached through the router.
pub const AGENT_JOB_OUTPUTS_PATH: &str = "/agent/v1/media/job-outputs";

/// The multipart GraphQL routes: clients' `uploadMedia`, and the worker's `uploadJobOutput`
/// on a path of its own (the router forwards client requests whole, so the worker's
/// mutation must not be reachable on the public one).
pub fn routes(deps: MediaDeps, schema: MediaSchema) -> Router {
    let public = UploadState {
        deps: deps.clone(),
        schema: schema.clone(),
        allowed: &["uploadMedia"],
        worker: false,
    };
    let internal = UploadState {
        deps,
        schema,
        allowed: &["uploadJobOutput"],
        worker: true,
    };
    Router::new()
        .route(PUBLIC_PATH, post(graphql_upload).with_state(public))
        .route(
            JOB_OUTPUTS_PATH,
            post(graphql_upload).with_state(internal.clone()),
        )
        .route(
            AGENT_JOB_OUTPUTS_PATH,
            post(graphql_upload).with_state(internal),
        )
        // Each file's limit is enforced while streaming, against `media.max_upload_bytes`.
        .layer(DefaultBodyLimit::disable())
}

async fn graphql_upload(
    State(state): State<UploadState>,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    let (identity, grant) = if state.worker {
        match super::worker::worker_identity(&state.deps, &headers).await {
            Ok((identity, grant)) => (identity, Some(grant)),
            Err(e) => return graphql_error_response(e),
        }
    } else {
        match identity_from_headers(&state.deps.internal, &headers) {
            Ok(identity) => (identity, None),
            Err(e) => return graphql_error_response(e),
        }
    };
    // Refuse before storing anything a caller could not keep.
    match &identity.0 {
        None => {
            return graphql_error_response(ApiError::Unauthenticated(
                "send a session token or an API key".into(),
            ));
        }
        Some(actor) => {
            if let Err(e) = actor.require_scope(Scope::Write) {
                return graphql_error_response(e);
            }
        }
    }
    let form = match form {
        Ok(form) => form,
        Err(e) => {
            return graphql_error_response(ApiError::bad_input(
                "operations",
                format!("send a multipart/form-data body: {e}"),
            ));
        }
    };
    let mut staged = Vec::new();
    let request = match read_request(&state, &identity, form, &mut staged).await {
        Ok(request) => request,
        Err(e) => {
            for stored in &staged {
                discard_stored(&state.deps, stored).await;
            }
            return graphql_error_response(e);
        }
    };
    let staged = Arc::new(StagedUploads::new(staged));
    let mut request = request.data(identity).data(staged.clone());
    if let Some(grant) = grant {
        request = request.data(grant);
    }
    let response = state.schema.execute(request).await;
    for unused in staged.leftovers() {
        discard_stored(&state.deps, &unused).await;
    }
    GraphQLResponse::from(response).into_response()
}

/// Reads `operations` and `map`, then streams every file part into storage (pushing it onto
/// `staged` at once, so the caller can remove it on failure), and points the mapped variables
/// at the stored files.
async fn read_request(
    state: &UploadState,
    identity: &mediamagic_kit::auth::RequestIdentity,
    mut form: Multipart,
    staged: &mut Vec<StoredUpload>,
) -> Result<async_graphql::Request, ApiError> {
    let deps = &state.deps;
    let Some(actor) = identity.0.as_ref() else {
        return Err(ApiError::Unauthenticated(
            "send a session token or an API key".into(),
        ));
    };
    let operations = json_part(&mut form, "operations").await?;
    let mut request: async_graphql::Request = serde_json::from_slice(&operations).map_err(|e| {
        ApiError::bad_input(
            "operations",
            format!(
                "`operations` must be one GraphQL request as JSON (batches are not accepted): {e}"
            ),
        )
    })?;
    check_root_fields(&request.query, state.allowed)?;
    if mediamagic_kit::error::holds_unstorable_text(&request) {
        return Err(ApiError::BadUserInput {
            message: mediamagic_kit::error::UNSTORABLE_TEXT.into(),
            field: None,
        });
    }
    let map = json_part(&mut form, "map").await?;
    let mut map: BTreeMap<String, Vec<String>> = serde_json::from_slice(&map).map_err(|e| {
        ApiError::bad_input(
            "map",
            format!("`map` must be a JSON object of file part names to variable paths: {e}"),
        )
    })?;
    if map.len() > MAX_FILES_PER_REQUEST {
        return Err(ApiError::bad_input(
            "map",
            format!("at most {MAX_FILES_PER_REQUEST} files per request"),
        ));
    }
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(malformed(e)),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let Some(paths) = map.remove(&name) else {
            return Err(ApiError::bad_input(
                "map",
                format!("the file part `{name}` is not named in `map` (or comes twice)"),
            ));
        };
        let upload = UploadRequest::parse(
            &deps.config,
            field.file_name().unwrap_or("upload"),
            field.content_type().unwrap_or("application/octet-stream"),
            None,
            None,
            Vec::new(),
        )?;
        let streamer = if state.worker {
            Streamer::Worker
        } else {
            Streamer::Client
        };
        let stored = store_stream(
            deps,
            actor,
            upload,
            field.map_err(|e| e.to_string()),
            streamer,
        )
        .await?;
        let reference = Value::String(format!("{FILE_REFERENCE_PREFIX}{}", staged.len()));
        staged.push(stored);
        for path in &paths {
            if !set_variable(&mut request.variables, path, reference.clone()) {
                return Err(ApiError::bad_input(
                    "map",
                    format!("`{path}` does not name a variable of the operation"),
                ));
            }
        }
    }
    if let Some(missing) = map.keys().next() {
        return Err(ApiError::bad_input(
            "map",
            format!("the request has no file part `{missing}`"),
        ));
    }
    Ok(request)
}

/// Refuses an operation that selects a root field other than `allowed` (or hides its root
/// fields in fragments), before any file is stored.
pub(crate) fn check_root_fields(query: &str, allowed: &[&str]) -> Result<(), ApiError> {
    use async_graphql::parser::types::Selection;
    let document = async_graphql::parser::parse_query(query)
        .map_err(|e| ApiError::bad_input("operations", format!("the query does not parse: {e}")))?;
    let refuse = || {
        ApiError::bad_input(
            "operations",
            format!("a request here may only select {}", allowed.join(", ")),
        )
    };
    for (_, operation) in document.operations.iter() {
        for item in &operation.node.selection_set.node.items {
            match &item.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    if name != "__typename" && !allowed.contains(&name) {
                        return Err(refuse());
                    }
                }
                Selection::FragmentSpread(_) | Selection::InlineFragment(_) => {
                    return Err(refuse());
                }
            }
        }
    }
    Ok(())
}

/// The next part, which must be the JSON part `name` and at most [`MAX_JSON_PART_BYTES`].
async fn json_part(form: &mut Multipart, name: &str) -> Result<Vec<u8>, ApiError> {
    let order = "parts come in the order `operations`, `map`, then the files";
    let mut field = match form.next_field().await {
        Ok(Some(field)) => field,
        Ok(None) => {
            return Err(ApiError::bad_input(
                name,
                format!("the `{name}` part is missing; {order}"),
            ));
        }
        Err(e) => return Err(malformed(e)),
    };
    if field.name() != Some(name) {
        return Err(ApiError::bad_input(
            name,
            format!("expected the `{name}` part; {order}"),
        ));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(malformed)? {
        if bytes.len() + chunk.len() > MAX_JSON_PART_BYTES {
            return Err(ApiError::PayloadTooLarge(format!(
                "the `{name}` part is over {MAX_JSON_PART_BYTES} bytes"
            )));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

fn malformed(e: impl std::fmt::Display) -> ApiError {
    ApiError::bad_input("operations", format!("malformed multipart body: {e}"))
}

/// Sets the value at a spec path such as `variables.file` or `variables.files.1`; false when
/// the path does not name an existing variable slot.
fn set_variable(variables: &mut Variables, path: &str, value: Value) -> bool {
    let Some(rest) = path.strip_prefix("variables.") else {
        return false;
    };
    let mut parts = rest.split('.');
    let Some(slot) = parts
        .next()
        .and_then(|first| variables.get_mut(&Name::new(first)))
    else {
        return false;
    };
    let slot = parts.try_fold(slot, |current, part| match current {
        Value::List(items) => part.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
        Value::Object(fields) => fields.get_mut(&Name::new(part)),
        _ => None,
    });
    match slot {
        Some(slot) => {
            *slot = value;
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variables(json: serde_json::Value) -> Variables {
        Variables::from_json(json)
    }

    #[test]
    fn a_spec_path_sets_a_variable_a_list_item_or_a_field() {
        let mut vars = variables(
            serde_json::json!({"file": null, "files": [null, null], "input": {"doc": null}}),
        );
        assert!(set_variable(&mut vars, "variables.file", Value::from("a")));
        assert!(set_variable(
            &mut vars,
            "variables.files.1",
            Value::from("b")
        ));
        assert!(set_variable(
            &mut vars,
            "variables.input.doc",
            Value::from("c")
        ));
        assert_eq!(
            vars.into_value().into_json().unwrap(),
            serde_json::json!({"file": "a", "files": [null, "b"], "input": {"doc": "c"}})
        );
    }

    #[test]
    fn a_path_outside_the_variables_is_refused() {
        let mut vars = variables(serde_json::json!({"file": null, "files": [null]}));
        assert!(!set_variable(&mut vars, "file", Value::from("a")));
        assert!(!set_variable(
            &mut vars,
            "variables.other",
            Value::from("a")
        ));
        assert!(!set_variable(
            &mut vars,
            "variables.files.3",
            Value::from("a")
        ));
        assert!(!set_variable(
            &mut vars,
            "variables.file.x",
            Value::from("a")
        ));
    }
}
