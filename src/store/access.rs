//! Access records: users, personal API tokens and browser sessions (hashes of their secrets
//! only), and readers' feedback on drafts. Deciding who may do what is the HTTP layer's job;
//! this file only keeps the rows.

use super::jobs::instant;
use super::{Store, StoreError};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: String,
    pub name: String,
    pub role: String,
    pub person_id: Option<String>,
    pub password_hash: Option<String>,
    pub created_at: String,
    pub disabled_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: String,
    pub user_id: String,
    pub label: String,
    pub created_at: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub user_id: String,
    pub csrf_token: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FeedbackRecord {
    pub draft_id: String,
    pub user_id: String,
    pub rating: String,
    pub comment: Option<String>,
    pub created_at: String,
}

const USER_COLUMNS: &str = "id, name, role, person_id, password_hash, created_at, disabled_at";
const TOKEN_COLUMNS: &str = "id, user_id, label, created_at, expires_at, revoked_at, last_used_at";

fn user(row: &AnyRow) -> Result<UserRecord, StoreError> {
    Ok(UserRecord {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        role: row.try_get(2)?,
        person_id: row.try_get(3)?,
        password_hash: row.try_get(4)?,
        created_at: row.try_get(5)?,
        disabled_at: row.try_get(6)?,
    })
}

fn token(row: &AnyRow) -> Result<TokenRecord, StoreError> {
    Ok(TokenRecord {
        id: row.try_get(0)?,
        user_id: row.try_get(1)?,
        label: row.try_get(2)?,
        created_at: row.try_get(3)?,
        expires_at: row.try_get(4)?,
        revoked_at: row.try_get(5)?,
        last_used_at: row.try_get(6)?,
    })
}

impl Store {
    /// Adds a user, or replaces the name, role, person and password of an existing one (and
    /// re-enables it). Returns whether the user is new.
    pub async fn upsert_user(&self, record: &UserRecord) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let exists = sqlx::query("SELECT id FROM users WHERE id = $1")
            .bind(&record.id)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        let query = if exists {
            sqlx::query(
                "UPDATE users SET name = $2, role = $3, person_id = $4, password_hash = $5, disabled_at = NULL \
                 WHERE id = $1",
            )
        } else {
            sqlx::query(
                "INSERT INTO users (id, name, role, person_id, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
        };
        let query = query
            .bind(&record.id)
            .bind(&record.name)
            .bind(&record.role)
            .bind(&record.person_id)
            .bind(&record.password_hash);
        let query = if exists { query } else { query.bind(&record.created_at) };
        query.execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(!exists)
    }

    pub async fn user(&self, id: &str) -> Result<Option<UserRecord>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?.as_ref().map(user).transpose()
    }

    pub async fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY id");
        sqlx::query(&sql).fetch_all(&self.pool).await?.iter().map(user).collect()
    }

    /// Disables a user and ends their sessions; their tokens stop working with them.
    pub async fn disable_user(&self, id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let now = instant(&now);
        let done = sqlx::query("UPDATE users SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL")
            .bind(id)
            .bind(&now)
            .execute(&self.pool)
            .await?
            .rows_affected();
        sqlx::query("UPDATE web_sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(&now)
            .execute(&self.pool)
            .await?;
        Ok(done > 0)
    }

    pub async fn insert_token(&self, record: &TokenRecord, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, label, token_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&record.id)
        .bind(&record.user_id)
        .bind(&record.label)
        .bind(token_hash)
        .bind(&record.created_at)
        .bind(&record.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn token_by_hash(&self, token_hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1");
        sqlx::query(&sql).bind(token_hash).fetch_optional(&self.pool).await?.as_ref().map(token).transpose()
    }

    pub async fn tokens(&self, user_id: Option<&str>) -> Result<Vec<TokenRecord>, StoreError> {
        let sql =
            format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE ($1 = '' OR user_id = $1) ORDER BY created_at, id");
        sqlx::query(&sql).bind(user_id.unwrap_or("")).fetch_all(&self.pool).await?.iter().map(token).collect()
    }

    /// Records when a token was last used, at most once a minute per token: a busy client
    /// must not turn every read into a write.
    pub async fn touch_token(&self, id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        let cutoff = instant(&(now - chrono::Duration::minutes(1)));
        sqlx::query(
            "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)",
        )
        .bind(id)
        .bind(instant(&now))
        .bind(cutoff)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn revoke_token(&self, id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(instant(&now))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn insert_session(
        &self,
        id_hash: &str,
        user_id: &str,
        csrf_token: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO web_sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id_hash)
        .bind(user_id)
        .bind(csrf_token)
        .bind(instant(&now))
        .bind(instant(&expires))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn session(&self, id_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        let row =
            sqlx::query("SELECT user_id, csrf_token, expires_at, revoked_at FROM web_sessions WHERE id_hash = $1")
                .bind(id_hash)
                .fetch_optional(&self.pool)
                .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(SessionRecord {
            user_id: row.try_get(0)?,
            csrf_token: row.try_get(1)?,
            expires_at: row.try_get(2)?,
            revoked_at: row.try_get(3)?,
        }))
    }

    pub async fn revoke_session(&self, id_hash: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE web_sessions SET revoked_at = $2 WHERE id_hash = $1 AND revoked_at IS NULL")
            .bind(id_hash)
            .bind(instant(&now))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// One reader's feedback on a draft; a second opinion from the same reader replaces the first.
    pub async fn save_feedback(&self, record: &FeedbackRecord) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM draft_feedback WHERE draft_id = $1 AND user_id = $2")
            .bind(&record.draft_id)
            .bind(&record.user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO draft_feedback (draft_id, user_id, rating, comment, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&record.draft_id)
        .bind(&record.user_id)
        .bind(&record.rating)
        .bind(&record.comment)
        .bind(&record.created_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn feedback(&self, draft_id: &str) -> Result<Vec<FeedbackRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT draft_id, user_id, rating, comment, created_at FROM draft_feedback WHERE draft_id = $1 ORDER BY created_at, user_id",
        )
        .bind(draft_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(FeedbackRecord {
                    draft_id: row.try_get(0)?,
                    user_id: row.try_get(1)?,
                    rating: row.try_get(2)?,
                    comment: row.try_get(3)?,
                    created_at: row.try_get(4)?,
                })
            })
            .collect()
    }
}
