//! Accelerator configuration: schema, presets, loading, validation and `--set` overrides.

pub mod schema;

pub use schema::*;
