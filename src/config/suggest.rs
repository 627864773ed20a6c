//! "Did you mean …?" for misspelt names (actions, roles, metric keys).

/// The closest candidate to `word`, if it is close enough to be a likely typo.
pub(crate) fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 4 + 1).min(3);
    candidates
        .into_iter()
        .map(|c| (distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `; did you mean "x"?` or nothing, ready to append to a message.
pub(crate) fn hint<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates).map(|c| format!("; did you mean {c:?}?")).unwrap_or_default()
}

/// Edit distance in characters where swapping two neighbours counts as one edit (the most
/// common typo: `qiut`).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // d[i][j]: distance between the first i chars of a and the first j of b.
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
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
    fn typos_find_their_word_and_nonsense_finds_nothing() {
        assert_eq!(distance("qiut", "quit"), 1);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(closest("qiut", ["quit", "help", "back"]), Some("quit"));
        assert_eq!(closest("row.dwn", ["row.down", "row.up"]), Some("row.down"));
        assert_eq!(closest("xyzzy", ["quit", "help"]), None);
        assert_eq!(hint("hlep", ["help"]), "; did you mean \"help\"?");
    }
}
