//! `vitalflow`: HL7 v2 inspector, vital-sign extractor, NEWS2 calculator,
//! MLLP client and feed simulator.

mod commands;
mod gateway;
mod input;
mod mllp_client;
mod score;
mod send;
mod simulate;
mod util;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// HL7 v2 vital signs: query messages, extract vital signs, score NEWS2,
/// simulate bedside-monitor feeds and send them over MLLP.
///
/// Input files may hold many messages: plain (each message starts at an MSH
/// segment), batch (FHS/BHS/BTS/FTS are skipped) or MLLP-framed. `-` or no file
/// reads standard input. Errors go to standard error; the exit code is 0 on
/// success, 1 when any message or input failed, 2 on a usage error.
#[derive(Debug, Parser)]
#[command(name = "vitalflow", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the value at an HL7 path, one line per message.
    Query(commands::QueryArgs),
    /// Extract vital signs as JSON Lines, one object per OBX row.
    Vitals(commands::VitalsArgs),
    /// Compute a NEWS2 score from flags, or one per JSON line on standard input.
    News2(commands::News2Args),
    /// Generate realistic ORU^R01 feeds for simulated patients.
    Simulate(simulate::SimulateArgs),
    /// Send messages to an MLLP listener and report each ACK.
    Send(send::SendArgs),
    /// MLLP listener that writes every message to Kafka and ACKs after Kafka acknowledged it.
    Gateway(gateway::GatewayArgs),
    /// Run a feed through the streaming NEWS2 and glucose rules; print scores and alerts.
    Score(score::ScoreArgs),
}

fn main() -> ExitCode {
    // A bug is reported in one line; a panic on one message is caught and the
    // rest of the input still processed (see input.rs).
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        eprintln!("vitalflow: internal error (a bug, please report it){at}: {what}");
    }));
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Query(a) => commands::query(a),
        Command::Vitals(a) => commands::vitals(a),
        Command::News2(a) => commands::news2(a),
        Command::Simulate(a) => simulate::run(a),
        Command::Send(a) => send::send(a),
        Command::Score(a) => score::run(a),
        Command::Gateway(a) => gateway::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            if let Some(m) = f.message {
                eprintln!("vitalflow: {m}");
            }
            ExitCode::from(f.code)
        }
    }
}
