//! Progress of long commands on stderr: a bar when stderr is a terminal; otherwise (a log, a
//! pipe) nothing while running and one summary line at the end.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;

pub struct Progress {
    bar: ProgressBar,
    command: &'static str,
    what: String,
    started: Instant,
    terminal: bool,
    /// Another MPI rank's progress: counted, never shown (rank 0 shows the job's).
    quiet: bool,
}

impl Progress {
    /// A bar counting to `len` units of `what` ("runs", "closures") for `lifeline COMMAND`.
    pub fn new(command: &'static str, len: u64, what: &str) -> Progress {
        Progress::on_rank(true, command, len, what)
    }

    /// [`Progress::new`] on the rank that shows the job's progress (`leads`); on the others a
    /// bar that shows nothing and prints no summary.
    pub fn on_rank(leads: bool, command: &'static str, len: u64, what: &str) -> Progress {
        let terminal = leads && std::io::stderr().is_terminal();
        let target = if terminal {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(len), target);
        let template = format!(
            "{{elapsed_precise}} [{{bar:40}}] {{pos}}/{{len}} {what} ({{per_sec}}, {{eta}} left)"
        );
        if let Ok(style) = ProgressStyle::with_template(&template) {
            bar.set_style(style.progress_chars("=> "));
        }
        Progress {
            bar,
            command,
            what: what.to_string(),
            started: Instant::now(),
            terminal,
            quiet: !leads,
        }
    }

    /// Sets the total once it is known.
    pub fn set_length(&self, len: u64) {
        self.bar.set_length(len);
    }

    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
    }

    /// Clears the bar; without a terminal, prints one line: what was done, in how long.
    pub fn finish(self) {
        self.bar.finish_and_clear();
        if !self.terminal && !self.quiet {
            eprintln!(
                "lifeline {}: {} of {} {} in {:.1} s",
                self.command,
                self.bar.position(),
                self.bar.length().unwrap_or(0),
                self.what,
                self.started.elapsed().as_secs_f64()
            );
        }
    }
}
