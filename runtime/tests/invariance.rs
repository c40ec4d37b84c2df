//! The output does not depend on how the run is scheduled: thread count, chunk size, grouped or
//! ungrouped persons, input format.

use crate::support::*;
use std::collections::BTreeMap;

/// Shaanxi synthetic data with bad rows, the compiled policy, and a baseline run.
struct Fixture {
    compiled: Compiled,
    inputs: Inputs,
}

fn fixture(households: u64, bad_row_rate: f64) -> Fixture {
    let compiled = crate::shaanxi::shaanxi();
    let inputs = Inputs::new();
    crate::shaanxi::synthesize(&inputs, households, bad_row_rate, 11);
    Fixture { compiled, inputs }
}

fn run_into(
    fixture: &Fixture,
    households: &str,
    persons: &str,
    cases: &str,
    out: &str,
    threads: usize,
    chunk: usize,
) -> pol_runtime::RunSummary {
    let mut options = options(&fixture.compiled, &fixture.inputs, households, persons, Some(cases), out);
    options.threads = Some(threads);
    options.chunk_households = chunk;
    run_ok(&fixture.compiled, &options)
}

#[test]
fn thread_count_and_chunk_size_do_not_change_a_byte() {
    let fixture = fixture(1_500, 0.06);
    let baseline = run_into(&fixture, "households.csv", "persons.csv", "cases.csv", "out-1", 1, 16_384);
    let expected = dir_files(&fixture.inputs.path("out-1"));
    assert!(baseline.households.rejected > 0 && baseline.passes == 2, "the fixture has bad rows and duplicates");
    for (threads, chunk) in [(2, 16_384), (4, 16_384), (2, 100), (4, 7), (2, 1), (3, 333)] {
        let out = format!("out-{threads}-{chunk}");
        let summary = run_into(&fixture, "households.csv", "persons.csv", "cases.csv", &out, threads, chunk);
        assert_eq!(summary.households, baseline.households);
        assert_eq!(summary.persons, baseline.persons);
        assert_eq!(summary.cases, baseline.cases);
        let files = dir_files(&fixture.inputs.path(&out));
        assert_eq!(files.len(), expected.len());
        for ((name, bytes), (expected_name, expected_bytes)) in files.iter().zip(&expected) {
            assert_eq!(name, expected_name);
            assert!(bytes == expected_bytes, "{name} differs with {threads} threads and chunks of {chunk}");
        }
    }
}

/// The persons file with its rows in another order (a fixed permutation), and the map from new
/// line to old line.
fn shuffle_persons(fixture: &Fixture, name: &str) -> BTreeMap<u64, u64> {
    let text = fixture.inputs.read("persons.csv");
    let mut lines: Vec<(u64, &str)> = text.lines().enumerate().map(|(index, line)| (index as u64 + 1, line)).collect();
    let header = lines.remove(0);
    // Reverse blocks of 97 rows, then interleave halves: persons end up far from their household.
    let mut shuffled: Vec<(u64, &str)> = lines.chunks(97).rev().flat_map(|block| block.iter().copied()).collect();
    let half = shuffled.split_off(shuffled.len() / 2);
    let mut mixed = Vec::with_capacity(lines.len());
    let (mut a, mut b) = (shuffled.into_iter(), half.into_iter());
    loop {
        match (a.next(), b.next()) {
            (None, None) => break,
            (x, y) => mixed.extend(x.into_iter().chain(y)),
        }
    }
    let mut out = format!("{}\n", header.1);
    let mut map = BTreeMap::new();
    for (new_index, (old_line, line)) in mixed.iter().enumerate() {
        out.push_str(line);
        out.push('\n');
        map.insert(new_index as u64 + 2, *old_line);
    }
    fixture.inputs.write(name, out);
    map
}

/// `rejects.csv` rows with person lines mapped back through `map`, sorted.
fn normalized_rejects(text: &str, map: &BTreeMap<u64, u64>) -> Vec<String> {
    let mut rows: Vec<String> = text
        .lines()
        .skip(1)
        .map(|line| {
            let mut parts = line.splitn(3, ',');
            let (file, number, rest) =
                (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let number: u64 = number.parse().unwrap_or(0);
            let number = if file == "persons_shuffled.csv" { map.get(&number).copied().unwrap_or(0) } else { number };
            format!(
                "{},{number},{}",
                file.replace("persons_shuffled.csv", "persons.csv"),
                crate::formats::strip_lines(rest)
            )
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn ungrouped_persons_give_the_same_results() {
    let fixture = fixture(1_200, 0.06);
    let grouped = run_into(&fixture, "households.csv", "persons.csv", "cases.csv", "grouped", 2, 100);
    let map = shuffle_persons(&fixture, "persons_shuffled.csv");
    let ungrouped = run_into(&fixture, "households.csv", "persons_shuffled.csv", "cases.csv", "ungrouped", 2, 100);
    assert!(grouped.persons_grouped);
    assert!(!ungrouped.persons_grouped);
    assert_eq!(grouped.households, ungrouped.households);
    assert_eq!(grouped.persons, ungrouped.persons);
    assert_eq!(grouped.cases, ungrouped.cases);
    for name in
        ["household_results.csv", "case_results.csv", "publication.csv", "report.md", "report.json", "report.html"]
    {
        assert!(
            fixture.inputs.read(&format!("grouped/{name}")) == fixture.inputs.read(&format!("ungrouped/{name}")),
            "{name} differs"
        );
    }
    let identity: BTreeMap<u64, u64> = BTreeMap::new();
    let (ours, theirs) = (
        normalized_rejects(&fixture.inputs.read("ungrouped/rejects.csv"), &map),
        normalized_rejects(&fixture.inputs.read("grouped/rejects.csv"), &identity),
    );
    let differing: Vec<(&String, &String)> = ours.iter().zip(&theirs).filter(|(a, b)| a != b).take(5).collect();
    assert!(ours == theirs, "{} vs {} rows, first differences {differing:?}", ours.len(), theirs.len());
    // Person rejects stay in line order.
    let lines: Vec<u64> = fixture
        .inputs
        .read("ungrouped/rejects.csv")
        .lines()
        .filter(|line| line.starts_with("persons_shuffled.csv,"))
        .filter_map(|line| line.split(',').nth(1)?.parse().ok())
        .collect();
    assert!(lines.windows(2).all(|pair| pair[0] < pair[1]));
}

#[test]
fn person_tables_keep_file_order_when_ungrouped() {
    let compiled = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let inputs = Inputs::new();
    inputs.write("households.csv", crate::outputs::HOUSEHOLDS);
    let persons: Vec<&str> = crate::outputs::PERSONS.lines().collect();
    // Header, then the persons of H3, H1, H4, H2 interleaved.
    let order = [0, 5, 1, 6, 4, 2, 3];
    let shuffled: String = order.iter().map(|index| format!("{}\n", persons[*index])).collect();
    inputs.write("persons.csv", &shuffled);
    inputs.write("cases.csv", crate::outputs::CASES);
    let mut options = options(&compiled, &inputs, "households.csv", "persons.csv", Some("cases.csv"), "out");
    options.chunk_households = 1;
    let summary = run_ok(&compiled, &options);
    assert!(!summary.persons_grouped);
    let people = inputs.read("out/people.csv");
    let ids: Vec<&str> = people.lines().skip(1).map(|line| line.split(',').next().unwrap_or("")).collect();
    assert_eq!(ids, ["P5", "P1", "P6", "P4", "P2", "P3"]);
}

/// A small deterministic random generator for the test data.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % bound.max(1)
    }
}

/// Households and persons with orphans, duplicated ids, missing heads and persons slightly or
/// badly out of order.
fn random_files(seed: u64) -> (String, String) {
    let mut rng = Lcg(seed);
    let n = 3 + rng.next(30);
    let mut households = String::from("household_id,county_code,village,income,flag,months,kind\n");
    let mut persons: Vec<String> = Vec::new();
    let mut person = 0;
    for index in 0..n {
        let id = if rng.next(20) == 0 { format!("H{}", index.saturating_sub(1)) } else { format!("H{index}") };
        let income =
            if rng.next(25) == 0 { "bad".to_string() } else { format!("{}.{:02}", rng.next(3000), rng.next(100)) };
        households.push_str(&format!("{id},610102,村,{income},false,0,plain\n"));
        for member in 0..rng.next(4) {
            person += 1;
            let pid = if rng.next(40) == 0 { format!("P{}", person.max(2) - 1) } else { format!("P{person}") };
            let head = if member == 0 { "true" } else { "false" };
            let owner = if rng.next(30) == 0 { format!("X{index}") } else { id.clone() };
            persons.push(format!("{pid},{owner},名{person},{head},1980-01-0{},0,0\n", 1 + rng.next(9)));
        }
    }
    // Perturb the order: swap a few neighbours, and sometimes move a person far away.
    for _ in 0..rng.next(4) {
        let at = rng.next(persons.len() as u64) as usize;
        if at + 1 < persons.len() {
            persons.swap(at, at + 1);
        }
    }
    if rng.next(3) == 0 && persons.len() > 2 {
        let moved = persons.remove(0);
        persons.push(moved);
    }
    let persons = format!("person_id,household_id,name,is_head,birth_date,grade,share\n{}", persons.concat());
    (households, persons)
}

#[test]
fn random_orders_orphans_and_duplicates_give_the_same_bytes_whatever_the_chunks() {
    let compiled = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    for seed in 0..40 {
        let inputs = Inputs::new();
        let (households, persons) = random_files(seed);
        inputs.write("households.csv", &households);
        inputs.write("persons.csv", &persons);
        let mut baseline = options(&compiled, &inputs, "households.csv", "persons.csv", None, "whole");
        baseline.threads = Some(1);
        baseline.chunk_households = 1_000;
        let whole = run_ok(&compiled, &baseline);
        let expected = dir_files(&inputs.path("whole"));
        for (threads, chunk) in [(1, 1), (2, 2), (2, 3), (3, 7)] {
            let out = format!("out-{threads}-{chunk}");
            let mut options = options(&compiled, &inputs, "households.csv", "persons.csv", None, &out);
            options.threads = Some(threads);
            options.chunk_households = chunk;
            let summary = run_ok(&compiled, &options);
            assert_eq!((summary.households, summary.persons), (whole.households, whole.persons), "seed {seed}");
            let files = dir_files(&inputs.path(&out));
            for ((name, bytes), (_, want)) in files.iter().zip(&expected) {
                assert!(
                    bytes == want,
                    "seed {seed}, {threads} threads, chunks of {chunk}: {name} differs\n{}\nvs\n{}\n{households}\n{persons}",
                    String::from_utf8_lossy(bytes),
                    String::from_utf8_lossy(want)
                );
            }
        }
    }
}
