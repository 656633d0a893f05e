//! `candor user add | list | disable` and `candor token create | list | revoke`: accounts for
//! the API and the web app. Passwords are read from stdin (never from the command line, where
//! other users of the machine could see them); a new token is printed once and only its hash
//! is kept.

use super::Context;
use crate::http::auth::{create_token, create_user, secrets, AccessRole, NewUser};
use chrono::Utc;
use clap::{Args, Subcommand};
use std::io::Read as _;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user, or update one: role, person, name and password.
    Add(AddUser),
    /// List users.
    List,
    /// Disable a user: their sessions end and their tokens stop working.
    Disable {
        /// The user's id.
        id: String,
    },
}

#[derive(Debug, Args)]
pub struct AddUser {
    /// Sign-in name, usually an email address.
    pub id: String,
    /// rep, manager, leader, compliance or admin.
    #[arg(long)]
    pub role: AccessRole,
    /// The person in the organisation this user is (id or email); required for rep, manager
    /// and leader, whose scope follows the reporting lines.
    #[arg(long)]
    pub person: Option<String>,
    /// Display name (default: the person's name).
    #[arg(long)]
    pub name: Option<String>,
    /// Read a password for the web app from stdin (first line); without it the user signs in
    /// with API tokens only.
    #[arg(long)]
    pub password_stdin: bool,
}

impl clap::ValueEnum for AccessRole {
    fn value_variants<'a>() -> &'a [Self] {
        &AccessRole::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a personal API token for a user; it is printed once.
    Create {
        /// The user's id.
        user: String,
        /// What the token is for.
        #[arg(long, default_value = "api")]
        label: String,
        /// Days until it expires (default `http.token_days`).
        #[arg(long)]
        days: Option<u32>,
    },
    /// List tokens (never their secrets).
    List {
        /// Only this user's.
        #[arg(long)]
        user: Option<String>,
    },
    /// Revoke a token by its id or by the token itself.
    Revoke {
        /// The token's id (as listed) or the whole token.
        token: String,
    },
}

fn read_password() -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text)?;
    Ok(text.lines().next().unwrap_or("").to_owned())
}

pub(super) async fn user(context: &Context, command: UserCommand) -> anyhow::Result<ExitCode> {
    let store = context.open_store().await?;
    match command {
        UserCommand::Add(args) => {
            let password = if args.password_stdin { Some(read_password()?) } else { None };
            let new = NewUser { id: args.id, name: args.name, role: args.role, person: args.person, password };
            let (record, created) = create_user(&store, new, secrets::PASSWORD_ITERATIONS, Utc::now()).await?;
            let verb = if created { "added" } else { "updated" };
            let person = record.person_id.as_deref().unwrap_or("no person");
            println!("{verb} user {} ({}, {}, {person})", record.id, record.name, record.role);
        }
        UserCommand::List => {
            for user in store.users().await? {
                let state = if user.disabled_at.is_some() { "disabled" } else { "active" };
                let password = if user.password_hash.is_some() { "password" } else { "tokens only" };
                println!(
                    "{}\t{}\t{}\t{}\t{state}\t{password}",
                    user.id,
                    user.role,
                    user.person_id.as_deref().unwrap_or("-"),
                    user.name
                );
            }
        }
        UserCommand::Disable { id } => {
            if store.disable_user(&id.trim().to_ascii_lowercase(), Utc::now()).await? {
                println!("disabled {id}; their sessions are ended and their tokens refused");
            } else {
                anyhow::bail!("no active user {id:?}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn token(context: &Context, command: TokenCommand) -> anyhow::Result<ExitCode> {
    let store = context.open_store().await?;
    match command {
        TokenCommand::Create { user, label, days } => {
            let days = days.unwrap_or(context.config.http.token_days);
            let (record, token) = create_token(&store, &user, &label, days, Utc::now()).await?;
            eprintln!(
                "token {} for {} expires {}; it is shown only now:",
                record.id, record.user_id, record.expires_at
            );
            println!("{token}");
        }
        TokenCommand::List { user } => {
            for token in store.tokens(user.as_deref()).await? {
                let state = match (&token.revoked_at, &token.last_used_at) {
                    (Some(at), _) => format!("revoked {at}"),
                    (None, Some(at)) => format!("last used {at}"),
                    (None, None) => "never used".to_owned(),
                };
                println!("{}\t{}\t{}\texpires {}\t{state}", token.id, token.user_id, token.label, token.expires_at);
            }
        }
        TokenCommand::Revoke { token } => {
            let id = secrets::token_id(&token).unwrap_or(token.as_str()).to_owned();
            if store.revoke_token(&id, Utc::now()).await? {
                println!("revoked token {id}");
            } else {
                anyhow::bail!("no active token {id:?}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
