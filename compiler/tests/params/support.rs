//! Test support: policies compiled by the real pipeline ([`policy::compile`]) from the files of
//! the repository or from small texts, with local parameter files as sources, and rendering of
//! diagnostics for snapshots.
//!
//! [`shaanxi`] is `policies/shaanxi` itself (its `.pol` files and `jurisdictions.csv`), and
//! [`GOOD_FILES`] its `params/*.toml`, read at compile time, so that these tests follow the
//! policy instead of a copy of it. [`World::new`] compiles a small `.pol` text beside a schema
//! file declaring the jurisdictions of [`JURISDICTIONS_CSV`].

use pol_compiler::diagnostic::{Diagnostic, SourceKind, Sources, render_plain};
use pol_compiler::jurisdictions::JurisdictionTable;
use pol_compiler::params::ParamSet;
use pol_compiler::policy;
use pol_compiler::tir::{ParamId, Program, RATIO_SCALE, Word};

/// A compiled policy and its sources.
pub struct World {
    /// The policy's `.pol` files and `jurisdictions.csv`, then the parameter files of the last
    /// [`World::load`].
    pub sources: Sources,
    /// The policy's sources alone.
    policy_sources: Sources,
    pub program: Program,
    pub jurisdictions: JurisdictionTable,
}

/// The `.pol` files of `policies/shaanxi/2019`, as `pol` loads them.
pub const SHAANXI_POL: &[(&str, &str)] = &[
    ("2019/00_schema.pol", include_str!("../../../policies/shaanxi/2019/00_schema.pol")),
    ("2019/10_params.pol", include_str!("../../../policies/shaanxi/2019/10_params.pol")),
    ("2019/20_dibao.pol", include_str!("../../../policies/shaanxi/2019/20_dibao.pol")),
    ("2019/30_tekun.pol", include_str!("../../../policies/shaanxi/2019/30_tekun.pol")),
    ("2019/40_disability.pol", include_str!("../../../policies/shaanxi/2019/40_disability.pol")),
    ("2019/50_high_age.pol", include_str!("../../../policies/shaanxi/2019/50_high_age.pol")),
    ("2019/60_orphans.pol", include_str!("../../../policies/shaanxi/2019/60_orphans.pol")),
    ("2019/70_temporary.pol", include_str!("../../../policies/shaanxi/2019/70_temporary.pol")),
    ("2019/80_funding_visits.pol", include_str!("../../../policies/shaanxi/2019/80_funding_visits.pol")),
    ("2019/90_publication.pol", include_str!("../../../policies/shaanxi/2019/90_publication.pol")),
    ("2019/95_outputs.pol", include_str!("../../../policies/shaanxi/2019/95_outputs.pol")),
];

/// `policies/shaanxi/2019/10_params.pol`, where the province's values are.
pub const SHAANXI_PARAMS_POL: &str = include_str!("../../../policies/shaanxi/2019/10_params.pol");

/// `policies/shaanxi/jurisdictions.csv`.
pub const SHAANXI_JURISDICTIONS: &str = include_str!("../../../policies/shaanxi/jurisdictions.csv");

/// The policy's local files (`policies/shaanxi/params/`), one per city and per county that sets
/// its own values.
pub const GOOD_FILES: &[(&str, &str)] = &[
    ("params/610100_xian.toml", include_str!("../../../policies/shaanxi/params/610100_xian.toml")),
    ("params/610200_tongchuan.toml", include_str!("../../../policies/shaanxi/params/610200_tongchuan.toml")),
    ("params/610300_baoji.toml", include_str!("../../../policies/shaanxi/params/610300_baoji.toml")),
    ("params/610400_xianyang.toml", include_str!("../../../policies/shaanxi/params/610400_xianyang.toml")),
    ("params/610500_weinan.toml", include_str!("../../../policies/shaanxi/params/610500_weinan.toml")),
    ("params/610600_yanan.toml", include_str!("../../../policies/shaanxi/params/610600_yanan.toml")),
    ("params/610700_hanzhong.toml", include_str!("../../../policies/shaanxi/params/610700_hanzhong.toml")),
    ("params/610800_yulin.toml", include_str!("../../../policies/shaanxi/params/610800_yulin.toml")),
    ("params/610900_ankang.toml", include_str!("../../../policies/shaanxi/params/610900_ankang.toml")),
    ("params/611000_shangluo.toml", include_str!("../../../policies/shaanxi/params/611000_shangluo.toml")),
    ("params/610403_yangling.toml", include_str!("../../../policies/shaanxi/params/610403_yangling.toml")),
    ("params/610581_hancheng.toml", include_str!("../../../policies/shaanxi/params/610581_hancheng.toml")),
    ("params/610881_shenmu.toml", include_str!("../../../policies/shaanxi/params/610881_shenmu.toml")),
    ("params/610822_fugu.toml", include_str!("../../../policies/shaanxi/params/610822_fugu.toml")),
];

/// The schema file of [`World::new`]'s policies: the columns of [`JURISDICTIONS_CSV`].
pub const SCHEMA_POL: &str =
    "jurisdictions {\n  county_code: key\n  city_code: city\n  deep_poverty: bool\n  sets_own_parameters: bool\n}\n";

/// Some counties of `policies/shaanxi/jurisdictions.csv`, with the same four that set their
/// own parameters.
pub const JURISDICTIONS_CSV: &str = "county_code,city_code,deep_poverty,sets_own_parameters
610102,610100,false,false
610202,610200,false,false
610302,610300,false,false
610402,610400,false,false
610403,610400,false,true
610502,610500,false,false
610581,610500,false,true
610602,610600,false,false
610702,610700,false,false
610802,610800,false,false
610822,610800,false,true
610881,610800,false,true
610902,610900,true,false
611002,611000,false,false
";

/// Two parameters of types the Shaanxi policy has none of, for files that set a date or a
/// bool.
const DATE_AND_BOOL_POL: &str = "/// 分类施保起始日
param topup.start: date {
  set by city, county
  = 2019-01-01
}

/// 是否集中供养优先
param centralised_first: bool {
  set by city, county
  = false
}
";

/// The Shaanxi policy of `policies/shaanxi`, without its parameter files.
pub fn shaanxi() -> World {
    World::of(SHAANXI_POL, SHAANXI_JURISDICTIONS)
}

/// The Shaanxi policy with a date parameter `topup.start` and a bool `centralised_first`.
pub fn shaanxi_with_date_and_bool() -> World {
    let mut pols = SHAANXI_POL.to_vec();
    pols.push(("2019/99_date_and_bool.pol", DATE_AND_BOOL_POL));
    World::of(&pols, SHAANXI_JURISDICTIONS)
}

impl World {
    /// A policy of one `.pol` text (named `name`) beside the schema of [`JURISDICTIONS_CSV`].
    pub fn new(name: &str, pol: &str) -> World {
        World::of(&[("2019/00_schema.pol", SCHEMA_POL), (name, pol)], JURISDICTIONS_CSV)
    }

    /// A policy of one `.pol` text beside a schema file and its `jurisdictions.csv`.
    pub fn with_jurisdictions(schema: &str, csv: &str, pol: &str) -> World {
        World::of(&[("2019/00_schema.pol", schema), ("2019/policy.pol", pol)], csv)
    }

    /// A policy of `.pol` files and a `jurisdictions.csv`, which must parse and check (its
    /// province values may break their constraints: [`World::load`] reports that).
    fn of(pols: &[(&str, &str)], csv: &str) -> World {
        let mut sources = Sources::default();
        let mut files = Vec::new();
        for (name, text) in pols {
            let id = sources.add(*name, *text, SourceKind::Pol);
            match pol_grammar::parse_file(id, text) {
                Ok(file) => files.push((id, file)),
                Err(errors) => panic!("{name} does not parse: {errors:?}"),
            }
        }
        let csv_id = sources.add("jurisdictions.csv", csv, SourceKind::Jurisdictions);
        match pol_compiler::check::ast_to_tir(&files, Some((csv_id, csv))) {
            Ok((program, jurisdictions)) => {
                World { sources: sources.clone(), policy_sources: sources, program, jurisdictions }
            }
            Err(errors) => panic!("the policy does not check:\n{}", render_all(&sources, errors)),
        }
    }

    /// Compiles the policy with these parameter files (they replace those of an earlier load).
    pub fn load(&mut self, files: &[(&str, &str)]) -> Result<ParamSet, Vec<Diagnostic>> {
        self.sources = self.policy_sources.clone();
        for (name, text) in files {
            self.sources.add(*name, *text, SourceKind::Params);
        }
        let compiled = policy::compile(&self.sources)?;
        self.program = compiled.program;
        self.jurisdictions = compiled.jurisdictions;
        Ok(compiled.params)
    }

    /// Compiles the policy with these parameter files and a scenario (`SourceKind::Scenario`).
    pub fn load_with_scenario(&mut self, files: &[(&str, &str)], scenario: &str) -> Result<ParamSet, Vec<Diagnostic>> {
        self.sources = self.policy_sources.clone();
        for (name, text) in files {
            self.sources.add(*name, *text, SourceKind::Params);
        }
        self.sources.add("scenario.toml", scenario, SourceKind::Scenario);
        let compiled = policy::compile(&self.sources)?;
        self.program = compiled.program;
        self.jurisdictions = compiled.jurisdictions;
        Ok(compiled.params)
    }

    /// Loads files that must be accepted.
    pub fn load_ok(&mut self, files: &[(&str, &str)]) -> ParamSet {
        match self.load(files) {
            Ok(set) => set,
            Err(errors) => panic!("expected no error, got:\n{}", self.render(errors)),
        }
    }

    /// Loads files that must be rejected; returns their diagnostics.
    pub fn load_err(&mut self, files: &[(&str, &str)]) -> Vec<Diagnostic> {
        match self.load(files) {
            Ok(_) => panic!("expected errors, the files were accepted"),
            Err(errors) => errors,
        }
    }

    /// Every diagnostic rendered as plain text, one after the other.
    pub fn render(&self, diagnostics: Vec<Diagnostic>) -> String {
        render_all(&self.sources, diagnostics)
    }

    /// The snapshot of a load: the input files, then every diagnostic rendered.
    pub fn snapshot(&mut self, files: &[(&str, &str)]) -> String {
        let errors = self.load_err(files);
        let mut out = String::new();
        for (name, text) in files {
            out.push_str(&format!("--- {name}\n{text}"));
            if !text.ends_with('\n') {
                out.push('\n');
            }
        }
        out.push_str("=== diagnostics\n");
        out.push_str(&self.render(errors));
        out
    }

    /// [`World::snapshot`] with every diagnostic rendered in Chinese.
    pub fn snapshot_zh(&mut self, files: &[(&str, &str)]) -> String {
        let errors = self.load_err(files);
        let rendered: Vec<String> = errors
            .into_iter()
            .map(|diagnostic| {
                let localized = pol_compiler::i18n::localize_diagnostic(pol_compiler::i18n::Lang::Zh, diagnostic);
                render_plain(&self.sources, localized)
            })
            .collect();
        format!("=== diagnostics (zh-CN)\n{}", rendered.join("\n"))
    }

    /// A parameter's id by name.
    pub fn param(&self, name: &str) -> ParamId {
        let index = self.program.params.iter().position(|param| param.name == name);
        ParamId(index.unwrap_or_else(|| panic!("no parameter `{name}`")) as u32)
    }

    /// The index of a jurisdiction attribute by name.
    pub fn attr(&self, name: &str) -> usize {
        let index = self.program.jurisdiction.attrs.iter().position(|attr| attr.name == name);
        index.unwrap_or_else(|| panic!("no attribute `{name}`"))
    }

    /// The line of a diagnostic's primary label.
    pub fn line_of(&self, diagnostic: &Diagnostic) -> usize {
        let source = diagnostic.source.unwrap_or_else(|| panic!("diagnostic without a file"));
        self.sources.line_col(source, diagnostic.offset).0
    }

    /// The name of the file a diagnostic points into.
    pub fn file_of(&self, diagnostic: &Diagnostic) -> String {
        diagnostic.source.and_then(|source| self.sources.get(source)).map_or_else(String::new, |file| file.name.clone())
    }
}

pub fn render_all(sources: &Sources, diagnostics: Vec<Diagnostic>) -> String {
    for diagnostic in &diagnostics {
        crate::chinese::assert_chinese(diagnostic);
    }
    diagnostics.into_iter().map(|diagnostic| render_plain(sources, diagnostic)).collect::<Vec<_>>().join("\n")
}

/// The 1-based line of the first line of `text` containing `needle`.
pub fn line_containing(text: &str, needle: &str) -> usize {
    let index = text.lines().position(|line| line.contains(needle));
    index.unwrap_or_else(|| panic!("no line contains {needle:?}")) + 1
}

/// A day number.
pub fn day(text: &str) -> Word {
    pol_compiler::date::parse_iso(text).unwrap_or_else(|| panic!("not a date: {text}"))
}

/// Yuan to fen.
pub fn yuan(amount: &str) -> Word {
    let (whole, fraction) = amount.split_once('.').unwrap_or((amount, ""));
    let fraction = format!("{fraction:0<2}");
    let parse = |digits: &str| digits.parse::<Word>().unwrap_or_else(|_| panic!("not an amount: {amount}"));
    parse(whole) * 100 + parse(&fraction)
}

/// A percentage to a ratio word.
pub fn percent(value: Word) -> Word {
    value * RATIO_SCALE / 100
}
