//! `reconcile_summary.json` and `reconcile_summary.md`: one serde structure
//! ([`ReconcileSummary`]), written as JSON as it is and rendered as Markdown (and, by whoever
//! renders HTML, from the same structure).
//!
//! Amounts are strings of yuan with two decimals (`"612.50"`), exact; counts are numbers.

use super::roster::Roster;
use super::{Finding, Reconcile, ReconcileTotals, VisitRow};
use crate::error::RuntimeError;
use crate::format;
use serde::Serialize;
use std::fmt::Write as _;

/// Everything the summary shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReconcileSummary {
    /// The as-of date, `YYYY-MM-DD`.
    pub as_of: String,
    /// The compared month, `YYYY-MM`.
    pub month: String,
    /// The roster's file name.
    pub roster_file: String,
    /// Household rows: read, accepted, rejected.
    pub households: Counts,
    /// Roster rows.
    pub roster: RosterCounts,
    /// The programs in declaration order.
    pub programs: Vec<ProgramName>,
    /// The findings per program for the province (无此户 included).
    pub province: Group,
    /// Per city, in the order of `jurisdictions.csv` (no 无此户: such rows have no county).
    pub cities: Vec<Group>,
    /// Per county, in the order of `jurisdictions.csv`.
    pub counties: Vec<Group>,
    /// Whether the policy declares a visit list (`visit = …`).
    pub visit_list_declared: bool,
    /// The households to visit first: on the visit list, with at least one finding, in input
    /// order.
    pub visit_first: Vec<VisitFirst>,
}

/// Rows read, accepted and rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Read.
    pub read: u64,
    /// Accepted.
    pub accepted: u64,
    /// Rejected (in `rejects.csv`).
    pub rejected: u64,
}

/// The roster's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RosterCounts {
    /// Read.
    pub read: u64,
    /// Accepted.
    pub accepted: u64,
    /// Rejected (in `rejects.csv`).
    pub rejected: u64,
    /// Accepted rows of the compared month.
    pub compared: u64,
    /// Accepted rows of other months (counted, not compared).
    pub other_months: u64,
}

/// A program's id and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgramName {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// A county, a city or the province.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    /// Its code (`province` for the province).
    pub code: String,
    /// Its name (empty when the policy's jurisdictions have no names).
    pub name: String,
    /// Per program, in declaration order.
    pub programs: Vec<ProgramFindings>,
}

/// One program's findings in a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgramFindings {
    /// The program's id.
    pub program: String,
    /// Per finding, in the order 漏保, 错保, 少发, 多发 (and 无此户 for the province).
    pub findings: Vec<FindingTotal>,
}

/// A count of findings and the monthly money at stake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingTotal {
    /// The finding's word.
    pub finding: String,
    /// How many (household, program) pairs (for 无此户: roster rows).
    pub count: u64,
    /// The money at stake per month, yuan.
    pub amount: String,
}

/// A household to visit first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VisitFirst {
    /// Its id.
    pub household_id: String,
    /// Its county code.
    pub county_code: String,
    /// Its county's name.
    pub county_name: String,
    /// Its findings, per program in declaration order.
    pub findings: Vec<HouseholdFinding>,
}

/// One program's finding for a household.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HouseholdFinding {
    /// The program's id.
    pub program: String,
    /// The finding's word.
    pub finding: String,
    /// The computed monthly amount, yuan.
    pub computed: String,
    /// The paid amount, yuan; `None` without a roster row.
    pub paid: Option<String>,
}

impl ReconcileSummary {
    /// The summary of a finished comparison (after [`Reconcile::unmatched_rows`]).
    pub(crate) fn new(
        plan: &Reconcile,
        roster: &Roster,
        totals: &ReconcileTotals,
        households: Counts,
        as_of: pol_compiler::tir::Word,
    ) -> ReconcileSummary {
        let n_programs = plan.programs.len();
        let (read, accepted, rejected) = roster.counts();
        let (compared, other_months) = plan.month_counts(roster);
        let group = |code: String, name: String, members: &[usize], with_no_household: bool| {
            let programs = plan
                .programs
                .iter()
                .enumerate()
                .map(|(program, (id, _, _))| {
                    let mut findings = Vec::with_capacity(Finding::ALL.len());
                    for finding in Finding::ALL {
                        let mut cell = super::Cell::default();
                        if finding == Finding::NoHousehold {
                            if !with_no_household {
                                continue;
                            }
                            cell = totals.no_household.get(program).copied().unwrap_or_default();
                        }
                        for county in members {
                            cell.merge(totals.cell(n_programs, *county, program, finding));
                        }
                        findings.push(FindingTotal {
                            finding: finding.word().to_string(),
                            count: cell.count,
                            amount: format::money_to_string(cell.amount),
                        });
                    }
                    ProgramFindings { program: id.clone(), findings }
                })
                .collect();
            Group { code, name, programs }
        };
        let all: Vec<usize> = (0..plan.counties.len()).collect();
        let mut cities: Vec<(String, String, Vec<usize>)> = Vec::new();
        for (index, county) in plan.counties.iter().enumerate() {
            match cities.iter_mut().find(|(code, _, _)| *code == county.city) {
                Some((_, _, members)) => members.push(index),
                None => cities.push((county.city.clone(), county.city_name.clone(), vec![index])),
            }
        }
        ReconcileSummary {
            as_of: pol_compiler::date::format_iso(as_of),
            month: plan.month_text(),
            roster_file: roster.file_name.clone(),
            households,
            roster: RosterCounts { read, accepted, rejected, compared, other_months },
            programs: plan
                .programs
                .iter()
                .map(|(id, name, _)| ProgramName { id: id.clone(), name: name.clone() })
                .collect(),
            province: group("province".to_string(), String::new(), &all, true),
            cities: cities
                .iter()
                .map(|(code, name, members)| group(code.clone(), name.clone(), members, false))
                .collect(),
            counties: plan
                .counties
                .iter()
                .enumerate()
                .map(|(index, county)| group(county.code.clone(), county.name.clone(), &[index], false))
                .collect(),
            visit_list_declared: plan.visit.is_some(),
            visit_first: totals.visits.iter().map(|row| visit_first(plan, row)).collect(),
        }
    }

    /// The summary as pretty-printed JSON with a final newline.
    pub fn to_json(&self) -> Result<String, RuntimeError> {
        let mut text = serde_json::to_string_pretty(self).map_err(|error| RuntimeError::internal(error.to_string()))?;
        text.push('\n');
        Ok(text)
    }

    /// The summary as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "# Reconciliation of `{}` for {}\n", self.roster_file, self.month);
        let _ = writeln!(
            md,
            "As of {}. Households: {} read, {} accepted, {} rejected. Roster rows: {} read, {} accepted, {} rejected; \
             {} of {} compared, {} of other months not compared.\n",
            self.as_of,
            self.households.read,
            self.households.accepted,
            self.households.rejected,
            self.roster.read,
            self.roster.accepted,
            self.roster.rejected,
            self.roster.compared,
            self.month,
            self.roster.other_months,
        );
        md.push_str(
            "Each finding is counted per household and program (无此户: per roster row); its amount is the monthly \
             money at stake in yuan: the computed amount for 漏保, the paid amount for 错保 and 无此户, the difference \
             for 少发 and 多发.\n\n",
        );
        md.push_str("## Province\n\n");
        self.findings_table(&mut md, std::slice::from_ref(&self.province), false);
        md.push_str("## By city\n\nPrograms without any finding in a city are left out.\n\n");
        self.findings_table(&mut md, &self.cities, true);
        md.push_str("## By county\n\nPrograms without any finding in a county are left out.\n\n");
        self.findings_table(&mut md, &self.counties, true);
        md.push_str("## Households to visit first\n\n");
        if !self.visit_list_declared {
            md.push_str("The policy declares no visit list (`visit = …`).\n");
            return md;
        }
        let _ = writeln!(
            md,
            "Households on the quarterly visit list with at least one finding, in input order: {}.\n",
            self.visit_first.len()
        );
        if self.visit_first.is_empty() {
            return md;
        }
        let header = ["household_id", "county", "name", "findings"].map(String::from);
        let rows: Vec<Vec<String>> = self
            .visit_first
            .iter()
            .map(|row| {
                let findings: Vec<String> = row
                    .findings
                    .iter()
                    .map(|finding| {
                        format!(
                            "{} {} (computed {}, paid {})",
                            finding.program,
                            finding.finding,
                            finding.computed,
                            finding.paid.as_deref().unwrap_or("none")
                        )
                    })
                    .collect();
                vec![row.household_id.clone(), row.county_code.clone(), row.county_name.clone(), findings.join("; ")]
            })
            .collect();
        table(&mut md, &header, &rows);
        md
    }

    /// One table: a row per group and program, a count and an amount column per finding.
    fn findings_table(&self, md: &mut String, groups: &[Group], with_code: bool) {
        let mut header: Vec<String> = Vec::new();
        if with_code {
            header.extend(["code".to_string(), "name".to_string()]);
        }
        header.extend(["program".to_string(), "name".to_string()]);
        let words: Vec<&str> = groups
            .first()
            .and_then(|group| group.programs.first())
            .map(|program| program.findings.iter().map(|finding| finding.finding.as_str()).collect())
            .unwrap_or_default();
        for word in &words {
            header.push((*word).to_string());
            header.push(format!("{word} amount"));
        }
        let mut rows = Vec::new();
        for group in groups {
            for (program, names) in group.programs.iter().zip(&self.programs) {
                // Below the province, a program without findings is left out.
                if with_code && program.findings.iter().all(|finding| finding.count == 0) {
                    continue;
                }
                let mut row = Vec::new();
                if with_code {
                    row.extend([group.code.clone(), group.name.clone()]);
                }
                row.extend([format!("`{}`", program.program), names.name.clone()]);
                for finding in &program.findings {
                    row.push(finding.count.to_string());
                    row.push(finding.amount.clone());
                }
                rows.push(row);
            }
        }
        if rows.is_empty() {
            md.push_str("No findings.\n\n");
            return;
        }
        table(md, &header, &rows);
    }
}

fn visit_first(plan: &Reconcile, row: &VisitRow) -> VisitFirst {
    let county = plan.counties.get(row.county).cloned().unwrap_or_default();
    VisitFirst {
        household_id: row.household_id.clone(),
        county_code: county.code,
        county_name: county.name,
        findings: row
            .findings
            .iter()
            .map(|finding| HouseholdFinding {
                program: plan.programs.get(finding.program as usize).map_or_else(String::new, |(id, _, _)| id.clone()),
                finding: finding.finding.word().to_string(),
                computed: format::money_to_string(i128::from(finding.computed)),
                paid: finding.paid.map(|paid| format::money_to_string(i128::from(paid))),
            })
            .collect(),
    }
}

/// Appends a Markdown table (cells escaped for `|`).
fn table(md: &mut String, header: &[String], rows: &[Vec<String>]) {
    let cell = |text: &str| text.replace('|', "\\|").replace('\n', " ");
    let line =
        |cells: &[String]| format!("| {} |", cells.iter().map(|text| cell(text)).collect::<Vec<_>>().join(" | "));
    let _ = writeln!(md, "{}", line(header));
    let _ = writeln!(md, "|{}", "---|".repeat(header.len()));
    for row in rows {
        let _ = writeln!(md, "{}", line(row));
    }
    md.push('\n');
}
