//! pathbook turns upgrade and migration knowledge — a YAML rule catalog plus Markdown
//! articles — into a validated, cross-linked static support site, printable runbooks and an
//! upgrade assistant.
//!
//! The pipeline runs one way (see ARCHITECTURE.md):
//! [`config`] → [`catalog`] (load with spans, resolve; the condition syntax lives in [`expr`],
//! the resolved types in [`model`]) → [`eval`] (pure simulation) → [`check`] (diagnostics).
//! → [`render`] (Markdown, highlighting, templates, search, diagrams) → [`site`] (atomic write).
//! [`project`] strings the stages together for the commands; [`session`] keeps them in memory
//! between builds (`serve`) and applies edits incrementally.

// Diagnostics travel on the error path, which is cold; boxing every one to shrink `Result`
// would add noise to each stage for nothing measurable.
#![allow(clippy::result_large_err)]

pub mod cache;
pub mod catalog;
pub mod check;
pub mod config;
pub mod corpus;
pub mod diag;
pub mod eval;
pub mod expr;
pub mod init;
pub mod markdown;
pub mod model;
pub mod pdf;
pub mod plan;
pub mod project;
pub mod render;
pub mod report;
pub mod revision;
pub mod serve;
pub mod session;
pub mod site;
pub mod verify;

pub use project::Project;
