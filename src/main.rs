use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    payhub::cli::run(payhub::cli::Cli::parse()).await
}
