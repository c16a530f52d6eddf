//! Changes conditional on a version (`If-Match`): the condition as the
//! parameters of an `UPDATE`, and the error when no row met it.

use oms_domain::IfMatch;

use crate::error::{entity_name, Entity, StoreError};

/// `(versions, any)` for `WHERE version = ANY(versions) OR any`: any version
/// without a condition or with `If-Match: *`.
pub(crate) fn condition(if_match: Option<&IfMatch>) -> (Vec<i32>, bool) {
    match if_match.and_then(IfMatch::versions) {
        Some(versions) => (versions.to_vec(), false),
        None => (Vec::new(), true),
    }
}

/// Why a conditional update changed no row, given what reading the row found:
/// its version, or that it is missing.
pub(crate) fn refusal(
    entity: Entity,
    id: i64,
    if_match: Option<&IfMatch>,
    current: Result<i32, StoreError>,
) -> StoreError {
    match (if_match, current) {
        (Some(_), Ok(version)) => StoreError::PreconditionFailed {
            entity,
            id,
            version: Some(version),
        },
        (Some(_), Err(StoreError::NotFound { .. })) => StoreError::PreconditionFailed {
            entity,
            id,
            version: None,
        },
        (None, Ok(_)) => StoreError::Corrupt(format!(
            "an unconditional update of {} {id} changed no row",
            entity_name(entity)
        )),
        (_, Err(error)) => error,
    }
}
