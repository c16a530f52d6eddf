//! Queries on `products`.

use diesel::prelude::*;
use diesel::sql_types::Bool;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use oms_domain::{IfMatch, NewProduct, Paging, ProductChanges, ProductId, Stock};
use tokio::try_join;

use crate::error::{Entity, StoreError};
use crate::models::{Page, Product};
use crate::schema::products;

/// One page of products in id order, with the number of products.
pub async fn list(conn: &AsyncPgConnection, paging: Paging) -> Result<Page<Product>, StoreError> {
    let mut page = products::table
        .select(Product::as_select())
        .order(products::id.asc())
        .limit(paging.rows_to_read())
        .into_boxed();
    page = match paging.after_id() {
        Some(id) => page.filter(products::id.gt(id)),
        None => page.offset(paging.offset()),
    };
    let rows = page.load(&mut &*conn);
    let total = products::table.count().get_result(&mut &*conn);
    let (rows, total) = try_join!(rows, total)?;
    Ok(Page::of(rows, paging, total))
}

/// The first `limit` products in id order.
pub async fn first(conn: &mut AsyncPgConnection, limit: usize) -> Result<Vec<Product>, StoreError> {
    Ok(products::table
        .select(Product::as_select())
        .order(products::id.asc())
        .limit(i64::try_from(limit).unwrap_or(i64::MAX))
        .load(conn)
        .await?)
}

/// The products with these ids (those that exist), in no particular order.
pub(crate) async fn with_ids(
    conn: &AsyncPgConnection,
    ids: &[i64],
) -> Result<Vec<Product>, StoreError> {
    Ok(products::table
        .filter(products::id.eq_any(ids))
        .select(Product::as_select())
        .load(&mut &*conn)
        .await?)
}

/// The product with this id.
pub async fn get(conn: &mut AsyncPgConnection, id: ProductId) -> Result<Product, StoreError> {
    products::table
        .find(id.get())
        .select(Product::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| StoreError::not_found(Entity::Product, id.get()))
}

/// Creates a product.
pub async fn create(
    conn: &mut AsyncPgConnection,
    product: &NewProduct,
) -> Result<Product, StoreError> {
    Ok(diesel::insert_into(products::table)
        .values((
            products::name.eq(product.name.as_str()),
            products::price_cents.eq(product.price.get()),
            products::stock.eq(product.stock.map(Stock::get)),
        ))
        .returning(Product::as_returning())
        .get_result(conn)
        .await?)
}

#[derive(AsChangeset)]
#[diesel(table_name = products)]
struct ProductChangeset<'a> {
    name: Option<&'a str>,
    price_cents: Option<i64>,
    stock: Option<Option<i32>>,
}

/// Applies `changes` to the product with this id, if `if_match` allows its
/// version. Orders already placed keep the prices they were placed at. Stock is
/// set, not added to: to restock safely, read the product and send its version
/// as `if_match`.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: ProductId,
    changes: &ProductChanges,
    if_match: Option<&IfMatch>,
) -> Result<Product, StoreError> {
    let changeset = ProductChangeset {
        name: changes.name().map(|name| name.as_str()),
        price_cents: changes.price().map(|price| price.get()),
        stock: changes.stock().map(|stock| stock.map(Stock::get)),
    };
    let (versions, any) = crate::versions::condition(if_match);
    let updated = diesel::update(
        products::table.find(id.get()).filter(
            products::version
                .eq_any(versions)
                .or(any.into_sql::<Bool>()),
        ),
    )
    .set(changeset)
    .returning(Product::as_returning())
    .get_result(conn)
    .await
    .optional()?;
    match updated {
        Some(row) => Ok(row),
        None => Err(crate::versions::refusal(
            Entity::Product,
            id.get(),
            if_match,
            get(conn, id).await.map(|row| row.version),
        )),
    }
}
