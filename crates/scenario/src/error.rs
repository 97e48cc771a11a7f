//! Scenario errors: the file, the line and column (from the TOML span), the field, and what was
//! expected.

use std::ops::Range;

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("{file}:{line}:{column}: field `{field}`: {message}")]
    At {
        file: String,
        line: usize,
        column: usize,
        field: String,
        message: String,
    },
    #[error(transparent)]
    Input(#[from] lifeline_io::InputError),
    #[error("{file}: cannot read: {message}")]
    Read { file: String, message: String },
    #[error(
        "unknown scenario `{0}`; `lifeline scenarios` lists the embedded ones, or give a .toml path"
    )]
    UnknownScenario(String),
    #[error("unknown response `{name}`; this scenario defines: {known}")]
    UnknownResponse { name: String, known: String },
    /// A value given outside the file (a command-line option) out of its allowed range.
    #[error("{option}: {message}")]
    Override { option: String, message: String },
    /// Several problems found in one pass, each located: all are reported at once.
    #[error("{} problems:\n{}", .0.len(), list(.0))]
    Many(Vec<ScenarioError>),
}

fn list(errors: &[ScenarioError]) -> String {
    errors
        .iter()
        .map(|e| format!("  {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl ScenarioError {
    /// `Ok` when there is no problem, the problem itself when there is one, all of them
    /// together when there are more.
    pub fn all(mut errors: Vec<ScenarioError>) -> Result<(), ScenarioError> {
        match errors.len() {
            0 => Ok(()),
            1 => Err(errors.remove(0)),
            _ => Err(ScenarioError::Many(errors)),
        }
    }

    /// The problems this error stands for (one, or each of many).
    pub fn problems(&self) -> Vec<&ScenarioError> {
        match self {
            ScenarioError::Many(errors) => errors.iter().collect(),
            other => vec![other],
        }
    }
}

/// The text of a scenario file with its name, to turn byte spans into lines and fields.
pub struct SourceText<'a> {
    pub file: &'a str,
    pub text: &'a str,
}

impl SourceText<'_> {
    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rfind('\n').map_or(offset, |nl| offset - nl - 1) + 1;
        (line, column)
    }

    pub fn error(
        &self,
        span: Range<usize>,
        field: &str,
        message: impl Into<String>,
    ) -> ScenarioError {
        let (line, column) = self.line_col(span.start);
        ScenarioError::At {
            file: self.file.to_string(),
            line,
            column,
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// The dotted key at a span: the table header above it and the key on its line.
    pub fn field_at(&self, offset: usize) -> String {
        let offset = offset.min(self.text.len());
        let line_start = self.text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.text[offset..]
            .find('\n')
            .map_or(self.text.len(), |i| offset + i);
        let line = &self.text[line_start..line_end];
        let key = line.split('=').next().unwrap_or("").trim();
        let table = self.text[..line_start]
            .lines()
            .rev()
            .map(str::trim)
            .find(|l| l.starts_with('['))
            .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
        let key = if key.starts_with('[') { "" } else { key };
        match (table, key) {
            (Some(t), "") => t,
            (Some(t), k) => format!("{t}.{k}"),
            (None, k) => k.to_string(),
        }
    }

    /// Converts a TOML parse error (syntax, unknown key, wrong type) into a located error.
    pub fn from_toml(&self, err: &toml::de::Error) -> ScenarioError {
        let span = err.span().unwrap_or(0..0);
        let field = self.field_at(span.start);
        self.error(span, &field, err.message().trim().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_are_right_with_lf_and_crlf() {
        for newline in ["\n", "\r\n"] {
            let text = ["[a]", "x = 1", "", "[b]", "yy = 2", ""].join(newline);
            let src = SourceText {
                file: "s.toml",
                text: &text,
            };
            let offset = text.find("yy").expect("present");
            assert_eq!(src.line_col(offset), (5, 1), "newline {newline:?}");
            assert_eq!(src.line_col(offset + 5), (5, 6), "newline {newline:?}");
            assert_eq!(src.field_at(offset), "b.yy", "newline {newline:?}");
        }
    }

    #[test]
    fn many_problems_are_listed_one_per_line() {
        let src = SourceText {
            file: "s.toml",
            text: "a = 1\nb = 2\n",
        };
        assert!(ScenarioError::all(Vec::new()).is_ok());
        let one = ScenarioError::all(vec![src.error(0..1, "a", "bad")]).expect_err("one");
        assert_eq!(one.to_string(), "s.toml:1:1: field `a`: bad");
        let two = ScenarioError::all(vec![
            src.error(0..1, "a", "bad"),
            src.error(6..7, "b", "worse"),
        ])
        .expect_err("two");
        assert_eq!(
            two.to_string(),
            "2 problems:\n  s.toml:1:1: field `a`: bad\n  s.toml:2:1: field `b`: worse"
        );
        assert_eq!(two.problems().len(), 2);
    }
}
