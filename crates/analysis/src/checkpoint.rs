//! A calibration's checkpoint as text: what `lifeline calibrate` keeps in its output folder
//! after every generation, so that `--resume` continues an interrupted calibration (a cluster's
//! time limit, a lost node) to the very bytes an uninterrupted one writes.
//!
//! Numbers are kept as the hexadecimal bits of their `f64`s, so nothing is lost to decimal
//! rounding. The first lines name the format and the calibration (`key`: a hash of the scenario,
//! its built input and the settings, made by the caller); a checkpoint of another calibration is
//! refused.
//!
//! ```text
//! lifeline calibrate checkpoint 2
//! key 3f9a…
//! generation G TOLERANCE PROPOSALS SIMULATIONS STOPPED_EARLY ACCEPTED ESS
//! particle WEIGHT DISTANCE D THETA… OUTPUTS…
//! ```

use crate::abc::{Checkpoint, GenerationSummary, Particle};
use crate::error::{AnalysisError, Result};
use std::fmt::Write as _;

const HEADER: &str = "lifeline calibrate checkpoint 2";
/// Format 1 had no count of simulations stopped early (it was kept before they were): read as
/// none.
const HEADER_1: &str = "lifeline calibrate checkpoint 1";

fn bits(x: f64) -> String {
    format!("{:016x}", x.to_bits())
}

/// The checkpoint of the calibration named `key`, as text.
pub fn checkpoint_text(key: &str, checkpoint: &Checkpoint) -> String {
    let mut out = format!("{HEADER}\nkey {key}\n");
    for g in &checkpoint.generations {
        let _ = writeln!(
            out,
            "generation {} {} {} {} {} {} {}",
            g.generation,
            bits(g.tolerance),
            g.proposals,
            g.simulations,
            g.stopped_early,
            g.accepted,
            bits(g.effective_sample_size)
        );
    }
    for p in &checkpoint.particles {
        let _ = write!(
            out,
            "particle {} {} {}",
            bits(p.weight),
            bits(p.distance),
            p.theta.len()
        );
        for x in p.theta.iter().chain(&p.outputs) {
            let _ = write!(out, " {}", bits(*x));
        }
        out.push('\n');
    }
    out
}

/// Reads a checkpoint written by [`checkpoint_text`]: its key and the checkpoint. Errors name
/// `file` and the line.
pub fn parse_checkpoint(text: &str, file: &str) -> Result<(String, Checkpoint)> {
    let bad = |line: usize, message: &str| {
        AnalysisError::Calibration(format!(
            "{file}:{line}: {message} (a damaged checkpoint: remove it to start the calibration again)"
        ))
    };
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    let format_1 = match lines.next() {
        Some((_, HEADER)) => false,
        Some((_, HEADER_1)) => true,
        _ => return Err(bad(1, &format!("expected `{HEADER}`"))),
    };
    let key = match lines.next() {
        Some((_, l)) if l.starts_with("key ") => l["key ".len()..].to_string(),
        _ => return Err(bad(2, "expected `key HASH`")),
    };
    let mut checkpoint = Checkpoint {
        particles: Vec::new(),
        generations: Vec::new(),
    };
    for (n, line) in lines {
        let mut words = line.split(' ');
        let float = |w: Option<&str>| {
            w.filter(|w| w.len() == 16)
                .and_then(|w| u64::from_str_radix(w, 16).ok())
                .map(f64::from_bits)
                .ok_or_else(|| bad(n, "expected the 16 hex digits of a number"))
        };
        let whole = |w: Option<&str>| {
            w.and_then(|w| w.parse::<u64>().ok())
                .ok_or_else(|| bad(n, "expected a whole number"))
        };
        match words.next() {
            Some("generation") => checkpoint.generations.push(GenerationSummary {
                generation: whole(words.next())? as usize,
                tolerance: float(words.next())?,
                proposals: whole(words.next())?,
                simulations: whole(words.next())?,
                stopped_early: if format_1 { 0 } else { whole(words.next())? },
                accepted: whole(words.next())? as usize,
                effective_sample_size: float(words.next())?,
            }),
            Some("particle") => {
                let weight = float(words.next())?;
                let distance = float(words.next())?;
                let d = whole(words.next())? as usize;
                let values = words.map(|w| float(Some(w))).collect::<Result<Vec<_>>>()?;
                if values.len() < d {
                    return Err(bad(n, &format!("{d} parameters, {} values", values.len())));
                }
                checkpoint.particles.push(Particle {
                    theta: values[..d].to_vec(),
                    weight,
                    distance,
                    outputs: values[d..].to_vec(),
                });
            }
            _ => return Err(bad(n, "expected a `generation` or a `particle` line")),
        }
    }
    if checkpoint.generations.is_empty() || checkpoint.particles.is_empty() {
        return Err(bad(
            text.lines().count().max(1),
            "no complete generation in the checkpoint",
        ));
    }
    Ok((key, checkpoint))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Checkpoint {
        Checkpoint {
            particles: vec![
                Particle {
                    theta: vec![0.1, 1.0 / 3.0],
                    weight: 0.25,
                    distance: f64::MIN_POSITIVE,
                    outputs: vec![f64::NAN, f64::INFINITY, -0.0],
                },
                Particle {
                    theta: vec![2.0, 1e-300],
                    weight: 0.75,
                    distance: 3.5,
                    outputs: Vec::new(),
                },
            ],
            generations: vec![GenerationSummary {
                generation: 0,
                tolerance: f64::INFINITY,
                proposals: 2,
                simulations: 2,
                stopped_early: 1,
                accepted: 2,
                effective_sample_size: 1.6,
            }],
        }
    }

    #[test]
    fn a_checkpoint_comes_back_bit_for_bit() {
        let text = checkpoint_text("abc", &sample());
        let (key, back) = parse_checkpoint(&text, "c").expect("parses");
        assert_eq!(key, "abc");
        // Compared as text (NaN is not equal to itself): the same bits give the same text.
        assert_eq!(checkpoint_text(&key, &back), text);
        assert_eq!(
            back.particles[0].theta[1].to_bits(),
            (1.0f64 / 3.0).to_bits()
        );
        assert_eq!(back.particles[0].outputs.len(), 3);
        assert!(back.particles[1].outputs.is_empty());
    }

    /// A checkpoint of the first format (no count of simulations stopped early) still resumes.
    #[test]
    fn a_format_1_checkpoint_reads_with_none_stopped_early() {
        let text = checkpoint_text("abc", &sample())
            .replacen(HEADER, HEADER_1, 1)
            .replacen(" 2 2 1 2 ", " 2 2 2 ", 1);
        let (_, back) = parse_checkpoint(&text, "c").expect("parses");
        let mut expected = sample();
        expected.generations[0].stopped_early = 0;
        assert_eq!(back.generations, expected.generations);
        assert_eq!(back.particles.len(), 2);
    }

    #[test]
    fn damaged_checkpoints_are_refused_with_their_line() {
        let text = checkpoint_text("abc", &sample());
        let cut = &text[..text.len() - 10];
        let err = parse_checkpoint(cut, "c.txt").expect_err("cut short");
        assert!(err.to_string().starts_with("c.txt:5:"), "{err}");
        let err = parse_checkpoint("something else\n", "c.txt").expect_err("not one");
        assert!(err.to_string().contains("c.txt:1:"), "{err}");
        let header_only = format!("{HEADER}\nkey k\n");
        assert!(parse_checkpoint(&header_only, "c.txt").is_err());
    }
}
