mod core;
mod extractors;

pub use core::{
    DocumentIdResolver, DocumentIdResolverInput, HttpRequestContext, PersistedDocumentExtractError,
};
pub(crate) use extractors::document_id::DOCUMENT_ID_FIELD;
