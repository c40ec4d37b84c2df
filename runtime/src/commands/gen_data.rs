//! `pol gen DIR --households N`: seeded synthetic households, persons and cases over the
//! policy's counties, as CSV files in the spec's formats.

use super::Status;
use crate::synth::{SynthConfig, county_codes_from_csv, generate};
use std::fs::File;
use std::io::Write;
use std::path::Path;

/// Writes `households.csv`, `persons.csv` and `cases.csv` into `out_dir`.
pub fn gen_data(
    policy: &Path,
    households: u64,
    seed: u64,
    bad_rate: f64,
    out_dir: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Status {
    let result = (|| -> std::io::Result<crate::synth::SynthCounts> {
        let jurisdictions = std::fs::read_to_string(policy.join("jurisdictions.csv"))?;
        let codes = county_codes_from_csv(&jurisdictions);
        std::fs::create_dir_all(out_dir)?;
        let config = SynthConfig { households, seed, bad_row_rate: bad_rate, ..SynthConfig::default() };
        generate(
            &config,
            &codes,
            File::create(out_dir.join("households.csv"))?,
            File::create(out_dir.join("persons.csv"))?,
            File::create(out_dir.join("cases.csv"))?,
        )
    })();
    match result {
        Ok(counts) => {
            let _ = writeln!(
                out,
                "wrote {} households, {} persons, {} cases to {}",
                counts.households,
                counts.persons,
                counts.cases,
                out_dir.display()
            );
            Status::Success
        }
        Err(error) => {
            let _ = writeln!(err, "error: could not generate data into {}: {error}", out_dir.display());
            Status::Error
        }
    }
}
