//! The `cimsim` binary; the command line lives in the library (`cimsim::cli`), so tests can walk
//! its clap tree.

fn main() -> std::process::ExitCode {
    cimsim::cli::main()
}
