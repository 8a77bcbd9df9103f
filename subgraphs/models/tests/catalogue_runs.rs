//! Every built-in catalogue model that runs on plain ffmpeg renders to a command that really
//! runs here and produces exactly its declared outputs (demucs needs its GPU container).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_models::domain::{
    catalogue::{CatalogueModel, builtin},
    render::{Invocation, render},
};
use serde_json::{Map, Value, json};
use std::{collections::HashMap, path::Path, process::Command};

fn ffmpeg(args: &[&str]) {
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(args)
        .status()
        .expect("ffmpeg is installed (scripts/install-deps.sh)");
    assert!(status.success(), "ffmpeg {args:?}");
}

/// A 2-second test video with sound, a stereo mp3 and a PNG image.
fn inputs(dir: &Path) -> HashMap<&'static str, String> {
    let video = dir.join("input.mp4");
    let audio = dir.join("input.mp3");
    let image = dir.join("input.png");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=320x240:rate=25",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=44100",
        "-t",
        "2",
        "-pix_fmt",
        "yuv420p",
        "-shortest",
        video.to_str().unwrap(),
    ]);
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=220:sample_rate=44100",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=880:sample_rate=44100",
        "-filter_complex",
        "[0:a][1:a]amerge=inputs=2",
        "-t",
        "2",
        audio.to_str().unwrap(),
    ]);
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=640x480",
        "-frames:v",
        "1",
        image.to_str().unwrap(),
    ]);
    HashMap::from([
        ("video", video.display().to_string()),
        ("audio", audio.display().to_string()),
        ("image", image.display().to_string()),
    ])
}

fn run(model: &CatalogueModel, values: Value, inputs: &HashMap<&str, String>) -> Vec<String> {
    let work = tempfile::tempdir().unwrap();
    let schema = &model.spec.run.args;
    let mut values: Map<String, Value> = values.as_object().unwrap().clone();
    let mut files = HashMap::new();
    for (name, spec) in &schema.0 {
        if spec.kind != mediamagic_models::domain::args::ArgType::File {
            continue;
        }
        let kinds = spec.kinds.clone().unwrap_or_default();
        let kind = ["video", "image", "audio"]
            .into_iter()
            .find(|k| kinds.iter().any(|x| x == k))
            .unwrap();
        values.insert(name.clone(), json!("media-id"));
        files.insert(name.clone(), inputs[kind].clone());
    }
    let validated = schema.validate(&values).unwrap();
    let Invocation::Exec { program, args } = render(
        model.spec.run.invocation,
        &model.spec.run.command,
        schema,
        &validated,
        &files,
    )
    .unwrap() else {
        panic!("catalogue models are exec models");
    };
    let output = Command::new(&program)
        .args(&args)
        .current_dir(work.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}: {program} {args:?}\n{}",
        model.slug,
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("progress=end"),
        "{} reports ffmpeg progress on stdout",
        model.slug
    );
    let mut produced: Vec<String> = std::fs::read_dir(work.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    produced.sort();
    for file in &produced {
        assert!(
            model.spec.run.outputs.iter().any(|o| o.matches(file)),
            "{}: {file} is not a declared output",
            model.slug
        );
        let size = std::fs::metadata(work.path().join(file)).unwrap().len();
        assert!(size > 0, "{}: {file} is empty", model.slug);
    }
    produced
}

fn model(slug: &str) -> CatalogueModel {
    builtin()
        .unwrap()
        .into_iter()
        .find(|m| m.slug == slug)
        .unwrap()
}

#[test]
fn catalogue_models_run_with_ffmpeg_and_produce_their_declared_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = inputs(dir.path());

    assert_eq!(
        run(&model("audio-extract"), json!({"bitrate": 128}), &inputs),
        ["audio.mp3"]
    );
    assert_eq!(
        run(&model("transcode"), json!({"height": 144}), &inputs),
        ["output.mp4"]
    );
    assert_eq!(
        run(
            &model("transcode"),
            json!({"height": 144, "format": "webm"}),
            &inputs
        ),
        ["output.webm"]
    );
    assert_eq!(
        run(&model("frames"), json!({"interval": 0.5}), &inputs),
        [
            "frame-00001.jpg",
            "frame-00002.jpg",
            "frame-00003.jpg",
            "frame-00004.jpg"
        ]
    );
    assert_eq!(
        run(
            &model("image-resize"),
            json!({"width": 100, "height": 100, "format": "webp"}),
            &inputs
        ),
        ["output.webp"]
    );
    assert_eq!(
        run(&model("waveform"), json!({}), &inputs),
        ["waveform.png"]
    );
    assert_eq!(
        run(&model("stems"), json!({}), &inputs),
        ["base.mp3", "drums.mp3", "other.mp3", "vocals.mp3"]
    );
}
