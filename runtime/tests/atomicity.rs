//! A failed run leaves the output directory as it was: no new file, no half-written file, no
//! staging directory.

use crate::support::*;

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
    assert_eq!(before.len(), 7);
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
