//! Which request paths the router lets through: only canonical ones, so that what the
//! router matches against its routes is exactly what a service behind it routes on. A path
//! with a dot segment (`..`, `.`), an empty segment (`//`), a backslash, a control
//! character, or an encoded `/`, `\`, `.`, `%` or control character (the forms proxies and
//! URL libraries decode or normalise differently, including double encoding) is refused
//! with 400 before any routing.

/// Why a path was refused (safe to show).
pub type Refusal = &'static str;

/// Accepts a canonical path; names what is wrong otherwise.
pub fn check(path: &str) -> Result<(), Refusal> {
    if !path.starts_with('/') {
        return Err("the path must start with /");
    }
    let bytes = path.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        if byte == b'\\' || byte < 0x20 || byte == 0x7f {
            return Err("the path holds a backslash or a control character");
        }
        if byte == b'%' {
            let decoded = bytes
                .get(at + 1..at + 3)
                .and_then(|hex| std::str::from_utf8(hex).ok())
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                .ok_or("the path holds a malformed percent-encoding")?;
            if matches!(decoded, b'/' | b'\\' | b'.' | b'%') || decoded < 0x20 || decoded == 0x7f {
                return Err(
                    "the path encodes a separator, a dot, a percent sign or a control character",
                );
            }
            at += 3;
            continue;
        }
        at += 1;
    }
    let segments: Vec<&str> = path[1..].split('/').collect();
    for (n, segment) in segments.iter().enumerate() {
        if *segment == "." || *segment == ".." {
            return Err("the path holds a dot segment");
        }
        // A trailing slash is fine; an empty segment elsewhere (`//`) is not.
        if segment.is_empty() && n + 1 < segments.len() {
            return Err("the path holds an empty segment");
        }
    }
    Ok(())
}

/// Whether `path` is one of `paths`: exactly, or under one that ends with `/`.
pub fn under_any(paths: &[String], path: &str) -> bool {
    paths.iter().any(|p| {
        if p.ends_with('/') {
            path.starts_with(p.as_str())
        } else {
            path == p
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_paths_pass() {
        for path in [
            "/",
            "/graphql",
            "/api/v1/media",
            "/api/v1/",
            "/objects/4b0e/0192-ab/file%20name.mp3",
            "/apiv1/track/abc.mp3",
            "/converter/download/x",
        ] {
            assert_eq!(check(path), Ok(()), "{path}");
        }
    }

    #[test]
    fn dot_segments_encoded_separators_and_double_encoding_are_refused() {
        for path in [
            "/objects/../graphql",
            "/objects/./graphql",
            "/objects/..",
            "/objects/%2e%2e/graphql",
            "/objects/%2E%2E/graphql",
            "/objects/.%2e/graphql",
            "/objects/..%2fgraphql",
            "/objects/..%2Fgraphql",
            "/objects/%252e%252e/graphql",
            "/objects/..%5cgraphql",
            "/objects/..\\graphql",
            "/objects//graphql",
            "/objects/%00",
            "/objects/%zz",
            "/objects/%2",
            "objects",
        ] {
            assert!(check(path).is_err(), "{path}");
        }
    }

    #[test]
    fn paths_match_exactly_or_under_a_prefix() {
        let paths = vec!["/upload".to_owned(), "/objects/".to_owned()];
        assert!(under_any(&paths, "/upload"));
        assert!(!under_any(&paths, "/uploads"));
        assert!(under_any(&paths, "/objects/a/b"));
        assert!(!under_any(&paths, "/object"));
    }
}
