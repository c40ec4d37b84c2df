//! The writer (the calling thread): appends each chunk's output in chunk order, merges the
//! counts and report totals, and at the end writes the sorted tables and the report.

use super::messages::{CaseDecision, ChunkOutput, StageTimes};
use super::options::{RowCounts, Timings};
use super::plan::{Mode, PassContext};
use super::rejects::{RejectsWriter, write_reject};
use crate::error::RuntimeError;
use crate::hash::HashCollector;
use crate::html_report::{
    InputRows, from_summary, render_reconcile_page, render_run_and_reconcile_page, render_run_page,
};
use crate::output::{Staging, TablePlan, TableSink};
use crate::reconcile::summary::{Counts, ReconcileSummary};
use crate::reconcile::{RECONCILE_HEADER, ReconcileTotals};
use crate::report::ReportAcc;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;
/// The writer's side of a pass: files being written and totals being merged.
pub(crate) struct Writer {
    sinks: Vec<TableSink>,
    rejects: RejectsWriter,
    case_decisions: Vec<Option<CaseDecision>>,
    report: Option<ReportAcc>,
    /// `pol reconcile`: the totals and `reconcile.csv` being written.
    reconcile: Option<(ReconcileTotals, BufWriter<File>, PathBuf)>,
    /// `pol reconcile`'s summary, once finished.
    pub reconcile_summary: Option<ReconcileSummary>,
    /// Household rows so far.
    pub households: RowCounts,
    /// Person rows so far.
    pub persons: RowCounts,
    /// Hashes of the person ids (first pass).
    pub person_hashes: HashCollector,
    /// Time per stage so far.
    pub timings: Timings,
}

impl Writer {
    /// Creates the output tables and `rejects.csv` in `staging` (for a side of `pol diff`,
    /// `side` names its rejects' scratch file).
    pub(crate) fn create(
        staging: &mut Staging,
        tables: &[TablePlan],
        context: &PassContext<'_>,
        mode: Mode,
        side: Option<&str>,
    ) -> Result<Writer, RuntimeError> {
        let mut sinks = Vec::with_capacity(tables.len());
        for plan in tables {
            sinks.push(TableSink::create(staging.file(&plan.file_name()), plan)?);
        }
        let rejects = RejectsWriter::create(staging, mode, side)?;
        let reconcile = match context.options.reconcile {
            Some(plan) => {
                let path = staging.file("reconcile.csv");
                let file = File::create(&path).map_err(|error| RuntimeError::write(&path, &error))?;
                let mut file = BufWriter::with_capacity(1 << 20, file);
                file.write_all(RECONCILE_HEADER.as_bytes()).map_err(|error| RuntimeError::write(&path, &error))?;
                Some((plan.totals(), file, path))
            }
            None => None,
        };
        Ok(Writer {
            reconcile,
            reconcile_summary: None,
            sinks,
            rejects,
            case_decisions: vec![None; context.cases.len()],
            report: context.report.map(|plan| ReportAcc::new(plan, context.counties.len())),
            households: RowCounts::default(),
            persons: RowCounts::default(),
            person_hashes: HashCollector::default(),
            timings: Timings::default(),
        })
    }

    /// Appends one chunk's results (chunks arrive in order).
    pub(crate) fn write_chunk(&mut self, output: ChunkOutput, context: &PassContext<'_>) -> Result<(), RuntimeError> {
        let started = Instant::now();
        let ChunkOutput {
            households,
            persons,
            household_rejects,
            person_rejects,
            case_decisions,
            tables,
            report,
            reconcile,
            person_hashes,
            times,
            ..
        } = output;
        add_stage_times(&mut self.timings, times);
        self.households.add(households);
        self.persons.add(persons);
        self.rejects.append(&household_rejects, person_rejects)?;
        for (case, decision) in case_decisions {
            if let Some(slot) = self.case_decisions.get_mut(case as usize)
                && slot.is_none()
            {
                *slot = Some(decision);
            }
        }
        for (sink, part) in self.sinks.iter_mut().zip(tables) {
            sink.append(part)?;
        }
        if let (Some(total), Some(part)) = (self.report.as_mut(), report.as_ref()) {
            total.merge(part);
        }
        if let (Some(plan), Some((totals, file, path)), Some(part)) =
            (context.options.reconcile, self.reconcile.as_mut(), reconcile)
        {
            totals.add(plan, part, context.pool)?;
            file.write_all(&totals.csv).map_err(|error| RuntimeError::write(path, &error))?;
            totals.csv.clear();
        }
        self.person_hashes.extend(&person_hashes);
        self.timings.write += started.elapsed();
        Ok(())
    }

    /// The file the rejects are written into.
    pub(crate) fn rejects_path(&self) -> &std::path::Path {
        self.rejects.path()
    }

    /// Writes the persons' rejects, the cases' rejects, the sorted tables and the report;
    /// returns the case counts.
    pub(crate) fn finish(
        &mut self,
        staging: &mut Staging,
        tables: &[TablePlan],
        context: &PassContext<'_>,
    ) -> Result<RowCounts, RuntimeError> {
        for (sink, plan) in std::mem::take(&mut self.sinks).into_iter().zip(tables) {
            sink.finish(plan)?;
        }
        let households = Counts {
            read: self.households.read,
            accepted: self.households.accepted,
            rejected: self.households.rejected,
        };
        // The run's report and `pol reconcile`'s comparison (which waits for the roster if it
        // is still being read) are made at once, on the pool.
        let reconcile = self.reconcile.take();
        let report = self.report.as_ref();
        let (rendered, compared) = context.pool.install(|| {
            rayon::join(
                || {
                    let (Some(plan), Some(total)) = (context.report, report) else { return Ok(None) };
                    crate::report::render(
                        plan,
                        total,
                        context.program,
                        context.jurisdictions,
                        context.counties,
                        context.options.as_of,
                    )
                    .map(Some)
                },
                || {
                    let (Some(plan), Some((mut totals, mut file, path))) = (context.options.reconcile, reconcile)
                    else {
                        return Ok(None);
                    };
                    let roster = plan.wait_roster()?;
                    totals.settle(plan, roster, context.pool)?;
                    file.write_all(&totals.csv).map_err(|error| RuntimeError::write(&path, &error))?;
                    totals.csv.clear();
                    let rows = plan.unmatched_rows(roster, &mut totals);
                    file.write_all(&rows).map_err(|error| RuntimeError::write(&path, &error))?;
                    file.flush().map_err(|error| RuntimeError::write(&path, &error))?;
                    let summary = ReconcileSummary::new(plan, roster, &totals, households, context.options.as_of);
                    Ok::<_, RuntimeError>(Some((roster, summary)))
                },
            )
        });
        let (rendered, compared) = (rendered?, compared?);
        let mut roster_rejects = Vec::new();
        if let Some((roster, _)) = &compared {
            for reject in &roster.rejects {
                write_reject(
                    &mut roster_rejects,
                    &roster.file_name,
                    reject.line,
                    &reject.household_id,
                    &reject.field,
                    &reject.reason,
                );
            }
        }
        let cases = self.rejects.finish(context.program, context.cases, &self.case_decisions, &roster_rejects)?;
        // report.html: the run's figures, and with a roster the findings on the same page.
        let mut run_page = None;
        if let Some(rendered) = rendered {
            let mut figures = rendered.html;
            figures.policy.clone_from(&context.options.policy_name);
            let mut inputs = vec![("住户", self.households), ("人员", self.persons)];
            if context.options.cases.is_some() {
                inputs.push(("个案", cases));
            }
            figures.inputs = inputs
                .into_iter()
                .map(|(label, counts)| InputRows {
                    label: label.to_string(),
                    read: counts.read,
                    accepted: counts.accepted,
                    rejected: counts.rejected,
                })
                .collect();
            for (name, text) in [("report.md", rendered.markdown), ("report.json", rendered.json)] {
                let path = staging.file(name);
                std::fs::write(&path, text).map_err(|error| RuntimeError::write(&path, &error))?;
            }
            run_page = Some(figures);
        }
        let summary = compared.map(|(_, summary)| summary);
        // The summary's Markdown and JSON and the page are rendered at once, on the pool.
        let policy = context.options.policy_name.as_deref();
        let (texts, html) = context.pool.install(|| {
            rayon::join(
                || summary.as_ref().map(|summary| rayon::join(|| summary.to_markdown(), || summary.to_json())),
                || match (&run_page, &summary) {
                    (Some(run), Some(summary)) => {
                        Some(render_run_and_reconcile_page(run, &from_summary(summary, policy)))
                    }
                    (Some(run), None) => Some(render_run_page(run)),
                    (None, Some(summary)) => Some(render_reconcile_page(&from_summary(summary, policy))),
                    (None, None) => None,
                },
            )
        });
        if let Some((markdown, json)) = texts {
            for (name, text) in [("reconcile_summary.md", markdown), ("reconcile_summary.json", json?)] {
                let path = staging.file(name);
                std::fs::write(&path, text).map_err(|error| RuntimeError::write(&path, &error))?;
            }
        }
        self.reconcile_summary = summary;
        if let Some(html) = html {
            let path = staging.file("report.html");
            std::fs::write(&path, html).map_err(|error| RuntimeError::write(&path, &error))?;
        }
        Ok(cases)
    }
}

fn add_stage_times(timings: &mut Timings, times: StageTimes) {
    timings.parse += times.parse;
    timings.evaluate += times.evaluate;
    timings.format += times.format;
}
