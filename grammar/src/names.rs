//! Distances between names, for the "did you mean" of every stage's diagnostics (a misspelt unit
//! here, a rule or parameter in the checker, a column in an input file's header). Each stage
//! decides how near is near enough; the distance is defined once.

/// The Levenshtein distance between two names, counted in characters (code points), so `低保标准`
/// and `低保准` are one edit apart.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    // `row[j]` is the distance between the prefix of `a` read so far and the first `j` of `b`.
    let mut row: Vec<usize> = (0..=b.len()).collect();
    let mut distance = b.len();
    for (i, a_char) in a.chars().enumerate() {
        let mut next = Vec::with_capacity(row.len());
        let (mut diagonal, mut left) = (i, i + 1);
        next.push(left);
        for (b_char, &above) in b.iter().zip(row.iter().skip(1)) {
            let cell = (diagonal + usize::from(a_char != *b_char)).min(above + 1).min(left + 1);
            next.push(cell);
            (diagonal, left) = (above, cell);
        }
        distance = left;
        row = next;
    }
    distance
}

#[cfg(test)]
mod tests {
    use super::edit_distance;

    #[test]
    fn distances_count_characters() {
        assert_eq!(edit_distance("dibao_standard", "dibao_standrd"), 1);
        assert_eq!(edit_distance("低保标准", "低保标准"), 0);
        assert_eq!(edit_distance("低保标准", "低保准"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("month", "mnth"), 1);
        assert_eq!(edit_distance("birthdate", "birth_date"), 1);
        assert_eq!(edit_distance("收入", "收人"), 1);
    }
}
