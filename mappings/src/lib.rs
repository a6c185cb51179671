//! The compiler: lowers a decoder graph onto a hardware configuration as a Program, under a
//! mapping strategy chosen by name.
//!
//! - [`strategy_by_name`] / [`strategy_names`] pick one of the [`MappingStrategy`]
//!   implementations (`sequential`, `double-buffered`, `balanced-pipeline`, `resident`);
//!   [`MappingStrategy::compile`] turns a [`workloads::DecoderGraph`] and a [`CompileContext`]
//!   into a [`sim::program::Program`].
//! - [`expected_dram_traffic`] gives the exact DRAM bytes a mapping moves, in closed form from the
//!   model, so the Program (and the engine) can be checked against it.
//! - [`analytic_phase`] is the `analytic` fidelity: closed-form per-op time and energy bounds
//!   under the same strategy semantics, without building the Program; [`roofline_phase`] is the
//!   evaluation of `kind = "roofline"` baseline devices.

mod analytic;
mod balanced;
mod double_buffered;
mod error;
mod hw;
pub mod layout;
mod lower;
mod pipeline;
mod resident;
mod roofline;
mod sequential;
mod strategy;
pub mod tiling;
mod traffic;
mod work;

pub use analytic::{
    analytic_phase, analytic_phase_with, AnalyticPhase, AnalyticSetup, Bound, OpEstimate,
};
pub use error::MappingError;
pub use hw::{dram_streaming_efficiency, HwNumbers};
pub use roofline::roofline_phase;
pub use strategy::{
    same_plan_strategies, strategy_by_name, strategy_names, CompileContext, MappingPlan,
    MappingStrategy, ResidentSlot, StreamPlan, DEFAULT_STRATEGY,
};
pub use traffic::{expected_dram_traffic, expected_phase_traffic, Traffic};
