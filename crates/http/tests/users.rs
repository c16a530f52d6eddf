//! `/users` as a client sees it.

mod common;

use serde_json::json;

#[actix_web::test]
async fn a_created_user_is_trimmed_located_and_readable() {
    let app = common::spawn().await;
    let reply = app
        .post(
            "/users",
            json!({"email": "  Ada.Lovelace@Example.com ", "full_name": "\tAda Lovelace "}),
        )
        .await;
    let location = reply
        .headers
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let user = reply.expect(201);
    assert_eq!(user["email"], "Ada.Lovelace@Example.com");
    assert_eq!(user["full_name"], "Ada Lovelace");
    assert!(user["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(location, format!("/api/v1/users/{}", user["id"]));
    let read = app.get(&format!("/users/{}", user["id"])).await.expect(200);
    assert_eq!(read, user);
}

#[actix_web::test]
async fn an_email_taken_in_any_case_is_a_conflict_and_the_first_user_stays() {
    let app = common::spawn().await;
    let first = app.user("owner@example.com", "Owner").await;
    app.post(
        "/users",
        json!({"email": " OWNER@EXAMPLE.COM", "full_name": "Thief"}),
    )
    .await
    .expect_error(409, "EMAIL_TAKEN", Some("email"));
    let other = app.user("other@example.com", "Other").await;
    app.patch(
        &format!("/users/{other}"),
        json!({"email": "Owner@Example.com"}),
    )
    .await
    .expect_error(409, "EMAIL_TAKEN", Some("email"));
    let owner = app.get(&format!("/users/{first}")).await.expect(200);
    assert_eq!(owner["email"], "owner@example.com");
    assert_eq!(owner["full_name"], "Owner");
    assert_eq!(app.count("users").await, 2);
    // A user may change the case of their own address.
    let changed = app
        .patch(
            &format!("/users/{first}"),
            json!({"email": "OWNER@example.com"}),
        )
        .await
        .expect(200);
    assert_eq!(changed["email"], "OWNER@example.com");
}

#[actix_web::test]
async fn creating_a_user_validates_every_field() {
    let app = common::spawn().await;
    for (body, field) in [
        (json!({"full_name": "A"}), "email"),
        (json!({"email": null, "full_name": "A"}), "email"),
        (json!({"email": "no-at-sign", "full_name": "A"}), "email"),
        (
            json!({"email": format!("{}@example.com", "a".repeat(250)), "full_name": "A"}),
            "email",
        ),
        (json!({"email": "a@example.com"}), "full_name"),
        (
            json!({"email": "a@example.com", "full_name": "   "}),
            "full_name",
        ),
        (
            json!({"email": "a@example.com", "full_name": "x".repeat(256)}),
            "full_name",
        ),
        (json!({"email": 5, "full_name": "A"}), "email"),
        (
            json!({"email": "a@example.com", "full_name": "A", "admin": true}),
            "admin",
        ),
    ] {
        app.post("/users", body)
            .await
            .expect_error(400, "VALIDATION_ERROR", Some(field));
    }
    assert_eq!(app.count("users").await, 0);
    let longest = app
        .post(
            "/users",
            json!({"email": "a@example.com", "full_name": "é".repeat(255)}),
        )
        .await
        .expect(201);
    assert_eq!(longest["full_name"].as_str().unwrap().chars().count(), 255);
}

#[actix_web::test]
async fn patching_a_user_changes_only_the_given_fields() {
    let app = common::spawn().await;
    let id = app.user("a@example.com", "Ann").await;
    let user = app
        .patch(&format!("/users/{id}"), json!({"full_name": " Anne "}))
        .await
        .expect(200);
    assert_eq!(user["full_name"], "Anne");
    assert_eq!(user["email"], "a@example.com");
    let user = app
        .patch(
            &format!("/users/{id}"),
            json!({"email": "anne@example.com", "full_name": "Anne B"}),
        )
        .await
        .expect(200);
    assert_eq!(
        (user["email"].as_str(), user["full_name"].as_str()),
        (Some("anne@example.com"), Some("Anne B"))
    );

    app.patch(&format!("/users/{id}"), json!({}))
        .await
        .expect_error(400, "EMPTY_UPDATE", None);
    app.patch(&format!("/users/{id}"), json!({"email": null}))
        .await
        .expect_error(400, "VALIDATION_ERROR", Some("email"));
    app.patch(&format!("/users/{id}"), json!({"email": "bad"}))
        .await
        .expect_error(400, "VALIDATION_ERROR", Some("email"));
    app.patch(&format!("/users/{id}"), json!({"nickname": "x"}))
        .await
        .expect_error(400, "VALIDATION_ERROR", Some("nickname"));
    app.patch("/users/999", json!({"full_name": "Nobody"}))
        .await
        .expect_error(404, "USER_NOT_FOUND", None);
    let unchanged = app.get(&format!("/users/{id}")).await.expect(200);
    assert_eq!(unchanged["full_name"], "Anne B");
}

#[actix_web::test]
async fn users_are_listed_in_id_order_page_by_page() {
    let app = common::spawn().await;
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(
            app.user(&format!("u{i}@example.com"), &format!("User {i}"))
                .await,
        );
    }
    let page = app.get("/users?limit=3&offset=2").await.expect(200);
    assert_eq!(page["total"], 7);
    assert_eq!(
        (page["limit"].as_i64(), page["offset"].as_i64()),
        (Some(3), Some(2))
    );
    let listed: Vec<i64> = page["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, ids[2..5]);
    let all = app.get("/users").await.expect(200);
    assert_eq!(all["limit"], 20);
    assert_eq!(all["users"].as_array().unwrap().len(), 7);
    let past_the_end = app.get("/users?offset=50").await.expect(200);
    assert_eq!(past_the_end["users"], json!([]));
    assert_eq!(past_the_end["total"], 7);
}

#[actix_web::test]
async fn user_lookups_refuse_bad_ids_and_report_missing_users() {
    let app = common::spawn().await;
    app.get("/users/12345")
        .await
        .expect_error(404, "USER_NOT_FOUND", None);
    for bad in ["0", "-3", "abc", "1.5", "9223372036854775808"] {
        app.get(&format!("/users/{bad}")).await.expect_error(
            400,
            "VALIDATION_ERROR",
            Some("user_id"),
        );
    }
    app.get("/users/9223372036854775807")
        .await
        .expect_error(404, "USER_NOT_FOUND", None);
}
