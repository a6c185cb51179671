//! Timeline events: one span per executed task, recorded only when asked (one small `Copy`
//! record per task; names are resolved after the run, never in the event loop).

use crate::program::{Program, Resource};

/// One task's span on its resource. Times are absolute picoseconds since the engine started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimelineEvent {
    pub resource: Resource,
    /// Index into the program's `labels`.
    pub label: u32,
    /// Task id within its program.
    pub task: u32,
    pub start_ps: u64,
    pub end_ps: u64,
}

impl TimelineEvent {
    /// Track name for a trace viewer: `dram`, `macro_group_3`, `vector`, `interconnect`.
    pub fn track(&self) -> String {
        resource_name(self.resource)
    }

    /// The op name of the task (`layer3.q_proj`), or `?` if the label index is out of range.
    pub fn label_name<'a>(&self, program: &'a Program) -> &'a str {
        program
            .labels
            .get(self.label as usize)
            .map(String::as_str)
            .unwrap_or("?")
    }
}

/// Human-readable name of a resource, as used for trace tracks and error messages.
pub fn resource_name(r: Resource) -> String {
    match r {
        Resource::Dram => "dram".to_string(),
        Resource::MacroGroup(g) => format!("macro_group_{g}"),
        Resource::MacroWritePort(g) => format!("macro_group_{g}_write"),
        Resource::Vector => "vector".to_string(),
        Resource::Interconnect => "interconnect".to_string(),
        Resource::ActivationBus => "interconnect_activations".to_string(),
        Resource::AttentionArray => "attention_array".to_string(),
    }
}
