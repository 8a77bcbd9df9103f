//! Cursor pagination over a stable `(created_at, id)` order: opaque cursors, bounded page
//! sizes, and a connection type with `totalCount`.

use crate::error::{ApiError, ApiResult};
use async_graphql::{
    OutputType, SimpleObject,
    connection::{Connection, Edge, EmptyFields},
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Default page size when `first` is absent.
pub const DEFAULT_PAGE: i64 = 20;
/// Largest page a client may ask for.
pub const MAX_PAGE: i64 = 100;

/// Extra connection fields: the number of items across all pages.
#[derive(SimpleObject, Clone, Copy, Debug)]
pub struct TotalCount {
    /// How many items match, across all pages.
    pub total_count: i64,
}

/// The page size for `first`: default when absent, BAD_USER_INPUT outside 0..=MAX_PAGE.
pub fn page_size(first: Option<i32>) -> ApiResult<i64> {
    match first {
        None => Ok(DEFAULT_PAGE),
        Some(n) if (0..=MAX_PAGE as i32).contains(&n) => Ok(i64::from(n)),
        Some(_) => Err(ApiError::bad_input(
            "first",
            format!("first must be between 0 and {MAX_PAGE}"),
        )),
    }
}

/// A cursor connection with `totalCount`.
pub type Page<T> = Connection<String, T, TotalCount, EmptyFields>;

/// The page for rows fetched with `limit + 1` (the extra row only says there is a next
/// page); `edge` gives each row's cursor and node.
pub fn page_of<R, T: OutputType>(
    mut rows: Vec<R>,
    limit: i64,
    has_previous: bool,
    total_count: i64,
    edge: impl Fn(R) -> (String, T),
) -> Page<T> {
    let has_next = rows.len() as i64 > limit;
    rows.truncate(limit.max(0) as usize);
    let mut page =
        Connection::with_additional_fields(has_previous, has_next, TotalCount { total_count });
    page.edges.extend(rows.into_iter().map(|row| {
        let (cursor, node) = edge(row);
        Edge::new(cursor, node)
    }));
    page
}

/// An opaque cursor for a `(created_at, id)` position.
pub fn encode_cursor(at: DateTime<Utc>, id: Uuid) -> String {
    hex::encode(format!("{}|{id}", at.timestamp_micros()))
}

/// Reads a cursor made by [`encode_cursor`].
pub fn decode_cursor(cursor: &str) -> ApiResult<(DateTime<Utc>, Uuid)> {
    let bad = || ApiError::bad_input("after", "invalid cursor; use a cursor from a previous page");
    let raw = hex::decode(cursor).map_err(|_| bad())?;
    let raw = String::from_utf8(raw).map_err(|_| bad())?;
    let (micros, id) = raw.split_once('|').ok_or_else(bad)?;
    let micros: i64 = micros.parse().map_err(|_| bad())?;
    let at = DateTime::<Utc>::from_timestamp_micros(micros).ok_or_else(bad)?;
    Ok((at, Uuid::parse_str(id).map_err(|_| bad())?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips() {
        let at = DateTime::<Utc>::from_timestamp_micros(1_700_000_000_123_456).unwrap();
        let id = Uuid::new_v4();
        assert_eq!(decode_cursor(&encode_cursor(at, id)).unwrap(), (at, id));
    }

    #[test]
    fn bad_cursors_and_page_sizes_are_bad_input() {
        assert_eq!(decode_cursor("zz").unwrap_err().code(), "BAD_USER_INPUT");
        assert_eq!(page_size(Some(101)).unwrap_err().code(), "BAD_USER_INPUT");
        assert_eq!(page_size(None).unwrap(), DEFAULT_PAGE);
    }
}
