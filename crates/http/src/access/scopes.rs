//! Which scope each route of the API needs: reading a collection needs its
//! `:read` scope, changing it its `:write` scope; keys need `admin` and webhook
//! endpoints `webhooks:manage`. The collection is the first segment of the path
//! under the API prefix, so a route added to a collection is covered at once.

use actix_web::http::Method;
use oms_domain::Scope;

/// The scope a request for `path` (under the API prefix, e.g. `/orders/7`)
/// with `method` needs; `None` for paths outside every collection (they are
/// answered 404 once the key is checked).
pub fn required(method: &Method, path: &str) -> Option<Scope> {
    let collection = path.trim_start_matches('/').split('/').next()?;
    let reads = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    Some(match (collection, reads) {
        ("users", true) => Scope::UsersRead,
        ("users", false) => Scope::UsersWrite,
        ("products", true) => Scope::ProductsRead,
        ("products", false) => Scope::ProductsWrite,
        ("orders", true) => Scope::OrdersRead,
        ("orders", false) => Scope::OrdersWrite,
        ("webhooks", _) => Scope::WebhooksManage,
        ("api-keys", _) => Scope::Admin,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_of_each_collection() {
        assert_eq!(required(&Method::GET, "/users"), Some(Scope::UsersRead));
        assert_eq!(
            required(&Method::PATCH, "/users/3"),
            Some(Scope::UsersWrite)
        );
        assert_eq!(required(&Method::GET, "/orders/9"), Some(Scope::OrdersRead));
        assert_eq!(required(&Method::POST, "/orders"), Some(Scope::OrdersWrite));
        assert_eq!(required(&Method::GET, "/api-keys"), Some(Scope::Admin));
        assert_eq!(required(&Method::DELETE, "/api-keys/1"), Some(Scope::Admin));
        assert_eq!(required(&Method::GET, "/nothing-here"), None);
        assert_eq!(required(&Method::GET, "/usersx"), None);
    }
}
