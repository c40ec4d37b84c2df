//! The boundary between Rust and generated code: the context layout generated code reads, the
//! helpers it calls back, and the one call into it.
//!
//! This is the only module of the crate allowed `unsafe`. Everything here is small on purpose:
//! the layouts are `#[repr(C)]` and their field offsets are handed to the code generator with
//! `offset_of!`; the helpers are `extern "C"` functions that never unwind, `unsafe` when they
//! dereference a pointer generated code passes (each states its `# Safety` contract); [`CompiledCode::run`]
//! is the single call into generated code, and it builds every pointer it passes from references
//! to a batch that has just passed [`Batch::validate`].
#![expect(unsafe_code, reason = "the JIT call shim, the helpers called from generated code, and freeing the code")]

use std::ffi::c_void;
use std::sync::Mutex;

use cranelift_codegen::ir::{AbiParam, Signature, types};
use cranelift_jit::JITModule;
use cranelift_module::{FuncId, Module};

use crate::arith::{self, ArithError};
use crate::engine::{Batch, BatchShapeError, CountyTable};
use crate::ops;
use crate::text::TextTables;
use crate::tir::{Bracket, Program, ScaleKind, Word};

/// What generated code reads for a batch. Built only by [`CompiledCode::run`].
///
/// INVARIANT: every pointer points into a live buffer of the batch, county table or result that
/// `run` borrows for the duration of the call; column pointer arrays have one entry per schema
/// column (result arrays one per rule slot), each column as long as its entity's rows.
#[repr(C)]
pub(super) struct RawContext {
    /// One pointer per household column.
    pub household_columns: *const *const Word,
    /// One pointer per person column.
    pub person_columns: *const *const Word,
    /// One pointer per case column.
    pub case_columns: *const *const Word,
    /// `n_households + 1` person offsets.
    pub person_offsets: *const u32,
    /// `n_households + 1` case offsets.
    pub case_offsets: *const u32,
    /// One pointer per household rule slot.
    pub household_results: *const *mut Word,
    /// One pointer per person rule slot.
    pub person_results: *const *mut Word,
    /// One pointer per case rule slot.
    pub case_results: *const *mut Word,
    /// The county table's words, county by county.
    pub county_words: *const Word,
    /// Bytes per county row (`width × 8`).
    pub county_stride: i64,
    /// The as-of date.
    pub as_of: Word,
    /// One outcome per household.
    pub outcomes: *mut RawOutcome,
    /// The [`TextTables`] text comparisons read.
    pub texts: *const c_void,
    /// The county-level values, one row per county row (see [`super::plan`]).
    pub county_values: *const Word,
    /// Bytes per row of county-level values.
    pub county_values_stride: i64,
    /// The age on the as-of date of each date `age_days` days or less before it: `age_table[d]`
    /// for the date `d` days before.
    pub age_table: *const u8,
    /// The length of `age_table`.
    pub age_days: i64,
    /// The [`CountyTable`] of the call, for the brackets of local scales
    /// ([`pol_jit_county_scale`]).
    pub counties: *const c_void,
}

/// The tables an evaluation reads beside the batch, made per county table (see
/// [`super::Prepared`]).
#[derive(Debug, Clone, Copy)]
pub(super) struct Tables<'t> {
    /// The county-level values: `width` words per row, one row per county (one row when the
    /// county table is empty).
    pub county_values: &'t [Word],
    /// Words per row of `county_values`.
    pub width: usize,
    /// Ages on the as-of date by days before it.
    pub ages: &'t [u8],
}

/// How one household came out, as generated code writes it.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct RawOutcome {
    /// 0 when every rule has its value, 1 when the code gave the household up.
    pub code: i64,
}

/// A byte offset into [`RawContext`] or [`RawOutcome`] as the `i32` a cranelift load or store
/// takes. Both structs are a few hundred bytes at most (asserted at compile time below), so no
/// offset into them is cut short.
pub(super) const fn field_offset(offset: usize) -> i32 {
    offset as i32
}

// Every field offset of the layouts generated code reads fits `field_offset`.
const _: () = assert!(size_of::<RawContext>() <= i32::MAX as usize && size_of::<RawOutcome>() <= i32::MAX as usize);

/// Status of a helper: the result is in `*out`.
pub(super) const HELPER_OK: i32 = 0;
/// Status of a helper: the result does not fit in 64 bits.
pub(super) const HELPER_OVERFLOW: i32 = 1;
/// Status of a helper: a division by zero.
pub(super) const HELPER_DIVISION_BY_ZERO: i32 = 2;

/// The entry point: evaluates households `start..end`.
type Entry = unsafe extern "C" fn(ctx: *const RawContext, start: i64, end: i64);

/// The signature generated code declares for [`Entry`].
pub(super) fn entry_signature(module: &JITModule) -> Signature {
    let pointer = module.target_config().pointer_type();
    let mut signature = module.make_signature();
    signature.params.extend([AbiParam::new(pointer), AbiParam::new(types::I64), AbiParam::new(types::I64)]);
    signature
}

/// Finalized generated code and the module that owns its memory.
pub(super) struct CompiledCode {
    /// Owns the code; only touched again to free it.
    module: Mutex<Option<JITModule>>,
    /// The entry point, inside the module's memory.
    entry: Entry,
    /// How many words of a row of county-level values the code reads.
    county_width: usize,
}

impl CompiledCode {
    /// Takes ownership of a finalized module whose function `entry_id` was declared with
    /// [`entry_signature`] and reads `county_width` words of a row of county-level values;
    /// `None` when it was declared with another signature.
    pub(super) fn new(module: JITModule, entry_id: FuncId, county_width: usize) -> Option<CompiledCode> {
        let declared = &module.declarations().get_function_decl(entry_id).signature;
        if *declared != entry_signature(&module) {
            return None;
        }
        let code = module.get_finalized_function(entry_id);
        // SAFETY: `code` is the finalized machine code of a function declared (checked above)
        // with exactly the parameters of `Entry` and the host's default call convention.
        let entry = unsafe { std::mem::transmute::<*const u8, Entry>(code) };
        Some(CompiledCode { module: Mutex::new(Some(module)), entry, county_width })
    }

    /// How many words of a row of county-level values the code reads.
    pub(super) fn county_width(&self) -> usize {
        self.county_width
    }

    /// Runs the generated code over every household of `batch`, writing rule values into
    /// `results` (`[household, person, case]` columns by slot) and one outcome per household.
    ///
    /// # Safety
    ///
    /// This function is safe to call; it is the one place that calls generated code, and its
    /// soundness rests on these facts, established here or at compile time:
    /// - the batch passed [`Batch::validate`] against the program the code was compiled from
    ///   (checked here): every column has its entity's length, the offsets partition the rows,
    ///   county indices are below the table's length and the table has the program's width;
    /// - the result columns have one column per rule slot of each entity, each as long as the
    ///   entity's rows, and `outcomes` has one entry per household (checked here);
    /// - the generated code reads column `c` only for `c` below the schema's length, result slot
    ///   `s` only for `s` below the entity's rule count, county word `w` only for `w` below the
    ///   table width, and rows only within `0..n` or the household's offset range (checked by
    ///   the code generator, which refuses programs that break it);
    /// - the county-level values have a row of `width` words for every county row, and the code
    ///   reads words below the width it was compiled with (checked here); it reads the age table
    ///   only below `age_days`, its length;
    /// - `counties` in the context is the address of the borrowed county table, which outlives
    ///   the call; only [`pol_jit_county_scale`] reads it, through safe, bounds-checked lookups;
    /// - the generated code contains no trapping instruction, and the helpers never unwind.
    pub(super) fn run(
        &self,
        program: &Program,
        batch: &Batch,
        counties: &CountyTable,
        tables: Tables<'_>,
        results: [&mut Vec<Vec<Word>>; 3],
        outcomes: &mut [RawOutcome],
    ) -> Result<(), BatchShapeError> {
        batch.validate(program, counties)?;
        let county_rows = counties.len().max(1);
        if tables.width < self.county_width.max(1)
            || tables.county_values.len() < county_rows.saturating_mul(tables.width)
        {
            return Err(BatchShapeError("county-level values shape".into()));
        }
        let [household, person, case] = results;
        check_results(household, program.n_rules(pol_grammar::ast::EntityKind::Household), batch.households.len)?;
        check_results(person, program.n_rules(pol_grammar::ast::EntityKind::Person), batch.persons.len)?;
        check_results(case, program.n_rules(pol_grammar::ast::EntityKind::Case), batch.cases.len)?;
        if outcomes.len() != batch.households.len {
            return Err(BatchShapeError("outcome buffer length".into()));
        }
        outcomes.fill(RawOutcome::default());
        let county_fallback = vec![0; counties.width.max(1)];
        // Without a county column every household reads row 0, which may not exist: then, like
        // the interpreter, parameters read as 0.
        let county_words = if counties.words.len() < counties.width.max(1) {
            county_fallback.as_ptr()
        } else {
            counties.words.as_ptr()
        };
        let texts = TextTables { literals: &program.texts, batch: &batch.texts, jurisdiction: &counties.texts };
        let pointers = |columns: &Vec<Vec<Word>>| columns.iter().map(|column| column.as_ptr()).collect::<Vec<_>>();
        let mut_pointers =
            |columns: &mut Vec<Vec<Word>>| columns.iter_mut().map(|column| column.as_mut_ptr()).collect::<Vec<_>>();
        let household_columns = pointers(&batch.households.columns);
        let person_columns = pointers(&batch.persons.columns);
        let case_columns = pointers(&batch.cases.columns);
        let household_results = mut_pointers(household);
        let person_results = mut_pointers(person);
        let case_results = mut_pointers(case);
        let context = RawContext {
            household_columns: household_columns.as_ptr(),
            person_columns: person_columns.as_ptr(),
            case_columns: case_columns.as_ptr(),
            person_offsets: batch.person_offsets.as_ptr(),
            case_offsets: batch.case_offsets.as_ptr(),
            household_results: household_results.as_ptr(),
            person_results: person_results.as_ptr(),
            case_results: case_results.as_ptr(),
            county_words,
            county_stride: (counties.width as i64).saturating_mul(8),
            as_of: counties.as_of,
            outcomes: outcomes.as_mut_ptr(),
            texts: std::ptr::from_ref(&texts).cast(),
            county_values: tables.county_values.as_ptr(),
            county_values_stride: (tables.width as i64).saturating_mul(8),
            age_table: tables.ages.as_ptr(),
            age_days: tables.ages.len() as i64,
            counties: std::ptr::from_ref(counties).cast(),
        };
        let n_households =
            i64::try_from(batch.households.len).map_err(|_| BatchShapeError("too many households".into()))?;
        // SAFETY: see the function's `# Safety` section; every buffer the context points into
        // outlives this call (the locals above and the borrowed arguments).
        unsafe { (self.entry)(&context, 0, n_households) };
        Ok(())
    }
}

/// Checks that result columns have the shape generated code writes.
fn check_results(columns: &[Vec<Word>], n_slots: usize, n_rows: usize) -> Result<(), BatchShapeError> {
    if columns.len() != n_slots || columns.iter().any(|column| column.len() != n_rows) {
        return Err(BatchShapeError("result buffer shape".into()));
    }
    Ok(())
}

impl Drop for CompiledCode {
    fn drop(&mut self) {
        let module = match self.module.get_mut() {
            Ok(module) => module.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some(module) = module {
            // SAFETY: `entry` is the only pointer into the module's memory, it is private to
            // this value, and `run` borrows `self`, so no call can be in progress or start later.
            unsafe { module.free_memory() };
        }
    }
}

/// Writes a helper's result, returning its status.
///
/// # Safety
/// `out` is a valid, aligned pointer to one `i64` (a stack slot of the calling generated code).
unsafe fn write_result(result: Result<Word, ArithError>, out: *mut Word) -> i32 {
    match result {
        Ok(value) => {
            // SAFETY: the caller's contract.
            unsafe { out.write(value) };
            HELPER_OK
        }
        Err(ArithError::Overflow) => HELPER_OVERFLOW,
        Err(ArithError::DivisionByZero) => HELPER_DIVISION_BY_ZERO,
    }
}

/// `round(a × b / 10⁹)` when `a × b` does not fit in 64 bits (the slow path of `MulScaled`).
///
/// # Safety
///
/// `out` must be a valid, aligned, writable pointer to one `i64`. Generated code passes the
/// address of its own 8-byte stack slot; nothing else calls this function.
pub(super) unsafe extern "C" fn pol_jit_mul_scaled(a: Word, b: Word, out: *mut Word) -> i32 {
    // SAFETY: this function's contract is `write_result`'s.
    unsafe { write_result(arith::mul_scaled(a, b), out) }
}

/// `round(a × 10⁹ / b)` when `a × 10⁹` does not fit in 64 bits (the slow path of `DivScaled`).
///
/// # Safety
///
/// `out` must be a valid, aligned, writable pointer to one `i64`. Generated code passes the
/// address of its own 8-byte stack slot; nothing else calls this function.
pub(super) unsafe extern "C" fn pol_jit_div_scaled(a: Word, b: Word, out: *mut Word) -> i32 {
    // SAFETY: this function's contract is `write_result`'s.
    unsafe { write_result(arith::div_scaled(a, b), out) }
}

/// Full years from one date to another ([`crate::date::years_between`], total over all words).
/// It reads no pointer, so it is safe.
pub(super) extern "C" fn pol_jit_years_between(from: Word, to: Word) -> Word {
    crate::date::years_between(from, to)
}

/// The code generated code passes for a [`ScaleKind`] ([`scale_kind_of`] reads it back).
pub(super) fn scale_kind_code(kind: ScaleKind) -> i64 {
    match kind {
        ScaleKind::Marginal => 0,
        ScaleKind::MarginalAmount => 1,
        ScaleKind::Bracket => 2,
    }
}

/// The [`ScaleKind`] of a code of [`scale_kind_code`].
fn scale_kind_of(code: i64) -> Option<ScaleKind> {
    match code {
        0 => Some(ScaleKind::Marginal),
        1 => Some(ScaleKind::MarginalAmount),
        2 => Some(ScaleKind::Bracket),
        _ => None,
    }
}

/// Status of the scale helpers: no brackets for this county and scale, or an unknown kind (a
/// county table that breaks its invariant); the household is given up to the interpreter,
/// which reports it.
pub(super) const HELPER_NO_BRACKETS: i32 = 3;

/// `marginal(scale, x)` of a scale the province alone sets ([`ops::apply_scale`], the
/// interpreter's): `kind` is a [`scale_kind_code`]; the status says whether it overflowed.
///
/// # Safety
///
/// `brackets` must point to `len` live, initialised [`Bracket`]s for the whole call, and `out`
/// must be a valid, aligned, writable pointer to one `i64`. Generated code passes the address
/// and length of a scale's bracket table, which [`super::JitEngine`] owns for as long as the
/// code exists (`JitEngine::scale_tables`, never modified after compiling), and the address of
/// its own 8-byte stack slot; nothing else calls this function.
pub(super) unsafe extern "C" fn pol_jit_scale(
    kind: i64,
    brackets: *const Bracket,
    len: i64,
    x: Word,
    out: *mut Word,
) -> i32 {
    let Some(kind) = scale_kind_of(kind) else { return HELPER_NO_BRACKETS };
    let Ok(len) = usize::try_from(len) else { return HELPER_OVERFLOW };
    // SAFETY: this function's contract: `brackets` points to `len` live brackets.
    let brackets = unsafe { std::slice::from_raw_parts(brackets, len) };
    // SAFETY: this function's contract is `write_result`'s for `out`.
    unsafe { write_result(ops::apply_scale(kind, brackets, x), out) }
}

/// A local scale (set by local files) applied to `x` with the brackets of the household's
/// county: [`CountyTable::county_brackets`], their thresholds times `threshold_factor`
/// ([`Program::threshold_factor`](crate::tir::Program::threshold_factor)), and
/// [`ops::apply_scale`], what the interpreter reads and applies. `kind` is a [`scale_kind_code`], `scale` a [`crate::tir::ScaleId`].
///
/// # Safety
///
/// `counties` must be the address of a live [`CountyTable`] for the whole call, and `out` a
/// valid, aligned, writable pointer to one `i64`. Generated code passes the
/// [`RawContext::counties`] of the call ([`CompiledCode::run`] sets it from the borrowed county
/// table) and the address of its own 8-byte stack slot; nothing else calls this function.
pub(super) unsafe extern "C" fn pol_jit_county_scale(
    counties: *const c_void,
    county: i64,
    scale: i64,
    kind: i64,
    threshold_factor: Word,
    x: Word,
    out: *mut Word,
) -> i32 {
    // SAFETY: this function's contract: `counties` points to a live county table.
    let counties = unsafe { &*counties.cast::<CountyTable>() };
    let brackets = usize::try_from(county)
        .ok()
        .zip(u32::try_from(scale).ok())
        .and_then(|(county, scale)| counties.county_brackets(county, crate::tir::ScaleId(scale)));
    let (Some(brackets), Some(kind)) = (brackets, scale_kind_of(kind)) else { return HELPER_NO_BRACKETS };
    // A policy computed finer than the cent: the table's thresholds are cents, `x` is not.
    let brackets = crate::precision::scaled_brackets(brackets, threshold_factor);
    // SAFETY: this function's contract is `write_result`'s for `out`.
    unsafe { write_result(ops::apply_scale(kind, &brackets, x), out) }
}

/// Whether two text handles show the same text: 1 or 0 (the interpreter's
/// [`TextTables::equal`]).
///
/// # Safety
///
/// `texts` must point to a live [`TextTables`] for the whole call. Generated code passes
/// `RawContext::texts`, which [`CompiledCode::run`] sets to a `TextTables` on its own stack
/// that outlives the call into generated code; nothing else calls this function.
pub(super) unsafe extern "C" fn pol_jit_text_eq(texts: *const c_void, a: Word, b: Word) -> i8 {
    // SAFETY: this function's contract.
    let texts = unsafe { &*texts.cast::<TextTables<'_>>() };
    // Unwinding across `extern "C"` aborts, so a panic is caught; `TextTables::equal` does not
    // panic, so the 0 is never produced by a catch.
    std::panic::catch_unwind(|| i8::from(texts.equal(a, b))).unwrap_or(0)
}
