//! Reading progress out of a program's output, line by line:
//!
//! - the `::progress <0..1> <message>` protocol any model may print (stdout or stderr);
//! - ffmpeg's `-progress pipe:1` blocks (`out_time_us=...` ... `progress=continue|end`),
//!   measured against the input's `Duration: HH:MM:SS.ss` that ffmpeg prints on stderr.
//!
//! Protocol lines are not log lines; everything else is.

/// What one line of output means.
#[derive(Clone, Debug, PartialEq)]
pub enum LineKind {
    /// A line for the job's log.
    Log,
    /// Progress to report.
    Progress {
        /// 0 to 1.
        fraction: f64,
        /// What the program is doing, if it said.
        message: Option<String>,
    },
    /// A protocol line with nothing to report yet.
    Quiet,
}

/// Reads progress from the lines of one run.
#[derive(Debug, Default)]
pub struct ProgressParser {
    /// The input's duration in microseconds, once ffmpeg printed it.
    duration_us: Option<f64>,
    /// The latest `out_time_us` of the current ffmpeg block.
    out_time_us: Option<f64>,
}

/// The keys of ffmpeg's `-progress` blocks.
const FFMPEG_KEYS: &[&str] = &[
    "frame",
    "fps",
    "stream_0_0_q",
    "bitrate",
    "total_size",
    "out_time_us",
    "out_time_ms",
    "out_time",
    "dup_frames",
    "drop_frames",
    "speed",
    "progress",
];

impl ProgressParser {
    /// Classifies one line (without its newline).
    pub fn line(&mut self, line: &str) -> LineKind {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("::progress") {
            return parse_protocol(rest);
        }
        if let Some(duration) = ffmpeg_duration(trimmed) {
            // Several inputs print several durations; the first is the one being read.
            self.duration_us.get_or_insert(duration);
            return LineKind::Log;
        }
        let Some((key, value)) = trimmed.split_once('=') else {
            return LineKind::Log;
        };
        if !(FFMPEG_KEYS.contains(&key) || key.starts_with("stream_")) {
            return LineKind::Log;
        }
        match key {
            "out_time_us" => {
                self.out_time_us = value.parse::<f64>().ok().filter(|v| *v >= 0.0);
                LineKind::Quiet
            }
            "progress" if value == "end" => LineKind::Progress {
                fraction: 1.0,
                message: Some("finishing".into()),
            },
            "progress" => match (self.out_time_us, self.duration_us) {
                (Some(done), Some(total)) if total > 0.0 => LineKind::Progress {
                    fraction: (done / total).clamp(0.0, 1.0),
                    message: Some(format!("{:.1} s of {:.1} s", done / 1e6, total / 1e6)),
                },
                _ => LineKind::Quiet,
            },
            _ => LineKind::Quiet,
        }
    }
}

fn parse_protocol(rest: &str) -> LineKind {
    let rest = rest.trim();
    let (number, message) = match rest.split_once(char::is_whitespace) {
        Some((number, message)) => (number, Some(message.trim().to_owned())),
        None => (rest, None),
    };
    match number.parse::<f64>() {
        Ok(fraction) if fraction.is_finite() => LineKind::Progress {
            fraction: fraction.clamp(0.0, 1.0),
            message: message.filter(|m| !m.is_empty()),
        },
        _ => LineKind::Log,
    }
}

/// `Duration: 00:01:02.50, start: ...` → microseconds.
fn ffmpeg_duration(line: &str) -> Option<f64> {
    let rest = line.strip_prefix("Duration:")?.trim_start();
    let stamp = rest.split(',').next()?.trim();
    let mut parts = stamp.split(':');
    let hours: f64 = parts.next()?.parse().ok()?;
    let minutes: f64 = parts.next()?.parse().ok()?;
    let seconds: f64 = parts.next()?.parse().ok()?;
    Some(((hours * 60.0 + minutes) * 60.0 + seconds) * 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_progress_protocol_reports_a_clamped_fraction_and_message() {
        let mut parser = ProgressParser::default();
        assert_eq!(
            parser.line("::progress 0.25 loading weights"),
            LineKind::Progress {
                fraction: 0.25,
                message: Some("loading weights".into())
            }
        );
        assert_eq!(
            parser.line("::progress 7"),
            LineKind::Progress {
                fraction: 1.0,
                message: None
            }
        );
        assert_eq!(parser.line("::progress soon"), LineKind::Log);
    }

    #[test]
    fn ffmpeg_progress_is_measured_against_the_input_duration() {
        let mut parser = ProgressParser::default();
        assert_eq!(
            parser.line("  Duration: 00:00:10.00, start: 0.000000, bitrate: 128 kb/s"),
            LineKind::Log
        );
        assert_eq!(parser.line("out_time_us=2500000"), LineKind::Quiet);
        assert_eq!(parser.line("speed=20.1x"), LineKind::Quiet);
        assert_eq!(
            parser.line("progress=continue"),
            LineKind::Progress {
                fraction: 0.25,
                message: Some("2.5 s of 10.0 s".into())
            }
        );
        assert!(matches!(
            parser.line("progress=end"),
            LineKind::Progress { fraction, .. } if fraction == 1.0
        ));
    }

    #[test]
    fn ffmpeg_blocks_without_a_known_duration_are_quiet_and_other_lines_are_logs() {
        let mut parser = ProgressParser::default();
        parser.line("out_time_us=1000");
        assert_eq!(parser.line("progress=continue"), LineKind::Quiet);
        assert_eq!(parser.line("Stream #0:0: Audio: mp3"), LineKind::Log);
        assert_eq!(parser.line("a=b"), LineKind::Log);
    }
}
