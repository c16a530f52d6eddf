//! Statements that diesel's query builder cannot say (or cannot say as fast),
//! each written in a `.sql` file next to the code that runs it.
//!
//! A [`Statement`] is a value holding the statement's parameters; its type
//! names the file, the row type its rows are read into, and how each `$n` of
//! the text is bound. [`Run`] makes it a diesel query that is prepared once per
//! connection (its type is its statement-cache key), so PostgreSQL plans it once
//! rather than on every request. Rows are read by position, fast; a test
//! prepares every statement against the migrated schema and compares its result
//! columns, by name and type and in order, with its [`Row`]'s fields, so a
//! column that is renamed, retyped or swapped fails that test rather than
//! reaching a client as a wrong value.

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::QueryResult;

/// The text of a `.sql` file of this crate, and its path from `src/`.
#[derive(Debug, Clone, Copy)]
pub struct SqlFile {
    /// Where it is, from `crates/persistence/src`.
    pub path: &'static str,
    /// What it says.
    pub text: &'static str,
}

/// The [`SqlFile`] at `path` (from `src/`), read at compile time.
macro_rules! sql_file {
    ($path:literal) => {
        $crate::statement::SqlFile {
            path: $path,
            text: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/src/", $path)),
        }
    };
}
pub(crate) use sql_file;

/// A statement from a `.sql` file, with the values of its parameters.
pub(crate) trait Statement: Send + Sync + 'static {
    /// Its text; parameters are `$1`, `$2`, … and may repeat.
    const SQL: SqlFile;
    /// What each row it returns is read into.
    type Row: Row;
    /// Pushes the value of parameter `$n`; a statement without parameters
    /// keeps this default.
    fn bind<'b>(&'b self, n: usize, _out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        Err(unbound(n))
    }
}

/// The error for a `$n` that a statement does not bind.
pub(crate) fn unbound(n: usize) -> diesel::result::Error {
    diesel::result::Error::QueryBuilderError(format!("the statement has no parameter ${n}").into())
}

/// A [`Statement`] as a diesel query.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Run<S>(pub S);

impl<S: Statement> QueryId for Run<S> {
    type QueryId = S;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<S: Statement> Query for Run<S> {
    type SqlType = <S::Row as Row>::Sql;
}

impl<S: Statement> QueryFragment<Pg> for Run<S> {
    /// The text with each `$n` replaced by parameter `n`: diesel numbers the
    /// values it sends in the order they are pushed, so a parameter used twice
    /// is sent twice.
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let mut pieces = S::SQL.text.split('$');
        out.push_sql(pieces.next().unwrap_or_default());
        for piece in pieces {
            let digits = piece.bytes().take_while(u8::is_ascii_digit).count();
            let n = piece[..digits].parse().map_err(|_| {
                diesel::result::Error::QueryBuilderError(
                    format!("a '$' that is not a parameter in {}", S::SQL.path).into(),
                )
            })?;
            self.0.bind(n, &mut out)?;
            out.push_sql(&piece[digits..]);
        }
        Ok(())
    }
}

/// A row of a [`Statement`], read by position.
pub(crate) trait Row {
    /// The SQL types of its columns, in order.
    type Sql;
    /// Its columns, in order, for the check against the schema.
    #[cfg(feature = "test-support")]
    const COLUMNS: &'static [Column];
}

/// What a statement that returns no rows "returns".
#[derive(Debug, Clone, Copy)]
pub(crate) struct NoRows;

impl Row for NoRows {
    type Sql = ();
    #[cfg(feature = "test-support")]
    const COLUMNS: &'static [Column] = &[];
}

/// A column a [`Row`] expects.
#[cfg(feature = "test-support")]
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// The column's name in the statement's result.
    pub name: &'static str,
    /// Its type's PostgreSQL oid.
    pub oid: fn() -> u32,
}

/// The PostgreSQL oid of the built-in SQL type `T`.
#[cfg(feature = "test-support")]
pub(crate) fn oid<T>() -> u32
where
    Pg: diesel::sql_types::HasSqlType<T>,
{
    use diesel::pg::{PgMetadataLookup, PgTypeMetadata};
    use diesel::sql_types::HasSqlType;

    /// Built-in types carry their oids; no lookup is ever made.
    struct BuiltIn;
    impl PgMetadataLookup for BuiltIn {
        fn lookup_type(&mut self, _: &str, _: Option<&str>) -> PgTypeMetadata {
            PgTypeMetadata::new(0, 0)
        }
    }
    <Pg as HasSqlType<T>>::metadata(&mut BuiltIn)
        .oid()
        .unwrap_or_default()
}

/// Declares a [`Row`]: a struct read by position, each field with the SQL type
/// of its column, whose name is the field's.
macro_rules! row {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $($(#[$field_meta:meta])* $field_vis:vis $field:ident: $type:ty as $sql:ty),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(diesel::Queryable)]
        $vis struct $name {
            $($(#[$field_meta])* $field_vis $field: $type),*
        }

        impl $crate::statement::Row for $name {
            type Sql = ($($sql,)*);
            #[cfg(feature = "test-support")]
            const COLUMNS: &'static [$crate::statement::Column] = &[$(
                $crate::statement::Column {
                    name: stringify!($field),
                    oid: $crate::statement::oid::<$sql>,
                }
            ),*];
        }
    };
}
pub(crate) use row;

/// A statement's file and the columns its row type expects, for the check
/// against the schema.
#[cfg(feature = "test-support")]
#[derive(Debug, Clone, Copy)]
pub struct Checked {
    /// The statement.
    pub sql: SqlFile,
    /// The columns its [`Row`] reads, in order.
    pub columns: &'static [Column],
}

#[cfg(feature = "test-support")]
pub(crate) fn checked<S: Statement>() -> Checked {
    Checked {
        sql: S::SQL,
        columns: <S::Row as Row>::COLUMNS,
    }
}
