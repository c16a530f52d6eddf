#![allow(dead_code)]
//! An in-process app on a fresh database, and typed helpers to call it.

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::{test, Error, HttpMessage};
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use oms_domain::{KeyName, RateLimit, Scopes};
use oms_http::{app, Access, ApiConfig};
use oms_persistence::testing::TestDatabase;
use oms_persistence::NewApiKey;
use oms_persistence::Store;
use serde_json::{json, Value};

pub const PREFIX: &str = "/api/v1";

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// Asserts the status and returns the body.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        self.body
    }

    /// Asserts an error answer with this status, code and field.
    #[track_caller]
    pub fn expect_error(self, status: u16, code: &str, field: Option<&str>) -> Value {
        let body = self.expect(status);
        assert_eq!(body["code"], code, "body: {body}");
        assert!(
            body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "body: {body}"
        );
        match field {
            Some(field) => assert_eq!(body["field"], field, "body: {body}"),
            None => assert!(body.get("field").is_none(), "body: {body}"),
        }
        body
    }
}

/// A store whose database is a closed port on this machine: every connection is refused.
pub fn unreachable_store(wait_timeout: std::time::Duration) -> Store {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let options = oms_persistence::ConnectOptions {
        address: oms_persistence::DatabaseAddress::from_parts(
            "127.0.0.1",
            closed,
            "oms",
            "postgres",
            "",
        ),
        schema: "public".to_owned(),
        statement_timeout: std::time::Duration::from_secs(5),
    };
    Store::new(oms_persistence::pool::build_pool(
        &options,
        oms_persistence::PoolOptions {
            max_size: 2,
            wait_timeout,
        },
    ))
}

pub struct TestApp<S> {
    pub db: TestDatabase,
    pub store: Store,
    pub access: Access,
    /// An unlimited admin key, sent with every request that names no other.
    pub key: String,
    service: S,
}

/// Creates a key on `store` and returns it.
pub async fn create_key(store: &Store, scopes: &[&str], rate_limit: Option<i64>) -> String {
    let key = NewApiKey {
        name: KeyName::parse("test").unwrap(),
        scopes: Scopes::parse(scopes).unwrap(),
        rate_limit: rate_limit.map(|limit| RateLimit::per_minute(limit).unwrap()),
    };
    store.create_key(&key).await.unwrap().1.expose().to_owned()
}

/// The API's settings with webhook endpoints allowed on this machine, where
/// the tests' receivers are.
pub fn allowing_private() -> ApiConfig {
    let mut config = ApiConfig::new(PREFIX);
    config.webhook_allow_private = true;
    config
}

/// The server's default limit in tests, as in production.
pub const DEFAULT_LIMIT: i64 = 600;

/// Starts the app on a new database with the default prefix and limits.
pub async fn spawn() -> TestApp<
    impl Service<actix_http::Request, Response = ServiceResponse<impl MessageBody>, Error = Error>,
> {
    spawn_with(ApiConfig::new(PREFIX)).await
}

/// Starts the app on a new database with `config`.
pub async fn spawn_with(
    config: ApiConfig,
) -> TestApp<
    impl Service<actix_http::Request, Response = ServiceResponse<impl MessageBody>, Error = Error>,
> {
    spawn_pooled(config, 4).await
}

/// Starts the app on a new database with `config` and a pool of `connections`
/// (a quarter of them place orders at once).
pub async fn spawn_pooled(
    config: ApiConfig,
    connections: usize,
) -> TestApp<
    impl Service<actix_http::Request, Response = ServiceResponse<impl MessageBody>, Error = Error>,
> {
    let db = TestDatabase::new().await;
    let store = Store::new(db.pool(connections));
    let access = Access::new(store.clone(), RateLimit::per_minute(DEFAULT_LIMIT).unwrap());
    let key = create_key(&store, &["admin"], Some(0)).await;
    let service = test::init_service(app(
        store.clone(),
        config,
        oms_http::Metrics::new(),
        access.clone(),
    ))
    .await;
    TestApp {
        db,
        store,
        access,
        key,
        service,
    }
}

/// Starts a second app on `db`, as another server on the same database would be.
pub async fn spawn_beside(
    db: &TestDatabase,
) -> (
    Access,
    impl Service<actix_http::Request, Response = ServiceResponse<impl MessageBody>, Error = Error>,
) {
    let store = Store::new(db.pool(4));
    let access = Access::new(store.clone(), RateLimit::per_minute(DEFAULT_LIMIT).unwrap());
    let service = test::init_service(app(
        store,
        ApiConfig::new(PREFIX),
        oms_http::Metrics::new(),
        access.clone(),
    ))
    .await;
    (access, service)
}

impl<S, B> TestApp<S>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    /// Sends a request; `body` is sent as JSON when given.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut request = test::TestRequest::default().method(method).uri(path);
        if let Some(body) = body {
            request = request.set_json(body);
        }
        self.send(request).await
    }

    /// Sends a prepared request, with the admin key unless it names a key.
    pub async fn send(&self, request: test::TestRequest) -> Reply {
        self.send_as(request, Some(&self.key)).await
    }

    /// Sends a prepared request with `key`, if any, unless it sets
    /// `Authorization` itself.
    pub async fn send_as(&self, request: test::TestRequest, key: Option<&str>) -> Reply {
        let mut request = request.to_request();
        if let Some(key) = key {
            if !request.headers().contains_key(header::AUTHORIZATION) {
                request.headers_mut().insert(
                    header::AUTHORIZATION,
                    header::HeaderValue::from_str(&format!("Bearer {key}")).unwrap(),
                );
            }
        }
        let response = test::call_service(&self.service, request).await;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = test::read_body(response).await;
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = if bytes.is_empty() {
            Value::Null
        } else if content_type == "text/csv; charset=utf-8" {
            // The export: its text, as a JSON string.
            Value::String(String::from_utf8(bytes.to_vec()).expect("CSV in UTF-8"))
        } else {
            assert_eq!(
                content_type, "application/json",
                "every other answer with a body is JSON"
            );
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    /// Sends a GET and returns the status, headers and body as text (for non-JSON answers).
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
    ) -> (u16, actix_web::http::header::HeaderMap, String) {
        let request = test::TestRequest::default()
            .method(method)
            .uri(path)
            .insert_header((header::AUTHORIZATION, format!("Bearer {}", self.key)))
            .to_request();
        let response = test::call_service(&self.service, request).await;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = test::read_body(response).await;
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, &format!("{PREFIX}{path}"), None)
            .await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, &format!("{PREFIX}{path}"), Some(body))
            .await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.call(Method::PATCH, &format!("{PREFIX}{path}"), Some(body))
            .await
    }

    /// Creates a user and returns its id.
    pub async fn user(&self, email: &str, name: &str) -> i64 {
        self.post("/users", json!({"email": email, "full_name": name}))
            .await
            .expect(201)["id"]
            .as_i64()
            .unwrap()
    }

    /// Registers a webhook endpoint at `url` for `events`; returns its id and
    /// its signing secret.
    pub async fn webhook(&self, url: &str, events: Value) -> (i64, String) {
        let created = self
            .post("/webhooks", json!({"url": url, "events": events}))
            .await
            .expect(201);
        (
            created["id"].as_i64().unwrap(),
            created["secret"].as_str().unwrap().to_owned(),
        )
    }

    /// Creates a product and returns its id.
    pub async fn product(&self, name: &str, price_cents: i64) -> i64 {
        self.post(
            "/products",
            json!({"name": name, "price_cents": price_cents}),
        )
        .await
        .expect(201)["id"]
            .as_i64()
            .unwrap()
    }

    /// Places an order of `(product_id, quantity)` lines and returns its JSON.
    pub async fn order(&self, user_id: i64, lines: &[(i64, i64)]) -> Value {
        let items: Vec<Value> = lines
            .iter()
            .map(|(product_id, quantity)| json!({"product_id": product_id, "quantity": quantity}))
            .collect();
        self.post("/orders", json!({"user_id": user_id, "items": items}))
            .await
            .expect(201)
    }

    /// A direct connection to the test database, for checks and plain-SQL writes.
    pub async fn sql(&self) -> AsyncPgConnection {
        self.db.connect().await
    }

    /// Runs statements directly on the database.
    pub async fn execute(&self, statements: &str) {
        self.sql()
            .await
            .batch_execute(statements)
            .await
            .unwrap_or_else(|e| panic!("{statements}: {e}"));
    }

    /// How many (status, day) pairs the day totals get wrong, against a full
    /// recomputation, plus how many orders have wrong stored totals and how many
    /// lines a wrong copy of their order's date: 0 when the fast paths agree with
    /// the slow ones.
    pub async fn disagreements(&self) -> i64 {
        use oms_persistence::testing::{
            DAY_TOTALS_DISAGREEING, LINES_WITH_WRONG_ORDER_DATE, ORDERS_WITH_WRONG_TOTALS,
        };
        self.scalar(DAY_TOTALS_DISAGREEING).await
            + self.scalar(ORDERS_WITH_WRONG_TOTALS).await
            + self.scalar(LINES_WITH_WRONG_ORDER_DATE).await
    }

    /// Runs a query returning one bigint column `n`.
    pub async fn scalar(&self, query: &str) -> i64 {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query(query)
            .get_result::<N>(&mut self.sql().await)
            .await
            .unwrap()
            .n
    }

    /// Runs a query returning one text column `text` that holds JSON.
    pub async fn json(&self, query: &str) -> Value {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Text {
            #[diesel(sql_type = diesel::sql_types::Text)]
            text: String,
        }
        let row: Text = diesel::sql_query(query)
            .get_result(&mut self.sql().await)
            .await
            .unwrap_or_else(|e| panic!("{query}: {e}"));
        serde_json::from_str(&row.text).unwrap()
    }

    /// A webhook endpoint's delivery log, its first page.
    pub async fn deliveries(&self, endpoint: i64) -> Value {
        self.get(&format!("/webhooks/{endpoint}/deliveries"))
            .await
            .expect(200)
    }

    /// The endpoint's delivery log once it shows at least `made` attempts made
    /// (not pending); panics after `within`.
    pub async fn wait_for_deliveries(
        &self,
        endpoint: i64,
        made: usize,
        within: std::time::Duration,
    ) -> Value {
        let deadline = std::time::Instant::now() + within;
        loop {
            let log = self.deliveries(endpoint).await;
            let done = log["deliveries"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|row| row["status"] != "pending")
                .count();
            if done >= made {
                return log;
            }
            assert!(std::time::Instant::now() < deadline, "log: {log}");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Counts rows of a table.
    pub async fn count(&self, table: &str) -> i64 {
        self.scalar(&format!("SELECT count(*) AS n FROM {table}"))
            .await
    }
}
