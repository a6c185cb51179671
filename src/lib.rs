//! cimsim as a library: the orchestration of whole runs (`run`) that the CLI and the explorer
//! share, the sensitivity analysis built on them (`sensitivity`), and the command line itself
//! (`cli`). The work itself lives in the `workloads`, `sim`, `mappings` and `reports` crates.

pub mod baseline;
pub mod bench;
pub mod cli;
#[doc(hidden)]
pub mod cmd;
pub mod explore;
pub mod run;
pub mod sensitivity;
pub mod study;
