//! What the plugins that serve pages of their own (the playground, the console, the site's
//! home page) share: one way to answer a file under a Content-Security-Policy, and escaping.

use hive_router::{
    http::StatusCode,
    ntex::http::{
        Response,
        header::{self, HeaderValue},
    },
};

/// A file answered under `csp`, never sniffed into another type, revalidated on each use
/// (a new router build may serve other bytes under the same name).
pub fn file(content_type: &'static str, csp: &'static str, body: impl Into<Vec<u8>>) -> Response {
    Response::build(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .header(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        )
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(body.into())
}

/// Text safe inside HTML content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_quotes_are_escaped() {
        assert_eq!(escape(r#"/a"b<c>&d"#), "/a&quot;b&lt;c&gt;&amp;d");
    }
}
