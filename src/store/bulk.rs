//! Multi-row upserts: one statement per chunk of rows, sized to the backend's bind limit,
//! all inside the caller's transaction.

use super::{Backend, StoreError};
use sqlx::{Any, Transaction};

/// One bound value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Float(Option<f64>),
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Value::Text(Some(value))
    }
}
impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::Text(Some(value.to_owned()))
    }
}
impl From<Option<String>> for Value {
    fn from(value: Option<String>) -> Self {
        Value::Text(value)
    }
}
impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Value::Int(Some(value))
    }
}
impl From<Option<i64>> for Value {
    fn from(value: Option<i64>) -> Self {
        Value::Int(value)
    }
}
impl From<f64> for Value {
    fn from(value: f64) -> Self {
        Value::Float(Some(value))
    }
}

/// A table write: `INSERT … ON CONFLICT (key) DO UPDATE` the non-key columns, or `DO NOTHING`
/// when every column is part of the key.
pub(super) struct Upsert<'a> {
    pub table: &'a str,
    pub columns: &'a [&'a str],
    pub key: &'a [&'a str],
}

impl Upsert<'_> {
    fn statement(&self, rows: usize) -> String {
        let mut sql = format!("INSERT INTO {} ({}) VALUES ", self.table, self.columns.join(", "));
        let width = self.columns.len();
        for row in 0..rows {
            if row > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for column in 0..width {
                if column > 0 {
                    sql.push_str(", ");
                }
                sql.push('$');
                sql.push_str(&(row * width + column + 1).to_string());
            }
            sql.push(')');
        }
        let updates: Vec<String> =
            self.columns.iter().filter(|c| !self.key.contains(c)).map(|c| format!("{c} = excluded.{c}")).collect();
        sql.push_str(&format!(" ON CONFLICT ({}) DO ", self.key.join(", ")));
        if updates.is_empty() {
            sql.push_str("NOTHING");
        } else {
            // Only rows whose values differ are touched, so re-importing the same data
            // reports zero changes and leaves the rows exactly as they were.
            let changed: Vec<String> = self
                .columns
                .iter()
                .filter(|c| !self.key.contains(c))
                .map(|c| format!("{}.{c} IS DISTINCT FROM excluded.{c}", self.table))
                .collect();
            sql.push_str("UPDATE SET ");
            sql.push_str(&updates.join(", "));
            sql.push_str(" WHERE ");
            sql.push_str(&changed.join(" OR "));
        }
        sql
    }

    /// Writes `rows` (each exactly `columns.len()` values). Rows sharing a key within one call
    /// must be de-duplicated by the caller: Postgres refuses to update one row twice per statement.
    pub(super) async fn run(
        &self,
        tx: &mut Transaction<'_, Any>,
        backend: Backend,
        rows: &[Vec<Value>],
    ) -> Result<u64, StoreError> {
        let width = self.columns.len().max(1);
        // SQLite's statement preparation grows faster than linearly with the number of VALUES
        // rows: a thousand rows per statement was ten times slower than a hundred.
        let per_statement = (backend.max_parameters() / width).clamp(1, 100);
        let mut written = 0;
        for chunk in rows.chunks(per_statement) {
            let sql = self.statement(chunk.len());
            let mut query = sqlx::query::<Any>(&sql);
            for value in chunk.iter().flatten() {
                query = match value {
                    Value::Text(v) => query.bind(v.clone()),
                    Value::Int(v) => query.bind(*v),
                    Value::Float(v) => query.bind(*v),
                };
            }
            written += query.execute(&mut **tx).await?.rows_affected();
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_portable_upserts() {
        let upsert = Upsert { table: "t", columns: &["id", "a"], key: &["id"] };
        assert_eq!(
            upsert.statement(2),
            "INSERT INTO t (id, a) VALUES ($1, $2), ($3, $4) ON CONFLICT (id) DO UPDATE SET a = excluded.a \
             WHERE t.a IS DISTINCT FROM excluded.a"
        );
        let link = Upsert { table: "l", columns: &["x", "y"], key: &["x", "y"] };
        assert!(link.statement(1).ends_with("DO NOTHING"));
    }
}
