//! The typed IR: a checked policy, every node typed and spanned.
//!
//! The checker (`check`) is the only producer; the interpreter (`interp`) and the JIT (`jit`) are
//! the consumers, and they accept nothing else. Error nodes never appear here: a `Program` exists
//! only when checking found no error.
//!
//! # Values are words
//!
//! Every value of every type is one [`Word`] (`i64`), the same in both engines, so that their
//! outputs can be compared bit for bit:
//!
//! | type | word |
//! |---|---|
//! | `bool` | 0 or 1 |
//! | `int` | the integer |
//! | money (any period) | a count of fen |
//! | `ratio` | the decimal × 10⁹ ([`RATIO_SCALE`]) |
//! | `date` | days since 1970-01-01 ([`crate::date`]) |
//! | enum | the variant's index in its declaration |
//! | `text` | a handle ([`crate::text::TextHandle`]) |
//!
//! # Records and scopes
//!
//! A policy is evaluated one household at a time: the household's own columns, its persons
//! (`members`) and its cases. Each rule belongs to one entity. An expression is evaluated in a
//! *scope*: the household, one person or one case. In a person or case scope, household columns
//! and rules are reached through [`ExprKind::Column`] / [`ExprKind::Rule`] naming a household
//! column or rule. Inside an aggregate's filter and value the scope is the member being visited.

use pol_grammar::Span;
pub use pol_grammar::ast::Currency;
pub use pol_grammar::ast::Per;
use pol_grammar::ast::{EntityKind, Level, Period};

/// One value of any type; see the module documentation.
pub type Word = i64;

/// The fixed-point scale of ratios: a ratio `r` is held as `r × 10⁹`.
pub const RATIO_SCALE: i64 = 1_000_000_000;

/// Identifies a scale of [`Program::scales`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScaleId(pub u32);

/// Identifies an enum of [`Program::enums`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnumId(pub u32);

/// Identifies a parameter of [`Program::params`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParamId(pub u32);

/// Identifies a jurisdiction attribute (a column of `jurisdictions.csv` other than the key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttrId(pub u32);

/// Identifies a rule of [`Program::rules`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleId(pub u32);

/// Identifies an input column of one entity's schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ColumnId(pub u32);

/// The type of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ty {
    /// `bool`
    Bool,
    /// `int`
    Int,
    /// `ratio`
    Ratio,
    /// `元`, `元/月`, `元/年`
    Money(Period),
    /// `date`
    Date,
    /// `text`
    Text,
    /// A declared enum.
    Enum(EnumId),
}

/// A checked policy: everything a backend needs, nothing it must re-check.
///
/// The checker builds it with [`Program::new`], which establishes the invariants below (tests
/// may build programs field by field; engines still check what they rely on).
///
/// INVARIANT: a rule's `slot` is its index among the rules of its entity; `order` names every
/// rule exactly once; output filters and columns, and the report's extra columns, name rules of
/// their table's entity; the report's table is an output.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    /// Enums in declaration order.
    pub enums: Vec<EnumDef>,
    /// The columns of `jurisdictions.csv`.
    pub jurisdiction: JurisdictionSchema,
    /// The household schema.
    pub household: EntitySchema,
    /// The person schema.
    pub person: EntitySchema,
    /// The case schema (may have no columns when the policy declares no cases).
    pub case: EntitySchema,
    /// Parameters in declaration order.
    pub params: Vec<ParamDef>,
    /// Scale parameters (`param p: scale(元/年, ratio)`) in declaration order.
    pub scales: Vec<ScaleDef>,
    /// Rules, including validation conditions and hidden rules made for output expressions.
    pub rules: Vec<Rule>,
    /// The evaluation order: every rule once, each after all the rules it uses. Validation rules
    /// come first. Both engines evaluate in this order; for a person or case rule, all members
    /// (cases) of the household in input order before the next rule.
    pub order: Vec<RuleId>,
    /// Output tables in declaration order.
    pub outputs: Vec<Output>,
    /// The report, if declared.
    pub report: Option<Report>,
    /// The programs the policy pays (`program` declarations), in declaration order; what
    /// `pol reconcile` compares a roster with.
    pub programs: Vec<PaidProgram>,
    /// The household `bool` rule of the visit list (`visit = …`), if declared.
    pub visit: Option<RuleId>,
    /// Tests in declaration order.
    pub tests: Vec<Test>,
    /// Text literals; a literal text handle indexes this table.
    pub texts: Vec<String>,
    /// The currency of every amount (`currency EUR`; `元` when the policy declares none).
    pub currency: Currency,
    /// The decimals amounts are computed to (`currency EUR precision 0.000001` is 6; 2, the
    /// cent, without `precision`). Amounts are written, read and shown to the cent whatever it
    /// is (docs/language.md#precision).
    pub money_decimals: u32,
    /// How many of this program's money words make a cent: 1 in a checked program; `10^(d −
    /// 2)` in the program the engines evaluate for a policy computed to `d` decimals
    /// ([`Program::computed_finely`]), where each money rule reads the others' values before
    /// they are rounded to the cent.
    pub fine_factor: Word,
}

/// The decimals of the cent (`0.01`): amounts are computed to it unless a policy declares a
/// finer `precision`.
pub const CENT_DECIMALS: u32 = 2;

/// The finest precision a policy may declare: `0.000001` (amounts up to 9.2 × 10¹² of the
/// currency still fit in a word).
pub const MAX_MONEY_DECIMALS: u32 = 6;

/// The decimals of a written precision: `0.01` is 2 … `0.000001` is 6; `None` for anything
/// else (`0.5`, `0.02`, `1`, `0.0000001`).
pub fn precision_decimals(written: &str) -> Option<u32> {
    let digits = written.strip_prefix("0.")?;
    let decimals = u32::try_from(digits.len()).ok()?;
    let (zeros, one) = digits.split_at(digits.len().checked_sub(1)?);
    let valid = one == "1" && zeros.bytes().all(|byte| byte == b'0');
    (valid && (CENT_DECIMALS..=MAX_MONEY_DECIMALS).contains(&decimals)).then_some(decimals)
}

/// A program the policy pays: `program dibao "农村最低生活保障" = dibao_monthly`.
#[derive(Debug, Clone, PartialEq)]
pub struct PaidProgram {
    /// Its id (a roster's `program` column).
    pub id: String,
    /// Its name for people.
    pub name: String,
    /// Household rules of type `元/月`; the program's monthly amount is their sum.
    pub rules: Vec<RuleId>,
    /// The declaration.
    pub span: Span,
}

/// An enum's name and variants.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumDef {
    /// Its name.
    pub name: String,
    /// Variant names; a value is an index into this list.
    pub variants: Vec<String>,
    /// The declaration.
    pub span: Span,
}

/// The schema of `jurisdictions.csv`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JurisdictionSchema {
    /// The key column (county code).
    pub key: Option<String>,
    /// The city column.
    pub city: Option<String>,
    /// Every column, key and city included (as text), readable as `county.NAME`; an [`AttrId`]
    /// indexes this list.
    pub attrs: Vec<Attr>,
}

/// The jurisdiction attribute that says which counties set their own parameters: when the
/// policy declares a `bool` column of this name, a local parameter file for a county is accepted
/// only when the county's value is true (see `docs/language.md`, "Local parameter files").
pub const OWN_PARAMETERS_ATTR: &str = "sets_own_parameters";

impl JurisdictionSchema {
    /// The attribute [`OWN_PARAMETERS_ATTR`], when the policy declares it as a `bool` column.
    pub fn own_parameters_attr(&self) -> Option<AttrId> {
        let index = self.attrs.iter().position(|attr| attr.name == OWN_PARAMETERS_ATTR && attr.ty == Ty::Bool)?;
        Some(AttrId(u32::try_from(index).ok()?))
    }
}

/// A jurisdiction attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Attr {
    /// Column name.
    pub name: String,
    /// Its type (`text` for the city column when it is read as `county.city_code`).
    pub ty: Ty,
    /// The declaration.
    pub span: Span,
}

/// The input schema of one entity.
#[derive(Debug, Clone, PartialEq)]
pub struct EntitySchema {
    /// Which entity.
    pub kind: EntityKind,
    /// Columns in declaration order (the order of the output of a batch reader); a [`ColumnId`]
    /// indexes this list.
    pub columns: Vec<Column>,
    /// The `key` column.
    pub key: Option<ColumnId>,
    /// The `household` column (persons and cases).
    pub household_ref: Option<ColumnId>,
    /// The `county` column (households).
    pub county: Option<ColumnId>,
    /// Whether the policy declared this entity.
    pub declared: bool,
}

/// An input column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The header name.
    pub name: String,
    /// What the column holds.
    pub ty: ColumnTy,
    /// Inclusive bounds for an `int` column.
    pub range: Option<(i64, i64)>,
    /// The default for tests, and for every row of a data file that lacks the column.
    pub default: Option<Word>,
    /// The default written as a data file's cell would hold it (`4500.00`, `true`, a county
    /// code…); a reader gives it to every row of a file without the column, to be typed as
    /// that cell would be.
    pub default_cell: Option<String>,
    /// Whether the column is declared `per month`: it may hold a different value each month.
    pub periodic: bool,
    /// In a program in force on a day whose policy has periods ([`Program::on`]), a periodic
    /// column's month: the first day of the month whose value this column holds (the column
    /// named `salary` holds the as-of month's, `salary@2017-01` another month's). `None` in a
    /// checked program and for constant columns.
    pub month: Option<Word>,
    /// The declaration.
    pub span: Span,
}

impl Column {
    /// The declared name: `salary` for the instance column `salary@2017-01`.
    pub fn base_name(&self) -> &str {
        self.name.split_once('@').map_or(self.name.as_str(), |(base, _)| base)
    }
}

/// What an input column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnTy {
    /// A unique identifier; its word is a text handle.
    Key,
    /// A county code; its word is the county's index in the jurisdiction table.
    County,
    /// The id of the household a person or case belongs to; its word is a text handle.
    HouseholdRef,
    /// A value of this type.
    Value(Ty),
}

impl ColumnTy {
    /// The type of the column's words as seen by expressions.
    pub fn value_ty(self) -> Ty {
        match self {
            ColumnTy::Key | ColumnTy::HouseholdRef => Ty::Text,
            // A county reference reads as an int (the county's index); expressions use
            // `county.X` instead.
            ColumnTy::County => Ty::Int,
            ColumnTy::Value(ty) => ty,
        }
    }
}

/// A parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamDef {
    /// Its (dotted) name.
    pub name: String,
    /// Its type.
    pub ty: Ty,
    /// Levels below the province that may set it.
    pub set_by: Vec<Level>,
    /// Province values in force from a day on (`None` = from the beginning), in date order.
    pub values: Vec<(Option<Word>, Expr)>,
    /// Days from which the parameter is not in force (`from DATE = none`), with the version's
    /// span, in date order: on a day whose latest dated entry (of `values` and `ends`) is an end,
    /// or before its first value, the parameter has no value (see [`crate::dated`]).
    pub ends: Vec<(Option<Word>, Span)>,
    /// Constraints checked on the province and every local file.
    pub requires: Vec<Constraint>,
    /// In a program in force on a day whose policy has periods ([`Program::on`]): this
    /// parameter is the value of the declared parameter `.0` on day `.1` (a rule's instance of
    /// another period reads it); the county table resolves it on that day. `None` otherwise.
    pub on: Option<(ParamId, Word)>,
    /// Doc comment.
    pub doc: Vec<String>,
    /// The declaration.
    pub span: Span,
}

/// A scale parameter: dated lists of brackets, each a threshold and a rate or an amount.
///
/// INVARIANT: in every version the thresholds strictly increase and there is at least one
/// bracket; thresholds are words of `threshold_ty`, values words of `value_ty`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleDef {
    /// Its (dotted) name.
    pub name: String,
    /// The type of its thresholds (money of a period, or `int`); `marginal` and `bracket` take
    /// an argument of this type.
    pub threshold_ty: Ty,
    /// The type of its values: `ratio` (a rate scale) or money or `int` (an amount scale).
    pub value_ty: Ty,
    /// The versions in date order; [`Program::on`] leaves the one in force.
    pub versions: Vec<ScaleVersion>,
    /// Levels below the province whose local files may set its brackets (`set by city`). A
    /// scale with any is *local*: the engines read its brackets per county from the county
    /// table ([`crate::engine::CountyTable::brackets`]), not from `versions`.
    pub set_by: Vec<Level>,
    /// Constraints checked on the province and every local file (`require bracket(s, 80) >= 50`).
    pub requires: Vec<Constraint>,
    /// Doc comment.
    pub doc: Vec<String>,
    /// The declaration.
    pub span: Span,
}

/// A scale's brackets from a day on.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleVersion {
    /// The first day (`None` = from the beginning).
    pub from: Option<Word>,
    /// The brackets in threshold order; `None`: not in force from that day (`from DATE = none`).
    pub brackets: Option<Vec<Bracket>>,
    /// The version's line.
    pub span: Span,
}

/// One bracket of a scale: from `threshold` (inclusive) up to the next bracket's. `repr(C)`:
/// the JIT hands a slice of brackets to its scale helper by pointer and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct Bracket {
    /// Where the bracket starts (a word of the scale's threshold type).
    pub threshold: Word,
    /// Its rate or amount (a word of the scale's value type).
    pub value: Word,
}

impl ScaleDef {
    /// Whether local files may set its brackets (then each county may have its own).
    pub fn is_local(&self) -> bool {
        !self.set_by.is_empty()
    }

    /// The brackets of a program in force ([`Program::on`] leaves one version, from the
    /// beginning); `None` when the scale still has dated versions or is not in force.
    pub fn in_force(&self) -> Option<&[Bracket]> {
        match self.versions.as_slice() {
            [ScaleVersion { from: None, brackets: Some(brackets), .. }] => Some(brackets),
            _ => None,
        }
    }

    /// The version in force on `day`: the latest one from on or before it (whose brackets are
    /// `None` when it ends the scale), or `None` before the first.
    pub fn version_on(&self, day: Word) -> Option<&ScaleVersion> {
        self.versions.iter().rev().find(|version| version.from.is_none_or(|from| from <= day))
    }
}

/// How a scale is applied to a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScaleKind {
    /// `marginal(s, x)` of a scale of rates: Σ rate × the part of `x` in each bracket, rounded
    /// once.
    Marginal,
    /// `marginal(s, x)` of a scale of amounts (OpenFisca's "marginal amount"): the sum of the
    /// amounts of every bracket whose threshold is strictly below `x`.
    MarginalAmount,
    /// `bracket(s, x)`: the rate or amount of the highest bracket whose threshold ≤ `x`.
    Bracket,
}

/// A `require` on a parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    /// A bool expression over parameters (with [`ExprKind::LastYear`] and
    /// [`ExprKind::Province`]).
    pub cond: Expr,
    /// The rule's text.
    pub message: Option<String>,
    /// The `require` line.
    pub span: Span,
}

/// What a rule is for.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleRole {
    /// A named rule written by the drafter.
    Named,
    /// A validation condition (`require` in an entity): the household is rejected when it is
    /// false; the message says why, `field` names the first column the condition reads.
    Validation {
        /// The message.
        message: Option<String>,
        /// The column reported in `rejects.csv`.
        field: Option<String>,
    },
    /// A value computed for an output column or filter written as an expression.
    Hidden,
}

/// A rule: one value per record of its entity.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The rule's name (hidden rules: `output.column`).
    pub name: String,
    /// The entity it is computed for.
    pub entity: EntityKind,
    /// Its index among the rules of its entity: the rule's column in a [`crate::engine::BatchResult`].
    pub slot: u32,
    /// Its type.
    pub ty: Ty,
    /// Its definition in force. For a dated rule (`versions` not empty) and for a rule not in
    /// force on a program's date, the zero word of its type, which nothing evaluated reads:
    /// [`Program::on`] picks the version in force and checks that.
    pub body: Expr,
    /// A dated rule's versions in date order (`from DATE = …`); empty for a rule in force on
    /// every date. The engines accept only programs without versions ([`Program::on`]).
    pub versions: Vec<RuleVersion>,
    /// What the rule is for.
    pub role: RuleRole,
    /// Its definition period (`per month`, `per year`; a rule without `per` is monthly). In a
    /// program in force on a day, an instance `x@2017-01` keeps its rule's period.
    pub period: Per,
    /// Doc comment.
    pub doc: Vec<String>,
    /// The declaration.
    pub span: Span,
}

/// One version of a dated rule.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleVersion {
    /// The day from which it is in force (`None`: from the beginning).
    pub from: Option<Word>,
    /// The definition; `None` for `= none` (not in force from `from` on).
    pub body: Option<Expr>,
    /// The version's line.
    pub span: Span,
}

impl Rule {
    /// Every definition of the rule: its body and its versions' bodies (dependencies are the
    /// union over all dates).
    pub fn definitions(&self) -> impl Iterator<Item = &Expr> {
        std::iter::once(&self.body).chain(self.versions.iter().filter_map(|version| version.body.as_ref()))
    }
}

/// A typed expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it computes.
    pub kind: ExprKind,
    /// Its type.
    pub ty: Ty,
    /// Its source.
    pub span: Span,
}

/// Unary operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnOp {
    /// Boolean not.
    Not,
    /// Checked negation (`-i64::MIN` overflows).
    Neg,
}

/// Binary operations on words. The checker picks the operation from the operand types; the
/// arithmetic is defined once, in [`crate::arith`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// Checked `a + b` (int, money, ratio).
    Add,
    /// Checked `a - b`.
    Sub,
    /// Checked `a * b` (int × int, money × int, int × ratio).
    Mul,
    /// `round(a × b / 10⁹)`: money × ratio (to the fen), ratio × ratio.
    MulScaled,
    /// `round(a / b)`: money ÷ int, and year → month conversion (÷ 12).
    DivRound,
    /// `round(a × 10⁹ / b)`: money ÷ ratio, money ÷ money → ratio, int ÷ int → ratio.
    DivScaled,
    /// `min(a, b)` (signed).
    Min,
    /// `max(a, b)` (signed).
    Max,
    /// Word equality (every type but text).
    Eq,
    /// Word inequality.
    Ne,
    /// Signed `<`.
    Lt,
    /// Signed `<=`.
    Le,
    /// Signed `>`.
    Gt,
    /// Signed `>=`.
    Ge,
    /// Text equality (compares the texts, masked or not, not the handles).
    TextEq,
    /// Text inequality.
    TextNe,
    /// Short-circuit and.
    And,
    /// Short-circuit or.
    Or,
    /// Full years from the first date to the second (29 February counts on 1 March).
    YearsBetween,
}

/// An arm pattern, after checking (enum variants are their indices).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pat {
    /// Equal to this word.
    Eq(Word),
    /// `lo <= x` and, when present, `x <= hi`.
    Range(Word, Option<Word>),
    /// Anything.
    Any,
}

/// Aggregates over a household's members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggKind {
    /// Number of members passing the filter (int).
    Count,
    /// Checked sum of the value (0 when none).
    Sum,
    /// Whether the value holds for some member (false when none).
    Any,
    /// Whether the value holds for every member (true when none).
    All,
    /// Largest value; an error when no member passes the filter.
    Max,
    /// Smallest value; an error when no member passes the filter.
    Min,
    /// The value of the first member (input order) passing the filter; an error when none.
    First,
}

/// The kinds of typed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A constant word.
    Const(Word),
    /// An input column of `entity`: the current record's if `entity` is the scope's entity,
    /// else (from a person or case scope) the household's.
    Column(EntityKind, ColumnId),
    /// A rule: the current record's if its entity is the scope's, else the household's.
    Rule(RuleId),
    /// A parameter's value for the household's county on the as-of date.
    Param(ParamId),
    /// A jurisdiction attribute of the household's county.
    CountyAttr(AttrId),
    /// The run's as-of date.
    AsOf,
    /// A unary operation.
    Unary(UnOp, Box<Expr>),
    /// A binary operation.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `if c { a } else { b }`: only the taken branch is evaluated.
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// A match: the first arm whose pattern holds; the checker guarantees one does.
    Match(Box<Expr>, Vec<(Pat, Expr)>),
    /// An aggregate over the household's persons; filter and value are in person scope.
    Aggregate {
        /// Which aggregate.
        kind: AggKind,
        /// Members for which this is false are skipped.
        filter: Option<Box<Expr>>,
        /// The value aggregated (`None` only for `Count`, and `Any` meaning "some member").
        value: Option<Box<Expr>>,
    },
    /// `mask(t)`: the text with every code point after the first replaced by `*`.
    Mask(Box<Expr>),
    /// In a parameter constraint only: the parameter's value one year earlier in the same
    /// jurisdiction (the constraint is skipped when there is none).
    LastYear(ParamId),
    /// In a parameter constraint only: the province's value of the parameter.
    Province(ParamId),
    /// `marginal(scale, x)` or `bracket(scale, x)`, with the scale's brackets in force.
    Scale(ScaleKind, ScaleId, Box<Expr>),
    /// In a `require` only: `bracket(province(s), x)`, `marginal(last_year(s), x)`: the scale
    /// applied with the province's brackets, or with the brackets in force one year earlier in
    /// the same jurisdiction (the constraint is skipped when there are none); `x` is evaluated
    /// as anywhere else. The engines refuse it.
    OtherScale(OtherBrackets, ScaleKind, ScaleId, Box<Expr>),
    /// A read of another period (`this_year(x)`, `sum_months(x)`, …); the operand is the
    /// [`ExprKind::Rule`] or [`ExprKind::Column`] read. Only in checked programs: [`Program::on`]
    /// unrolls it into reads of instances, and the engines refuse it.
    Periodic(PeriodRead, Box<Expr>),
}

/// Whose brackets [`ExprKind::OtherScale`] applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OtherBrackets {
    /// `last_year(s)`: those in force one year before, in the same jurisdiction.
    LastYear,
    /// `province(s)`: the province's.
    Province,
}

impl OtherBrackets {
    /// Both, in the order the checker tries their names.
    pub const ALL: [OtherBrackets; 2] = [OtherBrackets::Province, OtherBrackets::LastYear];

    /// The function written around the scale's name: `province`, `last_year`.
    pub fn function(self) -> &'static str {
        match self {
            OtherBrackets::LastYear => "last_year",
            OtherBrackets::Province => "province",
        }
    }
}

/// How a rule or column of another period is read (docs/language.md#periods).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeriodRead {
    /// `this_year(x)`, in a monthly rule: a yearly rule's value for the month's year.
    ThisYear,
    /// `first_month(x)`, in a yearly rule: a monthly value of January.
    FirstMonth,
    /// `sum_months(x)`, in a yearly rule: the sum over the year's 12 months.
    SumMonths,
    /// `average_months(x)`, in a yearly rule: the average over the year's 12 months.
    AverageMonths,
    /// `sum_last_12_months(x)`, in a monthly rule: the sum over the 12 months ending with it.
    SumLast12Months,
    /// `average_last_12_months(x)`, in a monthly rule: their average.
    AverageLast12Months,
}

impl PeriodRead {
    /// The function's name as written.
    pub fn name(self) -> &'static str {
        match self {
            PeriodRead::ThisYear => "this_year",
            PeriodRead::FirstMonth => "first_month",
            PeriodRead::SumMonths => "sum_months",
            PeriodRead::AverageMonths => "average_months",
            PeriodRead::SumLast12Months => "sum_last_12_months",
            PeriodRead::AverageLast12Months => "average_last_12_months",
        }
    }

    /// The period of the rule it may be written in.
    pub fn reader(self) -> Per {
        match self {
            PeriodRead::ThisYear | PeriodRead::SumLast12Months | PeriodRead::AverageLast12Months => Per::Month,
            PeriodRead::FirstMonth | PeriodRead::SumMonths | PeriodRead::AverageMonths => Per::Year,
        }
    }

    /// The period of what it reads.
    pub fn read(self) -> Per {
        match self {
            PeriodRead::ThisYear => Per::Year,
            PeriodRead::FirstMonth
            | PeriodRead::SumMonths
            | PeriodRead::AverageMonths
            | PeriodRead::SumLast12Months
            | PeriodRead::AverageLast12Months => Per::Month,
        }
    }
}

/// Names an output may not take, because `pol run` writes a file of that stem itself: the stem
/// and the files (in backticks). The checker rejects them (ignoring ASCII case); the runtime's writers rely on it.
pub const RESERVED_OUTPUT_NAMES: &[(&str, &str)] =
    &[("rejects", "`rejects.csv`"), ("report", "`report.md` and `report.json`")];

/// An output table.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// The table's name (file `NAME.csv`, `NAME.jsonl` or `NAME.parquet`); never one of
    /// [`RESERVED_OUTPUT_NAMES`].
    pub name: String,
    /// One row per record of this entity.
    pub entity: EntityKind,
    /// A bool rule of the same entity; rows where it is false are left out.
    pub filter: Option<RuleId>,
    /// Columns: header name and the rule (of the same entity) giving the value.
    pub columns: Vec<(String, RuleId)>,
    /// Where each column is written, in the order of `columns`.
    pub column_spans: Vec<Span>,
    /// The declaration.
    pub span: Span,
}

/// The report over one output table.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Index into [`Program::outputs`] (a household table).
    pub table: usize,
    /// Grouping levels, in order.
    pub levels: Vec<pol_grammar::ast::ReportLevel>,
    /// Output column indices counted per value.
    pub counts: Vec<usize>,
    /// Output column indices summed.
    pub sums: Vec<usize>,
    /// Budget lines: column index, label, annual amount in fen.
    pub budgets: Vec<(usize, String, Word)>,
    /// Rate indicators.
    pub rates: Vec<Rate>,
    /// Household rules the report reads that its table does not show (the doc's `sum
    /// covered_persons` where `covered_persons` is no column of the table): a column index
    /// `n + i` in `counts`, `sums`, `budgets` and `rates`, `n` being the table's number of
    /// columns, names `extra_columns[i]`.
    pub extra_columns: Vec<(String, RuleId)>,
}

/// A rate indicator of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Rate {
    /// Its name.
    pub name: String,
    /// Output column index summed for the numerator.
    pub numerator: usize,
    /// Output column index summed for the denominator.
    pub denominator: usize,
    /// Which counties count: an expression over `county.X` attributes and constants only.
    pub filter: Option<Expr>,
    /// Flag when the rate is below this ratio word.
    pub below: Option<Word>,
}

/// A test: one household built from literals, and what must come out.
#[derive(Debug, Clone, PartialEq)]
pub struct Test {
    /// Its name.
    pub name: String,
    /// The as-of date, if written.
    pub as_of: Option<Word>,
    /// The household row, one word per household column (defaults filled in).
    pub household: Vec<Word>,
    /// Person rows.
    pub persons: Vec<Vec<Word>>,
    /// Case rows.
    pub cases: Vec<Vec<Word>>,
    /// Expectations in order.
    pub expectations: Vec<Expectation>,
    /// Rule values the test gives instead of computing them (`person { pension: 50 }`):
    /// [`crate::testing::given_program`] builds the program that uses them.
    pub given: Vec<Given>,
    /// Monthly columns' values given for one period (`person { salary 2017-01: 2400 }`); the
    /// rows hold the value for every other month.
    pub periodic: Vec<PeriodValue>,
    /// The declaration.
    pub span: Span,
}

/// A monthly column's value given by a test for a month or a year.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodValue {
    /// The record's entity.
    pub entity: EntityKind,
    /// Index of the person or case (0 for the household).
    pub index: usize,
    /// The column (periodic).
    pub column: ColumnId,
    /// The first day of the month, or of the year.
    pub from: Word,
    /// Whether it is a year's value (a money total is spread over its months).
    pub year: bool,
    /// The value (a year's total for money given per year).
    pub value: Word,
}

/// A computed rule's value given by a test for one of its records.
#[derive(Debug, Clone, PartialEq)]
pub struct Given {
    /// The record's entity.
    pub entity: EntityKind,
    /// Index of the person or case (0 for the household).
    pub index: usize,
    /// The rule, of that entity.
    pub rule: RuleId,
    /// The value it takes for that record.
    pub value: Word,
    /// `person { pension 2017-01: 50 }`: the first day of the period (of the rule's own
    /// period) whose instance takes the value; `None`: the run's month or year.
    pub at: Option<Word>,
}

/// What a test expects.
#[derive(Debug, Clone, PartialEq)]
pub enum Expectation {
    /// A rule or column of a record has this word.
    Value {
        /// Which entity.
        entity: EntityKind,
        /// Index of the person or case (0 for the household).
        index: usize,
        /// What is read.
        source: ValueSource,
        /// The expected word.
        expected: Word,
        /// How far the value may be from it (`± AMOUNT` or the test's `tolerance`), in the
        /// type's words (fen for money); `None` for an exact comparison.
        tolerance: Option<Word>,
        /// Its type, to print it.
        ty: Ty,
        /// `expect x 2017-01 = …`: the as-of day the value is computed on (the period's first
        /// day); `None`: the test's as-of date.
        at: Option<Word>,
        /// The `expect` line.
        span: Span,
    },
    /// A validation fails (with this message, if given).
    Rejected(Option<String>, Span),
    /// Evaluation fails.
    Error(Span),
}

/// A rule or an input column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueSource {
    /// A rule.
    Rule(RuleId),
    /// An input column.
    Column(ColumnId),
}

/// A program whose parts do not fit together: a bug of whoever built it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ProgramInvariantError(pub String);

impl Program {
    /// Whether the policy has no jurisdictions: it declares no `jurisdictions` block and its
    /// households no `county` column. Its parameters are the province's alone (one row in the
    /// county table, which every household reads) and its report has province totals only.
    pub fn without_jurisdictions(&self) -> bool {
        self.jurisdiction.key.is_none() && self.jurisdiction.attrs.is_empty() && self.household.county.is_none()
    }

    /// The program built field by field, when its parts keep [`Program`]'s invariants.
    pub fn new(parts: Program) -> Result<Program, ProgramInvariantError> {
        let fail = |message: String| Err(ProgramInvariantError(message));
        let (mut household_slots, mut person_slots, mut case_slots) = (0u32, 0u32, 0u32);
        for rule in &parts.rules {
            let next = match rule.entity {
                EntityKind::Household => &mut household_slots,
                EntityKind::Person => &mut person_slots,
                EntityKind::Case => &mut case_slots,
            };
            if rule.slot != *next {
                return fail(format!("rule `{}` has slot {}, not {next}", rule.name, rule.slot));
            }
            *next += 1;
        }
        let mut placed = vec![false; parts.rules.len()];
        for id in &parts.order {
            match placed.get_mut(id.0 as usize) {
                Some(seen) if !*seen => *seen = true,
                Some(_) => return fail(format!("rule {} is twice in the order", id.0)),
                None => return fail(format!("the order names rule {}, which does not exist", id.0)),
            }
        }
        if let Some(missing) = placed.iter().position(|seen| !seen) {
            return fail(format!("rule {missing} is not in the order"));
        }
        let entity_of = |id: RuleId| parts.rules.get(id.0 as usize).map(|rule| rule.entity);
        for output in &parts.outputs {
            let rules = output.filter.into_iter().chain(output.columns.iter().map(|(_, rule)| *rule));
            if let Some(id) = rules.clone().find(|id| entity_of(*id) != Some(output.entity)) {
                return fail(format!("output `{}` reads rule {} of another entity", output.name, id.0));
            }
        }
        let household_rule = |id: &RuleId| entity_of(*id) == Some(EntityKind::Household);
        if let Some(program) = parts.programs.iter().find(|program| !program.rules.iter().all(household_rule)) {
            return fail(format!("program `{}` reads a rule that is not a household rule", program.id));
        }
        if parts.visit.as_ref().is_some_and(|visit| !household_rule(visit)) {
            return fail("the visit list is not a household rule".to_string());
        }
        if let Some(report) = &parts.report {
            let Some(table) = parts.outputs.get(report.table) else {
                return fail(format!("the report reads output {}, which does not exist", report.table));
            };
            if report.extra_columns.iter().any(|(_, id)| entity_of(*id) != Some(table.entity)) {
                return fail(format!("the report reads a rule that is not of its table `{}`", table.name));
            }
        }
        Ok(parts)
    }

    /// The schema of an entity.
    pub fn schema(&self, kind: EntityKind) -> &EntitySchema {
        match kind {
            EntityKind::Household => &self.household,
            EntityKind::Person => &self.person,
            EntityKind::Case => &self.case,
        }
    }

    /// The rules of one entity, in slot order.
    pub fn rules_of(&self, kind: EntityKind) -> impl Iterator<Item = (RuleId, &Rule)> {
        self.rules
            .iter()
            .enumerate()
            .filter(move |(_, rule)| rule.entity == kind)
            .map(|(index, rule)| (RuleId(index as u32), rule))
    }

    /// How many rules the entity has (its number of result columns).
    pub fn n_rules(&self, kind: EntityKind) -> usize {
        self.rules.iter().filter(|rule| rule.entity == kind).count()
    }

    /// A rule by id.
    pub fn rule(&self, id: RuleId) -> Option<&Rule> {
        self.rules.get(id.0 as usize)
    }

    /// The rules the output tables, the report and `pol reconcile` read: their columns and
    /// filters, the report's extra columns, the programs' rules and the visit list. Each once,
    /// in first-read order.
    pub fn output_rules(&self) -> Vec<RuleId> {
        let mut rules = Vec::new();
        let outputs = self
            .outputs
            .iter()
            .flat_map(|output| output.filter.into_iter().chain(output.columns.iter().map(|(_, rule)| *rule)));
        let report = self.report.iter().flat_map(|report| report.extra_columns.iter().map(|(_, rule)| *rule));
        let programs = self.programs.iter().flat_map(|program| program.rules.iter().copied()).chain(self.visit);
        for rule in outputs.chain(report).chain(programs) {
            if !rules.contains(&rule) {
                rules.push(rule);
            }
        }
        rules
    }
}

/// The one traversal of the IR: every walk over expressions (rule ordering, the JIT's plan,
/// parameter dependencies, …) goes through these, so that a new [`ExprKind`] is handled here,
/// exhaustively, and no walk can silently skip it.
impl Expr {
    /// Calls `visit` on each direct subexpression, in evaluation order: operands left to right,
    /// a condition before its branches, a scrutinee before its arms (in order), an aggregate's
    /// filter before its value.
    pub fn for_each_child<'e>(&'e self, mut visit: impl FnMut(&'e Expr)) {
        match &self.kind {
            ExprKind::Const(_)
            | ExprKind::Column(..)
            | ExprKind::Rule(_)
            | ExprKind::Param(_)
            | ExprKind::CountyAttr(_)
            | ExprKind::AsOf
            | ExprKind::LastYear(_)
            | ExprKind::Province(_) => {}
            ExprKind::Unary(_, operand)
            | ExprKind::Mask(operand)
            | ExprKind::Scale(_, _, operand)
            | ExprKind::OtherScale(_, _, _, operand)
            | ExprKind::Periodic(_, operand) => visit(operand),
            ExprKind::Binary(_, left, right) => {
                visit(left);
                visit(right);
            }
            ExprKind::If(cond, then, otherwise) => {
                visit(cond);
                visit(then);
                visit(otherwise);
            }
            ExprKind::Match(scrutinee, arms) => {
                visit(scrutinee);
                for (_, arm) in arms {
                    visit(arm);
                }
            }
            ExprKind::Aggregate { kind: _, filter, value } => {
                if let Some(filter) = filter {
                    visit(filter);
                }
                if let Some(value) = value {
                    visit(value);
                }
            }
        }
    }

    /// The direct subexpressions, in the order of [`Expr::for_each_child`].
    pub fn children(&self) -> Vec<&Expr> {
        let mut children = Vec::new();
        self.for_each_child(|child| children.push(child));
        children
    }

    /// The expression and all its subexpressions, depth first, each node before its children
    /// and children in evaluation order. Iterative: no recursion, whatever the depth.
    pub fn preorder(&self) -> Preorder<'_> {
        Preorder { stack: vec![self] }
    }
}

/// The iterator of [`Expr::preorder`].
#[derive(Debug, Clone)]
pub struct Preorder<'e> {
    /// Nodes still to visit, the next one last.
    stack: Vec<&'e Expr>,
}

impl<'e> Iterator for Preorder<'e> {
    type Item = &'e Expr;

    fn next(&mut self) -> Option<&'e Expr> {
        let expr = self.stack.pop()?;
        let start = self.stack.len();
        expr.for_each_child(|child| self.stack.push(child));
        // Children were pushed in evaluation order; the first must be popped first.
        if let Some(pushed) = self.stack.get_mut(start..) {
            pushed.reverse();
        }
        Some(expr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(kind: ExprKind) -> Expr {
        Expr { kind, ty: Ty::Int, span: Span::default() }
    }

    fn constant(word: Word) -> Box<Expr> {
        Box::new(node(ExprKind::Const(word)))
    }

    /// The constants of an expression in the order a walk meets them.
    fn constants<'e>(nodes: impl Iterator<Item = &'e Expr>) -> Vec<Word> {
        nodes.filter_map(|expr| if let ExprKind::Const(word) = expr.kind { Some(word) } else { None }).collect()
    }

    #[test]
    fn children_and_preorder_follow_evaluation_order() {
        let expr = node(ExprKind::If(
            Box::new(node(ExprKind::Binary(BinOp::Add, constant(1), constant(2)))),
            Box::new(node(ExprKind::Match(constant(3), vec![(Pat::Eq(0), *constant(4)), (Pat::Any, *constant(5))]))),
            Box::new(node(ExprKind::Aggregate {
                kind: AggKind::Sum,
                filter: Some(Box::new(node(ExprKind::Unary(UnOp::Not, constant(6))))),
                value: Some(constant(7)),
            })),
        ));
        assert_eq!(expr.children().len(), 3);
        assert_eq!(constants(expr.preorder()), vec![1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(expr.preorder().count(), 12);
        assert_eq!(expr.preorder().next(), Some(&expr));
        let leaf = node(ExprKind::AsOf);
        assert!(leaf.children().is_empty());
        assert_eq!(leaf.preorder().count(), 1);
        let count = node(ExprKind::Aggregate { kind: AggKind::Count, filter: None, value: None });
        assert!(count.children().is_empty());
    }

    #[test]
    fn preorder_walks_deep_expressions_without_recursion() {
        let mut expr = node(ExprKind::Const(0));
        for _ in 0..100_000 {
            expr = node(ExprKind::Unary(UnOp::Neg, Box::new(expr)));
        }
        assert_eq!(expr.preorder().count(), 100_001);
        // Dropping a 100,000-deep box chain recurses; leak it instead, the test process ends.
        std::mem::forget(expr);
    }
}
