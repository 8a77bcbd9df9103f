//! The `Upload` scalar of the GraphQL multipart request spec, and the files of one multipart
//! request, already streamed into storage by [`crate::http::graphql_multipart`] before the
//! operation runs.

use crate::commands::direct::StoredUpload;
use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use std::sync::Mutex;

/// How a variable refers to the n-th file part of its multipart request.
pub const FILE_REFERENCE_PREFIX: &str = "#__graphql_file__:";

/// A file sent as a part of a multipart request (GraphQL multipart request spec).
pub struct FileUpload(pub usize);

/// A file sent as a part of a `multipart/form-data` request, following the GraphQL multipart
/// request spec (`operations`, `map`, then the files).
#[Scalar(
    name = "Upload",
    specified_by_url = "https://github.com/jaydenseric/graphql-multipart-request-spec"
)]
impl ScalarType for FileUpload {
    fn parse(value: Value) -> InputValueResult<Self> {
        // Our own parser: a client-written reference must never panic or index blindly.
        match &value {
            Value::String(text) => text
                .strip_prefix(FILE_REFERENCE_PREFIX)
                .and_then(|index| index.parse().ok())
                .map(FileUpload)
                .ok_or_else(|| {
                    InputValueError::custom(
                        "an Upload is a file part of a multipart request (GraphQL multipart request spec)",
                    )
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::Null
    }
}

/// The stored files of one multipart request, each taken at most once.
pub struct StagedUploads(Mutex<Vec<Option<StoredUpload>>>);

impl StagedUploads {
    /// Wraps the files in the order of their references.
    pub fn new(files: Vec<StoredUpload>) -> Self {
        Self(Mutex::new(files.into_iter().map(Some).collect()))
    }

    /// The file `upload` refers to, unless it is unknown or already taken.
    pub fn take(&self, upload: &FileUpload) -> Option<StoredUpload> {
        let mut files = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        files.get_mut(upload.0).and_then(Option::take)
    }

    /// The files no resolver took (to be removed).
    pub fn leftovers(&self) -> Vec<StoredUpload> {
        let mut files = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        files.iter_mut().filter_map(Option::take).collect()
    }
}
