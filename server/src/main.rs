use std::process::ExitCode;

use server::{Application, config::Settings, shutdown_signal, startup::SHUTDOWN_GRACE, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(errors) => {
            // One line per problem, before logging exists: this is what an operator reads.
            for error in errors {
                eprintln!("configuration error: {error}");
            }
            return ExitCode::from(2);
        }
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(code) = server::commands::run(&settings, &args).await {
        return code;
    }
    telemetry::init(settings.log_format);
    tracing::info!(environment = ?settings.environment, "starting");

    let app = match Application::build(settings).await {
        Ok(app) => app,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "start-up failed");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(address = %app.local_addr(), "listening");

    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        shutdown_signal().await;
        let _ = stop_tx.send(());
    }));
    // Once the signal comes, in-flight requests get a bounded grace period.
    let grace = async {
        let _ = stop_rx.await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        result = server => match result {
            Ok(Ok(())) => { tracing::info!("stopped"); ExitCode::SUCCESS }
            Ok(Err(error)) => { tracing::error!(%error, "server error"); ExitCode::FAILURE }
            Err(error) => { tracing::error!(%error, "server task failed"); ExitCode::FAILURE }
        },
        () = grace => { tracing::warn!("grace period over: exiting with requests still open"); ExitCode::FAILURE }
    }
}
