use http::{header::CONTENT_TYPE, StatusCode};
use ntex::{http::ResponseBuilder, web::Responder};

// PATCH (Media Magic): a path no route serves answers 404 in Media Magic's error shape
// instead of Hive Router's welcome page (which loaded icons from a third-party site).
pub async fn landing_page_handler(graphql_endpoint: String) -> impl Responder {
    let body = sonic_rs::json!({"errors": [{
        "message": format!("nothing is served at this path; the GraphQL API is at {graphql_endpoint}"),
        "extensions": {"code": "NOT_FOUND"},
    }]});
    ResponseBuilder::new(StatusCode::NOT_FOUND)
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_string())
}
