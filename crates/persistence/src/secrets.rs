//! Secrets the servers of a database share (made by a migration).

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use oms_domain::CursorKey;

use crate::error::StoreError;
use crate::schema::secrets;

/// The key cursors are signed with.
pub async fn cursor_key(conn: &AsyncPgConnection) -> Result<CursorKey, StoreError> {
    let value: Vec<u8> = secrets::table
        .find("cursor")
        .select(secrets::value)
        .first(&mut &*conn)
        .await
        .optional()?
        .ok_or_else(|| StoreError::Corrupt("the cursor secret is missing".to_owned()))?;
    let bytes = <[u8; 32]>::try_from(value.as_slice())
        .map_err(|_| StoreError::Corrupt("the cursor secret is not 32 bytes".to_owned()))?;
    Ok(CursorKey::new(bytes))
}
