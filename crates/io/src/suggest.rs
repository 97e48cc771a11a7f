//! "Did you mean …?" for names typed by hand: place names, column names, corridor names.

/// The candidate closest to `name`, if one is close enough to be a likely typo: the same name in
/// another case, or within a small edit distance (about one edit per three characters).
pub fn did_you_mean<'a, I>(name: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let wanted = name.trim().to_lowercase();
    let limit = (wanted.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .map(|c| (edit_distance(&wanted, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// " (did you mean `X`?)" or "" — to append to an "unknown name" message.
pub fn hint<'a, I>(name: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    did_you_mean(name, candidates)
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

/// Edit distance over characters (so `é` counts as one), where swapping two neighbours counts
/// as one edit (`nmae` → `name`), as in typing.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // d[i][j]: distance between the first i characters of a and the first j of b.
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let substitution = d[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]);
            let mut best = substitution.min(d[i - 1][j] + 1).min(d[i][j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_characters() {
        assert_eq!(edit_distance("Segou", "Ségou"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("nmae", "name"), 1);
    }

    #[test]
    fn suggests_case_variants_and_near_misses_only() {
        let places = ["Bamako", "Ségou", "Kayes", "Sikasso"];
        assert_eq!(did_you_mean("bamako", places), Some("Bamako"));
        assert_eq!(did_you_mean("Segou", places), Some("Ségou"));
        assert_eq!(did_you_mean("Sikaso", places), Some("Sikasso"));
        assert_eq!(did_you_mean("Atlantis", places), None);
        assert_eq!(hint("Kaye", places), " (did you mean `Kayes`?)");
        assert_eq!(hint("Timbuktu", places), "");
    }
}
