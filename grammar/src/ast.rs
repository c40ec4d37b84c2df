//! The untyped, spanned syntax tree of a `.pol` file.
//!
//! Every node carries a [`Span`] in a field named `span`: the bytes of the source it came from.
//! The tree owns its data; no pest type appears here. The checker (`pol-compiler`) turns it into
//! the typed IR.

use crate::span::Span;

/// A name with the span where it is written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ident {
    /// The name as written (NFC is not applied; names compare by code points).
    pub name: String,
    /// Where the name is written.
    pub span: Span,
}

/// A possibly dotted name: `dibao_standard`, `topup.elderly70`, `county.deep_poverty`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Path {
    /// The dotted parts, at least one.
    pub parts: Vec<Ident>,
    /// From the first part to the last.
    pub span: Span,
}

impl Path {
    /// The parts joined with `.`.
    pub fn dotted(&self) -> String {
        let names: Vec<&str> = self.parts.iter().map(|part| part.name.as_str()).collect();
        names.join(".")
    }
}

/// One parsed `.pol` file.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    /// The declarations in source order.
    pub items: Vec<Item>,
}

/// A top-level declaration.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `enum Name { a, b }`
    Enum(EnumDecl),
    /// `jurisdictions { ... }`
    Jurisdictions(JurisdictionsDecl),
    /// `household { ... }`, `person { ... }`, `case { ... }`
    Entity(EntityDecl),
    /// `param name: ty { ... }`
    Param(ParamDecl),
    /// `household name: ty = expr`
    Rule(RuleDecl),
    /// `output name for household where ... { ... }`
    Output(OutputDecl),
    /// `report for table { ... }`
    Report(ReportDecl),
    /// `program dibao "农村最低生活保障" = dibao_monthly`
    Program(ProgramDecl),
    /// `visit = visit_required`
    Visit(VisitDecl),
    /// `test "name" { ... }`
    Test(TestDecl),
    /// `reform of "../.."`: this file belongs to a reform of the policy at that path.
    Reform(ReformDecl),
    /// `replace household x: ty = expr`, `replace param p: ty { ... }` (in a reform).
    Replace(ReplaceDecl),
    /// `remove household x [instead = expr]` (in a reform).
    Remove(RemoveDecl),
    /// `currency EUR`: the policy's currency.
    Currency(CurrencyDecl),
}

/// `currency EUR`: the currency of every amount of the policy (one per policy; `元` without it).
#[derive(Debug, Clone, PartialEq)]
pub struct CurrencyDecl {
    /// Doc comment lines.
    pub doc: Vec<String>,
    /// The currency.
    pub currency: Currency,
    /// Where the code is written.
    pub code_span: Span,
    /// `precision 0.000001`: the fraction of a unit amounts are computed to, as written, and
    /// where; `None` when the line has none (amounts are computed to the cent).
    pub precision: Option<(String, Span)>,
    /// The whole declaration.
    pub span: Span,
}

/// The currency of money: `元` (the default) or three capital letters (`EUR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Currency {
    /// `元` (also written `yuan`).
    #[default]
    Yuan,
    /// A code of three ASCII capital letters, such as `EUR`.
    Code([u8; 3]),
}

impl Currency {
    /// The currency a unit's text starts with (`元`, `yuan`, `EUR`); `None` for anything else.
    pub fn of_unit(unit: &str) -> Option<Currency> {
        let code = unit.split_once('/').map_or(unit, |(code, _)| code);
        match code {
            "元" | "yuan" => Some(Currency::Yuan),
            _ => match code.as_bytes() {
                [a, b, c] if [a, b, c].iter().all(|byte| byte.is_ascii_uppercase()) => {
                    Some(Currency::Code([*a, *b, *c]))
                }
                _ => None,
            },
        }
    }

    /// `元` or the code.
    pub fn name(self) -> String {
        match self {
            Currency::Yuan => "元".into(),
            Currency::Code(code) => code.iter().map(|byte| char::from(*byte)).collect(),
        }
    }

    /// The unit of money of this currency over `period`: `元/月`, `EUR/年`, `EUR`.
    pub fn unit(self, period: Period) -> String {
        let name = self.name();
        match period {
            Period::Lump => name,
            Period::Month => format!("{name}/月"),
            Period::Year => format!("{name}/年"),
        }
    }
}

/// `reform of "PATH"`: the first item of a reform's file.
#[derive(Debug, Clone, PartialEq)]
pub struct ReformDecl {
    /// Doc comment lines.
    pub doc: Vec<String>,
    /// The base policy's directory, relative to the reform (a directory, or the file's directory).
    pub base: StringLit,
    /// The whole declaration.
    pub span: Span,
}

/// What a `replace` replaces.
#[derive(Debug, Clone, PartialEq)]
pub enum Replaced {
    /// A rule of the base, by entity and name.
    Rule(RuleDecl),
    /// A parameter of the base, by name: values, `set by` and constraints.
    Param(ParamDecl),
}

/// `replace DECLARATION`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplaceDecl {
    /// Where `replace` is written.
    pub keyword: Span,
    /// The new declaration (its doc comment is the one above `replace`).
    pub target: Replaced,
    /// The whole declaration.
    pub span: Span,
}

/// `remove household x [instead = expr]`.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoveDecl {
    /// Doc comment lines.
    pub doc: Vec<String>,
    /// The rule's entity.
    pub entity: EntityKind,
    /// The rule's name.
    pub name: Ident,
    /// What the rule's readers get instead.
    pub instead: Option<Expr>,
    /// The whole declaration.
    pub span: Span,
}

/// `enum LaborCapacity { full, partial, none }`
#[derive(Debug, Clone, PartialEq)]
pub struct EnumDecl {
    /// Text of the `///` comments above, one line each, without the slashes.
    pub doc: Vec<String>,
    /// The enum's name.
    pub name: Ident,
    /// Its variants in order; at least one.
    pub variants: Vec<Ident>,
    /// The whole declaration.
    pub span: Span,
}

/// The three kinds of entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityKind {
    /// A household (户): the unit of evaluation.
    Household,
    /// A person (成员), a member of one household.
    Person,
    /// A temporary-assistance case (临时救助申请) of one household.
    Case,
}

impl EntityKind {
    /// The keyword: `household`, `person`, `case`.
    pub fn keyword(self) -> &'static str {
        match self {
            EntityKind::Household => "household",
            EntityKind::Person => "person",
            EntityKind::Case => "case",
        }
    }
}

/// A period of money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    /// `元`: a lump sum.
    Lump,
    /// `元/月`.
    Month,
    /// `元/年`.
    Year,
}

/// A written type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TypeExpr {
    /// `元`, `元/月`, `元/年` (or `yuan`, `yuan/month`, `yuan/year`), `EUR/月`.
    Money(Period, Currency, Span),
    /// `ratio`.
    Ratio(Span),
    /// `int`.
    Int(Span),
    /// `bool`.
    Bool(Span),
    /// `date`.
    Date(Span),
    /// `text`.
    Text(Span),
    /// An enum's name.
    Named(Ident),
    /// `scale(元/年, ratio)`: thresholds of the first type, rates or amounts of the second.
    Scale(Box<TypeExpr>, Box<TypeExpr>, Span),
}

impl TypeExpr {
    /// Where the type is written.
    pub fn span(&self) -> Span {
        match self {
            TypeExpr::Money(_, _, span)
            | TypeExpr::Ratio(span)
            | TypeExpr::Int(span)
            | TypeExpr::Bool(span)
            | TypeExpr::Date(span)
            | TypeExpr::Text(span) => *span,
            TypeExpr::Named(ident) => ident.span,
            TypeExpr::Scale(_, _, span) => *span,
        }
    }
}

/// The type of an input column.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ColumnType {
    /// `key`: the record's identifier, unique in its file.
    Key(Span),
    /// `county`: a county code of the jurisdictions table.
    County(Span),
    /// `household`: the household a person or case belongs to.
    HouseholdRef(Span),
    /// `city`: in `jurisdictions`, the city a county belongs to.
    City(Span),
    /// A value type; an `int` may carry an inclusive range `int 0..4`.
    Value(TypeExpr, Option<(i64, i64)>),
}

/// `name: type [= default]` inside an entity or `jurisdictions` block.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDecl {
    /// Doc comment lines.
    pub doc: Vec<String>,
    /// The column's name as it appears in the input header.
    pub name: Ident,
    /// Its type.
    pub ty: ColumnType,
    /// `per month`: the column may vary by month (its span), if written.
    pub per: Option<Span>,
    /// The default used by tests, if any.
    pub default: Option<Expr>,
    /// The whole entry.
    pub span: Span,
}

/// `require COND "message"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Require {
    /// The condition that must hold.
    pub cond: Expr,
    /// The rule's text, shown when it fails.
    pub message: Option<StringLit>,
    /// The whole line.
    pub span: Span,
}

/// A string literal with its span; `value` has escapes resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringLit {
    /// The text, escapes resolved.
    pub value: String,
    /// Including the quotes.
    pub span: Span,
}

/// `jurisdictions { ... }`
#[derive(Debug, Clone, PartialEq)]
pub struct JurisdictionsDecl {
    /// Doc comment lines.
    pub doc: Vec<String>,
    /// The columns of `jurisdictions.csv`.
    pub columns: Vec<ColumnDecl>,
    /// The whole declaration.
    pub span: Span,
}

/// `household { ... }`, `person { ... }`, `case { ... }`
#[derive(Debug, Clone, PartialEq)]
pub struct EntityDecl {
    /// Doc comment lines.
    pub doc: Vec<String>,
    /// Which entity.
    pub kind: EntityKind,
    /// Where the keyword is.
    pub kind_span: Span,
    /// The input columns.
    pub columns: Vec<ColumnDecl>,
    /// Validation conditions.
    pub requires: Vec<Require>,
    /// `role …` entries: the roles a household's members may hold, in the order written.
    pub roles: Vec<RoleDecl>,
    /// The whole declaration.
    pub span: Span,
}

/// One role of a `role` entry: `child`, or `at most 2 parent`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleDecl {
    /// The role's name, the word in the persons' `role` column.
    pub name: Ident,
    /// `at most N`: how many members of one household may hold it, with the number's span.
    pub at_most: Option<(u32, Span)>,
    /// The whole item.
    pub span: Span,
}

/// Who may set a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// The province (省).
    Province,
    /// A city (设区市).
    City,
    /// A county-level unit (县、区、县级市).
    County,
}

/// A parameter value or a rule's version, from a date on (or from the beginning when `from` is
/// `None`).
#[derive(Debug, Clone, PartialEq)]
pub struct DatedValue {
    /// `from 2019-01-01`, or none for `= expr`.
    pub from: Option<DateLit>,
    /// The value; `None` for `= none`: not in force from `from` on.
    pub value: Option<Expr>,
    /// The whole line.
    pub span: Span,
}

/// A definition period: `per month`, `per year` (docs/language.md#periods).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Per {
    /// `per month`: one value per calendar month.
    Month,
    /// `per year`: one value per calendar year.
    Year,
}

impl Per {
    /// The words after `per`: `month`, `year`.
    pub fn word(self) -> &'static str {
        match self {
            Per::Month => "month",
            Per::Year => "year",
        }
    }
}

/// A period written in a test: `2017-01` (a month) or `2017` (a year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PeriodLit {
    /// Year.
    pub year: i32,
    /// Month, 1–12, for a month; `None` for a year.
    pub month: Option<u32>,
    /// Where it is written.
    pub span: Span,
}

/// A date literal, `2019-05-01`, already validated as a real day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateLit {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
    /// Day, 1–31 (a real day of that month).
    pub day: u32,
    /// Where it is written.
    pub span: Span,
}

/// `param name: ty { set by ...; = value; from date = value; require ... }`
#[derive(Debug, Clone, PartialEq)]
pub struct ParamDecl {
    /// Doc comment lines.
    pub doc: Vec<String>,
    /// The parameter's (possibly dotted) name.
    pub name: Path,
    /// Its type.
    pub ty: TypeExpr,
    /// `set by ...`: levels besides the province that may set it; empty means province only.
    pub set_by: Vec<(Level, Span)>,
    /// Province values in source order.
    pub values: Vec<DatedValue>,
    /// Constraints.
    pub requires: Vec<Require>,
    /// The whole declaration.
    pub span: Span,
}

/// `household gap: 元/月 = expr`, or dated versions
/// `household gap: 元/月 { from 2019-01-01 = expr  from 2023-01-01 = none }`.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleDecl {
    /// Doc comment lines.
    pub doc: Vec<String>,
    /// The entity the rule is computed for.
    pub entity: EntityKind,
    /// The rule's name.
    pub name: Ident,
    /// The declared type, if written (always written for dated versions).
    pub ty: Option<TypeExpr>,
    /// `per month` / `per year` after the type, if written.
    pub per: Option<(Per, Span)>,
    /// The definition: one undated value for `= expr` (in force on every date), else the
    /// versions in source order.
    pub values: Vec<DatedValue>,
    /// The whole declaration.
    pub span: Span,
}

impl RuleDecl {
    /// The expression of a rule written `= expr`, in force on every date; `None` for a rule
    /// written with versions (`{ from DATE = … }`).
    pub fn undated_body(&self) -> Option<&Expr> {
        match self.values.as_slice() {
            [DatedValue { from: None, value: Some(body), .. }] => Some(body),
            _ => None,
        }
    }

    /// Every version's expression, in source order (`= none` versions have none).
    pub fn exprs(&self) -> impl Iterator<Item = &Expr> {
        self.values.iter().filter_map(|value| value.value.as_ref())
    }
}

/// One column of an output: `name` or `name = expr`.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputColumn {
    /// The column's name in the output header.
    pub name: Ident,
    /// The value, when not simply the rule or column of the same name.
    pub value: Option<Expr>,
    /// The whole entry.
    pub span: Span,
}

/// `output household_results for household where COND { ... }`
#[derive(Debug, Clone, PartialEq)]
pub struct OutputDecl {
    /// Doc comment lines.
    pub doc: Vec<String>,
    /// The table's name; the file is `NAME.csv`.
    pub name: Ident,
    /// One row per record of this entity.
    pub entity: EntityKind,
    /// Only rows for which this holds.
    pub filter: Option<Expr>,
    /// The columns in order.
    pub columns: Vec<OutputColumn>,
    /// The whole declaration.
    pub span: Span,
}

/// A grouping level of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportLevel {
    /// Per county.
    County,
    /// Per city.
    City,
    /// The whole province.
    Province,
}

/// One line of a report block.
#[derive(Debug, Clone, PartialEq)]
pub enum ReportEntry {
    /// `by county, city, province`
    By(Vec<(ReportLevel, Span)>, Span),
    /// `count col, col`: the number of rows per value of each column.
    Count(Vec<Ident>, Span),
    /// `sum col, col`: sums (money also annualised × 12).
    Sum(Vec<Ident>, Span),
    /// `budget col "label" AMOUNT`: a budget line beside the annual total of `col`.
    Budget {
        /// The column compared.
        column: Ident,
        /// The budget line's name.
        label: StringLit,
        /// The budget amount (a money literal).
        amount: Expr,
        /// The whole line.
        span: Span,
    },
    /// `rate NAME = NUM / DEN [where COND] [below RATIO]`
    Rate {
        /// The indicator's name.
        name: Ident,
        /// Column summed for the numerator.
        numerator: Ident,
        /// Column summed for the denominator.
        denominator: Ident,
        /// Only counties for which this holds (it may use `county.X`).
        filter: Option<Expr>,
        /// Flag the group when the rate is below this ratio.
        below: Option<Expr>,
        /// The whole line.
        span: Span,
    },
}

/// `report for household_results { ... }`
#[derive(Debug, Clone, PartialEq)]
pub struct ReportDecl {
    /// Doc comment lines.
    pub doc: Vec<String>,
    /// The output table the report summarises.
    pub table: Ident,
    /// The entries in order.
    pub entries: Vec<ReportEntry>,
    /// The whole declaration.
    pub span: Span,
}

/// `program tekun "特困人员救助供养" = tekun_basic_monthly + tekun_care_monthly`: a program the
/// policy pays; its monthly amount for a household is the sum of the named household rules.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgramDecl {
    /// Doc comment lines.
    pub doc: Vec<String>,
    /// The program's id (what a roster's `program` column holds).
    pub id: Ident,
    /// Its name for people, e.g. `农村最低生活保障`.
    pub name: StringLit,
    /// The household rules added up, at least one.
    pub rules: Vec<Ident>,
    /// The whole declaration.
    pub span: Span,
}

/// `visit = visit_required`: the household rule that puts a household on the visit list.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitDecl {
    /// Doc comment lines.
    pub doc: Vec<String>,
    /// The household `bool` rule.
    pub rule: Ident,
    /// The whole declaration.
    pub span: Span,
}

/// A record literal in a test: `household { county_code: "610802", annual_income: 0 }`.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordLit {
    /// Which entity.
    pub kind: EntityKind,
    /// `column: value` pairs in order.
    pub fields: Vec<(Ident, Expr)>,
    /// `column PERIOD: value`: a monthly column's value for one month or year, in order.
    pub periodic: Vec<(Ident, PeriodLit, Expr)>,
    /// The whole literal.
    pub span: Span,
}

/// Which record an `expect` looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpectTarget {
    /// The household.
    Household,
    /// `person N` (1-based).
    Person(u32, Span),
    /// `case N` (1-based).
    Case(u32, Span),
}

/// One `expect` line.
#[derive(Debug, Clone, PartialEq)]
#[expect(clippy::large_enum_variant, reason = "a test has a few of them; boxing would only add noise")]
pub enum Expectation {
    /// `expect [person N | case N] NAME = VALUE`
    Value {
        /// Which record.
        target: ExpectTarget,
        /// The rule or column.
        name: Ident,
        /// `NAME 2017-01 = …`: the period whose value is expected, if written.
        period: Option<PeriodLit>,
        /// The expected value.
        value: Expr,
        /// `± AMOUNT`: how far the value may be from `value`.
        tolerance: Option<Expr>,
        /// The whole line.
        span: Span,
    },
    /// `expect rejected ["message"]`
    Rejected(Option<StringLit>, Span),
    /// `expect error`
    Error(Span),
}

/// `test "name" { as_of D; records; expects }`
#[derive(Debug, Clone, PartialEq)]
pub struct TestDecl {
    /// Doc comment lines.
    pub doc: Vec<String>,
    /// The test's name.
    pub name: StringLit,
    /// `as_of DATE`, if given (`as_of 2017-01` is the month's first day).
    pub as_of: Option<DateLit>,
    /// Whether `as_of` was written as a month (`as_of 2017-01`).
    pub as_of_month: bool,
    /// The household, persons and cases, in the order written.
    pub records: Vec<RecordLit>,
    /// What must come out.
    pub expectations: Vec<Expectation>,
    /// `tolerance AMOUNT`: how far every numeric expectation without its own `±` may be off.
    pub tolerance: Option<Expr>,
    /// The whole declaration.
    pub span: Span,
}

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is written.
    pub span: Span,
}

/// A number literal as written: digits and an optional fraction, kept exact.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Number {
    /// The digits without the decimal point, e.g. `38750` for `387.50`.
    pub digits: String,
    /// How many of them are after the point, e.g. 2 for `387.50`.
    pub scale: u32,
}

/// A suffix after a number literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NumberUnit {
    /// No suffix.
    None,
    /// `%`.
    Percent,
    /// `元`, `元/月`, `元/年`, `EUR/月`.
    Money(Period, Currency),
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `not`
    Not,
    /// `-`
    Neg,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `or`
    Or,
    /// `and`
    And,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

impl BinaryOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
        }
    }
}

/// The right-hand side of `in`.
#[derive(Debug, Clone, PartialEq)]
pub enum InSet {
    /// `a..b`, both ends included.
    Range(Box<Expr>, Box<Expr>),
    /// `[a, b, c]`.
    List(Vec<Expr>),
}

/// An aggregate over a household's members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggregateKind {
    /// `count(members [where P])`
    Count,
    /// `sum(members [where P], V)`
    Sum,
    /// `any(members [where P] [, V])`
    Any,
    /// `all(members [where P], V)`
    All,
    /// `max(members [where P], V)`
    Max,
    /// `min(members [where P], V)`
    Min,
    /// `first(members [where P], V)`
    First,
}

/// A pattern of a `match` arm.
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    /// `_`
    Wildcard(Span),
    /// An enum variant, bare or qualified: `none`, `SelfCare.none`.
    Variant(Path),
    /// An integer: `3`.
    Int(i64, Span),
    /// `70..79` (both included) or `100..` (open).
    Range(i64, Option<i64>, Span),
}

/// `PATTERN => VALUE`
#[derive(Debug, Clone, PartialEq)]
pub struct MatchArm {
    /// The pattern.
    pub pattern: Pattern,
    /// The value when it matches.
    pub value: Expr,
    /// The whole arm.
    pub span: Span,
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A number with an optional unit: `3218`, `15%`, `80 元/月`.
    Number(Number, NumberUnit),
    /// `true` / `false`.
    Bool(bool),
    /// `2019-05-01`.
    Date(DateLit),
    /// `"text"`.
    Text(String),
    /// `as_of`: the run's evaluation date.
    AsOf,
    /// A name: a rule, column, parameter, `county.X`, or enum variant.
    Path(Path),
    /// `not x`, `-x`.
    Unary(UnaryOp, Box<Expr>),
    /// `a + b`, `a and b`, ...
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `x in 1..3`, `x in [a, b]`.
    In(Box<Expr>, InSet),
    /// `x as 元/月`.
    As(Box<Expr>, TypeExpr),
    /// `if c { a } else { b }`; `else if` nests in the else branch.
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `match x { ... }`.
    Match(Box<Expr>, Vec<MatchArm>),
    /// `name(args)`: `min`, `max`, `age`, `years_between`, `mask`, `last_year`, `province`.
    Call(Ident, Vec<Expr>),
    /// `count(members where P)`, `sum(members where P, V)`, ...
    Aggregate {
        /// Which aggregate.
        kind: AggregateKind,
        /// Where the aggregate's name is written.
        kind_span: Span,
        /// The `where` filter.
        filter: Option<Box<Expr>>,
        /// The value aggregated (absent for `count`, optional for `any`).
        value: Option<Box<Expr>>,
    },
    /// `( x )`: kept so that the formatter can reproduce it.
    Paren(Box<Expr>),
    /// `[0: 3%, 12000: 10%]`: a scale's brackets (threshold, value), only as a parameter's value.
    ScaleLit(Vec<(Expr, Expr)>),
}
