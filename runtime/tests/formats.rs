//! Input formats (CSV, JSON lines, Parquet) give the same results; output formats hold the same
//! values.

use crate::support::*;
use arrow::array::{ArrayRef, BooleanArray, Date32Array, Decimal128Array, Int64Array, RecordBatch, StringArray};
use std::sync::Arc;

/// The rows of a CSV text (header first).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
    reader.records().filter_map(Result::ok).map(|record| record.iter().map(str::to_string).collect()).collect()
}

/// `rest` without the `(lines 4, 5)` of duplicate reasons (line numbers differ between formats).
pub fn strip_lines(rest: &str) -> String {
    match (rest.find(" (lines "), rest.rfind(')')) {
        (Some(start), Some(end)) if end > start => format!("{}{}", &rest[..start], &rest[end + 1..]),
        _ => rest.to_string(),
    }
}

/// The CSV as JSON lines, every value a JSON string.
fn to_jsonl(text: &str) -> String {
    let rows = csv_rows(text);
    let header = rows.first().cloned().unwrap_or_default();
    rows.iter()
        .skip(1)
        .map(|row| {
            let object: serde_json::Map<String, serde_json::Value> =
                header.iter().cloned().zip(row.iter().map(|value| serde_json::Value::String(value.clone()))).collect();
            format!("{}\n", serde_json::Value::Object(object))
        })
        .collect()
}

/// The CSV as Parquet, every column a string column.
fn to_parquet(text: &str) -> Vec<u8> {
    let rows = csv_rows(text);
    let header = rows.first().cloned().unwrap_or_default();
    let columns: Vec<(String, ArrayRef)> = header
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let values: Vec<Option<String>> = rows.iter().skip(1).map(|row| row.get(index).cloned()).collect();
            (name.clone(), Arc::new(StringArray::from(values)) as ArrayRef)
        })
        .collect();
    write_parquet(columns)
}

fn write_parquet(columns: Vec<(String, ArrayRef)>) -> Vec<u8> {
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let mut bytes = Vec::new();
    let mut writer = parquet::arrow::ArrowWriter::try_new(&mut bytes, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    bytes
}

#[test]
fn csv_jsonl_and_parquet_inputs_give_identical_outputs() {
    let compiled = crate::shaanxi::shaanxi();
    let inputs = Inputs::new();
    crate::shaanxi::synthesize(&inputs, 800, 0.05, 3);
    for name in ["households", "persons", "cases"] {
        let text = inputs.read(&format!("{name}.csv"));
        inputs.write(&format!("{name}.jsonl"), to_jsonl(&text));
        inputs.write(&format!("{name}.parquet"), to_parquet(&text));
    }
    let mut outputs = Vec::new();
    for extension in ["csv", "jsonl", "parquet"] {
        let mut options = options(
            &compiled,
            &inputs,
            &format!("households.{extension}"),
            &format!("persons.{extension}"),
            Some(&format!("cases.{extension}")),
            extension,
        );
        options.chunk_households = 64;
        let summary = run_ok(&compiled, &options);
        assert!(summary.households.rejected > 0);
        outputs.push((extension, summary, dir_files(&inputs.path(extension))));
    }
    let (_, csv_summary, csv_files) = &outputs[0];
    for (extension, summary, files) in &outputs[1..] {
        assert_eq!(
            (summary.households, summary.persons, summary.cases),
            (csv_summary.households, csv_summary.persons, csv_summary.cases)
        );
        for ((name, bytes), (_, expected)) in files.iter().zip(csv_files) {
            if name == "rejects.csv" {
                // The same rows: file names differ, and JSON lines have no header line.
                let shift = if *extension == "jsonl" { 1 } else { 0 };
                let normalize = |text: &str, from: &str| -> String {
                    text.lines()
                        .map(|line| {
                            let mut parts = line.splitn(3, ',');
                            let (file, number, rest) =
                                (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                            let rest = strip_lines(rest);
                            match number.parse::<u64>() {
                                Ok(number) => format!(
                                    "{},{},{rest}\n",
                                    file.replace(from, "csv"),
                                    if from == "csv" { number } else { number + shift }
                                ),
                                Err(_) => format!("{line}\n"),
                            }
                        })
                        .collect()
                };
                let (ours, theirs) = (
                    normalize(&String::from_utf8_lossy(bytes), extension),
                    normalize(&String::from_utf8_lossy(expected), "csv"),
                );
                let differing: Vec<(&str, &str)> =
                    ours.lines().zip(theirs.lines()).filter(|(a, b)| a != b).take(5).collect();
                assert!(ours == theirs, "rejects differ for {extension}: {differing:?}");
            } else {
                assert!(bytes == expected, "{name} differs for {extension} input");
            }
        }
    }
}

#[test]
fn typed_parquet_and_json_values_read_like_their_text() {
    let compiled = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let inputs = Inputs::new();
    inputs.write("households.csv", crate::outputs::HOUSEHOLDS);
    inputs.write("persons.csv", crate::outputs::PERSONS);
    inputs.write("cases.csv", crate::outputs::CASES);
    // Households as typed Parquet: decimal income, boolean flag, int64 months.
    let households: Vec<(String, ArrayRef)> = vec![
        ("household_id".into(), Arc::new(StringArray::from(vec!["H1", "H2", "H3", "H4"]))),
        ("county_code".into(), Arc::new(Int64Array::from(vec![610102, 610802, 610103, 610103]))),
        ("village".into(), Arc::new(StringArray::from(vec!["东村", "西村", "南村,二组", "北村"]))),
        (
            "income".into(),
            Arc::new(Decimal128Array::from(vec![10_000, 200_050, 0, 5]).with_precision_and_scale(12, 2).unwrap()),
        ),
        ("flag".into(), Arc::new(BooleanArray::from(vec![false, true, false, false]))),
        ("months".into(), Arc::new(Int64Array::from(vec![0, 3, 12, 1]))),
        ("kind".into(), Arc::new(StringArray::from(vec!["plain", "special", "plain", "special"]))),
    ];
    inputs.write("households.parquet", write_parquet(households));
    // Persons as typed Parquet: date32 birth dates, int64 grades, decimal(10,9) shares.
    let day = |text: &str| i32::try_from(pol_compiler::date::parse_iso(text).unwrap_or(0)).unwrap_or(0);
    let persons: Vec<(String, ArrayRef)> = vec![
        ("person_id".into(), Arc::new(StringArray::from(vec!["P1", "P2", "P3", "P4", "P5", "P6"]))),
        ("household_id".into(), Arc::new(StringArray::from(vec!["H1", "H1", "H2", "H3", "H3", "H4"]))),
        ("name".into(), Arc::new(StringArray::from(vec!["王建国", "李四", "张三", "Smith, \"J\"", "赵", "钱七"]))),
        ("is_head".into(), Arc::new(BooleanArray::from(vec![true, false, true, true, false, true]))),
        (
            "birth_date".into(),
            Arc::new(Date32Array::from(vec![
                day("1970-03-01"),
                day("2010-05-06"),
                day("1950-01-01"),
                day("2001-07-01"),
                day("2001-07-02"),
                day("1999-02-28"),
            ])),
        ),
        ("grade".into(), Arc::new(Int64Array::from(vec![0, 1, 0, 4, 2, 0]))),
        (
            "share".into(),
            Arc::new(
                Decimal128Array::from(vec![500_000_000, 0, 1_000_000_000, 1, 0, 0])
                    .with_precision_and_scale(12, 9)
                    .unwrap(),
            ),
        ),
    ];
    inputs.write("persons.parquet", write_parquet(persons));
    // Cases as JSON lines with numbers and booleans.
    inputs.write(
        "cases.jsonl",
        "{\"case_id\":\"C1\",\"household_id\":\"H2\",\"amount\":800,\"urgent\":true}\n\n{\"urgent\":false,\"amount\":1500,\"household_id\":\"H1\",\"case_id\":\"C2\",\"extra\":[1]}\n{\"case_id\":\"C3\",\"household_id\":\"H1\",\"amount\":1000,\"urgent\":false}\n",
    );
    let csv = options(&compiled, &inputs, "households.csv", "persons.csv", Some("cases.csv"), "csv");
    run_ok(&compiled, &csv);
    let typed = options(&compiled, &inputs, "households.parquet", "persons.parquet", Some("cases.jsonl"), "typed");
    run_ok(&compiled, &typed);
    for name in [
        "household_results.csv",
        "people.csv",
        "case_results.csv",
        "paid_only.csv",
        "report.md",
        "report.json",
        "report.html",
        "rejects.csv",
    ] {
        assert_eq!(inputs.read(&format!("typed/{name}")), inputs.read(&format!("csv/{name}")), "{name}");
    }
}

#[test]
fn json_lines_problems_reject_their_rows() {
    let compiled = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let inputs = Inputs::new();
    inputs.write(
        "households.jsonl",
        "{\"household_id\":\"H1\",\"county_code\":\"610102\",\"village\":\"甲\",\"income\":0,\"flag\":false,\"months\":0,\"kind\":\"plain\"}\n\
         {\"household_id\":\"H2\",\"county_code\":\"610102\",\"village\":\"乙\",\"income\":1e3,\"flag\":false,\"months\":0,\"kind\":\"plain\"}\n\
         {\"household_id\":\"H3\",\"county_code\":\"610102\",\"village\":null,\"income\":0,\"flag\":false,\"months\":0,\"kind\":\"plain\"}\n\
         {\"household_id\":\"H4\",\"county_code\":\"610102\",\"village\":\"丁\",\"income\":0,\"flag\":false,\"months\":0,\"kind\":\"plain\",\"kind\":\"special\"}\n\
         [\"H5\"]\n\
         {\"household_id\":\"H6\",\"county_code\":\"610102\",\"village\":{\"a\":1},\"income\":0,\"flag\":\"false\",\"months\":\"0\",\"kind\":\"plain\"}\n",
    );
    inputs.write("persons.csv", "person_id,household_id,name,is_head,birth_date,grade,share\nP1,H1,一,true,1980-01-01,0,0\nP6,H6,六,true,1980-01-01,0,0\n");
    let options = options(&compiled, &inputs, "households.jsonl", "persons.csv", None, "out");
    let summary = run_ok(&compiled, &options);
    insta::assert_snapshot!("jsonl_problems", format!("{}== summary\n{summary}", inputs.read("out/rejects.csv")));
}

/// The values of an output table as text cells, whatever its format (`columns` orders JSON keys).
fn cells(path: &std::path::Path, columns: &[String]) -> Vec<Vec<String>> {
    let extension = path.extension().map(|ext| ext.to_string_lossy().into_owned()).unwrap_or_default();
    match extension.as_str() {
        "csv" => csv_rows(&std::fs::read_to_string(path).unwrap_or_default()).into_iter().skip(1).collect(),
        "jsonl" => std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(|line| {
                let value: serde_json::Value = serde_json::from_str(line).unwrap();
                let object = value.as_object().unwrap();
                assert_eq!(object.len(), columns.len());
                columns
                    .iter()
                    .map(|column| match object.get(column) {
                        Some(serde_json::Value::String(text)) => text.clone(),
                        Some(other) => other.to_string(),
                        None => panic!("no key `{column}`"),
                    })
                    .collect()
            })
            .collect(),
        _ => {
            let file = std::fs::File::open(path).unwrap();
            let reader =
                parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap().build().unwrap();
            let mut rows = Vec::new();
            for batch in reader {
                let batch = batch.unwrap();
                let options = arrow::util::display::FormatOptions::default();
                let formatters: Vec<_> = batch
                    .columns()
                    .iter()
                    .map(|column| arrow::util::display::ArrayFormatter::try_new(column.as_ref(), &options).unwrap())
                    .collect();
                for row in 0..batch.num_rows() {
                    rows.push(formatters.iter().map(|formatter| formatter.value(row).to_string()).collect());
                }
            }
            rows
        }
    }
}

#[test]
fn jsonl_and_parquet_outputs_hold_the_csv_values() {
    let compiled = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let inputs = Inputs::new();
    inputs.write("households.csv", crate::outputs::HOUSEHOLDS);
    inputs.write("persons.csv", crate::outputs::PERSONS);
    inputs.write("cases.csv", crate::outputs::CASES);
    for format in [pol_runtime::OutputFormat::Csv, pol_runtime::OutputFormat::Jsonl, pol_runtime::OutputFormat::Parquet]
    {
        let mut options =
            options(&compiled, &inputs, "households.csv", "persons.csv", Some("cases.csv"), format.extension());
        options.output_format = format;
        run_ok(&compiled, &options);
    }
    for table in ["household_results", "paid_only", "people", "case_results"] {
        let text = inputs.read(&format!("csv/{table}.csv"));
        let columns = csv_rows(&text).first().cloned().unwrap_or_default();
        let expected = cells(&inputs.path(&format!("csv/{table}.csv")), &columns);
        assert!(!expected.is_empty());
        // Parquet decimals show every digit of their scale (`0.000000000`); compare the numbers.
        let trim = |rows: Vec<Vec<String>>| -> Vec<Vec<String>> {
            rows.into_iter()
                .map(|row| {
                    row.into_iter()
                        .map(|cell| {
                            if cell.contains('.') && cell.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
                            {
                                cell.trim_end_matches('0').trim_end_matches('.').to_string()
                            } else {
                                cell
                            }
                        })
                        .collect()
                })
                .collect()
        };
        assert_eq!(cells(&inputs.path(&format!("jsonl/{table}.jsonl")), &columns), expected, "{table}.jsonl");
        assert_eq!(
            trim(cells(&inputs.path(&format!("parquet/{table}.parquet")), &columns)),
            trim(expected),
            "{table}.parquet"
        );
    }
    assert_eq!(inputs.read("jsonl/rejects.csv"), inputs.read("csv/rejects.csv"));
    let first = std::fs::read_to_string(inputs.path("jsonl/household_results.jsonl")).unwrap_or_default();
    assert_eq!(
        first.lines().next().unwrap_or(""),
        r#"{"household_id":"H1","county_code":"610102","village":"东村","n":2,"gap":"900.00","paid":"900.00","kind":"plain","head":"王**","severe":"-0.833333333"}"#
    );
}

#[test]
fn control_characters_in_json_strings_reject_their_rows_too() {
    let compiled = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let inputs = Inputs::new();
    inputs.write(
        "households.jsonl",
        "{\"household_id\":\"H1\",\"county_code\":\"610102\",\"village\":\"甲\\u0000村\",\"income\":0,\"flag\":false,\"months\":0,\"kind\":\"plain\"}\n\
         {\"household_id\":\"H2\",\"county_code\":\"610102\",\"village\":\"乙\\u202e村\",\"income\":0,\"flag\":false,\"months\":0,\"kind\":\"plain\"}\n\
         {\"household_id\":\"H3\",\"county_code\":\"610102\",\"village\":\"丙村\",\"income\":0,\"flag\":false,\"months\":0,\"kind\":\"plain\"}\n",
    );
    inputs.write(
        "persons.csv",
        "person_id,household_id,name,is_head,birth_date,grade,share\nP1,H1,一,true,1980-01-01,0,0\nP2,H2,二,true,1980-01-01,0,0\nP3,H3,三,true,1980-01-01,0,0\n",
    );
    let options = options(&compiled, &inputs, "households.jsonl", "persons.csv", None, "out");
    let summary = run_ok(&compiled, &options);
    assert_eq!(
        inputs.read("out/rejects.csv"),
        "file,line,household_id,field,reason\n\
         households.jsonl,1,H1,village,bad village: holds a control character (U+0000)\n\
         households.jsonl,2,H2,village,bad village: holds a bidirectional control character (U+202E)\n\
         persons.csv,2,H1,village,household rejected: bad village\n\
         persons.csv,3,H2,village,household rejected: bad village\n"
    );
    assert_eq!(summary.households.accepted, 1);
}

/// `rows` with the columns named in `columns` taken out (`None`) or set to a value.
fn edit_columns(text: &str, columns: &[(&str, Option<&str>)]) -> String {
    let rows = csv_rows(text);
    let header = rows.first().cloned().unwrap_or_default();
    let mut out = String::new();
    for (index, row) in rows.iter().enumerate() {
        let mut fields = Vec::new();
        for (name, value) in header.iter().zip(row) {
            match columns.iter().find(|(column, _)| column == name) {
                None => fields.push(value.clone()),
                Some((_, None)) => {}
                Some((_, Some(_))) if index == 0 => fields.push(value.clone()),
                Some((_, Some(default))) => fields.push((*default).to_string()),
            }
        }
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

/// Household columns with a default (`village: text = "示范村"`, `prev_dibao_monthly: 元/月 = 0`)
/// may be absent from a CSV header, a Parquet schema or a JSON line: every row then holds the
/// default, and the outputs equal those of files holding the default in every row.
#[test]
fn a_column_with_a_default_may_be_absent_in_every_format() {
    let compiled = crate::shaanxi::shaanxi();
    let inputs = Inputs::new();
    crate::shaanxi::synthesize(&inputs, 300, 0.0, 5);
    let households = inputs.read("households.csv");
    assert!(households.lines().next().is_some_and(|header| header.contains(",village,")), "{households:.200}");
    let with = edit_columns(&households, &[("village", Some("示范村")), ("prev_dibao_monthly", Some("0"))]);
    let without = edit_columns(&households, &[("village", None), ("prev_dibao_monthly", None)]);
    for (name, text) in [("with", &with), ("without", &without)] {
        inputs.write(&format!("{name}.csv"), text.clone());
        inputs.write(&format!("{name}.jsonl"), to_jsonl(text));
        inputs.write(&format!("{name}.parquet"), to_parquet(text));
    }
    let mut expected = None;
    for extension in ["csv", "jsonl", "parquet"] {
        for name in ["with", "without"] {
            let out = format!("{name}_{extension}");
            let options = options(&compiled, &inputs, &format!("{name}.{extension}"), "persons.csv", None, &out);
            let summary = run_ok(&compiled, &options);
            let files: Vec<(String, Vec<u8>)> =
                dir_files(&inputs.path(&out)).into_iter().filter(|(file, _)| file != "rejects.csv").collect();
            match &expected {
                None => expected = Some((summary.households, files)),
                Some((households, expected_files)) => {
                    assert_eq!(summary.households, *households, "{name}.{extension}");
                    assert!(&files == expected_files, "{name}.{extension} gives other outputs");
                }
            }
        }
    }
}

/// A policy with monthly columns (`tests/policies/periods`) in force on [`as_of`], with its
/// instance columns (`salary@2019-01`, …).
pub(crate) fn periods_compiled() -> Compiled {
    let text = include_str!("../../tests/policies/periods/policy.pol");
    let mut sources = pol_compiler::diagnostic::Sources::default();
    sources.add("policy.pol", text, pol_compiler::diagnostic::SourceKind::Pol);
    let policy = pol_compiler::policy::compile(&sources).unwrap_or_else(|errors| panic!("{} errors", errors.len()));
    let (on_day, counties) = policy.on(as_of()).unwrap_or_else(|errors| panic!("{} errors", errors.len()));
    Compiled { sources, program: on_day.program, jurisdictions: on_day.jurisdictions, counties }
}

/// Monthly columns given per month and for every month read alike from CSV, JSON lines and
/// Parquet; a year's total gives the same outputs from CSV and Parquet as its twelfths per month.
#[test]
fn monthly_columns_read_alike_in_every_format() {
    let compiled = periods_compiled();
    let inputs = Inputs::new();
    let households = "household_id,accommodation_size,accommodation_size@2019-01,rent\nh1,50,80,700\nh2,40,40,0\n";
    let persons = "person_id,household_id,birth,salary,salary@2019-07,salary@2018-09\n\
                   p1,h1,1980-03-15,1000,3000,250.5\np2,h1,2010-06-01,0,0,0\np3,h2,1950-01-01,500,500,9000\n";
    inputs.write("households.csv", households);
    inputs.write("households.jsonl", to_jsonl(households));
    inputs.write("households.parquet", to_parquet(households));
    let mut expected = None;
    for extension in ["csv", "jsonl", "parquet"] {
        inputs.write(
            &format!("persons.{extension}"),
            match extension {
                "csv" => persons.as_bytes().to_vec(),
                "jsonl" => to_jsonl(persons).into_bytes(),
                _ => to_parquet(persons),
            },
        );
        let out = format!("out_{extension}");
        let options = options(
            &compiled,
            &inputs,
            &format!("households.{extension}"),
            &format!("persons.{extension}"),
            None,
            &out,
        );
        let summary = run_ok(&compiled, &options);
        assert_eq!(summary.households.rejected, 0, "{extension}");
        let files = dir_files(&inputs.path(&out));
        match &expected {
            None => expected = Some(files),
            Some(expected) => assert!(&files == expected, "persons.{extension} gives other outputs"),
        }
    }
    // 2019 as a year's total (14400 = 1200 a month) and as the same amount given per month.
    let yearly = "person_id,household_id,birth,salary,salary@2019\np1,h1,1980-03-15,1000,14400\n\
                  p2,h1,2010-06-01,0,0\np3,h2,1950-01-01,500,0\n";
    let months: Vec<String> = (1..=12).map(|month| format!("salary@2019-{month:02}")).collect();
    let monthly = format!(
        "person_id,household_id,birth,salary,{}\np1,h1,1980-03-15,1000,{}\np2,h1,2010-06-01,0,{}\np3,h2,1950-01-01,500,{}\n",
        months.join(","),
        ["1200"; 12].join(","),
        ["0"; 12].join(","),
        ["0"; 12].join(",")
    );
    let mut outputs = Vec::new();
    for (name, text) in [
        ("yearly.csv", yearly.as_bytes().to_vec()),
        ("yearly.parquet", to_parquet(yearly)),
        ("yearly.jsonl", to_jsonl(yearly).into_bytes()),
        ("monthly.csv", monthly.into_bytes()),
    ] {
        inputs.write(name, text);
        let out = format!("out_{}", name.replace('.', "_"));
        run_ok(&compiled, &options(&compiled, &inputs, "households.csv", name, None, &out));
        outputs.push(dir_files(&inputs.path(&out)));
    }
    assert!(outputs.windows(2).all(|pair| pair[0] == pair[1]), "a year's total is its twelfths");
}

/// JSON lines give a monthly column by its month's key, its year's key and the key for every
/// month, with the precedence of CSV headers (month, then year, then every month), and a year's
/// money total is divided as in CSV; a bad year's total is rejected with the reason CSV gives.
#[test]
fn json_lines_take_a_years_key_as_csv_takes_its_header() {
    let compiled = periods_compiled();
    let inputs = Inputs::new();
    let households = "household_id,accommodation_size,rent\nh1,50,700\nh2,40,0\nh3,30,0\n";
    inputs.write("households.csv", households);
    // p1: month and year and every month; p2: the year's total (not a multiple of 12 fen) and
    // every month; p4: a bad year's total.
    let persons = "person_id,household_id,birth,salary,salary@2019,salary@2019-07\n\
                   p1,h1,1980-03-15,1000,14400,3000\np2,h1,2010-06-01,0,1000.01,\n\
                   p3,h2,1950-01-01,500,,\np4,h3,1960-01-01,0,12.345,\n";
    // The same rows as JSON lines, an empty CSV cell being an absent key.
    let jsonl: String = to_jsonl(persons)
        .lines()
        .map(|line| {
            let mut object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line).unwrap();
            object.retain(|_, value| value.as_str() != Some(""));
            format!("{}\n", serde_json::Value::Object(object))
        })
        .collect();
    inputs.write("persons.jsonl", jsonl);
    // CSV cannot leave a cell out: the rows that lack a key are written as files of their own
    // headers, so each row is read with the same headers as its JSON line; the persons' results
    // are compared (each CSV run has only some of the households' members).
    let csv_rows = [
        "person_id,household_id,birth,salary,salary@2019,salary@2019-07\np1,h1,1980-03-15,1000,14400,3000\n",
        "person_id,household_id,birth,salary,salary@2019\np2,h1,2010-06-01,0,1000.01\n",
        "person_id,household_id,birth,salary\np3,h2,1950-01-01,500\n",
        "person_id,household_id,birth,salary,salary@2019\np4,h3,1960-01-01,0,12.345\n",
    ];
    let mut from_csv = Vec::new();
    let mut from_jsonl = Vec::new();
    for (index, rows) in csv_rows.iter().enumerate() {
        let name = format!("persons_{index}.csv");
        inputs.write(&name, rows);
        let out = format!("out_csv_{index}");
        run_ok(&compiled, &options(&compiled, &inputs, "households.csv", &name, None, &out));
        from_csv.push(dir_files(&inputs.path(&out)));
    }
    run_ok(&compiled, &options(&compiled, &inputs, "households.csv", "persons.jsonl", None, "out_jsonl"));
    let jsonl_files = dir_files(&inputs.path("out_jsonl"));
    for (name, bytes) in &jsonl_files {
        if name != "person_results.csv" {
            continue;
        }
        let text = String::from_utf8_lossy(bytes);
        let mut lines = text.lines();
        let header = lines.next().unwrap_or("");
        for line in lines {
            from_jsonl.push(format!("{name}: {header}: {line}"));
        }
    }
    let mut csv_lines = Vec::new();
    for files in &from_csv {
        for (name, bytes) in files {
            if name != "person_results.csv" {
                continue;
            }
            let text = String::from_utf8_lossy(bytes);
            let mut lines = text.lines();
            let header = lines.next().unwrap_or("");
            csv_lines.extend(lines.map(|line| format!("{name}: {header}: {line}")));
        }
    }
    from_jsonl.sort();
    csv_lines.sort();
    assert_eq!(from_jsonl.len(), 3, "{from_jsonl:?}");
    assert_eq!(from_jsonl, csv_lines, "JSON lines and CSV give the same persons' results row for row");
    let reason = |text: &str| {
        text.lines().skip(1).map(|line| line.rsplit(',').next().unwrap_or("").to_string()).collect::<Vec<_>>()
    };
    let jsonl_rejects = reason(&inputs.read("out_jsonl/rejects.csv"));
    let csv_rejects = reason(&inputs.read("out_csv_3/rejects.csv"));
    assert!(!csv_rejects.is_empty(), "a year's total of three decimals is rejected");
    assert_eq!(jsonl_rejects, csv_rejects, "the same reason in both formats");
}

/// A monthly money column of cases given as a year's total (`amount@2019`) is divided into the
/// month's share, as households' and persons' are: the same results as the month's own value.
#[test]
fn a_case_columns_years_total_is_its_twelfths() {
    let text = "currency EUR\n\
                household {\n  household_id: key\n}\n\
                person {\n  person_id: key\n  household_id: household\n}\n\
                case {\n  case_id: key\n  household_id: household\n  amount: EUR/月 per month = 0\n}\n\
                case paid: EUR/月 = amount\n\
                output case_results for case {\n  case_id\n  paid\n}\n";
    let mut sources = pol_compiler::diagnostic::Sources::default();
    sources.add("policy.pol", text, pol_compiler::diagnostic::SourceKind::Pol);
    let policy = pol_compiler::policy::compile(&sources).unwrap_or_else(|errors| panic!("{errors:?}"));
    let (on_day, counties) = policy.on(as_of()).unwrap_or_else(|errors| panic!("{errors:?}"));
    let compiled = Compiled { sources, program: on_day.program, jurisdictions: on_day.jurisdictions, counties };
    let inputs = Inputs::new();
    inputs.write("households.csv", "household_id\nh1\n");
    inputs.write("persons.csv", "person_id,household_id\np1,h1\n");
    inputs.write("yearly.csv", "case_id,household_id,amount@2019\nc1,h1,1000.01\n");
    inputs.write("monthly.csv", "case_id,household_id,amount\nc1,h1,83.33\n");
    let mut outputs = Vec::new();
    for name in ["yearly.csv", "monthly.csv"] {
        let out = format!("out_{name}");
        run_ok(&compiled, &options(&compiled, &inputs, "households.csv", "persons.csv", Some(name), &out));
        outputs.push(inputs.read(&format!("{out}/case_results.csv")));
    }
    assert_eq!(outputs[0], "case_id,paid\nc1,83.33\n");
    assert_eq!(outputs[0], outputs[1]);
}
