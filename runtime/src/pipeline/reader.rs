//! The reader thread's side: households read a chunk at a time, persons matched with them in
//! lockstep ([`GroupedReader`]) or from an index of the whole persons file
//! ([`UngroupedReader`]), handed on as [`RawChunk`]s in order.

use super::messages::{KeyList, ORPHAN, RawChunk};
use crate::error::RuntimeError;
use crate::hash::{HashCollector, hash_bytes};
use crate::input::{self, Layout, OpenedInput, RawTable, TableSize};
use pol_compiler::tir::{ColumnId, EntitySchema, Program};
use std::path::Path;
use std::time::{Duration, Instant};
/// Orphan candidates beyond which a grouped pass gives up and the run starts over ungrouped.
const MAX_DEFERRED: usize = 65_536;

/// How one entity's file is read.
#[derive(Debug, Clone)]
pub(crate) struct EntityPlan {
    /// The file's name.
    pub file_name: String,
    /// Where its columns are.
    pub layout: Layout,
    /// Whether some rule reads each column (text columns not read are not stored).
    pub used: Vec<bool>,
    /// The columns holding a year's money total, divided by 12 after typing ([`OpenedInput`]).
    pub spread: Vec<usize>,
}

/// An opened input with the column the reader needs.
pub(crate) struct ReaderInput {
    /// The file.
    pub opened: OpenedInput,
    /// The key column (households) or household reference column (persons).
    pub key_column: usize,
    /// The size of the last chunk's table, to make room for as much in the next.
    last: TableSize,
}

impl ReaderInput {
    /// How the workers read this file.
    pub(crate) fn plan(&self, used: &[bool]) -> EntityPlan {
        EntityPlan {
            file_name: self.opened.file_name.clone(),
            layout: self.opened.layout.clone(),
            used: used.to_vec(),
            spread: self.opened.spread.clone(),
        }
    }

    /// An empty table for this file's rows.
    pub(crate) fn table(&self, schema: &EntitySchema) -> RawTable {
        RawTable::new(if self.opened.layout == Layout::Cells { schema.columns.len() } else { 0 })
    }
}

/// Opens `path` for reading its `key_column` (the id, or the household reference).
pub(crate) fn open_input(
    path: &Path,
    schema: &EntitySchema,
    key_column: Option<ColumnId>,
) -> Result<ReaderInput, RuntimeError> {
    // INVARIANT: the run checked the schemas first (`check_schemas`), and ids are scanned only
    // for an entity whose ids were hashed, so the column exists.
    let key_column = key_column.ok_or_else(|| RuntimeError::internal("an input opened without its key column"))?;
    let opened = input::open(path, schema)?;
    Ok(ReaderInput { opened, key_column: key_column.0 as usize, last: TableSize::default() })
}

/// Produces chunks in order.
pub(crate) enum ChunkReader {
    Grouped(Box<GroupedReader>),
    Ungrouped(Box<UngroupedReader>),
}

impl ChunkReader {
    /// The next chunk, numbered `index`, or `None` at the end.
    pub(crate) fn next_chunk(&mut self, index: usize) -> Result<Option<RawChunk>, RuntimeError> {
        let started = Instant::now();
        let chunk = match self {
            ChunkReader::Grouped(reader) => reader.next_chunk(index),
            ChunkReader::Ungrouped(reader) => reader.next_chunk(index),
        };
        match self {
            ChunkReader::Grouped(reader) => reader.time += started.elapsed(),
            ChunkReader::Ungrouped(reader) => reader.time += started.elapsed(),
        }
        chunk
    }

    /// Time spent reading so far.
    pub(crate) fn read_time(&self) -> Duration {
        match self {
            ChunkReader::Grouped(reader) => reader.time,
            ChunkReader::Ungrouped(reader) => reader.time,
        }
    }

    /// Whether the grouped reader met too many orphan candidates and stopped.
    pub(crate) fn gave_up(&self) -> bool {
        matches!(self, ChunkReader::Grouped(reader) if reader.gave_up)
    }
}

/// Reads the next household chunk (up to `size` households) into a new chunk.
fn read_households(
    input: &mut ReaderInput,
    schema: &EntitySchema,
    size: usize,
    hashes: Option<&mut HashCollector>,
) -> Result<RawChunk, RuntimeError> {
    let mut households = input.table(schema);
    households.reserve(input.last.with_margin());
    let household_keys = KeyList::with_capacity(size, input.last.rows * 16);
    let mut chunk = RawChunk { households, household_keys, ..RawChunk::default() };
    let mut hashes = hashes;
    while chunk.households.len() < size {
        if !input.opened.source.next_into(&mut chunk.households)? {
            break;
        }
        let last = chunk.households.len() - 1;
        let key = input.opened.layout.cell_text(&chunk.households, last, input.key_column);
        let hash = chunk.household_keys.push(key.as_deref());
        if let (Some(collector), Some(_)) = (hashes.as_deref_mut(), key) {
            collector.push(hash);
        }
    }
    input.last = chunk.households.size();
    Ok(chunk)
}

/// The lockstep reader for persons grouped by household (see the module documentation).
pub(crate) struct GroupedReader {
    households: ReaderInput,
    persons: ReaderInput,
    household_schema: EntitySchema,
    chunk_size: usize,
    started: bool,
    current: Option<RawChunk>,
    next: Option<RawChunk>,
    cursor: usize,
    households_done: bool,
    persons_done: bool,
    /// The size of the last emitted chunk's persons, to make room for as many in the next.
    person_hint: TableSize,
    /// Cells per person row (0 for CSV records).
    person_n_cells: usize,
    /// Hashes of the household ids read (first pass).
    pub household_hashes: HashCollector,
    collect: bool,
    /// References of orphan candidates.
    pub deferred: Vec<u64>,
    gave_up: bool,
    progress: indicatif::ProgressBar,
    time: Duration,
}

impl GroupedReader {
    /// A reader of `households` and `persons` in lockstep.
    pub(crate) fn new(
        households: ReaderInput,
        persons: ReaderInput,
        program: &Program,
        chunk_size: usize,
        collect: bool,
        progress: indicatif::ProgressBar,
    ) -> GroupedReader {
        let person_n_cells = if persons.opened.layout == Layout::Cells { program.person.columns.len() } else { 0 };
        GroupedReader {
            households,
            persons,
            household_schema: program.household.clone(),
            chunk_size,
            started: false,
            current: None,
            next: None,
            cursor: 0,
            households_done: false,
            persons_done: false,
            person_hint: TableSize::default(),
            person_n_cells,
            household_hashes: HashCollector::default(),
            collect,
            deferred: Vec::new(),
            gave_up: false,
            progress,
            time: Duration::ZERO,
        }
    }

    /// A chunk without households (for persons after the last household).
    fn empty_chunk(&self) -> RawChunk {
        let mut chunk = RawChunk::default();
        self.make_room_for_persons(&mut chunk);
        chunk
    }

    /// Gives `chunk` an empty persons table, and lists, with room for as many persons as the
    /// last emitted chunk had.
    fn make_room_for_persons(&self, chunk: &mut RawChunk) {
        let room = self.person_hint.with_margin();
        chunk.persons = RawTable::new(self.person_n_cells);
        chunk.persons.reserve(room);
        chunk.person_refs = KeyList::with_capacity(room.rows, room.rows * 12);
        chunk.person_household = Vec::with_capacity(room.rows);
    }

    /// Reads a chunk of households; marks the households done when it is not full.
    fn read_chunk(&mut self) -> Result<RawChunk, RuntimeError> {
        let hashes = if self.collect { Some(&mut self.household_hashes) } else { None };
        let mut chunk = read_households(&mut self.households, &self.household_schema, self.chunk_size, hashes)?;
        self.make_room_for_persons(&mut chunk);
        if chunk.households.len() < self.chunk_size {
            self.households_done = true;
        }
        self.progress.set_position(self.households.opened.source.position());
        Ok(chunk)
    }

    /// The chunk after the current one, if households remain.
    fn read_next(&mut self) -> Result<Option<RawChunk>, RuntimeError> {
        if self.households_done { Ok(None) } else { self.read_chunk().map(Some) }
    }

    fn next_chunk(&mut self, index: usize) -> Result<Option<RawChunk>, RuntimeError> {
        if self.gave_up {
            return Ok(None);
        }
        if !self.started {
            self.started = true;
            self.current = Some(self.read_chunk()?);
            self.next = self.read_next()?;
        }
        let cap = self.chunk_size.saturating_mul(16).max(1024);
        while !self.persons_done {
            let Some(current) = self.current.as_mut() else { break };
            if !self.persons.opened.source.next_into(&mut current.persons)? {
                self.persons_done = true;
                break;
            }
            let last = current.persons.len() - 1;
            // The reference is read in place (no copy); it is used before the row may move.
            let reference = self.persons.opened.layout.cell_text(&current.persons, last, self.persons.key_column);
            if let Some(key) = reference.as_deref() {
                let hash = hash_bytes(key);
                if let Some(found) = find_household(current, self.cursor, hash, key) {
                    current.person_refs.push_hashed(Some(key), hash);
                    current.person_household.push(found as u32);
                    self.cursor = found;
                    drop(reference);
                    if current.persons.len() >= cap {
                        return self.emit(index);
                    }
                    continue;
                }
                if let Some(next) = self.next.as_mut()
                    && let Some(found) = find_household(next, 0, hash, key)
                {
                    next.person_refs.push_hashed(Some(key), hash);
                    next.person_household.push(found as u32);
                    drop(reference);
                    current.persons.pop_into(&mut next.persons);
                    let emitted = self.emit(index)?;
                    self.cursor = found;
                    return Ok(emitted);
                }
                current.person_refs.push_hashed(Some(key), hash);
                self.deferred.push(hash);
                if self.deferred.len() > MAX_DEFERRED {
                    self.gave_up = true;
                    return Ok(None);
                }
            } else {
                current.person_refs.push(None);
            }
            current.person_household.push(ORPHAN);
            if current.persons.len() >= cap {
                return self.emit(index);
            }
        }
        // Persons are done: emit the chunks left.
        loop {
            let Some(current) = self.current.take() else { return Ok(None) };
            self.current = self.next.take();
            self.next = if self.current.is_some() { self.read_next()? } else { None };
            if current.households.len() > 0 || current.persons.len() > 0 {
                return Ok(Some(RawChunk { index, ..current }));
            }
        }
    }

    /// Emits the current chunk and moves on to the next.
    fn emit(&mut self, index: usize) -> Result<Option<RawChunk>, RuntimeError> {
        let current = self.current.take();
        if let Some(chunk) = &current {
            self.person_hint = chunk.persons.size();
        }
        self.current = Some(match self.next.take() {
            Some(next) => next,
            None => self.empty_chunk(),
        });
        self.next = self.read_next()?;
        self.cursor = 0;
        Ok(current.map(|chunk| RawChunk { index, ..chunk }))
    }
}

/// The household of `chunk` with id `key`, searched from `cursor` on and then from the start.
fn find_household(chunk: &RawChunk, cursor: usize, hash: u64, key: &[u8]) -> Option<usize> {
    let keys = &chunk.household_keys;
    let is_it = |index: usize| keys.hash(index) == hash && keys.get(index) == Some(key);
    // Grouped persons name the household at the cursor, or else the one after it: both are
    // looked at first, in the order the full search below takes, so the result is the same.
    if is_it(cursor) {
        return Some(cursor);
    }
    if is_it(cursor + 1) {
        return Some(cursor + 1);
    }
    let n = keys.len();
    (cursor..n).chain(0..cursor.min(n)).find(|index| is_it(*index))
}

/// The reader for persons in any order: the whole persons file indexed in memory.
pub(crate) struct UngroupedReader {
    households: ReaderInput,
    household_schema: EntitySchema,
    persons: RawTable,
    references: KeyList,
    /// (reference hash, person row), sorted.
    index: Vec<(u64, u32)>,
    claimed: Vec<bool>,
    chunk_size: usize,
    households_done: bool,
    orphans_from: Option<usize>,
    /// Hashes of the household ids read (first pass).
    pub household_hashes: HashCollector,
    collect: bool,
    progress: indicatif::ProgressBar,
    time: Duration,
}

impl UngroupedReader {
    /// Reads and indexes the whole persons file; households are then read a chunk at a time.
    pub(crate) fn new(
        households: ReaderInput,
        mut persons_input: ReaderInput,
        program: &Program,
        chunk_size: usize,
        collect: bool,
        progress: indicatif::ProgressBar,
    ) -> Result<UngroupedReader, RuntimeError> {
        let started = Instant::now();
        let mut persons = persons_input.table(&program.person);
        if persons_input.opened.layout != Layout::Cells {
            // The whole file is about to be held: size the buffer once instead of doubling it.
            // (A size beyond the address space only skips this reservation.)
            persons.bytes.reserve(usize::try_from(persons_input.opened.total).unwrap_or(0));
        }
        let mut references = KeyList::default();
        let mut index = Vec::new();
        while persons_input.opened.source.next_into(&mut persons)? {
            let last = persons.len() - 1;
            let reference = persons_input.opened.layout.cell_text(&persons, last, persons_input.key_column);
            let hash = references.push(reference.as_deref());
            if reference.is_some() {
                index.push((
                    hash,
                    u32::try_from(last).map_err(|_| RuntimeError::internal("more than 4 billion persons"))?,
                ));
            }
        }
        index.sort_unstable();
        let claimed = vec![false; persons.len()];
        Ok(UngroupedReader {
            households,
            household_schema: program.household.clone(),
            persons,
            references,
            index,
            claimed,
            chunk_size,
            households_done: false,
            orphans_from: None,
            household_hashes: HashCollector::default(),
            collect,
            progress,
            time: started.elapsed(),
        })
    }

    fn next_chunk(&mut self, index: usize) -> Result<Option<RawChunk>, RuntimeError> {
        let n_cells = self.persons.n_cells;
        if !self.households_done {
            let hashes = if self.collect { Some(&mut self.household_hashes) } else { None };
            let mut chunk = read_households(&mut self.households, &self.household_schema, self.chunk_size, hashes)?;
            self.progress.set_position(self.households.opened.source.position());
            if chunk.households.len() < self.chunk_size {
                self.households_done = true;
            }
            chunk.persons = RawTable::new(n_cells);
            for household in 0..chunk.household_keys.len() {
                let Some(key) = chunk.household_keys.get(household) else { continue };
                let hash = chunk.household_keys.hash(household);
                let start = self.index.partition_point(|(candidate, _)| *candidate < hash);
                let candidates = self
                    .index
                    .get(start..)
                    .ok_or_else(|| RuntimeError::internal("a person index search beyond the index"))?;
                for (candidate, person) in candidates {
                    if *candidate != hash {
                        break;
                    }
                    let person = *person as usize;
                    let unclaimed = self.claimed.get(person).is_some_and(|claimed| !claimed);
                    if unclaimed && self.references.get(person) == Some(key) {
                        if let Some(flag) = self.claimed.get_mut(person) {
                            *flag = true;
                        }
                        chunk.persons.push_from(&self.persons, person);
                        chunk.person_refs.push_hashed(Some(key), hash);
                        chunk.person_household.push(household as u32);
                    }
                }
            }
            if chunk.households.len() > 0 {
                return Ok(Some(RawChunk { index, ..chunk }));
            }
        }
        // Orphans, in pieces.
        // The orphans start at the first person when none were handed out yet.
        let mut from = self.orphans_from.unwrap_or(0);
        let mut chunk = RawChunk { persons: RawTable::new(n_cells), ..RawChunk::default() };
        while let Some(claimed) = self.claimed.get(from)
            && chunk.persons.len() < self.chunk_size.saturating_mul(4)
        {
            if !claimed {
                chunk.persons.push_from(&self.persons, from);
                chunk.person_refs.push(self.references.get(from));
                chunk.person_household.push(ORPHAN);
            }
            from += 1;
        }
        self.orphans_from = Some(from);
        Ok((chunk.persons.len() > 0).then_some(RawChunk { index, ..chunk }))
    }
}
