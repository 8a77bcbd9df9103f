//! The README's tour, run as a reader would paste it: the shell block between
//! `<!-- tour:begin -->` and `<!-- tour:end -->`, unchanged, with bash (errors stop it)
//! against a real `mediamagic dev`. If the README and the product drift apart, this fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::dev::DevProcess;
use std::{process::Stdio, time::Duration};

/// The tour's shell block from the README.
fn tour() -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md");
    let start = readme
        .find("<!-- tour:begin -->")
        .expect("the README marks its tour");
    let end = readme.find("<!-- tour:end -->").expect("the tour's end");
    let marked = &readme[start..end];
    let open = marked.find("```bash\n").expect("a bash block") + "```bash\n".len();
    let close = marked.rfind("```").expect("the block's end");
    marked[open..close].to_owned()
}

#[tokio::test]
async fn the_readme_tour_runs_top_to_bottom_against_mediamagic_dev() {
    // Arrange
    let data = tempfile::tempdir().unwrap();
    let dev = DevProcess::start(data.path()).await;
    let work = tempfile::tempdir().unwrap();
    let script = tour();

    // Act: as pasted into a shell, stopping at the first failing command.
    let run = tokio::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .env("MEDIAMAGIC_URL", dev.base())
        .current_dir(work.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output();
    let output = tokio::time::timeout(Duration::from_secs(240), run)
        .await
        .expect("the tour finishes within 4 minutes")
        .expect("bash runs");

    // Assert: every step did what the README says.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the tour failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(stdout.contains("\"name\":\"Ada\""), "{stdout}");
    assert!(stdout.contains("uploaded media "), "{stdout}");
    assert!(stdout.contains("\"status\":\"SUCCEEDED\""), "{stdout}");
    assert!(stdout.contains("format_name=mp3"), "{stdout}");
    let mp3 = std::fs::metadata(work.path().join("clip.mp3")).expect("the tour downloads clip.mp3");
    assert!(mp3.len() > 10_000, "{} bytes", mp3.len());
    dev.stop().await;
}
