//! The catalog stage: load YAML and Markdown with spans, then resolve them into the typed
//! [`crate::model::Catalog`].

pub mod load;
pub mod raw;
pub mod resolve;

pub use load::{Loaded, load};
pub use resolve::{Resolved, resolve};
