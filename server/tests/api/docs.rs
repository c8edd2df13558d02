//! Runs every curl example of docs/api.md, in order, against a live server, and checks
//! the status each one says it gets. The documentation cannot drift from the API.

use std::process::Command;

use crate::helpers::spawn_app;

const API_DOC: &str = include_str!("../../../docs/api.md");
const EMAIL: &str = "amina@example.com";

struct Example {
    script: String,
    expect: String,
}

fn examples() -> Vec<Example> {
    API_DOC
        .split("```sh\n")
        .skip(1)
        .map(|block| {
            let script = block.split("```").next().expect("closed block").to_owned();
            let expect = script
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("# expect: "))
                .unwrap_or_else(|| panic!("example without `# expect: <status>`:\n{script}"))
                .trim()
                .to_owned();
            Example { script, expect }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_curl_example_in_the_api_doc_works() {
    let app = spawn_app().await;
    let dir = std::env::temp_dir().join(format!("api-doc-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let examples = examples();
    assert!(examples.len() >= 15, "the doc shows every endpoint");

    let mut mails = 0;
    for example in &examples {
        let token = if mails > 0 {
            app.mail.message_to(EMAIL, mails).await.latest_token()
        } else {
            String::new()
        };
        // curl talks to the server on this runtime: run it off the async threads.
        let mut command = Command::new("bash");
        command
            .arg("-c")
            .arg(&example.script)
            .current_dir(&dir)
            .env("BASE", &app.address)
            .env("TOKEN", token);
        let output = tokio::task::spawn_blocking(move || command.output())
            .await
            .expect("join")
            .expect("run bash");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let status = stdout.lines().last().unwrap_or_default();
        assert_eq!(
            status, example.expect,
            "example:\n{}\noutput:\n{stdout}",
            example.script
        );

        let sends_mail = ["/api/auth/register", "/resend-verification", "/forgot-password"]
            .iter()
            .any(|p| example.script.contains(p));
        if sends_mail && example.expect == "200" {
            mails += 1;
        }
    }
}
