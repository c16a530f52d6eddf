//! Versions of users, products and orders, and the condition a change may put
//! on them (`If-Match`).

/// The versions a change may apply to.
///
/// ```
/// use oms_domain::IfMatch;
///
/// assert!(IfMatch::Any.allows(7));
/// assert!(IfMatch::Versions(vec![2, 3]).allows(3));
/// assert!(!IfMatch::Versions(vec![2]).allows(3));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    /// Any version, as long as the resource exists (`If-Match: *`).
    Any,
    /// One of these versions.
    Versions(Vec<i32>),
}

impl IfMatch {
    /// Whether a resource at `version` may be changed.
    pub fn allows(&self, version: i32) -> bool {
        match self {
            Self::Any => true,
            Self::Versions(versions) => versions.contains(&version),
        }
    }

    /// The versions named, or `None` for any.
    pub fn versions(&self) -> Option<&[i32]> {
        match self {
            Self::Any => None,
            Self::Versions(versions) => Some(versions),
        }
    }
}
