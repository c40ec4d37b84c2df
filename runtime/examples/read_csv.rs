//! The raw CSV read time `BENCHMARKS.md` compares `pol run` with: every record of the given
//! files split into fields by the `csv` crate (one thread, no typing, nothing written).
//!
//! ```text
//! cargo run --release -p pol-runtime --example read_csv -- households.csv persons.csv cases.csv
//! ```

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let (mut records, mut fields, mut bytes) = (0_u64, 0_u64, 0_u64);
    for path in std::env::args().skip(1) {
        let file_started = Instant::now();
        let mut reader = csv::ReaderBuilder::new().buffer_capacity(1 << 20).from_path(&path)?;
        let mut record = csv::ByteRecord::new();
        let (mut file_records, mut file_fields) = (0_u64, 0_u64);
        while reader.read_byte_record(&mut record)? {
            file_records += 1;
            file_fields += record.len() as u64;
        }
        bytes += reader.position().byte();
        println!(
            "{path}: {file_records} records, {file_fields} fields in {:.3} s",
            file_started.elapsed().as_secs_f64()
        );
        records += file_records;
        fields += file_fields;
    }
    println!("{records} records, {fields} fields, {bytes} bytes in {:.3} s", started.elapsed().as_secs_f64());
    Ok(())
}
