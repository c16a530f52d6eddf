//! Versions and conditional requests on users and products: `ETag` on every
//! answer about one resource, `If-Match` guarding changes (412 and nothing
//! changed when stale), `If-None-Match` answering 304.

mod common;

use actix_web::http::header;
use actix_web::test::TestRequest;
use futures_util::future::join_all;
use serde_json::json;

fn etag(reply: &common::Reply) -> String {
    reply
        .headers
        .get(header::ETAG)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}

#[actix_web::test]
async fn every_change_is_a_new_version_named_by_the_etag() {
    let app = common::spawn().await;
    for (collection, create, change, same) in [
        (
            "users",
            json!({"email": "ada@example.com", "full_name": "Ada"}),
            json!({"full_name": "Ada L."}),
            json!({"full_name": "Ada L."}),
        ),
        (
            "products",
            json!({"name": "Mug", "price_cents": 1299}),
            json!({"price_cents": 999}),
            json!({"price_cents": 999}),
        ),
    ] {
        let created = app.post(&format!("/{collection}"), create).await;
        assert_eq!(etag(&created), "\"1\"", "{collection}");
        let id = created.expect(201)["id"].clone();
        let path = format!("/{collection}/{id}");
        let read = app.get(&path).await;
        assert_eq!(etag(&read), "\"1\"");
        assert_eq!(read.expect(200)["version"], 1);

        let changed = app.patch(&path, change).await;
        assert_eq!(etag(&changed), "\"2\"");
        assert_eq!(changed.expect(200)["version"], 2);
        let again = app.patch(&path, same).await;
        assert_eq!(
            etag(&again),
            "\"2\"",
            "writing the same values is no new version"
        );

        // A stale If-Match changes nothing; a current one goes through.
        let full = format!("{}{path}", common::PREFIX);
        let conditional = |tag: &str, body: serde_json::Value| {
            TestRequest::patch()
                .uri(&full)
                .insert_header((header::IF_MATCH, tag))
                .set_json(body)
        };
        let body = if collection == "users" {
            json!({"full_name": "Stale"})
        } else {
            json!({"name": "Stale"})
        };
        app.send(conditional("\"1\"", body.clone()))
            .await
            .expect_error(412, "PRECONDITION_FAILED", Some("If-Match"));
        assert_eq!(
            app.get(&path).await.expect(200)["version"],
            2,
            "{collection}"
        );
        let applied = app.send(conditional("\"7\", \"2\"", body.clone())).await;
        assert_eq!(etag(&applied), "\"3\"");
        applied.expect(200);
        app.send(conditional("*", body.clone())).await.expect(200);
        app.send(conditional("W/\"3\"", body.clone()))
            .await
            .expect_error(412, "PRECONDITION_FAILED", Some("If-Match"));
        app.send(conditional("3", body.clone())).await.expect_error(
            400,
            "VALIDATION_ERROR",
            Some("If-Match"),
        );

        // If-Match on a missing resource is 412; without it, 404.
        let missing = format!("{}/{collection}/9999", common::PREFIX);
        let reply = app
            .send(
                TestRequest::patch()
                    .uri(&missing)
                    .insert_header((header::IF_MATCH, "*"))
                    .set_json(body.clone()),
            )
            .await;
        reply.expect_error(412, "PRECONDITION_FAILED", Some("If-Match"));

        // If-None-Match: 304 with the tag and no body while it names the version.
        let current = etag(&app.get(&path).await);
        for tag in [current.clone(), format!("W/{current}"), "*".to_owned()] {
            let reply = app
                .send(
                    TestRequest::get()
                        .uri(&full)
                        .insert_header((header::IF_NONE_MATCH, tag.as_str())),
                )
                .await;
            assert_eq!(reply.status.as_u16(), 304, "{tag}");
            assert!(reply.body.is_null());
            assert_eq!(etag(&reply), current);
        }
        let reply = app
            .send(
                TestRequest::get()
                    .uri(&full)
                    .insert_header((header::IF_NONE_MATCH, "\"1\"")),
            )
            .await;
        assert_eq!(reply.status.as_u16(), 200);
    }
}

/// Two clients change a resource they read at the same version, at once:
/// exactly one change is made, the other is told it was too late.
#[actix_web::test]
async fn of_two_changes_made_from_one_version_exactly_one_lands() {
    let app = common::spawn().await;
    let user = app.user("ada@example.com", "Ada").await;
    let product = app.product("Mug", 1299).await;
    for round in 0..10 {
        for (path, body) in [
            (
                format!("/users/{user}"),
                json!({"full_name": format!("Ada {round}")}),
            ),
            (
                format!("/products/{product}"),
                json!({"price_cents": 1000 + round}),
            ),
        ] {
            let current = etag(&app.get(&path).await);
            let full = format!("{}{path}", common::PREFIX);
            let replies = join_all((0..2).map(|n| {
                let mut body = body.clone();
                if let Some(name) = body.get_mut("full_name") {
                    *name = json!(format!("{} by {n}", name.as_str().unwrap()));
                } else {
                    body["price_cents"] = json!(body["price_cents"].as_i64().unwrap() * 10 + n);
                }
                app.send(
                    TestRequest::patch()
                        .uri(&full)
                        .insert_header((header::IF_MATCH, current.as_str()))
                        .set_json(body),
                )
            }))
            .await;
            let mut statuses: Vec<u16> =
                replies.iter().map(|reply| reply.status.as_u16()).collect();
            statuses.sort_unstable();
            assert_eq!(statuses, [200, 412], "{path}");
        }
    }
}

/// Preconditions come before the change itself: a stale If-Match on a change
/// that would also conflict is 412, not 409.
#[actix_web::test]
async fn a_stale_if_match_wins_over_a_conflict() {
    let app = common::spawn().await;
    app.user("taken@example.com", "First").await;
    let second = app.user("second@example.com", "Second").await;
    app.send(
        TestRequest::patch()
            .uri(&format!("{}/users/{second}", common::PREFIX))
            .insert_header((header::IF_MATCH, "\"5\""))
            .set_json(json!({"email": "taken@example.com"})),
    )
    .await
    .expect_error(412, "PRECONDITION_FAILED", Some("If-Match"));
}

/// Orders: the version counts status changes; a stale If-Match is 412 even
/// where the move itself would be refused (409), and of two moves made from
/// one version exactly one lands.
#[actix_web::test]
async fn orders_are_versioned_and_guarded_like_the_rest() {
    let app = common::spawn().await;
    let user = app.user("ada@example.com", "Ada").await;
    let product = app.product("Mug", 1299).await;
    let placed = app.order(user, &[(product, 1)]).await;
    assert_eq!(placed["version"], 1);
    let id = placed["order_id"].as_i64().unwrap();
    let full = format!("{}/orders/{id}", common::PREFIX);
    let patch = |tag: Option<&str>, status: &str| {
        let request = TestRequest::patch()
            .uri(&full)
            .set_json(json!({"status": status}));
        match tag {
            Some(tag) => request.insert_header((header::IF_MATCH, tag)),
            None => request,
        }
    };
    let paid = app.send(patch(Some("\"1\""), "paid")).await;
    assert_eq!(etag(&paid), "\"2\"");
    assert_eq!(paid.expect(200)["version"], 2);
    app.send(patch(Some("\"1\""), "pending"))
        .await
        .expect_error(412, "PRECONDITION_FAILED", Some("If-Match"));
    app.send(patch(Some("\"2\""), "pending"))
        .await
        .expect_error(409, "INVALID_STATUS_TRANSITION", None);
    let same = app.send(patch(None, "paid")).await;
    assert_eq!(etag(&same), "\"2\"", "a no-op is no new version");
    let read = app
        .send(
            TestRequest::get()
                .uri(&full)
                .insert_header((header::IF_NONE_MATCH, "\"2\"")),
        )
        .await;
    assert_eq!(read.status.as_u16(), 304);

    for _ in 0..10 {
        let id = app.order(user, &[(product, 1)]).await["order_id"]
            .as_i64()
            .unwrap();
        let full = format!("{}/orders/{id}", common::PREFIX);
        let replies = join_all(["paid", "cancelled"].map(|status| {
            app.send(
                TestRequest::patch()
                    .uri(&full)
                    .insert_header((header::IF_MATCH, "\"1\""))
                    .set_json(json!({"status": status})),
            )
        }))
        .await;
        let mut statuses: Vec<u16> = replies.iter().map(|reply| reply.status.as_u16()).collect();
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 412]);
        let events = app.get(&format!("/orders/{id}/events")).await.expect(200);
        assert_eq!(events["total"], 2, "one change, one event");
    }
    app.send(
        TestRequest::patch()
            .uri(&format!("{}/orders/9999", common::PREFIX))
            .insert_header((header::IF_MATCH, "*"))
            .set_json(json!({"status": "paid"})),
    )
    .await
    .expect_error(412, "PRECONDITION_FAILED", Some("If-Match"));
}
