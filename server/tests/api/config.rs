use std::process::Command;

/// Start-up with a bad environment fails fast, one line per problem, naming each variable.
#[test]
fn the_binary_names_every_missing_or_invalid_variable() {
    let mut server = Command::new(env!("CARGO_BIN_EXE_server"));
    server.env_clear();
    // Under coverage the binary writes its profile where the run says, not into this folder.
    if let Ok(profile) = std::env::var("LLVM_PROFILE_FILE") {
        server.env("LLVM_PROFILE_FILE", profile);
    }
    let output = server
        .env("LEPTOS_CONFIG", concat!(env!("CARGO_MANIFEST_DIR"), "/../Leptos.toml"))
        .env("APP_ENV", "development")
        .env("DATABASE_MAX_CONNECTIONS", "0")
        .output()
        .expect("run the server binary");

    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with("configuration error: DATABASE_URL: missing"),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with("configuration error: DATABASE_MAX_CONNECTIONS: 0 is out of range"),
        "{stderr}"
    );
}
