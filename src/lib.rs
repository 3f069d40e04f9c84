//! pathbook turns upgrade and migration knowledge — a YAML rule catalog plus Markdown
//! articles — into a validated, cross-linked static support site, printable runbooks and an
//! upgrade assistant.
//!
//! The pipeline runs one way (see ARCHITECTURE.md):
//! [`config`] → [`catalog`] (load with spans, resolve; the condition syntax lives in [`expr`],
//! the resolved types in [`model`]) → [`eval`] (pure simulation) → [`check`] (diagnostics).
//! [`project`] strings the stages together for the commands.

pub mod catalog;
pub mod check;
pub mod config;
pub mod diag;
pub mod eval;
pub mod expr;
pub mod markdown;
pub mod model;
pub mod project;

pub use project::Project;
