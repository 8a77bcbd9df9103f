//! Database rows.

use super::schema::media;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

/// A row of `media.media`.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
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
