//! The checker's errors: one enum, one variant per kind of mistake, each with a stable code.
//!
//! Variants hold [`Span`]s and already-formatted names (types are shown as the drafter writes
//! them: `元/月`, `ratio`, `LaborCapacity`). A secondary label is `None` when its span lies in
//! another file than the primary one (a snippet shows one file): that place is then a related
//! place of the diagnostic ([`elsewhere`]), with the text the label would have had.

use miette::{Diagnostic, LabeledSpan};
use pol_grammar::Span;
use thiserror::Error;

/// A mistake found by the checker.
#[derive(Debug, Error, Diagnostic)]
pub enum TypeError {
    /// A name that is not declared (or not visible here).
    #[error("unknown {what} `{name}`")]
    #[diagnostic(code("pol::name::unknown"))]
    UnknownName {
        /// `name`, `function`, `column`, `parameter`, `output table`, …
        what: &'static str,
        /// The name as written.
        name: String,
        /// Where.
        #[label("expected {expected}")]
        span: Span,
        /// What would have been found here.
        expected: String,
        /// The nearest name, or how to declare it.
        #[help]
        help: Option<String>,
    },

    /// Two declarations of one name.
    #[error("`{name}` is declared twice")]
    #[diagnostic(code("pol::name::duplicate"))]
    Duplicate {
        /// The name.
        name: String,
        /// The second declaration.
        #[label("this {what} is declared again here")]
        span: Span,
        /// `rule`, `column`, `parameter`, …
        what: &'static str,
        /// The first declaration, when in the same file.
        #[label("first declared here")]
        first: Option<Span>,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },

    /// An output whose file would be one `pol run` writes for itself.
    #[error("output `{name}` would overwrite {file}")]
    #[diagnostic(
        code("pol::name::reserved_output"),
        help("`pol run` writes {file} itself; rename the output (reserved names: {reserved})")
    )]
    ReservedOutput {
        /// The output's name.
        name: String,
        /// The name.
        #[label("this name is reserved for {file}")]
        span: Span,
        /// The files `pol run` writes under that name, in backticks.
        file: &'static str,
        /// Every reserved name, in backticks.
        reserved: String,
    },

    /// A scale's name where a value is expected.
    #[error("`{name}` is a scale, not a value")]
    #[diagnostic(
        code("pol::scale::as_value"),
        help(
            "apply it to a value: `marginal({name}, x)` adds up each bracket's rate × the part of x in it; `bracket({name}, x)` is the rate or amount of the bracket x falls in"
        )
    )]
    ScaleAsValue {
        /// The scale.
        name: String,
        /// Where.
        #[label("a scale, where a value is expected")]
        span: Span,
    },

    /// The first argument of `marginal` or `bracket` is not a scale.
    #[error("`{function}` applies a scale, and `{found}` is not one")]
    #[diagnostic(
        code("pol::scale::not_a_scale"),
        help(
            "name a parameter declared as `scale(THRESHOLD TYPE, VALUE TYPE)`, e.g. `{function}(income_tax, income)`"
        )
    )]
    NotAScale {
        /// `marginal` or `bracket`.
        function: String,
        /// What was written (a name, or `this`).
        found: String,
        /// Where.
        #[label("not a scale")]
        span: Span,
    },

    /// `marginal` of a scale of rates whose thresholds are not money.
    #[error(
        "`marginal` needs a scale of rates over amounts of money, or a scale of amounts; `{name}` is `scale({thresholds}, {values})`"
    )]
    #[diagnostic(
        code("pol::scale::marginal"),
        help(
            "`marginal` adds up rate × the part of an amount in each bracket (rates over money), or the amounts of the brackets below a value (a scale of amounts); for the rate of the bracket a value falls in, write `bracket({name}, x)`"
        )
    )]
    MarginalNeedsRates {
        /// The scale.
        name: String,
        /// Its threshold type.
        thresholds: String,
        /// Its value type.
        values: String,
        /// Where.
        #[label("rates over thresholds that are not money")]
        span: Span,
    },

    /// A scale type with a threshold or value type a scale cannot have.
    #[error("a scale cannot have {part} of type `{ty}`")]
    #[diagnostic(
        code("pol::scale::type"),
        help(
            "thresholds are money (`元/年`, …) or `int`; values are rates (`ratio`), money or `int`: e.g. `scale(元/年, ratio)`, `scale(int, 元/月)`"
        )
    )]
    ScaleType {
        /// `thresholds` or `values`.
        part: &'static str,
        /// The type written.
        ty: String,
        /// Where.
        #[label("not allowed in a scale")]
        span: Span,
    },

    /// A scale type outside a parameter declaration.
    #[error("only a parameter can be a scale")]
    #[diagnostic(
        code("pol::scale::misplaced"),
        help(
            "declare the brackets as `param NAME: scale(THRESHOLD TYPE, VALUE TYPE) {{ = [THRESHOLD: VALUE, …] }}` and apply them with `marginal` or `bracket`"
        )
    )]
    ScaleMisplaced {
        /// Where.
        #[label("a scale here")]
        span: Span,
    },

    /// A scale's value that is not a list of brackets.
    #[error("a scale's value is a list of brackets")]
    #[diagnostic(
        code("pol::scale::value"),
        help("write the brackets in square brackets, each a threshold and its rate or amount: `[0: 3%, 12000: 10%]`")
    )]
    ScaleValue {
        /// Where.
        #[label("not a list of brackets")]
        span: Span,
    },

    /// A scale without a bracket.
    #[error("a scale needs at least one bracket")]
    #[diagnostic(
        code("pol::scale::empty"),
        help(
            "write at least one bracket, a threshold and its rate or amount: `[0: 3%]`; a scale that no longer applies is `= none`"
        )
    )]
    ScaleEmpty {
        /// Where.
        #[label("no bracket")]
        span: Span,
    },

    /// Thresholds that do not increase.
    #[error("the thresholds of a scale must increase: `{threshold}` comes after `{previous}`")]
    #[diagnostic(
        code("pol::scale::thresholds"),
        help("list the brackets from the lowest threshold to the highest, each threshold above the one before")
    )]
    ScaleOrder {
        /// The threshold out of order.
        threshold: String,
        /// The one before it.
        previous: String,
        /// Where.
        #[label("not above the threshold before")]
        span: Span,
        /// The threshold before, when in the same file.
        #[label("the threshold before")]
        before: Option<Span>,
    },

    /// A rate among amounts, or an amount among rates.
    #[error("a scale of `{expected}` cannot hold `{found}`: its brackets are all rates or all amounts")]
    #[diagnostic(
        code("pol::scale::mixed"),
        help(
            "every bracket of a scale holds a value of its declared type: rates (`15%`) in a `ratio` scale, amounts (`500 元/月`) in a money scale"
        )
    )]
    ScaleMixed {
        /// The scale's value type.
        expected: String,
        /// The value's type.
        found: String,
        /// Where.
        #[label("`{found}`, not `{expected}`")]
        span: Span,
    },

    /// A money unit in another currency than the policy's.
    #[error("`{unit}` is not in this policy's currency, `{currency}`")]
    #[diagnostic(code("pol::unit::currency"))]
    WrongCurrency {
        /// The unit as written (`EUR/月`).
        unit: String,
        /// The policy's currency (`元`, `EUR`).
        currency: String,
        /// Where.
        #[label("another currency")]
        span: Span,
        /// How to fix it.
        #[help]
        help: String,
    },

    /// A second `currency` declaration.
    #[error("the policy declares its currency twice: `{first_currency}`, then `{currency}`")]
    #[diagnostic(code("pol::unit::currency_twice"), help("a policy has one currency: keep one `currency` line"))]
    CurrencyTwice {
        /// The second declaration's currency.
        currency: String,
        /// The first declaration's currency.
        first_currency: String,
        /// The second declaration.
        #[label("declared again here")]
        span: Span,
        /// The first declaration, when in the same file.
        #[label("first declared here")]
        first: Option<Span>,
    },

    /// A `currency` line's `precision` that is not one of `0.01` … `0.000001`.
    #[error("`precision {written}` is not a precision amounts can be computed to")]
    #[diagnostic(
        code("pol::unit::precision"),
        help(
            "write one of `0.01` (the cent, as without `precision`), `0.001`, `0.0001`, `0.00001` or `0.000001`: amounts are computed to that fraction of a `{currency}` and written to the cent"
        )
    )]
    MoneyPrecision {
        /// The precision as written.
        written: String,
        /// The policy's currency.
        currency: String,
        /// Where.
        #[label("not 0.01 … 0.000001")]
        span: Span,
    },

    /// A local level (`set by city`, `by county`) in a policy that declares no jurisdictions.
    #[error("{what} needs jurisdictions, and this policy declares none")]
    #[diagnostic(
        code("pol::schema::no_jurisdictions"),
        help(
            "without a `jurisdictions` block the province is the only level: remove {what}, or declare the counties in `jurisdictions` and `jurisdictions.csv`"
        )
    )]
    NoJurisdictions {
        /// What was written, in backticks (`` `set by city` ``, `` `by county` ``).
        what: String,
        /// Where.
        #[label("the province is the only level here")]
        span: Span,
    },

    /// A bare enum variant where no enum type is expected.
    #[error("cannot tell which enum `{name}` belongs to")]
    #[diagnostic(code("pol::name::no_enum_context"))]
    NoEnumContext {
        /// The variant.
        name: String,
        /// Where.
        #[label("no enum type is expected here")]
        span: Span,
        /// The qualified spelling.
        #[help]
        help: Option<String>,
    },

    /// `members` outside an aggregate.
    #[error("`members` can only be used inside an aggregate")]
    #[diagnostic(
        code("pol::name::members"),
        help("aggregate the members, e.g. `count(members where …)` or `sum(members, …)`")
    )]
    MembersOutsideAggregate {
        /// Where.
        #[label("not inside `count`, `sum`, `any`, `all`, `max`, `min` or `first`")]
        span: Span,
    },

    /// Something valid elsewhere that this place does not allow.
    #[error("{what} cannot be used in {place}")]
    #[diagnostic(code("pol::scope::not_allowed"))]
    NotAllowed {
        /// What was used: "the rule `x`", "`as_of`", "an aggregate".
        what: String,
        /// Where it was used: "a parameter value", "a literal value".
        place: &'static str,
        /// Where.
        #[label("not allowed here")]
        span: Span,
        /// What is allowed instead.
        #[help]
        help: Option<String>,
    },

    /// A value of one type where another is needed.
    #[error("expected {expected}, found `{found}`")]
    #[diagnostic(code("pol::type::mismatch"))]
    Mismatch {
        /// The expected type(s), formatted.
        expected: String,
        /// The type found.
        found: String,
        /// The offending expression.
        #[label("this is `{found}`")]
        span: Span,
        /// What made the expectation.
        #[label("expected because of this")]
        because: Option<Span>,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },

    /// Money of one period where another period is needed.
    #[error("expected `{expected}`, found `{found}`")]
    #[diagnostic(code("pol::unit::mismatch"))]
    PeriodMismatch {
        /// The expected money type.
        expected: String,
        /// The money type found.
        found: String,
        /// The offending expression.
        #[label("this is `{found}`")]
        span: Span,
        /// What made the expectation.
        #[label("this is `{expected}`")]
        because: Option<Span>,
        /// The conversion to write.
        #[help]
        help: Option<String>,
    },

    /// Two money operands of different periods.
    #[error("cannot {verb} `{left}` and `{right}`")]
    #[diagnostic(code("pol::unit::mismatch"))]
    UnitMismatch {
        /// `add`, `subtract`, `compare`, `divide`, …
        verb: &'static str,
        /// The left operand's type.
        left: String,
        /// The right operand's type.
        right: String,
        /// The right operand (primary).
        #[label(primary, "this is `{right}`")]
        right_span: Span,
        /// The left operand.
        #[label("this is `{left}`")]
        left_span: Option<Span>,
        /// The conversion to write.
        #[help]
        help: Option<String>,
    },

    /// An operator applied to types it does not take.
    #[error("cannot apply `{op}` to `{left}` and `{right}`")]
    #[diagnostic(code("pol::type::operator"))]
    BadOperands {
        /// The operator.
        op: &'static str,
        /// The left operand's type.
        left: String,
        /// The right operand's type.
        right: String,
        /// The whole operation.
        #[label(primary, "this is `{right}`")]
        right_span: Span,
        /// The left operand.
        #[label("this is `{left}`")]
        left_span: Option<Span>,
        /// What the operator takes.
        #[help]
        help: Option<String>,
    },

    /// A unary operator applied to a type it does not take.
    #[error("cannot apply `{op}` to `{ty}`")]
    #[diagnostic(code("pol::type::operator"))]
    BadUnary {
        /// `not` or `-`.
        op: &'static str,
        /// The operand's type.
        ty: String,
        /// The operand.
        #[label("this is `{ty}`")]
        span: Span,
        /// What the operator takes.
        #[help]
        help: Option<String>,
    },

    /// An `as` conversion that does not exist.
    #[error("cannot convert `{from}` to `{to}`")]
    #[diagnostic(code("pol::type::conversion"))]
    BadConversion {
        /// The operand's type.
        from: String,
        /// The target type.
        to: String,
        /// The conversion.
        #[label("no conversion from `{from}` to `{to}`")]
        span: Span,
        /// The conversions that exist.
        #[help]
        help: Option<String>,
    },

    /// A number literal with more decimals than its unit holds.
    #[error("a {kind} has at most {max} decimals")]
    #[diagnostic(code("pol::literal::precision"))]
    Precision {
        /// `money amount`, `ratio`, `percentage`.
        kind: &'static str,
        /// The most decimals allowed.
        max: u32,
        /// The literal.
        #[label("{found} decimals")]
        span: Span,
        /// How many it has.
        found: u32,
        /// Why.
        #[help]
        help: Option<String>,
    },

    /// A number literal too large for its unit.
    #[error("number too large for `{ty}`")]
    #[diagnostic(
        code("pol::literal::overflow"),
        help("values must lie within ±9,223,372,036,854,775,807 in their unit's smallest step (fen, 10⁻⁹ for ratios)")
    )]
    LiteralOverflow {
        /// The literal's type.
        ty: String,
        /// The literal.
        #[label("does not fit")]
        span: Span,
    },

    /// An expression where a literal value is needed.
    #[error("{place} must be a literal value")]
    #[diagnostic(
        code("pol::literal::not_constant"),
        help("write a number, `true`/`false`, a date, a text or an enum variant")
    )]
    NotConstant {
        /// "a default", "an expected value", …
        place: &'static str,
        /// The expression.
        #[label("not a literal")]
        span: Span,
    },

    /// A range whose end is before its start.
    #[error("empty range `{low}..{high}`")]
    #[diagnostic(code("pol::literal::empty_range"), help("write the smaller bound first: ranges include both ends"))]
    EmptyRange {
        /// Start.
        low: i64,
        /// End.
        high: i64,
        /// The range.
        #[label("matches nothing")]
        span: Span,
    },

    /// A `match` with values no arm covers.
    #[error("`match` does not cover {missing}")]
    #[diagnostic(code("pol::match::non_exhaustive"))]
    NonExhaustive {
        /// The uncovered values, formatted.
        missing: String,
        /// The scrutinee.
        #[label("some values of this have no arm")]
        span: Span,
        /// How to complete it.
        #[help]
        help: Option<String>,
    },

    /// A `match` arm that earlier arms already cover.
    #[error("this arm is never used")]
    #[diagnostic(
        code("pol::match::unreachable"),
        help("earlier arms match every value this pattern matches; remove the arm or move it up")
    )]
    UnreachableArm {
        /// The pattern.
        #[label("already covered by the arms above")]
        span: Span,
    },

    /// A call with the wrong number or kind of arguments.
    #[error("`{name}` takes {expected}")]
    #[diagnostic(code("pol::call::arity"))]
    Arity {
        /// The function or aggregate.
        name: String,
        /// What it takes.
        expected: &'static str,
        /// The call.
        #[label("found {found}")]
        span: Span,
        /// What was given.
        found: String,
        /// An example.
        #[help]
        help: Option<String>,
    },

    /// Rules that depend on each other.
    #[error("rule `{name}` depends on itself: {cycle}")]
    #[diagnostic(
        code("pol::rule::cycle"),
        help("a rule cannot use its own value, directly or through other rules; break the cycle")
    )]
    RuleCycle {
        /// The first rule of the cycle.
        name: String,
        /// `a → b → a`.
        cycle: String,
        /// The first rule's name.
        #[label(primary, "this rule")]
        span: Span,
        /// Each use along the cycle.
        #[label(collection)]
        uses: Vec<LabeledSpan>,
    },

    /// Parameters whose values depend on each other.
    #[error("parameter `{name}` depends on itself: {cycle}")]
    #[diagnostic(
        code("pol::param::cycle"),
        help("a parameter's value cannot follow itself, directly or through other parameters")
    )]
    ParamCycle {
        /// The first parameter of the cycle.
        name: String,
        /// `a → b → a`.
        cycle: String,
        /// The first parameter's name.
        #[label(primary, "this parameter")]
        span: Span,
        /// Each use along the cycle.
        #[label(collection)]
        uses: Vec<LabeledSpan>,
    },

    /// An expression nested beyond the checker's limit.
    #[error("expression nested too deeply")]
    #[diagnostic(code("pol::expr::too_deep"), help("split it into several rules"))]
    TooDeep {
        /// The expression at the limit.
        #[label("more than {limit} levels of nesting")]
        span: Span,
        /// The limit.
        limit: u32,
    },

    /// A column type that does not belong in this block.
    #[error("a `{block}` column cannot be of type `{ty}`")]
    #[diagnostic(code("pol::schema::column"))]
    BadColumnType {
        /// `household`, `person`, `case`, `jurisdictions`.
        block: &'static str,
        /// The type written.
        ty: String,
        /// Where.
        #[label("not allowed here")]
        span: Span,
        /// What belongs here.
        #[help]
        help: Option<String>,
    },

    /// A default on a column whose value is generated.
    #[error("column `{name}` cannot have a default")]
    #[diagnostic(
        code("pol::schema::default"),
        help("tests generate keys and links to the household; remove the default")
    )]
    GeneratedDefault {
        /// The column.
        name: String,
        /// The default.
        #[label("not allowed on a `key` or `household` column")]
        span: Span,
    },

    /// A `jurisdictions` block without a key column.
    #[error("the `jurisdictions` block has no `key` column")]
    #[diagnostic(
        code("pol::schema::key"),
        help("mark the column holding the county code with `: key`, e.g. `county_code: key`")
    )]
    MissingKey {
        /// The block.
        #[label("needs a `key` column")]
        span: Span,
    },

    /// The report summarises an unsuitable table or column.
    #[error("{message}")]
    #[diagnostic(code("pol::report::invalid"))]
    Report {
        /// What is wrong.
        message: String,
        /// Where.
        #[label("{label}")]
        span: Span,
        /// The label text.
        label: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },

    /// A program adds a name that is no household rule.
    #[error("program `{id}` adds `{rule}`, which is not a household rule")]
    #[diagnostic(
        code("pol::program::unknown_rule"),
        help(
            "a program's monthly amount is the sum of household rules of type `元/月`, e.g. `household dibao_monthly: 元/月 = …`"
        )
    )]
    ProgramUnknownRule {
        /// The program's id.
        id: String,
        /// The name as written.
        rule: String,
        /// Where.
        #[label("not a household rule")]
        span: Span,
    },

    /// A program adds a rule that is not money per month.
    #[error("program `{id}` adds `{rule}` of type `{ty}`, not `元/月`")]
    #[diagnostic(
        code("pol::program::not_monthly"),
        help(
            "a program's amount is money per month: add rules of type `元/月`, or give the rule that type with `as 元/月`"
        )
    )]
    ProgramNotMonthly {
        /// The program's id.
        id: String,
        /// The rule.
        rule: String,
        /// Its type.
        ty: String,
        /// Where.
        #[label("not money per month")]
        span: Span,
    },

    /// Two programs with one id.
    #[error("program `{id}` is declared twice")]
    #[diagnostic(code("pol::program::duplicate"), help("give each program its own id: a roster names programs by id"))]
    ProgramDuplicate {
        /// The id.
        id: String,
        /// The second declaration.
        #[label("declared again here")]
        span: Span,
        /// The first, when in the same file.
        #[label("first declared here")]
        first: Option<Span>,
    },

    /// A visit list that is not a household `bool` rule, or a second one.
    #[error("the visit list `{rule}` is not a household `bool` rule")]
    #[diagnostic(
        code("pol::program::visit"),
        help("name the household rule that is true for a household on the visit list, e.g. `visit = visit_required`")
    )]
    VisitNotBool {
        /// The name as written.
        rule: String,
        /// Where.
        #[label("not a household `bool` rule")]
        span: Span,
    },

    /// A second `visit` declaration.
    #[error("the visit list is declared twice")]
    #[diagnostic(code("pol::program::visit_twice"), help("a policy has one visit list; keep one `visit = …`"))]
    VisitTwice {
        /// The second declaration.
        #[label("declared again here")]
        span: Span,
        /// The first, when in the same file.
        #[label("first declared here")]
        first: Option<Span>,
    },

    /// A test record without a value for a column that has no default.
    #[error("{entity} record has no value for `{column}`")]
    #[diagnostic(code("pol::test::missing_column"))]
    MissingColumn {
        /// `household`, `person`, `case`.
        entity: &'static str,
        /// The column.
        column: String,
        /// The record.
        #[label("`{column}` is missing and has no default")]
        span: Span,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },

    /// A county code not in `jurisdictions.csv`.
    #[error("unknown county code `{code}`")]
    #[diagnostic(code("pol::test::unknown_county"))]
    UnknownCounty {
        /// The code.
        code: String,
        /// Where.
        #[label("not a county of jurisdictions.csv")]
        span: Span,
        /// The nearest code.
        #[help]
        help: Option<String>,
    },

    /// `expect person N` beyond the records of the test.
    #[error("the test has no {entity} {index}")]
    #[diagnostic(
        code("pol::test::no_record"),
        help("`person N` and `case N` count from 1 in the order the records are written")
    )]
    NoRecord {
        /// `person` or `case`.
        entity: &'static str,
        /// N as written.
        index: u32,
        /// Where.
        #[label("there are {count} {entity} records")]
        span: Span,
        /// How many there are.
        count: usize,
    },

    /// A test sets a column the test fills in itself.
    #[error("`{column}` is filled in by the test")]
    #[diagnostic(
        code("pol::test::generated_field"),
        help("leave it out: the test links persons and cases to its household")
    )]
    GeneratedField {
        /// The column.
        column: String,
        /// Where.
        #[label("remove this field")]
        span: Span,
    },

    /// A second household record in one test.
    #[error("a test has exactly one household")]
    #[diagnostic(code("pol::test::household"), help("write one test per household"))]
    SecondHousehold {
        /// The second record.
        #[label("second household")]
        span: Span,
        /// The first.
        #[label("first household")]
        first: Option<Span>,
    },

    /// `role` in a person or case block: roles belong to the household.
    #[error("roles are declared in the `household` block, not in `{entity}`")]
    #[diagnostic(
        code("pol::role::outside_household"),
        help("move this `role` line into `household {{ … }}`: the persons' `role` column then holds one of them")
    )]
    RoleOutsideHousehold {
        /// `person` or `case`.
        entity: &'static str,
        /// The first role of the line.
        #[label("a role outside the household")]
        span: Span,
    },

    /// A person column named `role` beside the household's roles.
    #[error("the person column `role` is declared by the household's roles")]
    #[diagnostic(
        code("pol::role::column_declared"),
        help(
            "remove this column: with `role …` in the household, every person has a `role` column holding one of the roles"
        )
    )]
    RoleColumnDeclared {
        /// The column's name.
        #[label("declared again here")]
        span: Span,
        /// The household's roles, when in the same file.
        #[label("the household's roles")]
        roles: Option<Span>,
    },

    /// A test household whose persons exceed a role's limit.
    #[error("this test has {count} members with role `{role}`, at most {limit} allowed")]
    #[diagnostic(
        code("pol::role::limit_in_test"),
        help("give this person another role, or write `expect rejected` if the test checks the limit")
    )]
    RoleLimitInTest {
        /// The role.
        role: String,
        /// Its limit.
        limit: u32,
        /// How many persons of the test hold it.
        count: usize,
        /// The first person over the limit.
        #[label("one member too many")]
        span: Span,
        /// The limit, when in the same file.
        #[label("the limit")]
        limit_span: Option<Span>,
    },

    /// A test without persons whose default member lacks a value.
    #[error("this test has no `person`, and its default member has no `{column}`")]
    #[diagnostic(
        code("pol::test::default_member"),
        help("write the members, e.g. `person {{ {column}: … }}`, or give `{column}` a default in the `person` block")
    )]
    DefaultMember {
        /// The person column without a default.
        column: String,
        /// The test's name.
        #[label("a test without members")]
        span: Span,
    },

    /// A tolerance that is not a plain number.
    #[error("a tolerance is a plain number")]
    #[diagnostic(
        code("pol::test::tolerance"),
        help("write how far the value may be off as a number without unit or sign, e.g. `± 0.01` or `tolerance 0.01`")
    )]
    ToleranceNotNumber {
        /// The tolerance.
        #[label("not a number")]
        span: Span,
    },

    /// `±` on an expectation that is not a number.
    #[error("`{name}` is `{ty}`, which has no tolerance")]
    #[diagnostic(
        code("pol::test::tolerance_type"),
        help("only money, ratios and whole numbers may be compared within a tolerance; remove `± …`")
    )]
    ToleranceType {
        /// The rule or column.
        name: String,
        /// Its type.
        ty: String,
        /// The tolerance.
        #[label("a tolerance for a value compared exactly")]
        span: Span,
    },

    /// An int value outside its column's declared range.
    #[error("`{value}` is outside the range of `{column}`")]
    #[diagnostic(code("pol::test::out_of_range"))]
    OutOfRange {
        /// The column.
        column: String,
        /// The value.
        value: i64,
        /// Where.
        #[label("`{column}` is between {low} and {high}")]
        span: Span,
        /// Lower bound.
        low: i64,
        /// Upper bound.
        high: i64,
    },

    /// A money rule or column whose unit contradicts its declared period.
    #[error("`{name}` is computed {per}, but `{unit}` is money {other}")]
    #[diagnostic(code("pol::period::unit"), help("write `{want}`, or `{other_decl}` after the type"))]
    PeriodUnit {
        /// The rule or column.
        name: String,
        /// `per month` or `per year`: what it declares.
        per: &'static str,
        /// Its unit as written.
        unit: String,
        /// The period the unit means.
        other: &'static str,
        /// The type the period wants (`EUR/年`).
        want: String,
        /// `per year` or `per month`: the period the unit wants.
        other_decl: &'static str,
        /// The type.
        #[label("money {other}")]
        span: Span,
    },

    /// A rule reading a value of another period directly.
    #[error("`{reader}` is computed {per} and cannot read `{name}`, computed {other}, directly")]
    #[diagnostic(code("pol::period::mismatch"))]
    CrossPeriodRead {
        /// The rule that reads.
        reader: String,
        /// Its period (`per month`).
        per: &'static str,
        /// What it reads.
        name: String,
        /// The period of what it reads.
        other: &'static str,
        /// The read.
        #[label("computed {other}")]
        span: Span,
        /// The form that reads it (`this_year(x)`, …).
        #[help]
        help: String,
    },

    /// A cross-period read written in a rule of the other period.
    #[error("`{function}` cannot be used in a rule computed {per}")]
    #[diagnostic(code("pol::period::mismatch"))]
    PeriodCall {
        /// The function.
        function: &'static str,
        /// The period of the rule it is written in.
        per: &'static str,
        /// The period it needs.
        need: &'static str,
        /// The call.
        #[label("only in a rule computed {need}")]
        span: Span,
        /// What to write instead.
        #[help]
        help: String,
    },

    /// A cross-period read of something of the wrong period (`this_year` of a monthly rule).
    #[error("`{function}` reads a value computed {expect}, and `{name}` is {found}")]
    #[diagnostic(code("pol::period::not_periodic"))]
    NotPeriodic {
        /// The function.
        function: &'static str,
        /// What it reads.
        name: String,
        /// The period it reads (`per year`).
        expect: &'static str,
        /// What `name` is (`computed per month`, `a constant column`).
        found: &'static str,
        /// The argument.
        #[label("{found}")]
        span: Span,
        /// What to write instead.
        #[help]
        help: String,
    },

    /// A test period that the rule or column has no value for.
    #[error("`{name}` is computed per month and has no value for the year `{period}`")]
    #[diagnostic(code("pol::test::period"), help("give a month, e.g. `{name} {period}-01`"))]
    TestPeriod {
        /// The rule.
        name: String,
        /// The year written.
        period: String,
        /// The period.
        #[label("a year, where a month is needed")]
        span: Span,
    },

    /// A test period on a column that does not vary by month.
    #[error("`{name}` does not vary by month and takes no period")]
    #[diagnostic(
        code("pol::test::period"),
        help("remove the period, or declare the column `per month` so that it may hold a value per month")
    )]
    TestPeriodConstant {
        /// The column.
        name: String,
        /// The period.
        #[label("a period on a constant column")]
        span: Span,
    },

    /// A bug in the checker.
    #[error("internal error in the checker: {message}; please report this")]
    #[diagnostic(code("pol::internal"))]
    Internal {
        /// What went wrong.
        message: String,
        /// Where the checker was.
        #[label("while checking this")]
        span: Option<Span>,
    },
}

/// `other` when it lies in the same file as `primary`: a report shows only the primary's file.
pub(crate) fn same_file(primary: Span, other: Span) -> Option<Span> {
    (primary.source == other.source).then_some(other)
}

/// `other` with `label` (the text its secondary label has in the same file) when it lies in
/// another file than `primary`: a related place of the diagnostic, shown as a snippet of its
/// own file.
pub(crate) fn elsewhere(primary: Span, other: Span, label: impl Into<String>) -> Option<(Span, String)> {
    (primary.source != other.source).then(|| (other, label.into()))
}

/// A labelled span for a collection label.
pub(crate) fn labeled(text: impl Into<String>, span: Span) -> LabeledSpan {
    LabeledSpan::new_with_span(Some(text.into()), span)
}
