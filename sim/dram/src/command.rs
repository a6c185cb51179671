//! DRAM commands and the optional log of issued commands.

use serde::Serialize;

/// Kinds of commands the controller issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CommandKind {
    Activate = 0,
    Precharge = 1,
    Read = 2,
    Write = 3,
    /// Read with auto-precharge (close-page policy).
    ReadPrecharge = 4,
    /// Write with auto-precharge (close-page policy).
    WritePrecharge = 5,
    /// All-bank refresh of one rank.
    Refresh = 6,
}

/// Number of command kinds (size of per-kind tables).
pub const NUM_KINDS: usize = 7;

impl CommandKind {
    pub const ALL: [CommandKind; NUM_KINDS] = [
        CommandKind::Activate,
        CommandKind::Precharge,
        CommandKind::Read,
        CommandKind::Write,
        CommandKind::ReadPrecharge,
        CommandKind::WritePrecharge,
        CommandKind::Refresh,
    ];

    #[inline]
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn is_read(self) -> bool {
        matches!(self, CommandKind::Read | CommandKind::ReadPrecharge)
    }

    pub fn is_write(self) -> bool {
        matches!(self, CommandKind::Write | CommandKind::WritePrecharge)
    }

    pub fn is_column(self) -> bool {
        self.is_read() || self.is_write()
    }

    /// Mnemonic as in DRAMsim3 command traces.
    pub fn name(self) -> &'static str {
        match self {
            CommandKind::Activate => "ACT",
            CommandKind::Precharge => "PRE",
            CommandKind::Read => "RD",
            CommandKind::Write => "WR",
            CommandKind::ReadPrecharge => "RDA",
            CommandKind::WritePrecharge => "WRA",
            CommandKind::Refresh => "REF",
        }
    }
}

/// One issued command. For `Refresh` only channel and rank are meaningful; for `Activate` and
/// `Precharge` the column is 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CommandRecord {
    pub cycle: u64,
    pub channel: u32,
    pub kind: CommandKind,
    pub rank: u32,
    pub bankgroup: u32,
    pub bank: u32,
    pub row: u32,
    pub column: u32,
}
