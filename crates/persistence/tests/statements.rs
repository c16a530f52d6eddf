//! Every statement kept in a `.sql` file, prepared against the migrated schema:
//! the columns it returns must be, in order, the names and types of the fields
//! of the row type it is read into.

use std::path::{Path, PathBuf};

use oms_persistence::testing::{statements, TestDatabase};

#[tokio::test]
async fn every_statement_returns_the_columns_its_row_type_reads() {
    let db = TestDatabase::new().await;
    let mut mismatches = Vec::new();
    for statement in statements() {
        let expected: Vec<(String, u32)> = statement
            .columns
            .iter()
            .map(|column| (column.name.to_owned(), (column.oid)()))
            .collect();
        match db.columns(statement.sql.text).await {
            Ok(prepared) if prepared == expected => {}
            Ok(prepared) => mismatches.push(format!(
                "{}: returns {prepared:?}, its row reads {expected:?}",
                statement.sql.path
            )),
            Err(error) => {
                mismatches.push(format!("{} does not prepare: {error}", statement.sql.path))
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn every_sql_file_is_a_checked_statement_and_says_what_its_file_says() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let checked = statements();
    let mut files = Vec::new();
    sql_files(&src, &mut files);
    assert!(!files.is_empty());
    for file in files {
        let path = file
            .strip_prefix(&src)
            .unwrap()
            .to_str()
            .unwrap()
            .replace('\\', "/");
        let statement = checked
            .iter()
            .find(|statement| statement.sql.path == path)
            .unwrap_or_else(|| panic!("{path} is not among the checked statements"));
        assert_eq!(
            statement.sql.text,
            std::fs::read_to_string(&file).unwrap(),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_statement_with_two_columns_swapped_fails_the_check() {
    let db = TestDatabase::new().await;
    let order_by_id = statements()
        .into_iter()
        .find(|statement| statement.sql.path == "orders/order_by_id.sql")
        .unwrap();
    let swapped = order_by_id
        .sql
        .text
        .replacen("o.id, o.user_id", "o.user_id, o.id", 1);
    assert_ne!(swapped, order_by_id.sql.text);
    let prepared = db.columns(&swapped).await.unwrap();
    let expected: Vec<(String, u32)> = order_by_id
        .columns
        .iter()
        .map(|column| (column.name.to_owned(), (column.oid)()))
        .collect();
    assert_eq!(prepared.len(), expected.len());
    assert_ne!(
        prepared, expected,
        "both columns are bigints: only their names tell the swap"
    );
}

fn sql_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sql_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "sql") {
            found.push(path);
        }
    }
}
