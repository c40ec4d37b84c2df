//! `pol`: check, test, format, explain and run social-assistance policies.
//!
//! This binary only parses arguments and dispatches: each subcommand is one call into
//! `pol_runtime::commands`.

use clap::{Parser, Subcommand, ValueEnum};
use pol_compiler::i18n::Lang;
use pol_runtime::commands::{self, EngineChoice, ErrorFormat, Status};
use std::path::PathBuf;
use std::process::ExitCode;

/// The evaluation date used when none is given (the Shaanxi plan's reference date).
const DEFAULT_AS_OF: &str = "2019-07-01";

#[derive(Debug, Parser)]
#[command(name = "pol", version, about = "The pol policy language: check, test, format, explain and run policies")]
struct Cli {
    /// How diagnostics are printed.
    #[arg(long, value_enum, global = true, default_value = "human")]
    error_format: ErrorFormatArg,
    /// The language of diagnostics and messages (default: from LC_ALL, LC_MESSAGES or LANG;
    /// a value starting with `zh` is Chinese, anything else English).
    #[arg(long, value_enum, global = true)]
    lang: Option<LangArg>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse and type-check a policy directory and validate its local parameter files.
    Check {
        /// The policy directory (its .pol files, jurisdictions.csv and params/), or a reform.
        policy: PathBuf,
        /// A parameter-only scenario (TOML) to check over the policy's values.
        #[arg(long)]
        scenario: Option<PathBuf>,
    },
    /// Run the policy's tests on the interpreter and the JIT.
    Test {
        /// The policy directory.
        policy: PathBuf,
        /// Run only tests whose name contains this text.
        #[arg(long)]
        filter: Option<String>,
        /// Which engines run the tests.
        #[arg(long, value_enum, default_value = "both")]
        engine: EngineArg,
        /// The as-of date for tests that do not give one.
        #[arg(long, default_value = DEFAULT_AS_OF, value_parser = parse_date)]
        as_of: i64,
        /// A parameter-only scenario (TOML) layered over the policy's values.
        #[arg(long)]
        scenario: Option<PathBuf>,
    },
    /// Rewrite .pol files in the canonical layout (comments kept).
    Fmt {
        /// Files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Only report files that would change; exit 1 if any.
        #[arg(long)]
        check: bool,
    },
    /// Show how one household's amounts are computed, rule by rule.
    Explain {
        /// The policy directory.
        policy: PathBuf,
        /// Explain this test's household.
        #[arg(long, conflicts_with = "household")]
        test: Option<String>,
        /// Explain this household of the data files.
        #[arg(long, requires = "households", requires = "persons")]
        household: Option<String>,
        /// Households file (CSV, JSON lines or Parquet).
        #[arg(long)]
        households: Option<PathBuf>,
        /// Persons file.
        #[arg(long)]
        persons: Option<PathBuf>,
        /// Cases file.
        #[arg(long)]
        cases: Option<PathBuf>,
        /// The evaluation date.
        #[arg(long, default_value = DEFAULT_AS_OF, value_parser = parse_date)]
        as_of: i64,
        /// A parameter-only scenario (TOML) layered over the policy's values.
        #[arg(long)]
        scenario: Option<PathBuf>,
    },
    /// Evaluate the policy over households and persons files and write the outputs.
    Run(RunArgs),
    /// Run the policy and compare each household's programs with what a roster says was paid
    /// in the as-of month: reconcile.csv (漏保, 错保, 少发, 多发, 无此户) and a summary.
    Reconcile {
        #[command(flatten)]
        run: RunArgs,
        /// The roster: household_id,program,month,amount (.csv, .jsonl or .parquet).
        #[arg(long)]
        roster: PathBuf,
    },
    /// Compare two policies (or one policy at two dates) over the same households, in one pass:
    /// changes.csv, rejects.csv, summary.md and summary.json.
    Diff(DiffArgs),
    /// Write seeded synthetic households, persons and cases (CSV) drawn from the policy's
    /// declarations, every household accepted by its `require` lines.
    Gen {
        /// The policy directory.
        policy: PathBuf,
        /// How many households.
        #[arg(long, default_value_t = 1000)]
        households: u64,
        /// Random seed: the same seed gives the same files.
        #[arg(long, default_value_t = 2019)]
        seed: u64,
        /// Share of households given one deliberately malformed cell (`pol run` rejects them).
        #[arg(long, default_value_t = 0.0)]
        bad_rate: f64,
        /// The evaluation date: parameters in force on that day, dates up to that day.
        #[arg(long, default_value = DEFAULT_AS_OF, value_parser = parse_date)]
        as_of: i64,
        /// Output directory.
        #[arg(long, default_value = "data")]
        out: PathBuf,
    },
    /// Write the policy as a static web site: rules, parameters, jurisdictions and tests.
    Doc {
        /// The policy directory.
        policy: PathBuf,
        /// The directory the site is written to.
        #[arg(long)]
        out: PathBuf,
        /// The day for which parameter values in force are shown and tests without `as_of` run.
        #[arg(long, default_value = DEFAULT_AS_OF, value_parser = parse_date)]
        as_of: i64,
        /// The site's title (default: the directory's name and 政策文档).
        #[arg(long)]
        title: Option<String>,
    },
    /// Serve a policy directory to an editor: a language server over stdin and stdout.
    Lsp {
        /// The policy directory (default: the folder the editor opens).
        policy: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// The policy directory.
    policy: PathBuf,
    /// Households file (.csv, .jsonl or .parquet).
    #[arg(long)]
    households: PathBuf,
    /// Persons file (not needed when a Parquet households file holds them in a `persons` list column).
    #[arg(long)]
    persons: Option<PathBuf>,
    /// Temporary-assistance cases file.
    #[arg(long)]
    cases: Option<PathBuf>,
    /// The evaluation date: parameters in force on that day, ages on that day.
    #[arg(long, default_value = DEFAULT_AS_OF, value_parser = parse_date)]
    as_of: i64,
    /// Output directory.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Which engine evaluates.
    #[arg(long, value_enum, default_value = "jit")]
    engine: RunEngineArg,
    /// A parameter-only scenario (TOML) layered over the policy's values.
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Print the time spent reading, evaluating and writing.
    #[arg(long)]
    timings: bool,
    /// Format of the output tables.
    #[arg(long, value_enum, default_value = "csv")]
    output_format: OutputFormatArg,
}

#[derive(Debug, clap::Args)]
struct DiffArgs {
    /// The base policy directory.
    base: PathBuf,
    /// The reform: a policy or reform directory (default: BASE, compared with itself at
    /// --base-as-of, or with --scenario).
    reform: Option<PathBuf>,
    /// A parameter-only scenario (TOML) layered over the reform side.
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// Households file (.csv, .jsonl or .parquet).
    #[arg(long)]
    households: PathBuf,
    /// Persons file.
    #[arg(long)]
    persons: PathBuf,
    /// Temporary-assistance cases file.
    #[arg(long)]
    cases: Option<PathBuf>,
    /// The reform side's evaluation date.
    #[arg(long, default_value = DEFAULT_AS_OF, value_parser = parse_date)]
    as_of: i64,
    /// The base side's evaluation date (default: --as-of).
    #[arg(long, value_parser = parse_date)]
    base_as_of: Option<i64>,
    /// Output directory.
    #[arg(long, default_value = "diff")]
    out: PathBuf,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Which engine evaluates both sides.
    #[arg(long, value_enum, default_value = "jit")]
    engine: RunEngineArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ErrorFormatArg {
    Human,
    Plain,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LangArg {
    Zh,
    En,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum EngineArg {
    Jit,
    Interp,
    Both,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RunEngineArg {
    Jit,
    Interp,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OutputFormatArg {
    Csv,
    Jsonl,
    Parquet,
}

fn parse_date(text: &str) -> Result<i64, String> {
    pol_compiler::date::parse_iso(text).ok_or_else(|| format!("`{text}` is not a date written YYYY-MM-DD"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let lang = match cli.lang {
        Some(LangArg::Zh) => Lang::Zh,
        Some(LangArg::En) => Lang::En,
        None => {
            let var = |name| std::env::var(name).ok();
            Lang::from_env(var("LC_ALL").as_deref(), var("LC_MESSAGES").as_deref(), var("LANG").as_deref())
        }
    };
    commands::render::set_lang(lang);
    let format = match cli.error_format {
        ErrorFormatArg::Human => ErrorFormat::Human,
        ErrorFormatArg::Plain => ErrorFormat::Plain,
        ErrorFormatArg::Json => ErrorFormat::Json,
    };
    let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr().lock());
    let status: Status = match cli.command {
        Command::Check { policy, scenario } => {
            commands::check::check_scenario(&policy, scenario.as_deref(), format, &mut out, &mut err)
        }
        Command::Test { policy, filter, engine, as_of, scenario } => {
            let engine = match engine {
                EngineArg::Jit => EngineChoice::Jit,
                EngineArg::Interp => EngineChoice::Interp,
                EngineArg::Both => EngineChoice::Both,
            };
            let options = commands::test::TestOptions { filter, engine, default_as_of: as_of, scenario };
            commands::test::test(&policy, &options, format, &mut out, &mut err)
        }
        Command::Fmt { paths, check } => commands::fmt::fmt(&paths, check, format, &mut out, &mut err),
        Command::Explain { policy, test, household, households, persons, cases, as_of, scenario } => {
            let target = match (test, household, households, persons) {
                (Some(test), _, _, _) => commands::explain::Target::Test(test),
                (None, Some(id), Some(households), Some(persons)) => {
                    commands::explain::Target::Household { id, households, persons, cases }
                }
                _ => {
                    eprintln!("error: give --test NAME, or --household ID with --households and --persons");
                    return ExitCode::from(2);
                }
            };
            commands::explain::explain(&policy, scenario.as_deref(), &target, as_of, format, &mut out, &mut err)
        }
        Command::Run(args) => commands::run::run(&run_command(args), format, &mut out, &mut err),
        Command::Reconcile { run, roster } => {
            let command = commands::reconcile::ReconcileCommand { run: run_command(run), roster };
            commands::reconcile::reconcile(&command, format, &mut out, &mut err)
        }
        Command::Diff(args) => {
            let engine = match args.engine {
                RunEngineArg::Jit => EngineChoice::Jit,
                RunEngineArg::Interp => EngineChoice::Interp,
            };
            let command = commands::diff::DiffCommand {
                base: args.base,
                reform: args.reform,
                scenario: args.scenario,
                households: args.households,
                persons: args.persons,
                cases: args.cases,
                as_of: args.as_of,
                base_as_of: args.base_as_of,
                out: args.out,
                engine,
                threads: args.threads,
            };
            commands::diff::diff(&command, format, &mut err)
        }
        Command::Gen { policy, households, seed, bad_rate, as_of, out: dir } => {
            let command = commands::gen_data::GenCommand { policy, households, seed, bad_rate, as_of, out: dir };
            commands::gen_data::gen_data(&command, format, &mut out, &mut err)
        }
        Command::Doc { policy, out: dir, as_of, title } => {
            commands::doc::doc(&policy, &dir, as_of, title.as_deref(), format, &mut out, &mut err)
        }
        Command::Lsp { policy } => {
            drop(out);
            pol_runtime::lsp::serve(policy.as_deref(), &mut err)
        }
    };
    ExitCode::from(status.code())
}

/// What `pol run` (and `pol reconcile`) are given.
fn run_command(args: RunArgs) -> commands::run::RunCommand {
    let engine = match args.engine {
        RunEngineArg::Jit => EngineChoice::Jit,
        RunEngineArg::Interp => EngineChoice::Interp,
    };
    let output_format = match args.output_format {
        OutputFormatArg::Csv => commands::run::OutputFormat::Csv,
        OutputFormatArg::Jsonl => commands::run::OutputFormat::Jsonl,
        OutputFormatArg::Parquet => commands::run::OutputFormat::Parquet,
    };
    commands::run::RunCommand {
        policy: args.policy,
        households: args.households,
        persons: args.persons,
        cases: args.cases,
        as_of: args.as_of,
        out: args.out,
        engine,
        threads: args.threads,
        timings: args.timings,
        output_format,
        scenario: args.scenario,
    }
}
