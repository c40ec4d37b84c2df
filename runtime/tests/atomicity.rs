//! A failed run leaves the output directory as it was: no new file, no half-written file, no
//! staging directory.

use crate::support::*;
use pol_runtime::RuntimeError;

#[test]
fn a_failure_halfway_leaves_the_previous_outputs_untouched() {
    let compiled = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let inputs = Inputs::new();
    inputs.write("households.csv", crate::outputs::HOUSEHOLDS);
    inputs.write("persons.csv", crate::outputs::PERSONS);
    inputs.write("cases.csv", crate::outputs::CASES);
    let first = options(&compiled, &inputs, "households.csv", "persons.csv", Some("cases.csv"), "out");
    run_ok(&compiled, &first);
    let before = dir_files(&inputs.path("out"));
    assert_eq!(before.len(), 8);
    // The same input with bytes that are not UTF-8 in the last person, read chunk by chunk: the
    // first chunks are evaluated and written to the staging directory before the bad row shows.
    let mut persons = crate::outputs::PERSONS.as_bytes().to_vec();
    persons.extend_from_slice(b"P9,H4,\xff,false,1999-02-28,0,0\n");
    inputs.write("persons_bad.csv", persons);
    let mut second = options(&compiled, &inputs, "households.csv", "persons_bad.csv", Some("cases.csv"), "out");
    second.chunk_households = 1;
    second.threads = Some(1);
    let error = run_with(&compiled, &second).err().unwrap_or_else(|| panic!("the run should fail"));
    assert!(matches!(error, pol_runtime::RuntimeError::NotUtf8 { line: 8, .. }), "{error:?}");
    assert_eq!(dir_files(&inputs.path("out")), before);
}

#[test]
fn a_bad_header_creates_nothing() {
    let compiled = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let inputs = Inputs::new();
    inputs.write("households.csv", crate::outputs::HOUSEHOLDS);
    inputs.write("persons.csv", "person_id,household_id\nP1,H1\n");
    let options = options(&compiled, &inputs, "households.csv", "persons.csv", None, "never");
    assert!(run_with(&compiled, &options).is_err());
    assert!(!inputs.path("never").exists());
}

/// A run of the small fixture into `out` (CSV, or the given format).
fn small_run(inputs: &Inputs, compiled: &Compiled, format: pol_runtime::OutputFormat) -> Result<(), RuntimeError> {
    inputs.write("households.csv", crate::outputs::HOUSEHOLDS);
    inputs.write("persons.csv", crate::outputs::PERSONS);
    inputs.write("cases.csv", crate::outputs::CASES);
    let mut options = options(compiled, inputs, "households.csv", "persons.csv", Some("cases.csv"), "out");
    options.output_format = format;
    run_with(compiled, &options).map(|_| ())
}

fn names(dir: &std::path::Path) -> Vec<String> {
    dir_files(dir).into_iter().map(|(name, _)| name).collect()
}

#[test]
fn a_directory_where_an_output_goes_stops_the_run_before_anything_is_replaced() {
    let compiled = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let inputs = Inputs::new();
    small_run(&inputs, &compiled, pol_runtime::OutputFormat::Csv).unwrap();
    // The previous run's `people.csv` replaced by a directory; the others stay as they were.
    std::fs::remove_file(inputs.path("out/people.csv")).unwrap();
    std::fs::create_dir(inputs.path("out/people.csv")).unwrap();
    let before = dir_files(&inputs.path("out"));
    let error = small_run(&inputs, &compiled, pol_runtime::OutputFormat::Csv).err();
    assert!(matches!(error, Some(RuntimeError::OutputTarget { .. })), "{error:?}");
    assert_eq!(dir_files(&inputs.path("out")), before);
}

#[test]
fn a_run_in_another_format_removes_the_previous_format_with_the_commit() {
    let compiled = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let inputs = Inputs::new();
    small_run(&inputs, &compiled, pol_runtime::OutputFormat::Csv).unwrap();
    small_run(&inputs, &compiled, pol_runtime::OutputFormat::Parquet).unwrap();
    assert_eq!(
        names(&inputs.path("out")),
        [
            "case_results.parquet",
            "household_results.parquet",
            "paid_only.parquet",
            "people.parquet",
            "rejects.csv",
            "report.html",
            "report.json",
            "report.md"
        ]
    );
    small_run(&inputs, &compiled, pol_runtime::OutputFormat::Jsonl).unwrap();
    assert_eq!(
        names(&inputs.path("out")),
        [
            "case_results.jsonl",
            "household_results.jsonl",
            "paid_only.jsonl",
            "people.jsonl",
            "rejects.csv",
            "report.html",
            "report.json",
            "report.md"
        ]
    );
}

#[test]
fn a_second_run_into_a_locked_output_directory_stops_and_changes_nothing() {
    let compiled = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let inputs = Inputs::new();
    small_run(&inputs, &compiled, pol_runtime::OutputFormat::Csv).unwrap();
    let before = dir_files(&inputs.path("out"));
    // Another run holds the directory's lock (an exclusive `flock` on the directory).
    let holder = std::fs::File::open(inputs.path("out")).unwrap();
    holder.try_lock().unwrap();
    let error = small_run(&inputs, &compiled, pol_runtime::OutputFormat::Parquet).err();
    assert!(matches!(error, Some(RuntimeError::Locked { .. })), "{error:?}");
    assert_eq!(dir_files(&inputs.path("out")), before);
    drop(holder);
    small_run(&inputs, &compiled, pol_runtime::OutputFormat::Csv).unwrap();
    assert_eq!(dir_files(&inputs.path("out")), before);
}

#[test]
fn leftovers_of_an_interrupted_run_are_settled_before_the_next_run() {
    let compiled = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let inputs = Inputs::new();
    small_run(&inputs, &compiled, pol_runtime::OutputFormat::Csv).unwrap();
    let clean = dir_files(&inputs.path("out"));
    // A run killed while writing (its staging directory), and one killed while moving the
    // previous set aside (a backup without markers holding a previous `report.md`).
    inputs.write("out/.pol-run-1-2/household_results.csv", "half a file");
    inputs.write("out/.pol-run-old-3-4/.new-files", "report.md");
    std::fs::rename(inputs.path("out/report.md"), inputs.path("out/.pol-run-old-3-4/report.md")).unwrap();
    small_run(&inputs, &compiled, pol_runtime::OutputFormat::Csv).unwrap();
    assert_eq!(dir_files(&inputs.path("out")), clean);
}
