//! Every error that stops a run, rendered as the CLI shows it, with its input.

use crate::support::*;
use pol_compiler::diagnostic::Sources;

const PERSONS_OK: &str = "person_id,household_id,name,is_head,birth_date,grade,share\nP1,H1,一,true,1980-01-01,0,0\n";
const HOUSEHOLDS_OK: &str =
    "household_id,county_code,village,income,flag,months,kind\nH1,610102,甲村,0,false,0,plain\n";

/// Runs on the given households and persons files and renders the error.
fn error_of(households: (&str, &[u8]), persons: (&str, &[u8]), cases: Option<(&str, &[u8])>) -> String {
    let compiled = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let inputs = Inputs::new();
    inputs.write(households.0, households.1);
    inputs.write(persons.0, persons.1);
    if let Some((name, bytes)) = cases {
        inputs.write(name, bytes);
    }
    let options = options(&compiled, &inputs, households.0, persons.0, cases.map(|(name, _)| name), "out");
    let error = match run_with(&compiled, &options) {
        Ok(summary) => panic!("the run should fail, got\n{summary}"),
        Err(error) => error,
    };
    assert!(dir_files(&inputs.path("out")).is_empty(), "a failed run leaves no output");
    let rendered = render_error(&compiled.sources, error);
    rendered.replace(&inputs.dir.path().display().to_string(), "<tmp>")
}

fn snapshot(name: &str, input: &str, rendered: &str) {
    insta::assert_snapshot!(name, format!("== input\n{input}\n== error\n{rendered}"));
}

#[test]
fn a_missing_column_points_at_its_declaration_and_suggests_a_near_name() {
    let persons = "person_id,household_id,name,is_head,birthdate,grade,share\nP1,H1,一,true,1980-01-01,0,0\n";
    let rendered = error_of(("households.csv", HOUSEHOLDS_OK.as_bytes()), ("persons.csv", persons.as_bytes()), None);
    snapshot("missing_column_near_name", persons, &rendered);
}

#[test]
fn a_missing_column_without_a_near_name() {
    let households = "household_id,county_code,village,flag,months,kind\nH1,610102,甲村,false,0,plain\n";
    let rendered = error_of(("households.csv", households.as_bytes()), ("persons.csv", PERSONS_OK.as_bytes()), None);
    snapshot("missing_column", households, &rendered);
}

#[test]
fn a_column_named_twice() {
    let households =
        "household_id,county_code,village,income,flag,months,kind,income\nH1,610102,甲村,0,false,0,plain,0\n";
    let rendered = error_of(("households.csv", households.as_bytes()), ("persons.csv", PERSONS_OK.as_bytes()), None);
    snapshot("duplicate_column", households, &rendered);
}

#[test]
fn an_empty_file() {
    let rendered = error_of(("households.csv", b""), ("persons.csv", PERSONS_OK.as_bytes()), None);
    snapshot("empty_file", "(households.csv is empty)", &rendered);
}

#[test]
fn a_header_that_is_not_utf8() {
    let households = b"household_id,county_code,\xc4\xe3,income,flag,months,kind\n";
    let rendered = error_of(("households.csv", households), ("persons.csv", PERSONS_OK.as_bytes()), None);
    snapshot("header_not_utf8", &String::from_utf8_lossy(households), &rendered);
}

#[test]
fn a_row_that_is_not_utf8_stops_the_run_before_any_output() {
    let mut persons = PERSONS_OK.as_bytes().to_vec();
    persons.extend_from_slice(b"P2,H1,\xcd\xf5,false,1980-01-01,0,0\n");
    let rendered = error_of(("households.csv", HOUSEHOLDS_OK.as_bytes()), ("persons.csv", &persons), None);
    snapshot("row_not_utf8", &String::from_utf8_lossy(&persons), &rendered);
}

#[test]
fn a_json_line_that_is_not_utf8() {
    let persons = b"{\"person_id\": \"P1\", \"name\": \"\xcd\xf5\"}\n";
    let rendered = error_of(("households.csv", HOUSEHOLDS_OK.as_bytes()), ("persons.jsonl", persons), None);
    snapshot("jsonl_not_utf8", &String::from_utf8_lossy(persons), &rendered);
}

#[test]
fn an_unknown_file_format() {
    let rendered =
        error_of(("households.xlsx", HOUSEHOLDS_OK.as_bytes()), ("persons.csv", PERSONS_OK.as_bytes()), None);
    snapshot("unknown_format", "households.xlsx", &rendered);
}

#[test]
fn a_cases_file_for_a_policy_without_cases() {
    let pol = SMALL_POL
        .replace("case {\n  case_id: key\n  household_id: household\n  amount: 元\n  urgent: bool = false\n}\n", "");
    let pol = pol.replace("case level: int = if amount <= 1000 { 1 } else { 2 }\n", "");
    let start = pol.find("output case_results").unwrap_or(0);
    let end = pol.get(start..).and_then(|rest| rest.find("}\n")).map_or(start, |offset| start + offset + 2);
    let pol = format!("{}{}", pol.get(..start).unwrap_or(""), pol.get(end..).unwrap_or(""));
    let compiled = compile_text(&pol, SMALL_JURISDICTIONS);
    let inputs = Inputs::new();
    inputs.write("households.csv", HOUSEHOLDS_OK);
    inputs.write("persons.csv", PERSONS_OK);
    inputs.write("cases.csv", "case_id,household_id\nC1,H1\n");
    let options = options(&compiled, &inputs, "households.csv", "persons.csv", Some("cases.csv"), "out");
    let error = run_with(&compiled, &options).err().unwrap_or_else(|| panic!("the run should fail"));
    snapshot("undeclared_cases", "cases.csv given, no `case` entity", &render_error(&compiled.sources, error));
}

#[test]
fn a_parquet_float_column() {
    use arrow::array::{ArrayRef, Float64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("household_id", Arc::new(StringArray::from(vec!["H1"]))),
        ("county_code", Arc::new(StringArray::from(vec!["610102"]))),
        ("village", Arc::new(StringArray::from(vec!["甲村"]))),
        ("income", Arc::new(Float64Array::from(vec![0.1]))),
        ("flag", Arc::new(StringArray::from(vec!["false"]))),
        ("months", Arc::new(StringArray::from(vec!["0"]))),
        ("kind", Arc::new(StringArray::from(vec!["plain"]))),
    ];
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let mut bytes = Vec::new();
    let mut writer = parquet::arrow::ArrowWriter::try_new(&mut bytes, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    let rendered = error_of(("households.parquet", &bytes), ("persons.csv", PERSONS_OK.as_bytes()), None);
    snapshot("parquet_float", "households.parquet with `income: double`", &rendered);
}

#[test]
fn policy_directories_without_policy_or_with_bad_text() {
    let inputs = Inputs::new();
    inputs.write("empty/jurisdictions.csv", SMALL_JURISDICTIONS);
    let no_policy =
        pol_runtime::load::load_policy_dir(&inputs.path("empty")).err().unwrap_or_else(|| panic!("should fail"));
    inputs.write("bad/2019/a.pol", b"enum A { x }\n");
    inputs.write("bad/2019/b.pol", b"// \xd6\xd0\xce\xc4\n");
    let not_utf8 =
        pol_runtime::load::load_policy_dir(&inputs.path("bad")).err().unwrap_or_else(|| panic!("should fail"));
    let sources = Sources::default();
    let text = [no_policy, not_utf8]
        .into_iter()
        .map(|error| render_error(&sources, error).replace(&inputs.dir.path().display().to_string(), "<tmp>"))
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("policy_dir_errors", text);
}

#[test]
fn policy_directories_are_read_in_order() {
    let inputs = Inputs::new();
    inputs.write("p/b.pol", "// b\n");
    inputs.write("p/2019/a.pol", "// a\n");
    inputs.write("p/.hidden/c.pol", "// hidden\n");
    inputs.write("p/jurisdictions.csv", "county_code\n");
    inputs.write("p/params/z.toml", "jurisdiction = \"1\"\n");
    inputs.write("p/params/city/a.toml", "jurisdiction = \"2\"\n");
    inputs.write("p/notes.txt", "ignored\n");
    let sources = pol_runtime::load::load_policy_dir(&inputs.path("p")).unwrap_or_else(|error| panic!("{error}"));
    let listed: Vec<(String, String)> =
        sources.files.iter().map(|file| (file.name.clone(), format!("{:?}", file.kind))).collect();
    assert_eq!(
        listed,
        [
            ("2019/a.pol".to_string(), "Pol".to_string()),
            ("b.pol".to_string(), "Pol".to_string()),
            ("jurisdictions.csv".to_string(), "Jurisdictions".to_string()),
            ("params/city/a.toml".to_string(), "Params".to_string()),
            ("params/z.toml".to_string(), "Params".to_string()),
        ]
    );
}

#[test]
fn a_rate_filter_that_fails_for_a_county() {
    // `and` stops at `county.deep` for 新城区; 碑林区 is deep, so its division by zero is evaluated.
    let pol = SMALL_POL.replace("where county.deep below", "where county.deep and 2 / 0 > 1 below");
    let compiled = compile_text(&pol, SMALL_JURISDICTIONS);
    let inputs = Inputs::new();
    inputs.write("households.csv", HOUSEHOLDS_OK);
    inputs.write("persons.csv", PERSONS_OK);
    let options = options(&compiled, &inputs, "households.csv", "persons.csv", None, "out");
    let error = run_with(&compiled, &options).err().unwrap_or_else(|| panic!("the run should fail"));
    assert!(dir_files(&inputs.path("out")).is_empty(), "a failed run leaves no output");
    snapshot(
        "rate_filter",
        "rate adult_share = n / n where county.deep and 2 / 0 > 1",
        &render_error(&compiled.sources, error),
    );
}

/// Runs on files already in `inputs` with `threads` workers and renders the error.
fn error_in(inputs: &Inputs, households: &str, persons: &str, threads: Option<usize>) -> String {
    let compiled = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let mut options = options(&compiled, inputs, households, persons, None, "out");
    options.threads = threads;
    let error = match run_with(&compiled, &options) {
        Ok(summary) => panic!("the run should fail, got\n{summary}"),
        Err(error) => error,
    };
    assert!(dir_files(&inputs.path("out")).is_empty(), "a failed run leaves no output");
    render_error(&compiled.sources, error).replace(&inputs.dir.path().display().to_string(), "<tmp>")
}

#[cfg(unix)]
#[test]
fn a_file_without_line_ends_stops_at_the_record_limit() {
    // `/dev/zero` never ends and has no line end: the reader stops at 1 MiB instead of growing
    // its buffer until memory runs out.
    let inputs = Inputs::new();
    std::os::unix::fs::symlink("/dev/zero", inputs.path("households.csv")).unwrap();
    inputs.write("persons.csv", PERSONS_OK);
    let rendered = error_in(&inputs, "households.csv", "persons.csv", Some(2));
    snapshot("record_too_long", "households.csv → /dev/zero", &rendered);

    let inputs = Inputs::new();
    inputs.write("households.csv", HOUSEHOLDS_OK);
    std::os::unix::fs::symlink("/dev/zero", inputs.path("persons.jsonl")).unwrap();
    let rendered = error_in(&inputs, "households.csv", "persons.jsonl", Some(2));
    snapshot("record_too_long_jsonl", "persons.jsonl → /dev/zero", &rendered);
}

#[test]
fn an_unterminated_quote_names_the_line_where_it_opened() {
    let households = "household_id,county_code,village,income,flag,months,kind\n\
                      H1,610102,甲村,0,false,0,plain\n\
                      H2,610102,\"乙村,0,false,0,plain\n\
                      H3,610102,丙村,0,false,0,plain\n\
                      H4,610102,丁村,0,false,0,plain\n";
    let rendered = error_of(("households.csv", households.as_bytes()), ("persons.csv", PERSONS_OK.as_bytes()), None);
    snapshot("unterminated_quote", households, &rendered);
}

#[test]
fn a_quote_open_for_more_than_a_thousand_lines() {
    let mut persons = PERSONS_OK.to_string();
    persons.push_str("P2,H1,\"王\n");
    for index in 0..1_100 {
        persons.push_str(&format!("P{index},H1,一,false,1980-01-01,0,0\n"));
    }
    let rendered = error_of(("households.csv", HOUSEHOLDS_OK.as_bytes()), ("persons.csv", persons.as_bytes()), None);
    snapshot("quote_open_too_long", "persons.csv: line 3 opens a quote, 1,100 lines follow", &rendered);
}

#[test]
fn threads_out_of_range() {
    let inputs = Inputs::new();
    inputs.write("households.csv", HOUSEHOLDS_OK);
    inputs.write("persons.csv", PERSONS_OK);
    let none = error_in(&inputs, "households.csv", "persons.csv", Some(0));
    let many = error_in(&inputs, "households.csv", "persons.csv", Some(100_000));
    snapshot("threads", "--threads 0, then --threads 100000", &format!("{none}\n{many}"));
    // The bounds themselves are accepted.
    let compiled = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    for threads in [1, pol_runtime::pipeline::MAX_THREADS] {
        let mut options = options(&compiled, &inputs, "households.csv", "persons.csv", None, "out");
        options.threads = Some(threads);
        assert_eq!(run_ok(&compiled, &options).households.accepted, 1);
    }
}

#[test]
fn a_header_of_100000_columns_is_checked_at_once() {
    let mut header = String::from("household_id,county_code,village,income,flag,months,kind");
    for index in 0..100_000 {
        header.push_str(&format!(",c{index}"));
    }
    header.push_str(",c99999\n");
    let started = std::time::Instant::now();
    let rendered = error_of(("households.csv", header.as_bytes()), ("persons.csv", PERSONS_OK.as_bytes()), None);
    // The check was quadratic (13 s in a release build); it is now one pass over the names.
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "{:?}", started.elapsed());
    snapshot("duplicate_column_wide", "a header of 100,007 columns, `c99999` twice", &rendered);
}

/// Runs with the persons file given through a named pipe, written by another thread; gives up
/// (failing the test) if the run does not end within a minute.
#[cfg(unix)]
fn run_with_persons_from_a_pipe(households: &str, persons: &'static str) -> Result<String, String> {
    let inputs = Inputs::new();
    inputs.write("households.csv", households);
    let fifo = inputs.path("persons.csv");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success(), "mkfifo failed");
    let writer_path = fifo.clone();
    std::thread::spawn(move || std::fs::write(writer_path, persons));
    let (sender, receiver) = std::sync::mpsc::channel();
    let dir = inputs.dir.path().to_path_buf();
    std::thread::spawn(move || {
        let compiled = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
        let mut options =
            pol_runtime::RunOptions::new(dir.join("households.csv"), dir.join("persons.csv"), dir.join("out"), as_of());
        options.threads = Some(2);
        let outcome = run_with(&compiled, &options)
            .map(|summary| summary.to_string())
            .map_err(|error| render_error(&compiled.sources, error).replace(&dir.display().to_string(), "<tmp>"));
        let _ = sender.send(outcome);
    });
    let outcome = receiver
        .recv_timeout(std::time::Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("the run did not end: it waits on the pipe"));
    drop(inputs);
    outcome
}

#[cfg(unix)]
#[test]
fn a_pipe_is_read_once_and_a_run_that_must_read_it_again_fails_at_once() {
    // Clean data needs one pass: a pipe is fine.
    let summary = run_with_persons_from_a_pipe(HOUSEHOLDS_OK, PERSONS_OK).unwrap();
    assert!(summary.starts_with("read 1 households: 1 accepted, 0 rejected"), "{summary}");
    // A duplicated household id needs a second pass.
    let households = format!("{HOUSEHOLDS_OK}H1,610102,乙村,0,false,0,plain\n");
    let rendered = run_with_persons_from_a_pipe(&households, PERSONS_OK).unwrap_err();
    snapshot("not_rereadable", &format!("{households}(persons.csv is a named pipe)"), &rendered);
}

/// Runs the small fixture into `out` after `prepare` and renders the error.
fn output_error_of(prepare: impl FnOnce(&Inputs) -> Option<std::fs::File>) -> String {
    let compiled = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let inputs = Inputs::new();
    inputs.write("households.csv", HOUSEHOLDS_OK);
    inputs.write("persons.csv", PERSONS_OK);
    let options = options(&compiled, &inputs, "households.csv", "persons.csv", None, "out");
    let _lock = prepare(&inputs);
    let error = match run_with(&compiled, &options) {
        Ok(summary) => panic!("the run should fail, got\n{summary}"),
        Err(error) => error,
    };
    let rendered = render_error(&compiled.sources, error);
    rendered.replace(&inputs.dir.path().display().to_string(), "<tmp>")
}

#[test]
fn an_output_directory_another_run_holds() {
    let rendered = output_error_of(|inputs| {
        std::fs::create_dir(inputs.path("out")).unwrap();
        let holder = std::fs::File::open(inputs.path("out")).unwrap();
        holder.try_lock().unwrap();
        Some(holder)
    });
    snapshot("output_locked", "(another run holds `out`)", &rendered);
}

#[test]
fn a_directory_where_an_output_file_goes() {
    let rendered = output_error_of(|inputs| {
        std::fs::create_dir_all(inputs.path("out/household_results.csv")).unwrap();
        None
    });
    snapshot("output_target", "(`out/household_results.csv` is a directory)", &rendered);
}
