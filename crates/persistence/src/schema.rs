// @generated automatically by Diesel CLI.

diesel::table! {
    api_key_usage (api_key_id) {
        api_key_id -> Int8,
        revision -> Int8,
        newest_second -> Int8,
        counts -> Array<Nullable<Int4>>,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Int8,
        name -> Text,
        prefix -> Text,
        key_digest -> Bytea,
        scopes -> Array<Nullable<Text>>,
        rate_limit_per_minute -> Nullable<Int4>,
        created_at -> Timestamptz,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    idempotency_keys (api_key_id, idempotency_key) {
        api_key_id -> Int8,
        idempotency_key -> Text,
        fingerprint -> Bytea,
        status -> Int2,
        body -> Bytea,
        location -> Nullable<Text>,
        etag -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    order_day_totals (status, day) {
        status -> Text,
        day -> Date,
        orders -> Int8,
        amount_cents -> Numeric,
        quantity -> Numeric,
    }
}

diesel::table! {
    order_day_totals_pending (id) {
        id -> Int8,
        status -> Text,
        day -> Date,
        orders -> Int8,
        amount_cents -> Numeric,
        quantity -> Numeric,
    }
}

diesel::table! {
    order_events (id) {
        id -> Int8,
        order_id -> Int8,
        #[sql_name = "type"]
        type_ -> Text,
        at -> Timestamptz,
        status_from -> Nullable<Text>,
        status_to -> Text,
        api_key_id -> Nullable<Int8>,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    order_items (id) {
        id -> Int8,
        order_id -> Int8,
        product_id -> Int8,
        quantity -> Int4,
        price_cents_at_purchase -> Int8,
        order_created_at -> Timestamptz,
    }
}

diesel::table! {
    orders (id) {
        id -> Int8,
        user_id -> Int8,
        status -> Text,
        created_at -> Timestamptz,
        updated_at -> Nullable<Timestamptz>,
        total_amount_cents -> Int8,
        total_quantity -> Int8,
        version -> Int4,
    }
}

diesel::table! {
    products (id) {
        id -> Int8,
        name -> Text,
        price_cents -> Int8,
        version -> Int4,
        stock -> Nullable<Int4>,
    }
}

diesel::table! {
    secrets (name) {
        name -> Text,
        value -> Bytea,
    }
}

diesel::table! {
    users (id) {
        id -> Int8,
        email -> Text,
        full_name -> Text,
        created_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Int8,
        endpoint_id -> Int8,
        event_seq -> Int8,
        attempt -> Int4,
        status -> Text,
        response_status -> Nullable<Int2>,
        latency_ms -> Int4,
        error -> Nullable<Text>,
        attempted_at -> Timestamptz,
        next_attempt_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Int8,
        url -> Text,
        events -> Array<Nullable<Text>>,
        description -> Nullable<Text>,
        enabled -> Bool,
        secret -> Bytea,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_events (seq) {
        seq -> Int8,
        id -> Uuid,
        #[sql_name = "type"]
        type_ -> Text,
        subject -> Text,
        data -> Json,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_queue (id) {
        id -> Int8,
        endpoint_id -> Int8,
        event_seq -> Int8,
        subject -> Text,
        attempt -> Int4,
        due_at -> Timestamptz,
    }
}

diesel::joinable!(api_key_usage -> api_keys (api_key_id));
diesel::joinable!(order_events -> api_keys (api_key_id));
diesel::joinable!(order_events -> orders (order_id));
diesel::joinable!(order_items -> orders (order_id));
diesel::joinable!(order_items -> products (product_id));
diesel::joinable!(orders -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    api_key_usage,
    api_keys,
    idempotency_keys,
    order_day_totals,
    order_day_totals_pending,
    order_events,
    order_items,
    orders,
    products,
    secrets,
    users,
    webhook_deliveries,
    webhook_endpoints,
    webhook_events,
    webhook_queue,
);
