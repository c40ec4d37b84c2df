//! The messages between the stages: the reader hands a worker a [`RawChunk`] (households, their
//! persons and their keys, as read), and the worker hands the writer a [`ChunkOutput`] (counts,
//! formatted rows, rejects, case decisions, report totals).

use super::options::RowCounts;
use crate::hash::hash_bytes;
use crate::input::{ArrowRows, RawTable};
use crate::output::TablePart;
use crate::reconcile::ReconcilePart;
use crate::report::ReportAcc;
use arrow::array::{Array, StringArray};
use std::time::Duration;
/// [`RawChunk::person_household`] of a person whose household is not in the chunk.
pub(crate) const ORPHAN: u32 = u32::MAX;

/// Ids (or household references) of a chunk's rows, with their hashes.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyList {
    texts: KeyTexts,
    hashes: Vec<u64>,
}

/// Where a [`KeyList`]'s texts are.
#[derive(Debug, Clone)]
enum KeyTexts {
    /// Copied into the list (keys read from files, or written from non-string cells).
    Copied { bytes: Vec<u8>, spans: Vec<(usize, usize)>, present: Vec<bool> },
    /// The rows of an Arrow string array (a slice sharing its buffers, not a copy): a null row
    /// is an absent key.
    Arrow(StringArray),
}

impl Default for KeyTexts {
    fn default() -> Self {
        KeyTexts::Copied { bytes: Vec::new(), spans: Vec::new(), present: Vec::new() }
    }
}

impl KeyList {
    /// An empty list with room for `keys` keys of `bytes` bytes in all.
    pub(crate) fn with_capacity(keys: usize, bytes: usize) -> KeyList {
        KeyList {
            texts: KeyTexts::Copied {
                bytes: Vec::with_capacity(bytes),
                spans: Vec::with_capacity(keys),
                present: Vec::with_capacity(keys),
            },
            hashes: Vec::with_capacity(keys),
        }
    }

    /// The rows of a string array as keys, without copying them: only their hashes are
    /// computed.
    pub(crate) fn of_strings(strings: StringArray) -> KeyList {
        let hashes = (0..strings.len())
            .map(|row| if strings.is_null(row) { 0 } else { hash_bytes(strings.value(row).as_bytes()) })
            .collect();
        KeyList { texts: KeyTexts::Arrow(strings), hashes }
    }

    /// Appends a key (or its absence) and returns its hash.
    pub(crate) fn push(&mut self, key: Option<&[u8]>) -> u64 {
        let hash = key.map_or(0, hash_bytes);
        self.push_hashed(key, hash);
        hash
    }

    /// Appends a key whose [`hash_bytes`] the caller has (0 for an absent key).
    pub(crate) fn push_hashed(&mut self, key: Option<&[u8]>, hash: u64) {
        if let KeyTexts::Arrow(_) = self.texts {
            // A list over an array gets no keys appended; should one be, its keys are copied
            // first.
            let mut copied = KeyList::with_capacity(self.len() + 1, 0);
            for index in 0..self.len() {
                copied.push_hashed(self.get(index), self.hash(index));
            }
            *self = copied;
        }
        if let KeyTexts::Copied { bytes, spans, present } = &mut self.texts {
            let start = bytes.len();
            if let Some(key) = key {
                bytes.extend_from_slice(key);
            }
            spans.push((start, bytes.len()));
            present.push(key.is_some());
        }
        self.hashes.push(hash);
    }

    /// Whether key `index` is there (not absent, and within the list).
    fn is_present(&self, index: usize) -> bool {
        match &self.texts {
            KeyTexts::Copied { present, .. } => present.get(index).copied().unwrap_or(false),
            KeyTexts::Arrow(strings) => index < strings.len() && strings.is_valid(index),
        }
    }

    /// The hashes of the keys present, in order.
    pub(crate) fn present_hashes(&self) -> impl Iterator<Item = u64> + '_ {
        // A string array without nulls (the usual id column) has every key: no test per key.
        let all = matches!(&self.texts, KeyTexts::Arrow(strings) if strings.null_count() == 0);
        self.hashes.iter().enumerate().filter(move |(index, _)| all || self.is_present(*index)).map(|(_, hash)| *hash)
    }

    /// Key `index`, if present.
    pub(crate) fn get(&self, index: usize) -> Option<&[u8]> {
        if !self.is_present(index) {
            return None;
        }
        match &self.texts {
            KeyTexts::Copied { bytes, spans, .. } => {
                let (start, end) = *spans.get(index)?;
                bytes.get(start..end)
            }
            KeyTexts::Arrow(strings) => Some(strings.value(index).as_bytes()),
        }
    }

    /// The hash of key `index` (0 when absent).
    pub(crate) fn hash(&self, index: usize) -> u64 {
        self.hashes.get(index).copied().unwrap_or(0)
    }

    /// Key `index` as text (empty when absent).
    pub(crate) fn text(&self, index: usize) -> String {
        self.get(index).map_or_else(String::new, |key| String::from_utf8_lossy(key).into_owned())
    }

    /// Number of keys.
    pub(crate) fn len(&self) -> usize {
        self.hashes.len()
    }
}

/// Households with their persons, as read: the unit of parallel work.
#[derive(Debug, Default)]
pub(crate) struct RawChunk {
    /// Position in the run (results are written in this order).
    pub index: usize,
    /// Household rows in file order.
    pub households: RawTable,
    /// Their `household_id`s.
    pub household_keys: KeyList,
    /// Person rows (file order when the persons file is grouped).
    pub persons: RawTable,
    /// Their household references (empty when the persons are listed under their households:
    /// see [`RawChunk::person_ref`]).
    pub person_refs: KeyList,
    /// For each person, the index of its household in this chunk, or [`ORPHAN`].
    pub person_household: Vec<u32>,
    /// Rows held in Arrow arrays (in-process evaluation): their values, typed from the arrays;
    /// `households` and `persons` then hold only the rows' lines.
    pub arrow: Option<ArrowChunk>,
}

impl RawChunk {
    /// Person `person`'s household reference and its hash (`None` and 0 when it has none):
    /// from `person_refs`, or, for persons listed under their households (a nested batch),
    /// the id of the household they are listed under, not copied for each person.
    pub(crate) fn person_ref(&self, person: usize) -> (Option<&[u8]>, u64) {
        if self.arrow.as_ref().is_some_and(|arrow| arrow.listed_under_households) {
            let household = self.person_household.get(person).copied().unwrap_or(ORPHAN);
            if household == ORPHAN {
                return (None, 0);
            }
            let household = household as usize;
            return (self.household_keys.get(household), self.household_keys.hash(household));
        }
        (self.person_refs.get(person), self.person_refs.hash(person))
    }
}

/// The values of a chunk's rows held in Arrow arrays.
#[derive(Debug)]
pub(crate) struct ArrowChunk {
    /// The households' rows.
    pub households: ArrowRows,
    /// The persons' rows.
    pub persons: ArrowRows,
    /// The persons' ids, when already read (then not read again from the arrays).
    pub person_ids: Option<std::sync::Arc<KeyList>>,
    /// Whether each person's household is the one it is listed under in a nested batch (its
    /// reference is then that household's id: [`RawChunk::person_ref`]).
    pub listed_under_households: bool,
}

/// A case's fate, decided by the worker of its household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CaseDecision {
    /// Evaluated with its household.
    Accepted,
    /// Rejected with its household.
    Rejected {
        /// The column named.
        field: String,
        /// The reason.
        reason: String,
    },
}

/// Time spent per stage (summed over threads).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct StageTimes {
    /// Splitting, typing, validating, building the batch.
    pub parse: Duration,
    /// The engine.
    pub evaluate: Duration,
    /// Formatting output rows, rejects and report totals.
    pub format: Duration,
}

/// What a worker returns for a chunk.
#[derive(Debug)]
pub(crate) struct ChunkOutput {
    /// Household rows.
    pub households: RowCounts,
    /// Person rows.
    pub persons: RowCounts,
    /// `rejects.csv` rows of households, in order.
    pub household_rejects: Vec<u8>,
    /// `rejects.csv` rows of persons (keyed when persons are not grouped).
    pub person_rejects: TablePart,
    /// Decisions on the cases of the chunk's households.
    pub case_decisions: Vec<(u32, CaseDecision)>,
    /// One part per output table.
    pub tables: Vec<TablePart>,
    /// Report totals.
    pub report: Option<ReportAcc>,
    /// `pol reconcile`'s comparisons.
    pub reconcile: Option<ReconcilePart>,
    /// Hashes of the person ids (first pass).
    pub person_hashes: Vec<u64>,
    /// Time per stage.
    pub times: StageTimes,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A list over a string array reads its keys where they lie; appending to it copies them
    /// first, and every key, hash and absence stays as it was.
    #[test]
    fn a_key_list_over_strings_reads_and_copies_its_keys_alike() {
        let strings = StringArray::from(vec![Some("H1"), None, Some("H22"), Some("")]);
        let mut keys = KeyList::of_strings(strings.slice(1, 3));
        let expected = |keys: &KeyList| {
            assert_eq!(
                (keys.get(0), keys.get(1), keys.get(2), keys.get(9)),
                (None, Some(&b"H22"[..]), Some(&b""[..]), None)
            );
            assert_eq!((keys.hash(0), keys.hash(1)), (0, hash_bytes(b"H22")));
            let present: Vec<u64> = keys.present_hashes().take(2).collect();
            assert_eq!(present, vec![hash_bytes(b"H22"), hash_bytes(b"")]);
        };
        expected(&keys);
        keys.push(Some(b"H4"));
        assert!(matches!(keys.texts, KeyTexts::Copied { .. }));
        expected(&keys);
        assert_eq!((keys.len(), keys.get(3), keys.text(3)), (4, Some(&b"H4"[..]), "H4".to_string()));
        assert_eq!(keys.present_hashes().count(), 3);
    }
}
