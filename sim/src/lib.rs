//! Hardware side of cimsim: accelerator configuration and presets, CIM macro and chip component
//! models, the Program IR and the engine that executes it. Knows nothing about models.

pub mod components;
pub mod config;
pub mod device;
pub mod engine;
pub mod program;

pub use dram;
