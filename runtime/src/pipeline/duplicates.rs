//! Duplicated ids: after a first pass whose id hashes repeat, a scan of the id columns keeps
//! exactly the ids that occur more than once (hash collisions are not duplicates).

use super::options::RunOptions;
use super::reader::open_input;
use crate::error::RuntimeError;
use crate::hash::{BuildIdentity, hash_bytes};
use pol_compiler::tir::{EntitySchema, Program};
use std::collections::{HashMap, HashSet};
use std::path::Path;
/// Exactly the ids that occur more than once, with their lines.
#[derive(Debug, Default)]
pub(crate) struct Duplicates {
    /// Duplicated household ids.
    pub households: HashMap<Vec<u8>, Vec<u64>>,
    /// Duplicated person ids.
    pub persons: HashMap<Vec<u8>, Vec<u64>>,
    household_hashes: HashSet<u64, BuildIdentity>,
    person_hashes: HashSet<u64, BuildIdentity>,
}

impl Duplicates {
    /// Indexes the duplicated ids.
    pub(crate) fn new(households: HashMap<Vec<u8>, Vec<u64>>, persons: HashMap<Vec<u8>, Vec<u64>>) -> Duplicates {
        let household_hashes = households.keys().map(|key| hash_bytes(key)).collect();
        let person_hashes = persons.keys().map(|key| hash_bytes(key)).collect();
        Duplicates { households, persons, household_hashes, person_hashes }
    }

    /// Whether there is none.
    pub(crate) fn is_empty(&self) -> bool {
        self.households.is_empty() && self.persons.is_empty()
    }

    /// Whether some household id is duplicated.
    pub(crate) fn has_households(&self) -> bool {
        !self.households.is_empty()
    }

    /// The lines of a duplicated household id.
    pub(crate) fn household(&self, hash: u64, key: &[u8]) -> Option<&[u64]> {
        // The usual input has none: no lookup then.
        if self.household_hashes.is_empty() || !self.household_hashes.contains(&hash) {
            return None;
        }
        self.households.get(key).map(Vec::as_slice)
    }

    /// The lines of a duplicated person id.
    pub(crate) fn person(&self, hash: u64, key: &[u8]) -> Option<&[u64]> {
        if self.person_hashes.is_empty() || !self.person_hashes.contains(&hash) {
            return None;
        }
        self.persons.get(key).map(Vec::as_slice)
    }
}

/// Confirms the repeated hashes: scans the id columns and keeps the ids that really occur more
/// than once, with their lines.
pub(crate) fn confirm_duplicates(
    program: &Program,
    options: &RunOptions<'_>,
    households: &[u64],
    persons: &[u64],
) -> Result<Duplicates, RuntimeError> {
    let scan =
        |path: &Path, schema: &EntitySchema, candidates: &[u64]| -> Result<HashMap<Vec<u8>, Vec<u64>>, RuntimeError> {
            let mut found: HashMap<Vec<u8>, Vec<u64>> = HashMap::new();
            if candidates.is_empty() {
                return Ok(found);
            }
            let candidates: HashSet<u64> = candidates.iter().copied().collect();
            let mut input = open_input(path, schema, schema.key)?;
            let mut table = input.table(schema);
            loop {
                table.clear();
                if !input.opened.source.next_into(&mut table)? {
                    break;
                }
                if let Some(key) = input.opened.layout.cell_text(&table, 0, input.key_column)
                    && candidates.contains(&hash_bytes(&key))
                {
                    let line = table.line(0)?;
                    found.entry(key.into_owned()).or_default().push(line);
                }
            }
            found.retain(|_, lines| lines.len() > 1);
            Ok(found)
        };
    let household_ids = scan(&options.households, &program.household, households)?;
    let person_ids = scan(&options.persons, &program.person, persons)?;
    Ok(Duplicates::new(household_ids, person_ids))
}

impl Duplicates {
    /// Whether some duplicated household id has this hash.
    pub(crate) fn has_household_hash(&self, hash: u64) -> bool {
        self.households.keys().any(|key| hash_bytes(key) == hash)
    }
}
