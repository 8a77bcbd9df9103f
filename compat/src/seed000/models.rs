//! `/api/v1/models`: create (with or without `id`), get, list (`?tags=`), update, delete.
//! Bodies use seed 000's snake_case fields; unknown fields are refused, not ignored.

use crate::{
    CompatDeps,
    client::Caller,
    error::RestError,
    shapes::{
        IdempotencyKeyHeader, JsonBody, Page, QueryParams, camel_case, lower, page_of, seed_time,
        snake_keys, tag_list,
    },
};
use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode},
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

const MODEL_FIELDS: &str = "id slug name description icon tags exampleOutputs classification args command container machineType machineCount timeoutSeconds invocation hidden public builtin editable expectedRuntimeSeconds outputs { pattern contentType } runtime result createdAt updatedAt";

/// Fields a model body may carry.
const WRITABLE: &[&str] = &[
    "id",
    "name",
    "description",
    "icon",
    "tags",
    "example_outputs",
    "hidden",
    "public",
    "container",
    "command",
    "invocation",
    "args",
    "machine_type",
    "machine_count",
    "timeout_seconds",
    "outputs",
    "expected_runtime_seconds",
    "runtime",
    "result",
];

/// A model as seed 000 shows it (the update answer's full shape).
fn model_shape(model: &Value) -> Value {
    json!({
        "id": model["id"],
        "slug": model["slug"],
        "name": model["name"],
        "description": model["description"],
        "icon": model["icon"],
        "tags": model["tags"],
        "example_outputs": model["exampleOutputs"],
        "classification": lower(&model["classification"]),
        "args": model["args"],
        "command": model["command"],
        "container": model["container"],
        "machine_type": model["machineType"],
        "machine_count": model["machineCount"],
        "timeout_seconds": model["timeoutSeconds"],
        "invocation": lower(&model["invocation"]),
        // Seed 000 printed this flag as a string.
        "hidden": if model["hidden"] == true { "true" } else { "false" },
        "public": model["public"],
        "builtin": model["builtin"],
        "editable": model["editable"],
        "expected_runtime_seconds": model["expectedRuntimeSeconds"],
        "outputs": snake_keys(model["outputs"].clone()),
        "runtime": model["runtime"],
        "result": model["result"],
        "created_at": seed_time(&model["createdAt"]),
        "updated_at": seed_time(&model["updatedAt"]),
    })
}

/// A seed-shaped body turned into `CreateModelInput` / `UpdateModelInput`.
fn model_input(body: Map<String, Value>, allow_id: bool) -> Result<Value, RestError> {
    let mut input = Map::new();
    for (key, value) in body {
        if !WRITABLE.contains(&key.as_str()) || (key == "id" && !allow_id) {
            return Err(RestError::BadRequest(format!(
                "unknown model field `{key}`; known: {}",
                WRITABLE.join(", ")
            )));
        }
        let value = match key.as_str() {
            "invocation" => match value.as_str() {
                Some(text) => Value::String(text.to_ascii_uppercase()),
                None => value,
            },
            // Seed 000 printed `hidden` as a string; take it back either way.
            "hidden" => match value.as_str() {
                Some("true") => Value::Bool(true),
                Some("false") => Value::Bool(false),
                _ => value,
            },
            "outputs" => match value {
                Value::Array(outputs) => Value::Array(
                    outputs
                        .into_iter()
                        .map(|output| match output {
                            Value::Object(fields) => Value::Object(
                                fields
                                    .into_iter()
                                    .map(|(k, v)| (camel_case(&k), v))
                                    .collect(),
                            ),
                            other => other,
                        })
                        .collect(),
                ),
                other => other,
            },
            _ => value,
        };
        input.insert(camel_case(&key), value);
    }
    Ok(Value::Object(input))
}

/// Creates a model; `id` is taken when given, made up otherwise.
pub async fn create(
    State(deps): State<CompatDeps>,
    caller: Caller,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<(StatusCode, Json<Value>), RestError> {
    let input = model_input(body, true)?;
    let operation = format!(
        "mutation Create($input: CreateModelInput!, $key: String) {{ createModel(input: $input, idempotencyKey: $key) {{ {MODEL_FIELDS} }} }}"
    );
    let data = deps
        .platform
        .run(&caller, &operation, json!({"input": input, "key": key}))
        .await?;
    Ok((StatusCode::CREATED, Json(model_shape(&data["createModel"]))))
}

/// One model, by UUID or catalogue slug.
pub async fn get(
    State(deps): State<CompatDeps>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, RestError> {
    let operation = format!("query One($id: ID!) {{ model(id: $id) {{ {MODEL_FIELDS} }} }}");
    let data = deps
        .platform
        .run(&caller, &operation, json!({"id": id}))
        .await?;
    Ok(Json(model_shape(&data["model"])))
}

/// `?tags=&excludeTags=&search=&limit=&after=`.
#[derive(Debug, Deserialize)]
pub struct ModelQuery {
    tags: Option<String>,
    #[serde(rename = "excludeTags")]
    exclude_tags: Option<String>,
    search: Option<String>,
    limit: Option<u32>,
    after: Option<String>,
}

/// The models the caller can use, as a JSON array (seed 000's shape); the next page's
/// cursor, when there is one, is in the `x-next-cursor` header.
pub async fn list(
    State(deps): State<CompatDeps>,
    caller: Caller,
    QueryParams(query): QueryParams<ModelQuery>,
) -> Result<(HeaderMap, Json<Value>), RestError> {
    let page = Page {
        limit: query.limit,
        after: query.after,
    };
    let operation = format!(
        "query List($filter: ModelFilter, $first: Int, $after: String) {{ models(filter: $filter, first: $first, after: $after) {{ nodes {{ {MODEL_FIELDS} }} pageInfo {{ hasNextPage endCursor }} }} }}"
    );
    let filter = json!({
        "tags": tag_list(query.tags.as_deref()),
        "excludeTags": tag_list(query.exclude_tags.as_deref()),
        "search": query.search,
    });
    let data = deps
        .platform
        .run(
            &caller,
            &operation,
            json!({"filter": filter, "first": page.first(deps.config.default_page_size)?, "after": page.after}),
        )
        .await?;
    let (list, next) = page_of(&data["models"], model_shape);
    let mut headers = HeaderMap::new();
    if let Some(cursor) = next.as_str()
        && let Ok(value) = HeaderValue::from_str(cursor)
    {
        headers.insert("x-next-cursor", value);
    }
    Ok((headers, Json(Value::Array(list))))
}

/// Updates a model (a new version when what runs changes).
pub async fn update(
    State(deps): State<CompatDeps>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<Json<Value>, RestError> {
    let input = model_input(body, false)?;
    let operation = format!(
        "mutation Update($id: ID!, $input: UpdateModelInput!) {{ updateModel(id: $id, input: $input) {{ {MODEL_FIELDS} }} }}"
    );
    let data = deps
        .platform
        .run(&caller, &operation, json!({"id": id, "input": input}))
        .await?;
    Ok(Json(model_shape(&data["updateModel"])))
}

/// Deletes a model: 204 (a model jobs ran is hidden for good rather than removed).
pub async fn delete(
    State(deps): State<CompatDeps>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, RestError> {
    deps.platform
        .run(
            &caller,
            "mutation Delete($id: ID!) { deleteModel(id: $id) { id } }",
            json!({"id": id}),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_fields_become_graphql_input_fields() {
        let body = json!({"name": "styleClip", "machine_type": "container2", "machine_count": 2,
            "example_outputs": ["x"], "hidden": "false", "invocation": "http",
            "outputs": [{"pattern": "*.jpg", "content_type": "image/jpeg"}]});
        let Value::Object(body) = body else {
            unreachable!()
        };
        let input = model_input(body, true).expect("valid");
        assert_eq!(input["machineType"], "container2");
        assert_eq!(input["machineCount"], 2);
        assert_eq!(input["exampleOutputs"], json!(["x"]));
        assert_eq!(input["hidden"], false);
        assert_eq!(input["invocation"], "HTTP");
        assert_eq!(input["outputs"][0]["contentType"], "image/jpeg");
    }

    #[test]
    fn unknown_fields_and_an_id_on_update_are_refused() {
        let Value::Object(body) = json!({"nmae": "typo"}) else {
            unreachable!()
        };
        assert!(matches!(
            model_input(body, true),
            Err(RestError::BadRequest(_))
        ));
        let Value::Object(body) = json!({"id": "x"}) else {
            unreachable!()
        };
        assert!(matches!(
            model_input(body, false),
            Err(RestError::BadRequest(_))
        ));
    }
}
