//! Database rows.

use super::schema::media;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

/// A row of `media.media`.
#[derive(Clone, Debug, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = media)]
pub struct MediaRow {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub owner_kind: String,
    pub name: String,
    pub content_type: String,
    pub kind: String,
    pub size_bytes: i64,
    pub sha256: Option<String>,
    pub status: String,
    pub tags: Vec<String>,
    pub metadata: Option<serde_json::Value>,
    pub failure: Option<String>,
    pub job_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A row of `media.multipart_uploads`.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::multipart_uploads)]
pub struct MultipartRow {
    pub media_id: Uuid,
    pub owner_id: Uuid,
    pub store_upload_id: String,
    pub part_size: i64,
    pub part_count: i32,
    pub completing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// How its parts are checked (`sha256`, `crc32`).
    pub part_checksum: String,
}

impl MultipartRow {
    /// How its parts are checked (the column's constraint allows only the known names).
    pub fn part_algorithm(&self) -> crate::storage::checksum::PartChecksum {
        crate::storage::checksum::PartChecksum::parse(&self.part_checksum).unwrap_or_default()
    }
}

/// A row of `media.account_quotas`: one account's overrides (`None`: the configured value).
#[derive(Clone, Debug, Default, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = super::schema::account_quotas, treat_none_as_null = true)]
pub struct QuotaRow {
    pub account_id: Uuid,
    pub storage_bytes: Option<i64>,
    pub pending_uploads: Option<i32>,
    pub concurrent_uploads: Option<i32>,
    pub updated_at: DateTime<Utc>,
}
