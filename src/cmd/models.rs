//! `cimsim models` and `cimsim model show|import|graph`: list the shipped cards, print a card
//! with its analytic counts, import a Hugging Face `config.json`, and write a decoder graph.

use super::args::{BatchArgs, OutArgs};
use super::{bad_input, write_atomic};
use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use workloads::{
    build_graph, import_hf_file, load_model, shipped, shipped_names, ModelCard, Phase,
};

#[derive(Args)]
pub struct ModelsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand)]
pub enum ModelCommand {
    /// Print a model card and its analytic counts.
    Show {
        /// A shipped model name, a card (.toml) or a Hugging Face config.json.
        model: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Turn a Hugging Face config.json into a model card.
    Import {
        /// The config.json (model_type llama, mistral, qwen2, qwen3, phi3 or smollm3).
        config: PathBuf,
        /// Name of the card (default: from the file name).
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        out: OutArgs,
    },
    /// Write the decoder graph of one phase as Graphviz DOT or JSON.
    Graph {
        /// A shipped model name, a card (.toml) or a Hugging Face config.json.
        model: String,
        /// Prefill of --tokens prompt tokens, or one decode step attending to --kv positions.
        #[arg(long, value_enum)]
        phase: GraphPhase,
        /// Prompt tokens (prefill only) [default: 128].
        #[arg(long)]
        tokens: Option<u64>,
        /// Positions the decode step attends to, itself included (decode only) [default: 128].
        #[arg(long)]
        kv: Option<u64>,
        #[command(flatten)]
        batch: BatchArgs,
        /// Output format: Graphviz DOT or JSON.
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
        #[command(flatten)]
        out: OutArgs,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum GraphPhase {
    /// The prompt, all tokens at once.
    Prefill,
    /// One generated token.
    Decode,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT (render with `dot -Tsvg`).
    Dot,
    /// JSON: nodes and edges.
    Json,
}

/// Largest batch the graph command accepts; far beyond any edge workload, and it keeps every
/// element count of the graph exact.
const MAX_BATCH: u64 = 1 << 16;
const DEFAULT_TOKENS: u64 = 128;

/// `1234567` → `1,234,567`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn run_models(args: ModelsArgs) -> anyhow::Result<()> {
    let cards: Vec<ModelCard> = shipped_names().iter().filter_map(|n| shipped(n)).collect();
    if args.json {
        let rows: Vec<_> = cards
            .iter()
            .map(|c| {
                json!({
                    "name": c.name,
                    "params": c.counts().params,
                    "layers": c.num_layers,
                    "hidden_size": c.hidden_size,
                    "num_attention_heads": c.num_attention_heads,
                    "num_kv_heads": c.num_kv_heads,
                    "vocab_size": c.vocab_size,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    let mut out = format!(
        "{:<16} {:>15} {:>7} {:>7} {:>9} {:>8}\n",
        "name", "params", "layers", "hidden", "heads/kv", "vocab"
    );
    for c in &cards {
        let _ = writeln!(
            out,
            "{:<16} {:>15} {:>7} {:>7} {:>9} {:>8}",
            c.name,
            grouped(c.counts().params),
            c.num_layers,
            c.hidden_size,
            format!("{}/{}", c.num_attention_heads, c.num_kv_heads),
            c.vocab_size
        );
    }
    print!("{out}");
    Ok(())
}

pub fn run_model(cmd: ModelCommand) -> anyhow::Result<()> {
    match cmd {
        ModelCommand::Show { model, json } => show(&model, json),
        ModelCommand::Import { config, name, out } => {
            import(&config, name.as_deref(), out.out.as_deref())
        }
        ModelCommand::Graph {
            model,
            phase,
            tokens,
            kv,
            batch,
            format,
            out,
        } => graph(
            &model,
            phase,
            tokens,
            kv,
            batch.batch,
            format,
            out.out.as_deref(),
        ),
    }
}

fn show(model: &str, as_json: bool) -> anyhow::Result<()> {
    let card = load_model(model).map_err(bad_input)?;
    let c = card.counts();
    if as_json {
        let doc = json!({
            "name": card.name,
            "params": c.params,
            "non_embedding_params": c.non_embedding_params,
            "layers": card.num_layers,
            "hidden_size": card.hidden_size,
            "vocab_size": card.vocab_size,
            "linear_macs_per_token": c.linear_macs_per_token,
            "lm_head_macs": c.lm_head_macs,
            "kv_bytes_per_token": c.kv_bytes_per_token,
            "weight_bytes_int4": c.weight_bytes_int4,
            "weight_bytes_int8": c.weight_bytes_int8,
            "card": card,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(());
    }
    let rows = [
        ("params", c.params),
        ("non-embedding params", c.non_embedding_params),
        ("linear MACs per token", c.linear_macs_per_token),
        ("LM head MACs per token", c.lm_head_macs),
        ("KV bytes per token (8-bit)", c.kv_bytes_per_token),
        ("weight bytes, INT4", c.weight_bytes_int4),
        ("weight bytes, INT8", c.weight_bytes_int8),
    ];
    let mut out = format!("{}\n", card.name);
    for (label, value) in rows {
        let _ = writeln!(out, "  {label:<28} {:>16}", grouped(value));
    }
    out.push('\n');
    // A shipped card prints with its source comments; anything else as normalised TOML.
    match workloads::shipped_toml(model) {
        Some(text) => out.push_str(text),
        None => out.push_str(&card.to_toml_string(&[&format!("loaded from {model}")])),
    }
    print!("{out}");
    Ok(())
}

fn import(config: &Path, name: Option<&str>, output: Option<&Path>) -> anyhow::Result<()> {
    if let Some(path) = output {
        super::check_output(path)?;
    }
    let card = import_hf_file(config, name).map_err(bad_input)?;
    let params = card.counts().params;
    let text = card.to_toml_string(&[
        &format!("{} — imported from {}", card.name, config.display()),
        &format!("{} parameters", grouped(params)),
    ]);
    match output {
        Some(path) => {
            write_atomic(path, text.as_bytes())?;
            eprintln!("wrote {} ({} parameters)", path.display(), grouped(params));
        }
        None => print!("{text}"),
    }
    Ok(())
}

/// Turns the command-line phase options into a [`Phase`], rejecting options of the other phase
/// and sizes beyond the model's context.
fn phase_of(
    card: &ModelCard,
    phase: GraphPhase,
    tokens: Option<u64>,
    kv: Option<u64>,
) -> anyhow::Result<Phase> {
    let (option, value, phase) = match phase {
        GraphPhase::Prefill => {
            if kv.is_some() {
                return Err(bad_input("--kv applies to --phase decode; use --tokens"));
            }
            let t = tokens.unwrap_or(DEFAULT_TOKENS);
            ("--tokens", t, Phase::Prefill { tokens: t })
        }
        GraphPhase::Decode => {
            if tokens.is_some() {
                return Err(bad_input("--tokens applies to --phase prefill; use --kv"));
            }
            let l = kv.unwrap_or(DEFAULT_TOKENS);
            ("--kv", l, Phase::Decode { kv_len: l })
        }
    };
    if value == 0 || value > card.max_context {
        return Err(bad_input(format!(
            "{option} {value} is out of range; allowed 1..={} (max_context of {})",
            card.max_context, card.name
        )));
    }
    Ok(phase)
}

fn graph(
    model: &str,
    phase: GraphPhase,
    tokens: Option<u64>,
    kv: Option<u64>,
    batch: u64,
    format: GraphFormat,
    output: Option<&Path>,
) -> anyhow::Result<()> {
    let card = load_model(model).map_err(bad_input)?;
    let phase = phase_of(&card, phase, tokens, kv)?;
    if batch == 0 || batch > MAX_BATCH {
        return Err(bad_input(format!(
            "--batch {batch} is out of range; allowed 1..={MAX_BATCH}"
        )));
    }
    let g = build_graph(&card, phase, batch);
    let text = match format {
        GraphFormat::Dot => g.to_dot(),
        GraphFormat::Json => {
            let mut doc = g.to_json();
            doc["model"] = json!(card.name);
            let mut s = serde_json::to_string_pretty(&doc)?;
            s.push('\n');
            s
        }
    };
    match output {
        Some(path) => write_atomic(path, text.as_bytes())
            .with_context(|| format!("writing the graph of {}", card.name))?,
        None => print!("{text}"),
    }
    Ok(())
}
