//! A model's declared outputs (`frame-*.jpg`, `separated/*/*/bass.mp3`): matching relative
//! paths against patterns, and finding the matching files in a run's working directory.
//! Matching is the models library's ([`OutputSpec::matches`]).
//! Only regular files count: a symlink a program leaves behind is never followed, so a run
//! cannot publish files from outside its directory.

use mediamagic_models::domain::model::OutputSpec;
use std::path::{Path, PathBuf};

/// A file a run produced that matches a declared output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProducedFile {
    /// Where it is.
    pub path: PathBuf,
    /// Its path relative to the working directory (`/`-separated).
    pub relative: String,
    /// The content type its output declares.
    pub content_type: String,
}

/// Every regular file under `dir` (relative paths, sorted), at most `depth` levels down,
/// skipping `skip` (the inputs directory).
fn files_under(dir: &Path, depth: usize, skip: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    let mut found = Vec::new();
    let mut pending = vec![(dir.to_path_buf(), String::new(), 0)];
    while let Some((current, prefix, level)) = pending.pop() {
        for entry in std::fs::read_dir(&current)? {
            let entry = entry?;
            let path = entry.path();
            if path == skip {
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let relative = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            // `file_type` does not follow symlinks.
            let kind = entry.file_type()?;
            if kind.is_file() {
                found.push((relative, path));
            } else if kind.is_dir() && level + 1 < depth {
                pending.push((path, relative, level + 1));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The files in `dir` matching `outputs`, each once (the first output it matches gives its
/// content type), in path order.
pub fn collect(
    dir: &Path,
    outputs: &[OutputSpec],
    skip: &Path,
) -> std::io::Result<Vec<ProducedFile>> {
    let depth = outputs
        .iter()
        .map(|o| o.pattern.split('/').count())
        .max()
        .unwrap_or(1);
    Ok(files_under(dir, depth, skip)?
        .into_iter()
        .filter_map(|(relative, path)| {
            let output = outputs.iter().find(|o| o.matches(&relative))?;
            Some(ProducedFile {
                path,
                content_type: output.content_type.clone(),
                relative,
            })
        })
        .collect())
}

/// Bytes and entries under `dir` but outside `skip` (the inputs, which the run did not
/// write; symlinks counted, never followed), stopping early once `max_entries` entries were
/// seen.
pub fn disk_usage(dir: &Path, skip: &Path, max_entries: u64) -> (u64, u64) {
    let (mut bytes, mut entries) = (0u64, 0u64);
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let Ok(listing) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in listing.flatten() {
            if entry.path() == skip {
                continue;
            }
            entries += 1;
            if entries > max_entries {
                return (bytes, entries);
            }
            let Ok(meta) = entry.metadata() else {
                continue;
            };
            // Allocated blocks, so sparse files cannot hide what they take.
            bytes = bytes.saturating_add(std::os::unix::fs::MetadataExt::blocks(&meta) * 512);
            if meta.is_dir() {
                pending.push(entry.path());
            }
        }
    }
    (bytes, entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disk_usage_counts_files_in_subdirectories_and_stops_at_the_entry_limit() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("a")).unwrap();
        std::fs::write(dir.path().join("a/big"), vec![1u8; 64 * 1024]).unwrap();
        std::fs::write(dir.path().join("small"), b"x").unwrap();

        std::fs::create_dir(dir.path().join("inputs")).unwrap();
        std::fs::write(dir.path().join("inputs/in"), vec![1u8; 1024 * 1024]).unwrap();
        let inputs = dir.path().join("inputs");

        let (bytes, entries) = disk_usage(dir.path(), &inputs, 100);
        let (_, capped) = disk_usage(dir.path(), &inputs, 1);

        assert!(
            (64 * 1024..1024 * 1024).contains(&bytes),
            "inputs not counted: {bytes}"
        );
        assert_eq!(entries, 3);
        assert_eq!(capped, 2, "stops right after the limit");
    }

    fn output(pattern: &str, content_type: &str) -> OutputSpec {
        OutputSpec {
            pattern: pattern.into(),
            content_type: content_type.into(),
        }
    }

    #[test]
    fn collecting_finds_matching_regular_files_and_ignores_symlinks_and_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let inputs = dir.path().join("inputs");
        std::fs::create_dir_all(inputs.join("x")).unwrap();
        std::fs::write(inputs.join("frame-9.jpg"), b"input").unwrap();
        std::fs::write(dir.path().join("frame-2.jpg"), b"2").unwrap();
        std::fs::write(dir.path().join("frame-1.jpg"), b"1").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"n").unwrap();
        std::fs::create_dir_all(dir.path().join("sep/a")).unwrap();
        std::fs::write(dir.path().join("sep/a/bass.mp3"), b"b").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", dir.path().join("frame-3.jpg")).unwrap();

        let found = collect(
            dir.path(),
            &[
                output("frame-*.jpg", "image/jpeg"),
                output("sep/*/bass.mp3", "audio/mpeg"),
            ],
            &inputs,
        )
        .unwrap();

        let names: Vec<&str> = found.iter().map(|f| f.relative.as_str()).collect();
        assert_eq!(names, ["frame-1.jpg", "frame-2.jpg", "sep/a/bass.mp3"]);
        assert_eq!(found[2].content_type, "audio/mpeg");
    }
}
