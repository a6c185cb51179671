//! Errors of the compiler: each says what could not be mapped, where, and what is allowed.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum MappingError {
    #[error("unknown mapping strategy `{name}`; valid strategies: {valid}")]
    UnknownStrategy { name: String, valid: String },
    #[error("the configuration cannot hold one weight tile: {reason}")]
    NoTile { reason: String },
    #[error("mapping `{strategy}` cannot run on this configuration: {reason}")]
    Unsupported {
        strategy: &'static str,
        reason: String,
    },
    #[error("op `{op}` cannot be mapped: {reason}")]
    UnmappableOp { op: String, reason: String },
    #[error("configuration `{config}` is a roofline device (kind = \"roofline\"): it has no CIM macros to compile for; use the roofline evaluation")]
    RooflineConfig { config: String },
    #[error("hardware configuration error: {0}")]
    Config(String),
    #[error("the decoder graph has a cycle; ops must form a DAG")]
    GraphCycle,
}
