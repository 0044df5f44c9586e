//! Problems in a scenario file, each with its place (`file:line:column`), and the checker
//! that collects them while a file is validated: validation goes on after the first
//! problem, so one run of `pocnet check` lists them all.

use crate::scenario::raw::Spanned;
use std::fmt;
use std::ops::Range;

/// One problem in a scenario file, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
    }
}

/// Everything wrong with a scenario file.
#[derive(Debug, thiserror::Error)]
pub struct ScenarioError {
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

pub(crate) struct Checker<'a> {
    pub(crate) file: &'a str,
    pub(crate) text: &'a str,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

impl Checker<'_> {
    pub(crate) fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        let (line, column) = line_column(self.text, span.start);
        self.diagnostics.push(Diagnostic { file: self.file.to_string(), line, column, message: message.into() });
    }

    pub(crate) fn at<T>(&mut self, value: &Spanned<T>, message: impl Into<String>) {
        self.error(value.span(), message);
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The one of `known` near `wrong` (a few letters off, case aside), if any: offered with
/// an error that names an unknown key, zone, state or profile. The nearest wins; among
/// equals, the first of `known`.
pub(crate) fn nearest<'k>(wrong: &str, known: impl IntoIterator<Item = &'k str>) -> Option<&'k str> {
    let wrong_lower = wrong.to_lowercase();
    let allowed = (wrong.chars().count() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for k in known {
        if k == wrong {
            return None;
        }
        let d = strsim::damerau_levenshtein(&wrong_lower, &k.to_lowercase());
        if d <= allowed && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, k));
        }
    }
    best.map(|(_, k)| k)
}

/// `: did you mean `X`?` for the [`nearest`] known name, else nothing.
pub(crate) fn did_you_mean<'k>(wrong: &str, known: impl IntoIterator<Item = &'k str>) -> String {
    nearest(wrong, known).map_or_else(String::new, |k| format!(": did you mean `{k}`?"))
}

/// A parser's message with a suggestion for an unknown key or variant: serde says
/// "unknown field `colour`, expected one of `name`, `seed`"; the nearest expected name is
/// offered.
pub(crate) fn with_suggestion(message: &str) -> String {
    let rest = message.strip_prefix("unknown field `").or_else(|| message.strip_prefix("unknown variant `"));
    let Some((wrong, expected)) = rest.and_then(|r| r.split_once('`')) else {
        return message.to_string();
    };
    // The expected names are every other piece between backquotes.
    let known = expected.split('`').skip(1).step_by(2);
    match (nearest(wrong, known), message.split_once(", expected")) {
        (Some(near), Some((head, list))) => format!("{head}: did you mean `{near}`? (expected{list})"),
        (Some(near), None) => format!("{message}: did you mean `{near}`?"),
        (None, _) => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_near_name_is_suggested_and_a_far_one_is_not() {
        let zones = ["Europe/Paris", "Europe/Prague", "Asia/Ho_Chi_Minh"];
        assert_eq!(did_you_mean("Europe/Pari", zones), ": did you mean `Europe/Paris`?");
        assert_eq!(did_you_mean("asia/ho_chi_minh", zones), ": did you mean `Asia/Ho_Chi_Minh`?");
        assert_eq!(did_you_mean("Mars/Olympus_Mons", zones), "");
        assert_eq!(did_you_mean("VMN", ["FRA", "VNM"]), ": did you mean `VNM`?");
        assert_eq!(did_you_mean("XYZ", ["FRA", "VNM"]), "");
    }

    #[test]
    fn an_unknown_field_gets_the_nearest_expected_one() {
        let serde = "unknown field `acknowlege`, expected one of `acknowledge`, `fulfil`, `kinds`";
        assert_eq!(
            with_suggestion(serde),
            "unknown field `acknowlege`: did you mean `acknowledge`? (expected one of `acknowledge`, `fulfil`, `kinds`)"
        );
        let far = "unknown field `colour`, expected one of `name`, `seed`";
        assert_eq!(with_suggestion(far), far);
        assert_eq!(with_suggestion("invalid type: string"), "invalid type: string");
    }
}
