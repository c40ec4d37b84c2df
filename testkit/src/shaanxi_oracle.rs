//! Hand-written reference implementation ("oracle") of the Shaanxi 2019 rural safety-net rules.
//!
//! This file encodes the rules stated in `policies/shaanxi/README.md` in plain Rust ("the spec"
//! below; its section numbers are the README's sections in this order: 1 Numbers and time,
//! 2 Jurisdictions, 3 Parameters, 4 Input data, 5 Rules, 6 Outputs and report, 7 Validation),
//! independently of the `pol` compiler, so that the compiled policy can be checked against it to the fen. It is a module of
//! the unpublished `pol-testkit` crate, used by the integration tests (as the oracle) and by the
//! benches (as the hand-written speed-of-light baseline). It depends on `std` and the `csv` crate
//! only, and uses no floating point anywhere.
//!
//! The file reads top-down as the spec does:
//! - numbers and time (spec section 1): [`Fen`], [`Ratio`], [`div_fen`], [`mul_ratio`], [`Date`];
//! - parameters (sections 2 and 3): the province, city and county parameter files are data in
//!   this file, layered per county by [`resolve_params`] into a [`ParamTable`];
//! - the core (section 5): [`Input`] holds households and persons as columns, and [`evaluate`]
//!   turns it into one [`HouseholdOut`] per household without allocating per household;
//! - the driver (sections 6 and 7): [`run_tables`] validates the input tables, evaluates them and
//!   renders the output tables; [`run_files`] does the same from and to files.
//!
//! Naming: `parse_*` functions turn the text of one field into a value; `check_*` functions
//! verify a parameter file against the constraints of spec section 3.
//!
//! It deliberately does not write the report (`report.md`, `report.json`) of spec section 6.
//! Its tests are the `tests` module at the end of this file.
//!
//! # Readings of the spec
//!
//! Where the spec leaves room, this file reads it as a civil-affairs official would:
//! - Local departures carry no date in the spec; they are in force from 2018-01-01, the start of
//!   the parameter history, like the province's undated defaults.
//! - A value that matches its pattern but does not fit 64-bit fen (above about 92 quadrillion
//!   yuan) rejects its row with `evaluation error: ...`, as an overflow during evaluation does.
//! - A household row reports one reason, the first that applies: its own first bad field (in
//!   the spec's column order), a duplicate household_id, the first person row (in file order)
//!   with a bad field, a birth after as_of or a duplicate person_id, no members, no head or more
//!   than one head, and last an evaluation error. Rows rejected with their household name the
//!   same field and say `household rejected: <why>`; a row with a problem of its own reports
//!   that instead.
//! - Ids, names and villages are free text (the spec gives them no pattern) without control
//!   characters or bidirectional overrides (a row holding one is rejected, as `pol run` rejects
//!   it). A case_id, like the other ids, is unique: every case carrying a duplicate one is
//!   rejected, without its household. Extra input columns are ignored; a column named twice is a bad header; a
//!   leading UTF-8 byte-order mark is skipped. A row with more or fewer fields than the header
//!   is a bad row.
//! - `jurisdictions.csv` must agree with the county parameter files on `sets_own_parameters`.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

// ---------------------------------------------------------------------------------------------
// Numbers and time (spec section 1)
// ---------------------------------------------------------------------------------------------

/// An exact amount of money in fen (0.01 yuan).
pub type Fen = i64;

/// An exact ratio scaled by [`RATIO_ONE`]: `150_000_000` is 15%, `1_300_000_000` is 1.3.
pub type Ratio = i64;

/// The [`Ratio`] that stands for 1 (100%).
pub const RATIO_ONE: Ratio = 1_000_000_000;

/// The default evaluation date of a run (spec section 1).
pub const DEFAULT_AS_OF: Date = Date { year: 2019, month: 7, day: 1 };

/// Returns `round_fen(amount ÷ divisor)`: the quotient rounded half away from zero (四舍五入).
///
/// `divisor` must be positive.
pub fn div_fen(amount: Fen, divisor: i64) -> Fen {
    let quotient = amount / divisor;
    let remainder = amount % divisor;
    // `remainder` is smaller than `divisor` in magnitude, so doubling it fits in a u64.
    if remainder.unsigned_abs() * 2 >= divisor.unsigned_abs() { quotient + amount.signum() } else { quotient }
}

/// Returns `round_fen(amount × ratio)`, or `None` when the result does not fit in `i64` fen.
pub fn mul_ratio(amount: Fen, ratio: Ratio) -> Option<Fen> {
    let product = i128::from(amount) * i128::from(ratio);
    let scale = i128::from(RATIO_ONE);
    let quotient = product / scale;
    let remainder = product % scale;
    let rounded =
        if remainder.unsigned_abs() * 2 >= scale.unsigned_abs() { quotient + product.signum() } else { quotient };
    i64::try_from(rounded).ok()
}

/// Writes an amount of fen as yuan with exactly two decimals (`1234.50`, `0.00`, `-0.05`).
pub fn format_fen(amount: Fen) -> String {
    let sign = if amount < 0 { "-" } else { "" };
    let magnitude = amount.unsigned_abs();
    format!("{sign}{}.{:02}", magnitude / 100, magnitude % 100)
}

/// A day of the Gregorian calendar between 0001-01-01 and 9999-12-31.
///
/// The fields are in the order year, month, day, so the derived order is chronological.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// Returns the date, or `None` if it is not a real day (e.g. 2019-02-29) or out of range.
    pub const fn from_ymd(year: u16, month: u8, day: u8) -> Option<Date> {
        if year == 0 || year > 9999 || month == 0 || month > 12 || day == 0 {
            return None;
        }
        if day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Parses exactly `YYYY-MM-DD` (no trimming, no other shape) naming a real day.
    pub fn parse(text: &str) -> Result<Date, String> {
        let bytes = text.as_bytes();
        let shaped = bytes.len() == 10
            && bytes.iter().enumerate().all(|(position, byte)| match position {
                4 | 7 => *byte == b'-',
                _ => byte.is_ascii_digit(),
            });
        if !shaped {
            return Err(format!("`{text}` is not a date written YYYY-MM-DD"));
        }
        let number = |range: std::ops::Range<usize>| {
            bytes
                .get(range)
                .map_or(0, |digits| digits.iter().fold(0_u16, |value, digit| value * 10 + u16::from(digit - b'0')))
        };
        let not_a_day = || format!("`{text}` is not a real day");
        // Two digits always fit a `u8`; the conversion cannot fail, but is not assumed to.
        let (Ok(month), Ok(day)) = (u8::try_from(number(5..7)), u8::try_from(number(8..10))) else {
            return Err(not_a_day());
        };
        Date::from_ymd(number(0..4), month, day).ok_or_else(not_a_day)
    }

    /// The year (1 to 9999).
    pub const fn year(self) -> u16 {
        self.year
    }

    /// The month (1 to 12).
    pub const fn month(self) -> u8 {
        self.month
    }

    /// The day of the month (1 to 31).
    pub const fn day(self) -> u8 {
        self.day
    }

    /// Whether `year` has a 29 February.
    pub const fn is_leap_year(year: u16) -> bool {
        (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
    }

    /// The number of days from 1970-01-01 to this date (negative before it).
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's `days_from_civil`, with years starting on 1 March.
        let year = i64::from(self.year) - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let month_from_march = (i64::from(self.month) + 9) % 12;
        let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// The date `days` days after 1970-01-01, or `None` outside 0001-01-01..=9999-12-31.
    pub fn from_days_since_epoch(days: i64) -> Option<Date> {
        // Howard Hinnant's `civil_from_days`.
        let shifted = days.checked_add(719_468)?;
        let era = shifted.div_euclid(146_097);
        let day_of_era = shifted - era * 146_097;
        let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let month_from_march = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
        let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        Date::from_ymd(u16::try_from(year).ok()?, u8::try_from(month).ok()?, u8::try_from(day).ok()?)
    }

    /// Age in full years (周岁) on `on`, or `None` if `on` is before this birth date.
    ///
    /// The birthday counts from the day itself; someone born on 29 February has their birthday
    /// on 1 March in non-leap years (spec section 1).
    pub fn age_on(self, on: Date) -> Option<u32> {
        if on < self {
            return None;
        }
        let (birthday_month, birthday_day) = if self.month == 2 && self.day == 29 && !Date::is_leap_year(on.year) {
            (3, 1)
        } else {
            (self.month, self.day)
        };
        let had_birthday = (on.month, on.day) >= (birthday_month, birthday_day);
        Some(u32::from(on.year - self.year) - u32::from(!had_birthday))
    }

    /// The date as the number `YYYYMMDD`, used by the hot loop to compute ages.
    ///
    /// For `birth <= on`, `(on.key() - birth.key()) / 10_000` equals [`Date::age_on`]: the
    /// quotient counts the years and the remainder compares month and day. A 29 February
    /// birthday in a non-leap year compares like 1 March, because no day of that year lies
    /// between 02-28 and 03-01.
    pub const fn key(self) -> u32 {
        self.year as u32 * 10_000 + self.month as u32 * 100 + self.day as u32
    }
}

impl fmt::Display for Date {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

const fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if Date::is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// ---------------------------------------------------------------------------------------------
// Input facts and results (spec sections 4 and 5)
// ---------------------------------------------------------------------------------------------

/// Labour capacity (`labor_capacity`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaborCapacity {
    /// `full`.
    Full,
    /// `partial`.
    Partial,
    /// `none`.
    None,
}

/// Self-care assessment (`self_care`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelfCare {
    /// `full`: 全自理, fully self-caring.
    Full,
    /// `semi`: 半护理, partly needs care.
    Semi,
    /// `none`: 全护理, cannot care for oneself.
    None,
}

/// Orphan status (`orphan_status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrphanStatus {
    /// `none`.
    None,
    /// `orphan`: 孤儿.
    Orphan,
    /// `de_facto`: 事实无人抚养儿童, paid like an orphan.
    DeFacto,
}

/// Where a child under the orphan scheme lives (`placement`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// `home`: 分散供养.
    Home,
    /// `institution`: 集中供养.
    Institution,
}

/// A household's rural dibao status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DibaoStatus {
    /// Not covered.
    None,
    /// 整户纳入: the whole household (its non-tekun members) is covered.
    Full,
    /// 渐退: income is above the standard but the household keeps last month's amount.
    GradualExit,
    /// 单人户纳入: only the severely disabled or seriously ill members are covered.
    SinglePerson,
}

impl DibaoStatus {
    /// The lower-case word written in `household_results.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            DibaoStatus::None => "none",
            DibaoStatus::Full => "full",
            DibaoStatus::GradualExit => "gradual_exit",
            DibaoStatus::SinglePerson => "single_person",
        }
    }
}

/// Who approves a temporary-assistance request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApprovalLevel {
    /// Up to `temp.township_limit`.
    Township,
    /// Up to `temp.county_limit`.
    County,
    /// Above it: 一事一议.
    JointMeeting,
}

impl ApprovalLevel {
    /// The lower-case word written in `case_results.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalLevel::Township => "township",
            ApprovalLevel::County => "county",
            ApprovalLevel::JointMeeting => "joint_meeting",
        }
    }
}

/// The position of a county in a [`ParamTable`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CountyIdx(u16);

/// The facts about one household that the rules read (spec section 4, validated).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HouseholdFacts {
    /// The household's county.
    pub county: CountyIdx,
    /// Verified household income, fen per year.
    pub annual_income: Fen,
    /// 建档立卡.
    pub registered_poor: bool,
    /// 已脱贫.
    pub poverty_exited: bool,
    /// Received rural dibao last month.
    pub on_dibao: bool,
    /// The amount received last month, fen.
    pub prev_dibao_monthly: Fen,
    /// Poverty-project income not yet stable.
    pub income_unstable: bool,
    /// Months the income has been above the standard.
    pub months_over_standard: i64,
    /// Left dibao within the last 12 months.
    pub exited_dibao_within_12m: bool,
    /// A dibao application was refused within the last 12 months.
    pub rejected_within_12m: bool,
}

/// The facts about one person that the rules read (spec section 4, validated).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PersonFacts {
    /// Date of birth; not after as_of.
    pub birth_date: Date,
    /// 0 (none) or 1 to 4.
    pub disability_grade: u8,
    /// 重病.
    pub serious_illness: bool,
    /// Labour capacity.
    pub labor_capacity: LaborCapacity,
    /// Self-care assessment.
    pub self_care: SelfCare,
    /// Has a source of income.
    pub has_income_source: bool,
    /// Has a legally obliged supporter who is able to support (法定义务人).
    pub has_capable_supporter: bool,
    /// Lactating.
    pub lactating: bool,
    /// A minor in a single-parent family.
    pub single_parent_minor: bool,
    /// In non-compulsory education.
    pub non_compulsory_student: bool,
    /// Orphan status.
    pub orphan_status: OrphanStatus,
    /// Placement of a child under the orphan scheme.
    pub placement: Placement,
    /// 留守.
    pub left_behind: bool,
}

/// Households and their persons as columns (struct of arrays), the input of [`evaluate`].
///
/// The persons of household `h` are `person_offsets[h]..person_offsets[h + 1]`.
#[derive(Clone, Debug)]
pub struct Input {
    county: Vec<CountyIdx>,
    annual_income: Vec<Fen>,
    registered_poor: Vec<bool>,
    poverty_exited: Vec<bool>,
    on_dibao: Vec<bool>,
    prev_dibao_monthly: Vec<Fen>,
    income_unstable: Vec<bool>,
    months_over_standard: Vec<i64>,
    exited_dibao_within_12m: Vec<bool>,
    rejected_within_12m: Vec<bool>,
    // INVARIANT: person_offsets has one more element than there are households, starts at 0, is
    // non-decreasing and ends at the number of persons; every household column has one element
    // per household and every person column one element per person.
    person_offsets: Vec<usize>,
    birth_key: Vec<u32>,
    disability_grade: Vec<u8>,
    serious_illness: Vec<bool>,
    labor_capacity: Vec<LaborCapacity>,
    self_care: Vec<SelfCare>,
    has_income_source: Vec<bool>,
    has_capable_supporter: Vec<bool>,
    lactating: Vec<bool>,
    single_parent_minor: Vec<bool>,
    non_compulsory_student: Vec<bool>,
    orphan_status: Vec<OrphanStatus>,
    placement: Vec<Placement>,
    left_behind: Vec<bool>,
}

/// The results for one household: the money columns of `household_results.csv`, in fen a month.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HouseholdOut {
    /// Number of persons.
    pub members: u32,
    /// Number of tekun (特困) persons.
    pub tekun_members: u32,
    /// Number of persons covered by dibao (the report's "covered persons").
    pub covered_members: u32,
    /// Dibao status.
    pub dibao_status: DibaoStatus,
    /// Dibao before top-ups.
    pub dibao_base_monthly: Fen,
    /// Sum of the covered persons' top-ups (分类施保).
    pub dibao_topup_monthly: Fen,
    /// Base plus top-up.
    pub dibao_monthly: Fen,
    /// Tekun basic living allowance.
    pub tekun_basic_monthly: Fen,
    /// Tekun care allowance.
    pub tekun_care_monthly: Fen,
    /// Living subsidy for disabled covered persons.
    pub disability_living_monthly: Fen,
    /// Nursing subsidy for severely disabled non-tekun persons.
    pub disability_nursing_monthly: Fen,
    /// High-age allowance.
    pub high_age_monthly: Fen,
    /// Orphan allowance.
    pub orphan_monthly: Fen,
    /// Sum of all of the above payments.
    pub total_monthly: Fen,
    /// The province's share of dibao and tekun payments.
    pub provincial_share_monthly: Fen,
    /// On the quarterly visit list (主动发现).
    pub visit_required: bool,
}

/// Why a household could not be evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvalError {
    /// A result left the range of 64-bit fen; names the output column.
    Overflow {
        /// The output column whose computation overflowed.
        column: &'static str,
    },
    /// A member was born after the evaluation date.
    BornAfterAsOf,
    /// The household's county is not in the parameter table.
    UnknownCounty,
}

impl EvalError {
    /// The column that a rejects row names for this error.
    pub fn field(self) -> &'static str {
        match self {
            EvalError::Overflow { column } => column,
            EvalError::BornAfterAsOf => "birth_date",
            EvalError::UnknownCounty => "county_code",
        }
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::Overflow { column } => {
                write!(formatter, "`{column}` overflows 64-bit fen arithmetic")
            }
            EvalError::BornAfterAsOf => write!(formatter, "a member is born after as_of"),
            EvalError::UnknownCounty => write!(formatter, "county is not in the parameter table"),
        }
    }
}

impl Input {
    /// An empty input.
    pub fn new() -> Input {
        Input::with_capacity(0, 0)
    }

    /// An empty input with room for `households` households and `persons` persons.
    pub fn with_capacity(households: usize, persons: usize) -> Input {
        let mut person_offsets = Vec::with_capacity(households + 1);
        person_offsets.push(0);
        Input {
            county: Vec::with_capacity(households),
            annual_income: Vec::with_capacity(households),
            registered_poor: Vec::with_capacity(households),
            poverty_exited: Vec::with_capacity(households),
            on_dibao: Vec::with_capacity(households),
            prev_dibao_monthly: Vec::with_capacity(households),
            income_unstable: Vec::with_capacity(households),
            months_over_standard: Vec::with_capacity(households),
            exited_dibao_within_12m: Vec::with_capacity(households),
            rejected_within_12m: Vec::with_capacity(households),
            person_offsets,
            birth_key: Vec::with_capacity(persons),
            disability_grade: Vec::with_capacity(persons),
            serious_illness: Vec::with_capacity(persons),
            labor_capacity: Vec::with_capacity(persons),
            self_care: Vec::with_capacity(persons),
            has_income_source: Vec::with_capacity(persons),
            has_capable_supporter: Vec::with_capacity(persons),
            lactating: Vec::with_capacity(persons),
            single_parent_minor: Vec::with_capacity(persons),
            non_compulsory_student: Vec::with_capacity(persons),
            orphan_status: Vec::with_capacity(persons),
            placement: Vec::with_capacity(persons),
            left_behind: Vec::with_capacity(persons),
        }
    }

    /// Appends a household and its persons.
    pub fn push_household(&mut self, household: HouseholdFacts, persons: impl IntoIterator<Item = PersonFacts>) {
        self.county.push(household.county);
        self.annual_income.push(household.annual_income);
        self.registered_poor.push(household.registered_poor);
        self.poverty_exited.push(household.poverty_exited);
        self.on_dibao.push(household.on_dibao);
        self.prev_dibao_monthly.push(household.prev_dibao_monthly);
        self.income_unstable.push(household.income_unstable);
        self.months_over_standard.push(household.months_over_standard);
        self.exited_dibao_within_12m.push(household.exited_dibao_within_12m);
        self.rejected_within_12m.push(household.rejected_within_12m);
        for person in persons {
            self.birth_key.push(person.birth_date.key());
            self.disability_grade.push(person.disability_grade);
            self.serious_illness.push(person.serious_illness);
            self.labor_capacity.push(person.labor_capacity);
            self.self_care.push(person.self_care);
            self.has_income_source.push(person.has_income_source);
            self.has_capable_supporter.push(person.has_capable_supporter);
            self.lactating.push(person.lactating);
            self.single_parent_minor.push(person.single_parent_minor);
            self.non_compulsory_student.push(person.non_compulsory_student);
            self.orphan_status.push(person.orphan_status);
            self.placement.push(person.placement);
            self.left_behind.push(person.left_behind);
        }
        self.person_offsets.push(self.birth_key.len());
    }

    /// The number of households.
    pub fn len(&self) -> usize {
        self.county.len()
    }

    /// Whether there are no households.
    pub fn is_empty(&self) -> bool {
        self.county.is_empty()
    }

    /// The number of persons.
    pub fn n_persons(&self) -> usize {
        self.birth_key.len()
    }
}

impl Default for Input {
    fn default() -> Input {
        Input::new()
    }
}

// ---------------------------------------------------------------------------------------------
// The core: evaluation (spec section 5)
// ---------------------------------------------------------------------------------------------

/// Evaluates every household of `input` with the parameters (and ages) of `params.as_of()`.
///
/// Returns one result per household, in input order.
pub fn evaluate(input: &Input, params: &ParamTable) -> Vec<Result<HouseholdOut, EvalError>> {
    let mut results = Vec::with_capacity(input.len());
    evaluate_into(input, params, &mut results);
    results
}

/// Like [`evaluate`], but writes into `results` (cleared first) so its buffer can be reused.
pub fn evaluate_into(input: &Input, params: &ParamTable, results: &mut Vec<Result<HouseholdOut, EvalError>>) {
    results.clear();
    let as_of_key = params.as_of.key();
    results.extend((0..input.len()).map(|household_idx| {
        let county = input.county.get(household_idx).map(|county| usize::from(county.0));
        match county.and_then(|county_idx| params.counties.get(county_idx)) {
            Some(county) => evaluate_household(input, household_idx, &county.rates, as_of_key),
            None => Err(EvalError::UnknownCounty),
        }
    }));
}

/// Evaluates household `household_idx` (spec section 5) with its county's rates.
#[expect(
    clippy::indexing_slicing,
    reason = "household_idx < input.len() and the person range comes from person_offsets, \
              so every index is in bounds by Input's INVARIANT"
)]
fn evaluate_household(
    input: &Input,
    household_idx: usize,
    rates: &Rates,
    as_of_key: u32,
) -> Result<HouseholdOut, EvalError> {
    let persons = input.person_offsets[household_idx]..input.person_offsets[household_idx + 1];
    let members = u32::try_from(persons.len()).map_err(|_| overflow("members"))?;
    // Sums over persons: each person adds at most a few thousand yuan of hard-coded parameter
    // amounts, and there are fewer than 2^32 persons, so these sums cannot overflow i64.
    let (mut n_tekun, mut n_dibao, mut n_candidates) = (0_u32, 0_u32, 0_u32);
    let (mut tekun_basic, mut tekun_care, mut nursing, mut high_age, mut orphan) = (0, 0, 0, 0, 0);
    let (mut dibao_topups, mut dibao_living, mut candidate_topups, mut candidate_living) = (0, 0, 0, 0);
    let (mut any_disabled, mut any_left_behind) = (false, false);
    for person_idx in persons {
        let birth_key = input.birth_key[person_idx];
        if birth_key > as_of_key {
            return Err(EvalError::BornAfterAsOf);
        }
        let age = (as_of_key - birth_key) / 10_000;
        let grade = input.disability_grade[person_idx];
        let severe = grade == 1 || grade == 2;
        let disabled = (1..=4).contains(&grade);
        let labor = input.labor_capacity[person_idx];
        let orphan_child = input.orphan_status[person_idx] != OrphanStatus::None && age < 18;
        let tekun = labor == LaborCapacity::None
            && !input.has_income_source[person_idx]
            && !input.has_capable_supporter[person_idx]
            && !orphan_child
            // age ≥ 60 ∨ age < 16 ∨ grade ∈ {1, 2, 3}
            && (!(16..60).contains(&age) || (1..=3).contains(&grade));
        any_disabled |= disabled;
        any_left_behind |= input.left_behind[person_idx];
        if age >= 70 {
            high_age += rates.high_age[((age - 70) / 10).min(3) as usize];
        }
        if orphan_child {
            orphan += match input.placement[person_idx] {
                Placement::Institution => rates.orphan_institution,
                Placement::Home => rates.orphan_home,
            };
        }
        if tekun {
            n_tekun += 1;
            tekun_basic += rates.tekun_basic;
            tekun_care += match input.self_care[person_idx] {
                SelfCare::Full => rates.care_full_self_care,
                SelfCare::Semi => rates.care_semi,
                SelfCare::None => rates.care_full_care,
            };
            continue;
        }
        n_dibao += 1;
        // 就高, not added: round_fen is monotone, so the largest rounded amount is the rounded
        // amount of the largest ratio.
        let is_minor = age < 18;
        let topup = [
            (age >= 70, rates.topup_elderly70),
            (is_minor, rates.topup_child),
            (severe, rates.topup_severe_disabled),
            (input.serious_illness[person_idx], rates.topup_serious_illness),
            (input.single_parent_minor[person_idx] && is_minor, rates.topup_single_parent_minor),
            (input.lactating[person_idx], rates.topup_lactating),
            (input.non_compulsory_student[person_idx], rates.topup_student),
        ]
        .into_iter()
        .fold(0, |largest, (applies, amount)| if applies { largest.max(amount) } else { largest });
        let living = if severe {
            rates.living_severe
        } else if disabled {
            rates.living_mild
        } else {
            0
        };
        dibao_topups += topup;
        dibao_living += living;
        if severe {
            nursing += if grade == 1 { rates.nursing_grade1 } else { rates.nursing_grade2 };
        }
        if (severe || input.serious_illness[person_idx]) && labor != LaborCapacity::Full {
            n_candidates += 1;
            candidate_topups += topup;
            candidate_living += living;
        }
    }

    let income_monthly = div_fen(input.annual_income[household_idx], 12);
    let gap = rates
        .monthly_standard
        .checked_mul(i64::from(n_dibao))
        .and_then(|standard| standard.checked_sub(income_monthly))
        .ok_or(overflow("dibao_base_monthly"))?;
    let limit = if any_disabled { rates.gradual_exit_months_disabled } else { rates.gradual_exit_months };
    let dibao_status = if n_dibao > 0 && gap > 0 {
        DibaoStatus::Full
    } else if n_dibao > 0
        && input.on_dibao[household_idx]
        && input.registered_poor[household_idx]
        && input.income_unstable[household_idx]
        && input.months_over_standard[household_idx] <= limit
    {
        DibaoStatus::GradualExit
    } else if input.registered_poor[household_idx] && !input.poverty_exited[household_idx] && n_candidates > 0 {
        DibaoStatus::SinglePerson
    } else {
        DibaoStatus::None
    };
    let (base, topup, living, covered_members) = match dibao_status {
        DibaoStatus::Full => (gap, dibao_topups, dibao_living, n_dibao),
        DibaoStatus::GradualExit => (input.prev_dibao_monthly[household_idx], 0, dibao_living, n_dibao),
        DibaoStatus::SinglePerson => {
            let base =
                rates.monthly_standard.checked_mul(i64::from(n_candidates)).ok_or(overflow("dibao_base_monthly"))?;
            (base, candidate_topups, candidate_living, n_candidates)
        }
        DibaoStatus::None => (0, 0, 0, 0),
    };
    let dibao = base.checked_add(topup).ok_or(overflow("dibao_monthly"))?;
    let assistance = dibao
        .checked_add(tekun_basic)
        .and_then(|sum| sum.checked_add(tekun_care))
        .ok_or(overflow("provincial_share_monthly"))?;
    let total = [living, nursing, high_age, orphan]
        .into_iter()
        .try_fold(assistance, i64::checked_add)
        .ok_or(overflow("total_monthly"))?;
    let provincial_share = mul_ratio(assistance, rates.share).ok_or(overflow("provincial_share_monthly"))?;
    let visit_required = dibao_status != DibaoStatus::None
        || n_tekun > 0
        || input.registered_poor[household_idx]
        || input.exited_dibao_within_12m[household_idx]
        || input.rejected_within_12m[household_idx]
        || any_left_behind;
    Ok(HouseholdOut {
        members,
        tekun_members: n_tekun,
        covered_members,
        dibao_status,
        dibao_base_monthly: base,
        dibao_topup_monthly: topup,
        dibao_monthly: dibao,
        tekun_basic_monthly: tekun_basic,
        tekun_care_monthly: tekun_care,
        disability_living_monthly: living,
        disability_nursing_monthly: nursing,
        high_age_monthly: high_age,
        orphan_monthly: orphan,
        total_monthly: total,
        provincial_share_monthly: provincial_share,
        visit_required,
    })
}

fn overflow(column: &'static str) -> EvalError {
    EvalError::Overflow { column }
}

/// The approval level of a temporary-assistance request of `amount` in a county.
pub fn approval_level(amount: Fen, rates: &Rates) -> ApprovalLevel {
    if amount <= rates.temp_township_limit {
        ApprovalLevel::Township
    } else if amount <= rates.temp_county_limit {
        ApprovalLevel::County
    } else {
        ApprovalLevel::JointMeeting
    }
}

/// Masks a name for publication: keeps the first code point and replaces each other by `*`.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    let mut masked = String::with_capacity(name.len());
    if let Some(first) = chars.next() {
        masked.push(first);
    }
    masked.extend(chars.map(|_| '*'));
    masked
}

// ---------------------------------------------------------------------------------------------
// Parameters (spec sections 2 and 3)
// ---------------------------------------------------------------------------------------------

/// The parameters of every county of `jurisdictions.csv`, resolved on one as_of.
#[derive(Clone, Debug)]
pub struct ParamTable {
    as_of: Date,
    counties: Vec<CountyParams>,
    index: HashMap<String, CountyIdx>,
}

/// One county: its place in the hierarchy and its resolved parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CountyParams {
    /// GB/T 2260 code of the county.
    pub county_code: String,
    /// Name of the county.
    pub county_name: String,
    /// Code of its city (设区市), the one it counts in for the report.
    pub city_code: String,
    /// Name of its city.
    pub city_name: String,
    /// 深度贫困县.
    pub deep_poverty: bool,
    /// Minimum-wage tier, 1 to 3.
    pub min_wage_tier: u8,
    /// The parameter values in force on as_of, after layering.
    pub params: Params,
    /// The fen amounts derived from them, as used by [`evaluate`].
    pub rates: Rates,
}

/// The parameter values in force for one county on as_of (spec section 3): the county's own
/// value if its file sets one, else its city's, else the province's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    /// 扶贫标准, fen a year.
    pub poverty_line: Fen,
    /// 农村低保最低限定保障标准, fen a year.
    pub dibao_min_standard: Fen,
    /// 农村低保标准, fen a year.
    pub dibao_standard: Fen,
    /// `topup.elderly70`.
    pub topup_elderly70: Ratio,
    /// `topup.child`.
    pub topup_child: Ratio,
    /// `topup.severe_disabled`.
    pub topup_severe_disabled: Ratio,
    /// `topup.serious_illness`.
    pub topup_serious_illness: Ratio,
    /// `topup.single_parent_minor`.
    pub topup_single_parent_minor: Ratio,
    /// `topup.lactating`.
    pub topup_lactating: Ratio,
    /// `topup.student`.
    pub topup_student: Ratio,
    /// 渐退帮扶期, months.
    pub gradual_exit_months: i64,
    /// 残疾人家庭延长期, months.
    pub gradual_exit_months_disabled: i64,
    /// 特困基本生活标准 ÷ 低保标准.
    pub tekun_basic_ratio: Ratio,
    /// `care.full_self_care`, share of the minimum wage.
    pub care_full_self_care: Ratio,
    /// `care.semi`.
    pub care_semi: Ratio,
    /// `care.full_care`.
    pub care_full_care: Ratio,
    /// 最低工资标准 of the county's tier, fen a month.
    pub min_wage: Fen,
    /// `disability.living_severe`, fen a month.
    pub disability_living_severe: Fen,
    /// `disability.living_mild`.
    pub disability_living_mild: Fen,
    /// `disability.nursing_grade1`.
    pub disability_nursing_grade1: Fen,
    /// `disability.nursing_grade2`.
    pub disability_nursing_grade2: Fen,
    /// `high_age` for ages 70–79, 80–89, 90–99 and 100+, fen a month.
    pub high_age: [Fen; 4],
    /// `orphan.institution`, fen a month.
    pub orphan_institution: Fen,
    /// `orphan.home`.
    pub orphan_home: Fen,
    /// 省级补助比例.
    pub provincial_share: Ratio,
    /// 深度贫困县 bonus, in percentage points of ratio.
    pub deep_poverty_bonus: Ratio,
    /// `temp.township_limit`, fen.
    pub temp_township_limit: Fen,
    /// `temp.county_limit`, fen.
    pub temp_county_limit: Fen,
}

/// The fen amounts of one county, derived once from its [`Params`] and used per person.
///
/// Every amount is already rounded where the spec rounds: e.g. `topup_child` is
/// `round_fen(monthly_standard × topup.child)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rates {
    /// `round_fen(dibao_standard / 12)`.
    pub monthly_standard: Fen,
    /// Top-up of a person aged 70 or more.
    pub topup_elderly70: Fen,
    /// Top-up of a person under 18.
    pub topup_child: Fen,
    /// Top-up of a severely disabled person.
    pub topup_severe_disabled: Fen,
    /// Top-up of a seriously ill person.
    pub topup_serious_illness: Fen,
    /// Top-up of a minor in a single-parent family.
    pub topup_single_parent_minor: Fen,
    /// Top-up of a lactating person.
    pub topup_lactating: Fen,
    /// Top-up of a non-compulsory student.
    pub topup_student: Fen,
    /// `round_fen(monthly_standard × tekun_basic_ratio)`.
    pub tekun_basic: Fen,
    /// `round_fen(min_wage × care.full_self_care)`.
    pub care_full_self_care: Fen,
    /// `round_fen(min_wage × care.semi)`.
    pub care_semi: Fen,
    /// `round_fen(min_wage × care.full_care)`.
    pub care_full_care: Fen,
    /// Living subsidy, grades 1–2.
    pub living_severe: Fen,
    /// Living subsidy, grades 3–4.
    pub living_mild: Fen,
    /// Nursing subsidy, grade 1.
    pub nursing_grade1: Fen,
    /// Nursing subsidy, grade 2.
    pub nursing_grade2: Fen,
    /// High-age allowance by band.
    pub high_age: [Fen; 4],
    /// Orphan allowance, institution.
    pub orphan_institution: Fen,
    /// Orphan allowance, home.
    pub orphan_home: Fen,
    /// Provincial share, with the deep-poverty bonus added and capped at 100%.
    pub share: Ratio,
    /// Gradual-exit limit, months.
    pub gradual_exit_months: i64,
    /// Gradual-exit limit of a household with a disabled member, months.
    pub gradual_exit_months_disabled: i64,
    /// Temporary-assistance township limit.
    pub temp_township_limit: Fen,
    /// Temporary-assistance county limit.
    pub temp_county_limit: Fen,
}

impl ParamTable {
    /// The date on which the parameters (and the ages of [`evaluate`]) are taken.
    pub fn as_of(&self) -> Date {
        self.as_of
    }

    /// Every county, in the order of `jurisdictions.csv`.
    pub fn counties(&self) -> &[CountyParams] {
        &self.counties
    }

    /// The position of the county with this exact code.
    pub fn county_index(&self, county_code: &str) -> Option<CountyIdx> {
        self.index.get(county_code).copied()
    }

    /// The county at a position.
    pub fn county(&self, county: CountyIdx) -> Option<&CountyParams> {
        self.counties.get(usize::from(county.0))
    }
}

/// Resolves the parameters of every county of `jurisdictions_csv` (the contents of
/// `jurisdictions.csv`) on `as_of`.
///
/// Fails if as_of is before a parameter's first value (2018-01-01), if the jurisdictions file
/// is malformed or disagrees with the parameter files about who sets its own parameters, or if
/// a parameter file breaks a constraint of spec section 3.
pub fn resolve_params(jurisdictions_csv: &str, as_of: Date) -> Result<ParamTable, String> {
    check_param_files()?;
    let text = jurisdictions_csv.strip_prefix('\u{feff}').unwrap_or(jurisdictions_csv);
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header = reader.headers().map_err(|error| format!("jurisdictions.csv: {error}"))?.clone();
    let column = |name: &str| {
        header
            .iter()
            .position(|heading| heading == name)
            .ok_or_else(|| format!("jurisdictions.csv: missing column `{name}`"))
    };
    let columns = [
        column("county_code")?,
        column("county_name")?,
        column("city_code")?,
        column("city_name")?,
        column("deep_poverty")?,
        column("min_wage_tier")?,
        column("sets_own_parameters")?,
    ];
    let mut table = ParamTable { as_of, counties: Vec::new(), index: HashMap::new() };
    for record in reader.records() {
        let record = record.map_err(|error| format!("jurisdictions.csv: {error}"))?;
        let line = record.position().map_or(0, csv::Position::line);
        let [code, name, city_code, city_name, deep, tier, own] =
            columns.map(|position| record.get(position).unwrap_or(""));
        let at = |message: String| format!("jurisdictions.csv line {line}: {message}");
        let flag = |name: &str, text: &str| match text {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(at(format!("`{name}` must be `true` or `false`, got `{text}`"))),
        };
        let min_wage_tier = match tier {
            "1" => 1,
            "2" => 2,
            "3" => 3,
            _ => return Err(at(format!("`min_wage_tier` must be 1, 2 or 3, got `{tier}`"))),
        };
        let county_file = COUNTY_FILES.iter().find(|file| file.code == code);
        if flag("sets_own_parameters", own)? != county_file.is_some() {
            return Err(at(format!("`sets_own_parameters` of {code} disagrees with the county parameter files")));
        }
        let city_file = CITY_FILES.iter().find(|file| file.code == city_code);
        let files: Vec<&ParamFile> = county_file.into_iter().chain(city_file).chain([&PROVINCE]).collect();
        let params = resolve_county(&files, min_wage_tier, as_of)
            .map_err(|message| format!("county {code} {name}: {message}"))?;
        let deep_poverty = flag("deep_poverty", deep)?;
        let rates = Rates::new(&params, deep_poverty)
            .ok_or_else(|| format!("county {code} {name}: a parameter amount overflows"))?;
        let idx = u16::try_from(table.counties.len()).map_err(|_| at("too many counties".to_string()))?;
        if table.index.insert(code.to_string(), CountyIdx(idx)).is_some() {
            return Err(at(format!("county_code {code} appears twice")));
        }
        table.counties.push(CountyParams {
            county_code: code.to_string(),
            county_name: name.to_string(),
            city_code: city_code.to_string(),
            city_name: city_name.to_string(),
            deep_poverty,
            min_wage_tier,
            params,
            rates,
        });
    }
    Ok(table)
}

impl Rates {
    /// Derives the fen amounts; `None` if one overflows.
    fn new(params: &Params, deep_poverty: bool) -> Option<Rates> {
        let monthly_standard = div_fen(params.dibao_standard, 12);
        let of_standard = |ratio| mul_ratio(monthly_standard, ratio);
        let of_min_wage = |ratio| mul_ratio(params.min_wage, ratio);
        let bonus = if deep_poverty { params.deep_poverty_bonus } else { 0 };
        Some(Rates {
            monthly_standard,
            topup_elderly70: of_standard(params.topup_elderly70)?,
            topup_child: of_standard(params.topup_child)?,
            topup_severe_disabled: of_standard(params.topup_severe_disabled)?,
            topup_serious_illness: of_standard(params.topup_serious_illness)?,
            topup_single_parent_minor: of_standard(params.topup_single_parent_minor)?,
            topup_lactating: of_standard(params.topup_lactating)?,
            topup_student: of_standard(params.topup_student)?,
            tekun_basic: of_standard(params.tekun_basic_ratio)?,
            care_full_self_care: of_min_wage(params.care_full_self_care)?,
            care_semi: of_min_wage(params.care_semi)?,
            care_full_care: of_min_wage(params.care_full_care)?,
            living_severe: params.disability_living_severe,
            living_mild: params.disability_living_mild,
            nursing_grade1: params.disability_nursing_grade1,
            nursing_grade2: params.disability_nursing_grade2,
            high_age: params.high_age,
            orphan_institution: params.orphan_institution,
            orphan_home: params.orphan_home,
            share: params.provincial_share.checked_add(bonus)?.min(RATIO_ONE),
            gradual_exit_months: params.gradual_exit_months,
            gradual_exit_months_disabled: params.gradual_exit_months_disabled,
            temp_township_limit: params.temp_township_limit,
            temp_county_limit: params.temp_county_limit,
        })
    }
}

/// One parameter, named as in spec section 3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    PovertyLine,
    DibaoMinStandard,
    DibaoStandard,
    TopupElderly70,
    TopupChild,
    TopupSevereDisabled,
    TopupSeriousIllness,
    TopupSingleParentMinor,
    TopupLactating,
    TopupStudent,
    GradualExitMonths,
    GradualExitMonthsDisabled,
    TekunBasicRatio,
    CareFullSelfCare,
    CareSemi,
    CareFullCare,
    MinWageTier1,
    MinWageTier2,
    MinWageTier3,
    DisabilityLivingSevere,
    DisabilityLivingMild,
    DisabilityNursingGrade1,
    DisabilityNursingGrade2,
    HighAge70,
    HighAge80,
    HighAge90,
    HighAge100,
    OrphanInstitution,
    OrphanHome,
    ProvincialShare,
    DeepPovertyBonus,
    TempTownshipLimit,
    TempCountyLimit,
}

/// The constraint that a local (city or county) file's value of a parameter must satisfy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Constraint {
    /// Only the province's file may set it.
    ProvinceOnly,
    /// At least the minimum standard, above the poverty line, and 8% above the previous year.
    DibaoStandard,
    /// Between 0% and 100%.
    Share,
    /// At least this fixed ratio.
    AtLeast(Ratio),
    /// At least the province's value of this parameter.
    AtLeastProvince(Key),
    /// Checked on the layered values instead (township limit ≤ county limit).
    Layered,
}

/// Whether a parameter is an amount of money, a ratio or a number of months.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unit {
    Money,
    Ratio,
    Months,
}

impl Key {
    fn name(self) -> &'static str {
        match self {
            Key::PovertyLine => "poverty_line",
            Key::DibaoMinStandard => "dibao_min_standard",
            Key::DibaoStandard => "dibao_standard",
            Key::TopupElderly70 => "topup.elderly70",
            Key::TopupChild => "topup.child",
            Key::TopupSevereDisabled => "topup.severe_disabled",
            Key::TopupSeriousIllness => "topup.serious_illness",
            Key::TopupSingleParentMinor => "topup.single_parent_minor",
            Key::TopupLactating => "topup.lactating",
            Key::TopupStudent => "topup.student",
            Key::GradualExitMonths => "gradual_exit_months",
            Key::GradualExitMonthsDisabled => "gradual_exit_months_disabled",
            Key::TekunBasicRatio => "tekun_basic_ratio",
            Key::CareFullSelfCare => "care.full_self_care",
            Key::CareSemi => "care.semi",
            Key::CareFullCare => "care.full_care",
            Key::MinWageTier1 => "min_wage[1]",
            Key::MinWageTier2 => "min_wage[2]",
            Key::MinWageTier3 => "min_wage[3]",
            Key::DisabilityLivingSevere => "disability.living_severe",
            Key::DisabilityLivingMild => "disability.living_mild",
            Key::DisabilityNursingGrade1 => "disability.nursing_grade1",
            Key::DisabilityNursingGrade2 => "disability.nursing_grade2",
            Key::HighAge70 => "high_age[70-79]",
            Key::HighAge80 => "high_age[80-89]",
            Key::HighAge90 => "high_age[90-99]",
            Key::HighAge100 => "high_age[100+]",
            Key::OrphanInstitution => "orphan.institution",
            Key::OrphanHome => "orphan.home",
            Key::ProvincialShare => "provincial_share",
            Key::DeepPovertyBonus => "deep_poverty_bonus",
            Key::TempTownshipLimit => "temp.township_limit",
            Key::TempCountyLimit => "temp.county_limit",
        }
    }

    fn constraint(self) -> Constraint {
        match self {
            Key::PovertyLine
            | Key::DibaoMinStandard
            | Key::GradualExitMonths
            | Key::MinWageTier1
            | Key::MinWageTier2
            | Key::MinWageTier3
            | Key::DeepPovertyBonus => Constraint::ProvinceOnly,
            Key::DibaoStandard => Constraint::DibaoStandard,
            Key::TopupElderly70
            | Key::TopupChild
            | Key::TopupSevereDisabled
            | Key::TopupSeriousIllness
            | Key::TopupSingleParentMinor
            | Key::TopupLactating
            | Key::TopupStudent
            | Key::ProvincialShare => Constraint::Share,
            Key::GradualExitMonthsDisabled => Constraint::AtLeastProvince(Key::GradualExitMonths),
            Key::TekunBasicRatio => Constraint::AtLeast(pct(130)),
            Key::CareFullSelfCare => Constraint::AtLeast(pct(10)),
            Key::CareSemi => Constraint::AtLeast(pct(15)),
            Key::CareFullCare => Constraint::AtLeast(pct(25)),
            Key::DisabilityLivingSevere
            | Key::DisabilityLivingMild
            | Key::DisabilityNursingGrade1
            | Key::DisabilityNursingGrade2
            | Key::HighAge70
            | Key::HighAge80
            | Key::HighAge90
            | Key::HighAge100
            | Key::OrphanInstitution
            | Key::OrphanHome => Constraint::AtLeastProvince(self),
            Key::TempTownshipLimit | Key::TempCountyLimit => Constraint::Layered,
        }
    }

    fn unit(self) -> Unit {
        match self {
            Key::GradualExitMonths | Key::GradualExitMonthsDisabled => Unit::Months,
            Key::TopupElderly70
            | Key::TopupChild
            | Key::TopupSevereDisabled
            | Key::TopupSeriousIllness
            | Key::TopupSingleParentMinor
            | Key::TopupLactating
            | Key::TopupStudent
            | Key::TekunBasicRatio
            | Key::CareFullSelfCare
            | Key::CareSemi
            | Key::CareFullCare
            | Key::ProvincialShare
            | Key::DeepPovertyBonus => Unit::Ratio,
            _ => Unit::Money,
        }
    }

    /// Writes a value of this parameter for a message: `4500.00`, `15%`, `12 months`.
    fn value_text(self, value: i64) -> String {
        match self.unit() {
            Unit::Money => format_fen(value),
            Unit::Months => format!("{value} months"),
            Unit::Ratio => {
                let hundredths_of_percent = value / (RATIO_ONE / 10_000);
                format!("{}%", format_fen(hundredths_of_percent).trim_end_matches(".00"))
            }
        }
    }
}

/// A parameter set by a file, with its values and the dates from which each is in force.
#[derive(Debug)]
struct Entry(Key, &'static [(Date, i64)]);

/// One published parameter file: the province's, a city's or a county's.
#[derive(Debug)]
struct ParamFile {
    code: &'static str,
    name: &'static str,
    entries: &'static [Entry],
}

/// A date of a parameter table, written by hand and checked by a test.
const fn day(year: u16, month: u8, day: u8) -> Date {
    Date { year, month, day }
}

/// An amount of whole yuan, in fen.
const fn yuan(amount: i64) -> Fen {
    amount * 100
}

/// A ratio given in percent: `pct(15)` is 15%, `pct(130)` is 1.3.
const fn pct(percent: i64) -> Ratio {
    percent * (RATIO_ONE / 100)
}

const Y2018: Date = day(2018, 1, 1);
const Y2019: Date = day(2019, 1, 1);
const MAY_2019: Date = day(2019, 5, 1);

/// The province's defaults (spec section 3, first table). Values without a date are in force
/// from 2018-01-01, the first date of the parameter history.
static PROVINCE: ParamFile = ParamFile {
    code: "610000",
    name: "陕西省",
    entries: &[
        Entry(Key::PovertyLine, &[(Y2018, yuan(3100)), (Y2019, yuan(3218))]),
        Entry(Key::DibaoMinStandard, &[(Y2018, yuan(3720)), (Y2019, yuan(4020))]),
        Entry(Key::DibaoStandard, &[(Y2018, yuan(3720)), (Y2019, yuan(4020))]),
        Entry(Key::TopupElderly70, &[(Y2018, pct(10))]),
        Entry(Key::TopupChild, &[(Y2018, pct(10))]),
        Entry(Key::TopupSevereDisabled, &[(Y2018, pct(20))]),
        Entry(Key::TopupSeriousIllness, &[(Y2018, pct(20))]),
        Entry(Key::TopupSingleParentMinor, &[(Y2018, pct(15))]),
        Entry(Key::TopupLactating, &[(Y2018, pct(10))]),
        Entry(Key::TopupStudent, &[(Y2018, pct(15))]),
        Entry(Key::GradualExitMonths, &[(Y2018, 12)]),
        Entry(Key::GradualExitMonthsDisabled, &[(Y2018, 18)]),
        Entry(Key::TekunBasicRatio, &[(Y2018, pct(130))]),
        Entry(Key::CareFullSelfCare, &[(Y2018, pct(10))]),
        Entry(Key::CareSemi, &[(Y2018, pct(15))]),
        Entry(Key::CareFullCare, &[(Y2018, pct(25))]),
        Entry(Key::MinWageTier1, &[(Y2018, yuan(1680)), (MAY_2019, yuan(1800))]),
        Entry(Key::MinWageTier2, &[(Y2018, yuan(1580)), (MAY_2019, yuan(1700))]),
        Entry(Key::MinWageTier3, &[(Y2018, yuan(1480)), (MAY_2019, yuan(1600))]),
        Entry(Key::DisabilityLivingSevere, &[(Y2018, yuan(80))]),
        Entry(Key::DisabilityLivingMild, &[(Y2018, yuan(40))]),
        Entry(Key::DisabilityNursingGrade1, &[(Y2018, yuan(100))]),
        Entry(Key::DisabilityNursingGrade2, &[(Y2018, yuan(80))]),
        Entry(Key::HighAge70, &[(Y2018, yuan(50))]),
        Entry(Key::HighAge80, &[(Y2018, yuan(100))]),
        Entry(Key::HighAge90, &[(Y2018, yuan(200))]),
        Entry(Key::HighAge100, &[(Y2018, yuan(300))]),
        Entry(Key::OrphanInstitution, &[(Y2018, yuan(1300))]),
        Entry(Key::OrphanHome, &[(Y2018, yuan(1000))]),
        Entry(Key::ProvincialShare, &[(Y2018, pct(60))]),
        Entry(Key::DeepPovertyBonus, &[(Y2018, pct(10))]),
        Entry(Key::TempTownshipLimit, &[(Y2018, yuan(1000))]),
        Entry(Key::TempCountyLimit, &[(Y2018, yuan(20000))]),
    ],
};

/// The ten cities' files: their dibao standards for 2018 and 2019 and their local departures.
static CITY_FILES: [ParamFile; 10] = [
    ParamFile {
        code: "610100",
        name: "西安市",
        entries: &[
            Entry(Key::DibaoStandard, &[(Y2018, yuan(5280)), (Y2019, yuan(5760))]),
            Entry(Key::TopupSevereDisabled, &[(Y2018, pct(30))]),
            Entry(Key::TempTownshipLimit, &[(Y2018, yuan(2000))]),
        ],
    },
    ParamFile {
        code: "610200",
        name: "铜川市",
        entries: &[Entry(Key::DibaoStandard, &[(Y2018, yuan(4200)), (Y2019, yuan(4560))])],
    },
    ParamFile {
        code: "610300",
        name: "宝鸡市",
        entries: &[Entry(Key::DibaoStandard, &[(Y2018, yuan(4320)), (Y2019, yuan(4680))])],
    },
    ParamFile {
        code: "610400",
        name: "咸阳市",
        entries: &[Entry(Key::DibaoStandard, &[(Y2018, yuan(4300)), (Y2019, yuan(4650))])],
    },
    ParamFile {
        code: "610500",
        name: "渭南市",
        entries: &[Entry(Key::DibaoStandard, &[(Y2018, yuan(4080)), (Y2019, yuan(4410))])],
    },
    ParamFile {
        code: "610600",
        name: "延安市",
        entries: &[Entry(Key::DibaoStandard, &[(Y2018, yuan(4400)), (Y2019, yuan(4760))])],
    },
    ParamFile {
        code: "610700",
        name: "汉中市",
        entries: &[Entry(Key::DibaoStandard, &[(Y2018, yuan(3900)), (Y2019, yuan(4220))])],
    },
    ParamFile {
        code: "610800",
        name: "榆林市",
        entries: &[
            Entry(Key::DibaoStandard, &[(Y2018, yuan(4500)), (Y2019, yuan(4860))]),
            Entry(Key::HighAge70, &[(Y2018, yuan(60))]),
        ],
    },
    ParamFile {
        code: "610900",
        name: "安康市",
        entries: &[Entry(Key::DibaoStandard, &[(Y2018, yuan(3800)), (Y2019, yuan(4110))])],
    },
    ParamFile {
        code: "611000",
        name: "商洛市",
        entries: &[Entry(Key::DibaoStandard, &[(Y2018, yuan(3780)), (Y2019, yuan(4090))])],
    },
];

/// The four county-level units that set their own parameters.
static COUNTY_FILES: [ParamFile; 4] = [
    ParamFile {
        code: "610403",
        name: "杨凌示范区 (杨陵区)",
        entries: &[Entry(Key::DibaoStandard, &[(Y2018, yuan(4800)), (Y2019, yuan(5200))])],
    },
    ParamFile {
        code: "610581",
        name: "韩城市",
        entries: &[Entry(Key::DibaoStandard, &[(Y2018, yuan(4600)), (Y2019, yuan(4980))])],
    },
    ParamFile {
        code: "610881",
        name: "神木市",
        entries: &[
            Entry(Key::DibaoStandard, &[(Y2018, yuan(5400)), (Y2019, yuan(5880))]),
            Entry(Key::TekunBasicRatio, &[(Y2018, pct(150))]),
            Entry(Key::CareFullSelfCare, &[(Y2018, pct(12))]),
            Entry(Key::CareSemi, &[(Y2018, pct(18))]),
            Entry(Key::CareFullCare, &[(Y2018, pct(30))]),
        ],
    },
    ParamFile {
        code: "610822",
        name: "府谷县",
        entries: &[
            Entry(Key::DibaoStandard, &[(Y2018, yuan(5200)), (Y2019, yuan(5640))]),
            Entry(Key::TekunBasicRatio, &[(Y2018, pct(140))]),
        ],
    },
];

/// The value of `key` on `as_of`, from the first of `files` (most specific first) that sets it.
fn lookup(files: &[&ParamFile], key: Key, as_of: Date) -> Result<i64, String> {
    let (file, values) = files
        .iter()
        .find_map(|file| {
            let entry = file.entries.iter().find(|entry| entry.0 == key)?;
            Some((file, entry.1))
        })
        .ok_or_else(|| format!("no parameter file sets `{}`", key.name()))?;
    values.iter().rev().find(|(from, _)| *from <= as_of).map(|(_, value)| *value).ok_or_else(|| {
        let first = values.first().map_or_else(String::new, |(from, _)| from.to_string());
        format!(
            "as_of {as_of} is before the first value of `{}` ({first}) in {} {}'s file",
            key.name(),
            file.code,
            file.name
        )
    })
}

/// Layers `files` (most specific first, the province last) into the values in force on as_of.
fn resolve_county(files: &[&ParamFile], min_wage_tier: u8, as_of: Date) -> Result<Params, String> {
    let get = |key| lookup(files, key, as_of);
    let min_wage_key = match min_wage_tier {
        1 => Key::MinWageTier1,
        2 => Key::MinWageTier2,
        _ => Key::MinWageTier3,
    };
    let params = Params {
        poverty_line: get(Key::PovertyLine)?,
        dibao_min_standard: get(Key::DibaoMinStandard)?,
        dibao_standard: get(Key::DibaoStandard)?,
        topup_elderly70: get(Key::TopupElderly70)?,
        topup_child: get(Key::TopupChild)?,
        topup_severe_disabled: get(Key::TopupSevereDisabled)?,
        topup_serious_illness: get(Key::TopupSeriousIllness)?,
        topup_single_parent_minor: get(Key::TopupSingleParentMinor)?,
        topup_lactating: get(Key::TopupLactating)?,
        topup_student: get(Key::TopupStudent)?,
        gradual_exit_months: get(Key::GradualExitMonths)?,
        gradual_exit_months_disabled: get(Key::GradualExitMonthsDisabled)?,
        tekun_basic_ratio: get(Key::TekunBasicRatio)?,
        care_full_self_care: get(Key::CareFullSelfCare)?,
        care_semi: get(Key::CareSemi)?,
        care_full_care: get(Key::CareFullCare)?,
        min_wage: get(min_wage_key)?,
        disability_living_severe: get(Key::DisabilityLivingSevere)?,
        disability_living_mild: get(Key::DisabilityLivingMild)?,
        disability_nursing_grade1: get(Key::DisabilityNursingGrade1)?,
        disability_nursing_grade2: get(Key::DisabilityNursingGrade2)?,
        high_age: [get(Key::HighAge70)?, get(Key::HighAge80)?, get(Key::HighAge90)?, get(Key::HighAge100)?],
        orphan_institution: get(Key::OrphanInstitution)?,
        orphan_home: get(Key::OrphanHome)?,
        provincial_share: get(Key::ProvincialShare)?,
        deep_poverty_bonus: get(Key::DeepPovertyBonus)?,
        temp_township_limit: get(Key::TempTownshipLimit)?,
        temp_county_limit: get(Key::TempCountyLimit)?,
    };
    if params.temp_township_limit > params.temp_county_limit {
        return Err(format!(
            "`temp.township_limit` {} must not exceed `temp.county_limit` {}",
            format_fen(params.temp_township_limit),
            format_fen(params.temp_county_limit)
        ));
    }
    Ok(params)
}

/// Checks every city and county file against the constraints of spec section 3.
fn check_param_files() -> Result<(), String> {
    CITY_FILES.iter().chain(&COUNTY_FILES).try_for_each(check_local_file)
}

/// Checks one city or county file; the error names the file, the parameter, the date from which
/// the offending value is in force, and the rule it breaks.
fn check_local_file(file: &ParamFile) -> Result<(), String> {
    for Entry(key, values) in file.entries {
        let mut previous: Option<(Date, i64)> = None;
        for &(from, value) in *values {
            let province = |key| lookup(&[&PROVINCE], key, from);
            let broken = match key.constraint() {
                Constraint::ProvinceOnly => Some("may only be set by the province".to_string()),
                Constraint::DibaoStandard => {
                    let minimum = province(Key::DibaoMinStandard)?;
                    let poverty_line = province(Key::PovertyLine)?;
                    if value < minimum {
                        Some(format!("must be at least `dibao_min_standard` {}", format_fen(minimum)))
                    } else if value <= poverty_line {
                        Some(format!("must be above `poverty_line` {}", format_fen(poverty_line)))
                    } else {
                        previous.filter(|&(_, last)| value * 100 < last * 108).map(|(last_from, last)| {
                            format!("must be at least 1.08 × {}'s {}", last_from.year(), format_fen(last))
                        })
                    }
                }
                Constraint::Share => {
                    (!(0..=RATIO_ONE).contains(&value)).then(|| "must be between 0% and 100%".to_string())
                }
                Constraint::AtLeast(minimum) => {
                    (value < minimum).then(|| format!("must be at least {}", key.value_text(minimum)))
                }
                Constraint::AtLeastProvince(other) => {
                    let minimum = province(other)?;
                    (value < minimum).then(|| format!("must be at least the province's {}", other.value_text(minimum)))
                }
                Constraint::Layered => None,
            };
            if let Some(rule) = broken {
                return Err(format!(
                    "parameter file {} {}: `{}` = {} from {from} {rule}",
                    file.code,
                    file.name,
                    key.name(),
                    key.value_text(value)
                ));
            }
            previous = Some((from, value));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The file driver (spec sections 6 and 7)
// ---------------------------------------------------------------------------------------------

/// The contents of one input CSV file and the file name to write in `rejects.csv`.
#[derive(Clone, Copy, Debug)]
pub struct CsvSource<'a> {
    /// File name only, e.g. `persons.csv`.
    pub file_name: &'a str,
    /// The raw bytes of the file.
    pub bytes: &'a [u8],
}

/// How many rows of one input table were read, accepted and rejected (`read = accepted +
/// rejected`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RowCounts {
    /// Data rows read (the header not counted).
    pub read: usize,
    /// Rows accepted.
    pub accepted: usize,
    /// Rows rejected, each with one row in `rejects.csv`.
    pub rejected: usize,
}

/// The row counts of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Households.
    pub households: RowCounts,
    /// Persons.
    pub persons: RowCounts,
    /// Temporary-assistance cases.
    pub cases: RowCounts,
}

impl fmt::Display for Counts {
    /// The closing lines of a run: `read N households: A accepted, R rejected`, and likewise.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, counts) in [("households", self.households), ("persons", self.persons), ("cases", self.cases)] {
            writeln!(
                formatter,
                "read {} {name}: {} accepted, {} rejected",
                counts.read, counts.accepted, counts.rejected
            )?;
        }
        Ok(())
    }
}

/// The output tables of a run, as CSV text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunOutput {
    /// Row counts.
    pub counts: Counts,
    /// `household_results.csv`.
    pub household_results: String,
    /// `case_results.csv`.
    pub case_results: String,
    /// `publication.csv`.
    pub publication: String,
    /// `rejects.csv`.
    pub rejects: String,
}

/// Reads the input files, evaluates them on `as_of` and writes `household_results.csv`,
/// `case_results.csv`, `publication.csv` and `rejects.csv` into `out_dir` (created if needed).
///
/// Nothing is written when a file cannot be read, is not UTF-8 or lacks a column.
pub fn run_files(
    jurisdictions_csv: &Path,
    households: &Path,
    persons: &Path,
    cases: Option<&Path>,
    as_of: Date,
    out_dir: &Path,
) -> Result<Counts, String> {
    let read = |path: &Path| std::fs::read(path).map_err(|error| format!("cannot read {}: {error}", path.display()));
    let file_name = |path: &Path| path.file_name().map_or_else(String::new, |name| name.to_string_lossy().into());
    let jurisdictions = String::from_utf8(read(jurisdictions_csv)?)
        .map_err(|_| format!("{}: not UTF-8", jurisdictions_csv.display()))?;
    let (household_bytes, household_name) = (read(households)?, file_name(households));
    let (person_bytes, person_name) = (read(persons)?, file_name(persons));
    let case_file = cases.map(|path| Ok::<_, String>((read(path)?, file_name(path)))).transpose()?;
    let output = run_tables(
        &jurisdictions,
        CsvSource { file_name: &household_name, bytes: &household_bytes },
        CsvSource { file_name: &person_name, bytes: &person_bytes },
        case_file.as_ref().map(|(bytes, name)| CsvSource { file_name: name, bytes }),
        as_of,
    )?;
    std::fs::create_dir_all(out_dir).map_err(|error| format!("cannot create {}: {error}", out_dir.display()))?;
    for (name, text) in [
        ("household_results.csv", &output.household_results),
        ("case_results.csv", &output.case_results),
        ("publication.csv", &output.publication),
        ("rejects.csv", &output.rejects),
    ] {
        let path = out_dir.join(name);
        std::fs::write(&path, text).map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    }
    Ok(output.counts)
}

/// Validates the input tables (spec section 7), evaluates the accepted households on `as_of`
/// and renders the output tables (spec section 6). `cases` may be absent.
pub fn run_tables(
    jurisdictions_csv: &str,
    households: CsvSource<'_>,
    persons: CsvSource<'_>,
    cases: Option<CsvSource<'_>>,
    as_of: Date,
) -> Result<RunOutput, String> {
    let params = resolve_params(jurisdictions_csv, as_of)?;
    let household_table = read_table(households, &HOUSEHOLD_COLUMNS)?;
    let person_table = read_table(persons, &PERSON_COLUMNS)?;
    let case_table = cases.map(|source| read_table(source, &CASE_COLUMNS)).transpose()?;
    let mut batch = Batch::validate(&household_table, &person_table, case_table.as_ref(), &params);
    let results = evaluate(&batch.input, &params);
    batch.reject_failed_evaluations(&results);
    batch.render(&results, &params)
}

const HOUSEHOLD_COLUMNS: [&str; 12] = [
    "household_id",
    "county_code",
    "village",
    "annual_income",
    "registered_poor",
    "poverty_exited",
    "on_dibao",
    "prev_dibao_monthly",
    "income_unstable",
    "months_over_standard",
    "exited_dibao_within_12m",
    "rejected_within_12m",
];

const PERSON_COLUMNS: [&str; 18] = [
    "person_id",
    "household_id",
    "name",
    "is_head",
    "birth_date",
    "disability_grade",
    "serious_illness",
    "labor_capacity",
    "self_care",
    "has_income_source",
    "has_capable_supporter",
    "lactating",
    "single_parent_minor",
    "non_compulsory_student",
    "orphan_status",
    "placement",
    "left_behind",
    "privacy_protected",
];

const CASE_COLUMNS: [&str; 4] = ["case_id", "household_id", "amount_requested", "urgent"];

const HOUSEHOLD_RESULT_COLUMNS: [&str; 18] = [
    "household_id",
    "county_code",
    "city_code",
    "members",
    "tekun_members",
    "dibao_status",
    "dibao_base_monthly",
    "dibao_topup_monthly",
    "dibao_monthly",
    "tekun_basic_monthly",
    "tekun_care_monthly",
    "disability_living_monthly",
    "disability_nursing_monthly",
    "high_age_monthly",
    "orphan_monthly",
    "total_monthly",
    "provincial_share_monthly",
    "visit_required",
];

/// An input table: the positions of the expected columns in its header, and its rows.
struct Table {
    file_name: String,
    columns: &'static [&'static str],
    header: csv::StringRecord,
    /// `positions[c]` is the header position of `columns[c]`.
    positions: Vec<usize>,
    rows: Vec<(u64, csv::StringRecord)>,
}

/// Reads a CSV table; fails on a file or field that is not UTF-8, a missing column or a column
/// named twice. A leading byte-order mark is skipped.
fn read_table(source: CsvSource<'_>, columns: &'static [&'static str]) -> Result<Table, String> {
    let file = source.file_name;
    let bytes = source.bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(source.bytes);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut records = reader.byte_records();
    let header = records
        .next()
        .ok_or_else(|| format!("{file}: empty file, expected a header row"))?
        .map_err(|error| format!("{file}: {error}"))?;
    let header = csv::StringRecord::from_byte_record(header)
        .map_err(|error| format!("{file}: header column {} is not UTF-8", error.utf8_error().field() + 1))?;
    for (position, name) in header.iter().enumerate() {
        if header.iter().take(position).any(|earlier| earlier == name) {
            return Err(format!("{file}: bad header: column `{name}` appears twice"));
        }
    }
    let positions = columns
        .iter()
        .map(|column| {
            header.iter().position(|name| name == *column).ok_or_else(|| format!("{file}: missing column `{column}`"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(|error| format!("{file}: {error}"))?;
        let line = record.position().map_or(0, csv::Position::line);
        let record = csv::StringRecord::from_byte_record(record).map_err(|error| {
            let column = header.get(error.utf8_error().field()).unwrap_or("beyond the header");
            format!("{file} line {line}: column `{column}` is not UTF-8")
        })?;
        rows.push((line, record));
    }
    Ok(Table { file_name: file.to_string(), columns, header, positions, rows })
}

/// Why one input row is rejected on its own account.
#[derive(Clone, Debug, PartialEq, Eq)]
struct FieldError {
    /// The column named in `rejects.csv`.
    field: &'static str,
    /// The reason written in `rejects.csv`.
    reason: String,
    /// A short form for the rows rejected with it, e.g. `bad birth_date`.
    short: String,
}

impl FieldError {
    fn bad(field: &'static str, reason: String) -> FieldError {
        FieldError { field, reason: format!("bad {field}: {reason}"), short: format!("bad {field}") }
    }
}

/// One row of a table, read field by field in the spec's column order.
struct Fields<'t> {
    table: &'t Table,
    record: &'t csv::StringRecord,
}

impl<'t> Fields<'t> {
    /// The text of a column, if the row has it.
    fn raw(&self, column: &'static str) -> Option<&'t str> {
        let column_idx = self.table.columns.iter().position(|name| *name == column)?;
        self.record.get(*self.table.positions.get(column_idx)?)
    }

    /// Fails when the row has more or fewer fields than the header.
    fn check_width(&self) -> Result<(), FieldError> {
        let (width, expected) = (self.record.len(), self.table.header.len());
        if width == expected {
            return Ok(());
        }
        let reason = format!("row has {width} fields, header has {expected}");
        let field = self.table.columns.iter().copied().find(|column| self.raw(column).is_none());
        Err(FieldError { field: field.unwrap_or(""), short: "bad row".to_string(), reason })
    }

    fn text(&self, column: &'static str) -> Result<&'t str, FieldError> {
        self.raw(column).ok_or_else(|| FieldError::bad(column, "missing".to_string()))
    }

    /// An id, a name or a village: any text without control characters (U+0000-U+001F,
    /// U+007F-U+009F) or bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069).
    fn free_text(&self, column: &'static str) -> Result<&'t str, FieldError> {
        let text = self.text(column)?;
        let Some(bad) = text
            .chars()
            .find(|c| c.is_control() || ('\u{202A}'..='\u{202E}').contains(c) || ('\u{2066}'..='\u{2069}').contains(c))
        else {
            return Ok(text);
        };
        let what = if bad.is_control() { "a control character" } else { "a bidirectional control character" };
        Err(FieldError::bad(column, format!("holds {what} (U+{:04X})", u32::from(bad))))
    }

    fn boolean(&self, column: &'static str) -> Result<bool, FieldError> {
        match self.text(column)? {
            "true" => Ok(true),
            "false" => Ok(false),
            text => Err(FieldError::bad(column, format!("`{text}` is not `true` or `false`"))),
        }
    }

    fn money(&self, column: &'static str) -> Result<Fen, FieldError> {
        let text = self.text(column)?;
        parse_money(text).map_err(|error| match error {
            NumberError::Shape => {
                FieldError::bad(column, format!("`{text}` is not an amount in yuan with at most two decimals"))
            }
            NumberError::TooLarge => too_large(column, text),
        })
    }

    fn integer(&self, column: &'static str) -> Result<i64, FieldError> {
        let text = self.text(column)?;
        parse_integer(text).map_err(|error| match error {
            NumberError::Shape => FieldError::bad(column, format!("`{text}` is not a whole number")),
            NumberError::TooLarge => too_large(column, text),
        })
    }

    fn date(&self, column: &'static str) -> Result<Date, FieldError> {
        Date::parse(self.text(column)?).map_err(|reason| FieldError::bad(column, reason))
    }

    fn choice<T: Copy>(&self, column: &'static str, options: &[(&str, T)]) -> Result<T, FieldError> {
        let text = self.text(column)?;
        options.iter().find(|(word, _)| *word == text).map(|(_, value)| *value).ok_or_else(|| {
            let words: Vec<String> = options.iter().map(|(word, _)| format!("`{word}`")).collect();
            FieldError::bad(column, format!("`{text}` is not one of {}", words.join(", ")))
        })
    }
}

/// Why a number field was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NumberError {
    /// It does not match the field's pattern.
    Shape,
    /// It matches but does not fit in 64 bits.
    TooLarge,
}

/// The rejection of a value that matches its pattern but cannot be evaluated in 64-bit fen.
fn too_large(column: &'static str, text: &str) -> FieldError {
    FieldError {
        field: column,
        reason: format!("evaluation error: `{column}` {text} does not fit in 64-bit arithmetic"),
        short: format!("evaluation error on {column}"),
    }
}

/// Parses `^[0-9]+(\.[0-9]{1,2})?$` yuan into fen.
fn parse_money(text: &str) -> Result<Fen, NumberError> {
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (text, ""),
    };
    let fraction_ok = if text.contains('.') { (1..=2).contains(&fraction.len()) } else { true };
    if !fraction_ok || !fraction.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(NumberError::Shape);
    }
    let whole = parse_integer(whole)?;
    let cents = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(2)
        .fold(0, |value, digit| value * 10 + i64::from(digit - b'0'));
    whole.checked_mul(100).and_then(|fen| fen.checked_add(cents)).ok_or(NumberError::TooLarge)
}

/// Parses `^[0-9]+$`.
fn parse_integer(text: &str) -> Result<i64, NumberError> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(NumberError::Shape);
    }
    text.bytes()
        .try_fold(0_i64, |value, digit| {
            value.checked_mul(10).and_then(|value| value.checked_add(i64::from(digit - b'0')))
        })
        .ok_or(NumberError::TooLarge)
}

/// A validated household row.
struct HouseholdRow<'t> {
    village: &'t str,
    facts: HouseholdFacts,
}

/// A validated person row.
struct PersonRow<'t> {
    name: &'t str,
    is_head: bool,
    privacy_protected: bool,
    facts: PersonFacts,
}

/// A validated case row.
struct CaseRow<'t> {
    case_id: &'t str,
    amount_requested: Fen,
    urgent: bool,
}

fn parse_household<'t>(fields: &Fields<'t>, params: &ParamTable) -> Result<HouseholdRow<'t>, FieldError> {
    fields.check_width()?;
    fields.free_text("household_id")?;
    let county_text = fields.text("county_code")?;
    let county = params.county_index(county_text).ok_or_else(|| {
        FieldError::bad("county_code", format!("`{county_text}` is not a county of jurisdictions.csv"))
    })?;
    let village = fields.free_text("village")?;
    // Fields are read in the order of the spec's columns; the first bad one is reported.
    let facts = HouseholdFacts {
        county,
        annual_income: fields.money("annual_income")?,
        registered_poor: fields.boolean("registered_poor")?,
        poverty_exited: fields.boolean("poverty_exited")?,
        on_dibao: fields.boolean("on_dibao")?,
        prev_dibao_monthly: fields.money("prev_dibao_monthly")?,
        income_unstable: fields.boolean("income_unstable")?,
        months_over_standard: fields.integer("months_over_standard")?,
        exited_dibao_within_12m: fields.boolean("exited_dibao_within_12m")?,
        rejected_within_12m: fields.boolean("rejected_within_12m")?,
    };
    Ok(HouseholdRow { village, facts })
}

fn parse_person<'t>(fields: &Fields<'t>, as_of: Date) -> Result<PersonRow<'t>, FieldError> {
    use LaborCapacity as Labor;
    fields.check_width()?;
    fields.free_text("person_id")?;
    fields.free_text("household_id")?;
    let name = fields.free_text("name")?;
    let is_head = fields.boolean("is_head")?;
    let birth_date = fields.date("birth_date")?;
    if birth_date > as_of {
        return Err(FieldError {
            field: "birth_date",
            reason: format!("born after as_of: {birth_date} is after {as_of}"),
            short: "born after as_of".to_string(),
        });
    }
    let grade_text = fields.text("disability_grade")?;
    let disability_grade = match parse_integer(grade_text).map(u8::try_from) {
        Ok(Ok(grade @ 0..=4)) => grade,
        Ok(_) | Err(NumberError::TooLarge) => {
            let reason = format!("`{grade_text}` is not a grade from 0 to 4");
            return Err(FieldError::bad("disability_grade", reason));
        }
        Err(NumberError::Shape) => {
            let reason = format!("`{grade_text}` is not a whole number");
            return Err(FieldError::bad("disability_grade", reason));
        }
    };
    let facts = PersonFacts {
        birth_date,
        disability_grade,
        serious_illness: fields.boolean("serious_illness")?,
        labor_capacity: fields
            .choice("labor_capacity", &[("full", Labor::Full), ("partial", Labor::Partial), ("none", Labor::None)])?,
        self_care: fields
            .choice("self_care", &[("full", SelfCare::Full), ("semi", SelfCare::Semi), ("none", SelfCare::None)])?,
        has_income_source: fields.boolean("has_income_source")?,
        has_capable_supporter: fields.boolean("has_capable_supporter")?,
        lactating: fields.boolean("lactating")?,
        single_parent_minor: fields.boolean("single_parent_minor")?,
        non_compulsory_student: fields.boolean("non_compulsory_student")?,
        orphan_status: fields.choice(
            "orphan_status",
            &[("none", OrphanStatus::None), ("orphan", OrphanStatus::Orphan), ("de_facto", OrphanStatus::DeFacto)],
        )?,
        placement: fields.choice("placement", &[("home", Placement::Home), ("institution", Placement::Institution)])?,
        left_behind: fields.boolean("left_behind")?,
    };
    let privacy_protected = fields.boolean("privacy_protected")?;
    Ok(PersonRow { name, is_head, privacy_protected, facts })
}

fn parse_case<'t>(fields: &Fields<'t>) -> Result<CaseRow<'t>, FieldError> {
    fields.check_width()?;
    let case_id = fields.free_text("case_id")?;
    fields.free_text("household_id")?;
    let amount_requested = fields.money("amount_requested")?;
    let urgent = fields.boolean("urgent")?;
    Ok(CaseRow { case_id, amount_requested, urgent })
}

/// Why a whole household is rejected.
#[derive(Clone, Debug)]
struct Cause {
    /// The column named in the rejects rows.
    field: &'static str,
    /// The reason of the household's rows that are rejected because of it, after
    /// `household rejected: `.
    summary: String,
    /// The reason of the household row itself, when the cause is the row itself.
    own_reason: Option<String>,
}

/// The state of one household row during validation.
struct HouseholdRecord<'t> {
    line: u64,
    id: Option<&'t str>,
    row: Result<HouseholdRow<'t>, FieldError>,
    cause: Option<Cause>,
    /// The person rows that belong to it, in file order.
    members: Vec<usize>,
    head: Option<usize>,
    /// Its position in the batch's [`Input`], if it was evaluated.
    input_idx: Option<usize>,
}

/// The state of one person row during validation.
struct PersonRecord<'t> {
    line: u64,
    id: Option<&'t str>,
    household_id: Option<&'t str>,
    row: Result<PersonRow<'t>, FieldError>,
    /// Why the row is rejected on its own account: a bad field, or a duplicate person_id.
    problem: Option<FieldError>,
}

/// The state of one case row during validation.
struct CaseRecord<'t> {
    line: u64,
    id: Option<&'t str>,
    household_id: Option<&'t str>,
    row: Result<CaseRow<'t>, FieldError>,
}

/// The validated rows of a run, and the [`Input`] of its accepted households.
struct Batch<'t> {
    household_file: &'t str,
    person_file: &'t str,
    case_file: &'t str,
    households: Vec<HouseholdRecord<'t>>,
    persons: Vec<PersonRecord<'t>>,
    /// The line of each person row.
    person_lines: Vec<u64>,
    cases: Vec<CaseRecord<'t>>,
    /// The household rows of each household_id, in file order.
    household_rows: HashMap<&'t str, Vec<usize>>,
    input: Input,
    as_of: Date,
}

impl<'t> Batch<'t> {
    /// Applies the rules of spec section 7 and builds the input of the accepted households.
    fn validate(
        household_table: &'t Table,
        person_table: &'t Table,
        case_table: Option<&'t Table>,
        params: &ParamTable,
    ) -> Batch<'t> {
        let as_of = params.as_of();
        let fields = |table: &'t Table, record| Fields { table, record };
        let households = household_table.rows.iter().map(|(line, record)| {
            let fields = fields(household_table, record);
            HouseholdRecord {
                line: *line,
                id: fields.raw("household_id"),
                row: parse_household(&fields, params),
                cause: None,
                members: Vec::new(),
                head: None,
                input_idx: None,
            }
        });
        let persons = person_table.rows.iter().map(|(line, record)| {
            let fields = fields(person_table, record);
            let row = parse_person(&fields, as_of);
            let problem = row.as_ref().err().cloned();
            PersonRecord {
                line: *line,
                id: fields.raw("person_id"),
                household_id: fields.raw("household_id"),
                row,
                problem,
            }
        });
        let cases = case_table.map_or_else(Vec::new, |table| {
            let rows = table.rows.iter().map(|(line, record)| {
                let fields = fields(table, record);
                CaseRecord {
                    line: *line,
                    id: fields.raw("case_id"),
                    household_id: fields.raw("household_id"),
                    row: parse_case(&fields),
                }
            });
            rows.collect()
        });
        let mut batch = Batch {
            household_file: &household_table.file_name,
            person_file: &person_table.file_name,
            case_file: case_table.map_or("cases.csv", |table| &table.file_name),
            households: households.collect(),
            persons: persons.collect(),
            person_lines: person_table.rows.iter().map(|(line, _)| *line).collect(),
            cases,
            household_rows: HashMap::new(),
            input: Input::new(),
            as_of,
        };
        batch.reject_bad_households();
        batch.reject_duplicate_persons();
        batch.reject_duplicate_cases();
        batch.reject_households_of_bad_persons();
        batch.reject_bad_structure();
        batch.build_input();
        batch
    }

    /// A household row's own bad field, or a household_id that occurs twice.
    fn reject_bad_households(&mut self) {
        for (household_idx, household) in self.households.iter().enumerate() {
            if let Some(id) = household.id {
                self.household_rows.entry(id).or_default().push(household_idx);
            }
        }
        let lines: Vec<u64> = self.households.iter().map(|household| household.line).collect();
        for household in &mut self.households {
            let duplicates = household.id.and_then(|id| self.household_rows.get(id));
            household.cause = match (&household.row, duplicates) {
                (Err(error), _) => Some(Cause {
                    field: error.field,
                    summary: error.short.clone(),
                    own_reason: Some(error.reason.clone()),
                }),
                (Ok(_), Some(rows)) if rows.len() > 1 => Some(Cause {
                    field: "household_id",
                    summary: "duplicate household_id".to_string(),
                    own_reason: Some(format!(
                        "duplicate household_id `{}` (lines {})",
                        household.id.unwrap_or_default(),
                        join_lines(rows, &lines)
                    )),
                }),
                _ => None,
            };
        }
    }

    /// Marks every person row whose person_id occurs more than once (unless it already has a
    /// problem of its own).
    /// Rejects every case whose case_id occurs more than once (a case with a bad field keeps
    /// that reason); a duplicate case does not reject its household.
    fn reject_duplicate_cases(&mut self) {
        let mut case_lines: HashMap<&str, Vec<u64>> = HashMap::new();
        for case in &self.cases {
            if let Some(id) = case.id {
                case_lines.entry(id).or_default().push(case.line);
            }
        }
        for case in &mut self.cases {
            let Some(id) = case.id else { continue };
            let Some(lines) = case_lines.get(id).filter(|lines| lines.len() > 1) else { continue };
            if case.row.is_ok() {
                let lines: Vec<String> = lines.iter().map(u64::to_string).collect();
                case.row = Err(FieldError {
                    field: "case_id",
                    reason: format!("duplicate case_id `{id}` (lines {})", lines.join(", ")),
                    short: "duplicate case_id".to_string(),
                });
            }
        }
    }

    fn reject_duplicate_persons(&mut self) {
        let mut person_rows: HashMap<&str, Vec<usize>> = HashMap::new();
        for (person_idx, person) in self.persons.iter().enumerate() {
            if let Some(id) = person.id {
                person_rows.entry(id).or_default().push(person_idx);
            }
        }
        for person in &mut self.persons {
            let Some(id) = person.id else { continue };
            let Some(rows) = person_rows.get(id).filter(|rows| rows.len() > 1) else { continue };
            if person.problem.is_none() {
                let lines = join_lines(rows, &self.person_lines);
                person.problem = Some(FieldError {
                    field: "person_id",
                    reason: format!("duplicate person_id `{id}` (lines {lines})"),
                    short: "duplicate person_id".to_string(),
                });
            }
        }
    }

    /// Rejects the households of persons with a problem, and collects the members of the others.
    fn reject_households_of_bad_persons(&mut self) {
        for (person_idx, person) in self.persons.iter().enumerate() {
            let rows = person.household_id.and_then(|id| self.household_rows.get(id));
            for &household_idx in rows.into_iter().flatten() {
                let Some(household) = self.households.get_mut(household_idx) else { continue };
                match &person.problem {
                    Some(problem) if household.cause.is_none() => {
                        let person_name =
                            person.id.map_or_else(|| format!("on line {}", person.line), ToString::to_string);
                        household.cause = Some(Cause {
                            field: problem.field,
                            summary: format!("person {person_name} {}", problem.short),
                            own_reason: None,
                        });
                    }
                    Some(_) => {}
                    None => household.members.push(person_idx),
                }
            }
        }
    }

    /// Households with no members, no head or more than one head.
    fn reject_bad_structure(&mut self) {
        for household in &mut self.households {
            if household.cause.is_some() {
                continue;
            }
            let heads: Vec<usize> = household
                .members
                .iter()
                .copied()
                .filter(|&person_idx| {
                    self.persons.get(person_idx).is_some_and(|person| person.row.as_ref().is_ok_and(|row| row.is_head))
                })
                .collect();
            let structural =
                |field, summary: String| Cause { field, own_reason: Some(format!("household has {summary}")), summary };
            household.cause = match heads.as_slice() {
                _ if household.members.is_empty() => Some(structural("household_id", "no members".to_string())),
                [] => Some(structural("is_head", "no head".to_string())),
                [head] => {
                    household.head = Some(*head);
                    None
                }
                _ => {
                    let ids: Vec<&str> =
                        heads.iter().filter_map(|&person_idx| self.persons.get(person_idx)?.id).collect();
                    Some(structural("is_head", format!("{} heads: {}", heads.len(), ids.join(", "))))
                }
            };
        }
    }

    /// Puts the households without a cause, with their members in file order, into the input.
    fn build_input(&mut self) {
        let mut input = Input::new();
        for household in &mut self.households {
            let (None, Ok(row)) = (&household.cause, &household.row) else { continue };
            let persons = &self.persons;
            let members = household
                .members
                .iter()
                .filter_map(|&person_idx| persons.get(person_idx)?.row.as_ref().ok().map(|person| person.facts));
            household.input_idx = Some(input.len());
            input.push_household(row.facts, members);
        }
        self.input = input;
    }

    /// Rejects the households whose evaluation failed.
    fn reject_failed_evaluations(&mut self, results: &[Result<HouseholdOut, EvalError>]) {
        for household in &mut self.households {
            let result = household.input_idx.and_then(|input_idx| results.get(input_idx));
            if let Some(Err(error)) = result {
                let reason = format!("evaluation error: {error}");
                household.cause =
                    Some(Cause { field: error.field(), summary: reason.clone(), own_reason: Some(reason) });
            }
        }
    }

    /// The cause that rejects the rows linked to `household_id`, or `Err` if no such household
    /// exists; `Ok(None)` when the household is accepted.
    fn link(&self, household_id: &str) -> Result<Option<(&'static str, String)>, ()> {
        let rows = self.household_rows.get(household_id).ok_or(())?;
        if rows.len() > 1 {
            return Ok(Some(("household_id", "duplicate household_id".to_string())));
        }
        let household = rows.first().and_then(|&row| self.households.get(row)).ok_or(())?;
        Ok(household.cause.as_ref().map(|cause| (cause.field, cause.summary.clone())))
    }

    /// The accepted household of `household_id`, if any.
    fn accepted_household(&self, household_id: &str) -> Option<&HouseholdRecord<'t>> {
        let rows = self.household_rows.get(household_id).filter(|rows| rows.len() == 1)?;
        let household = self.households.get(*rows.first()?)?;
        household.cause.is_none().then_some(household)
    }

    /// Renders the four output tables.
    fn render(&self, results: &[Result<HouseholdOut, EvalError>], params: &ParamTable) -> Result<RunOutput, String> {
        let mut tables = OutputTables::new()?;
        for household in &self.households {
            self.render_household(household, results, params, &mut tables)?;
        }
        for person in &self.persons {
            tables.counts.persons.read += 1;
            let household_id = person.household_id.unwrap_or_default();
            match self.person_reject(person) {
                None => tables.counts.persons.accepted += 1,
                Some((field, reason)) => {
                    tables.counts.persons.rejected += 1;
                    tables.reject(self.person_file, person.line, household_id, field, &reason)?;
                }
            }
        }
        for case in &self.cases {
            self.render_case(case, params, &mut tables)?;
        }
        tables.finish()
    }

    /// Writes a household's results and publication row, or its rejects row.
    fn render_household(
        &self,
        household: &HouseholdRecord<'t>,
        results: &[Result<HouseholdOut, EvalError>],
        params: &ParamTable,
        tables: &mut OutputTables,
    ) -> Result<(), String> {
        tables.counts.households.read += 1;
        let id = household.id.unwrap_or_default();
        let result = household.input_idx.and_then(|input_idx| results.get(input_idx));
        let (None, Ok(row), Some(Ok(out))) = (&household.cause, &household.row, result) else {
            tables.counts.households.rejected += 1;
            let (field, reason) = household.cause.as_ref().map_or(("", String::new()), |cause| {
                let reason =
                    cause.own_reason.clone().unwrap_or_else(|| format!("household rejected: {}", cause.summary));
                (cause.field, reason)
            });
            return tables.reject(self.household_file, household.line, id, field, &reason);
        };
        tables.counts.households.accepted += 1;
        let county = params.county(row.facts.county).ok_or("internal error: county lost")?;
        write_row(&mut tables.household_results, household_result_row(id, county, out))?;
        if out.dibao_status == DibaoStatus::None {
            return Ok(());
        }
        let head = household.head.and_then(|head| self.persons.get(head));
        let head_name = head.and_then(|head| head.row.as_ref().ok()).map_or_else(String::new, |head| {
            let minor = head.facts.birth_date.age_on(self.as_of).is_none_or(|age| age < 18);
            if head.privacy_protected || minor { mask_name(head.name) } else { head.name.to_string() }
        });
        let dibao = format_fen(out.dibao_monthly);
        write_row(&mut tables.publication, [&county.county_code, row.village, &head_name, &dibao])
    }

    /// Writes a case's result, or its rejects row.
    fn render_case(&self, case: &CaseRecord<'t>, params: &ParamTable, tables: &mut OutputTables) -> Result<(), String> {
        tables.counts.cases.read += 1;
        let household_id = case.household_id.unwrap_or_default();
        let verdict = match &case.row {
            Err(error) => Err((error.field, error.reason.clone())),
            Ok(row) => match self.link(household_id) {
                Err(()) => Err(("household_id", format!("unknown household `{household_id}`"))),
                Ok(Some((field, summary))) => Err((field, format!("household rejected: {summary}"))),
                Ok(None) => Ok(row),
            },
        };
        let row = match verdict {
            Ok(row) => row,
            Err((field, reason)) => {
                tables.counts.cases.rejected += 1;
                return tables.reject(self.case_file, case.line, household_id, field, &reason);
            }
        };
        tables.counts.cases.accepted += 1;
        let county = self
            .accepted_household(household_id)
            .and_then(|household| household.row.as_ref().ok())
            .and_then(|household| params.county(household.facts.county))
            .ok_or("internal error: case household lost")?;
        let level = approval_level(row.amount_requested, &county.rates).as_str();
        let pay_first = if row.urgent { "true" } else { "false" };
        write_row(&mut tables.case_results, [row.case_id, household_id, level, pay_first])
    }

    /// Why a person row is rejected, if it is.
    fn person_reject(&self, person: &PersonRecord<'t>) -> Option<(&'static str, String)> {
        if let Some(problem) = &person.problem {
            return Some((problem.field, problem.reason.clone()));
        }
        let household_id = person.household_id.unwrap_or_default();
        match self.link(household_id) {
            Err(()) => Some(("household_id", format!("unknown household `{household_id}`"))),
            Ok(cause) => cause.map(|(field, summary)| (field, format!("household rejected: {summary}"))),
        }
    }
}

/// The lines of the given rows, for a message: `4, 5`.
fn join_lines(rows: &[usize], lines: &[u64]) -> String {
    let lines: Vec<String> = rows.iter().filter_map(|&row| lines.get(row)).map(ToString::to_string).collect();
    lines.join(", ")
}

/// The four output tables being written, and the row counts.
struct OutputTables {
    counts: Counts,
    household_results: csv::Writer<Vec<u8>>,
    case_results: csv::Writer<Vec<u8>>,
    publication: csv::Writer<Vec<u8>>,
    rejects: csv::Writer<Vec<u8>>,
}

impl OutputTables {
    /// Empty tables with their header rows.
    fn new() -> Result<OutputTables, String> {
        let mut tables = OutputTables {
            counts: Counts::default(),
            household_results: csv_writer(),
            case_results: csv_writer(),
            publication: csv_writer(),
            rejects: csv_writer(),
        };
        write_row(&mut tables.household_results, HOUSEHOLD_RESULT_COLUMNS)?;
        write_row(&mut tables.case_results, ["case_id", "household_id", "approval_level", "pay_first"])?;
        write_row(&mut tables.publication, ["county_code", "village", "head_name", "dibao_monthly"])?;
        write_row(&mut tables.rejects, ["file", "line", "household_id", "field", "reason"])?;
        Ok(tables)
    }

    fn reject(&mut self, file: &str, line: u64, household_id: &str, field: &str, reason: &str) -> Result<(), String> {
        write_row(&mut self.rejects, [file, &line.to_string(), household_id, field, reason])
    }

    fn finish(self) -> Result<RunOutput, String> {
        Ok(RunOutput {
            counts: self.counts,
            household_results: finish(self.household_results)?,
            case_results: finish(self.case_results)?,
            publication: finish(self.publication)?,
            rejects: finish(self.rejects)?,
        })
    }
}

/// The `household_results.csv` row of an accepted household.
fn household_result_row(id: &str, county: &CountyParams, out: &HouseholdOut) -> [String; 18] {
    [
        id.to_string(),
        county.county_code.clone(),
        county.city_code.clone(),
        out.members.to_string(),
        out.tekun_members.to_string(),
        out.dibao_status.as_str().to_string(),
        format_fen(out.dibao_base_monthly),
        format_fen(out.dibao_topup_monthly),
        format_fen(out.dibao_monthly),
        format_fen(out.tekun_basic_monthly),
        format_fen(out.tekun_care_monthly),
        format_fen(out.disability_living_monthly),
        format_fen(out.disability_nursing_monthly),
        format_fen(out.high_age_monthly),
        format_fen(out.orphan_monthly),
        format_fen(out.total_monthly),
        format_fen(out.provincial_share_monthly),
        out.visit_required.to_string(),
    ]
}

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new())
}

fn write_row<I, T>(writer: &mut csv::Writer<Vec<u8>>, row: I) -> Result<(), String>
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    writer.write_record(row).map_err(|error| format!("cannot write a row: {error}"))
}

fn finish(writer: csv::Writer<Vec<u8>>) -> Result<String, String> {
    let bytes = writer.into_inner().map_err(|error| format!("cannot write a table: {error}"))?;
    String::from_utf8(bytes).map_err(|_| "internal error: output is not UTF-8".to_string())
}

#[cfg(test)]
mod tests {
    //! Every expected number here was computed by hand from the spec, as the comments show;
    //! none was copied from this file's output.

    use super::*;

    /// The rows of `policies/shaanxi/jurisdictions.csv` that these tests use, copied verbatim.
    const JURISDICTIONS: &str = "\
county_code,county_name,city_code,city_name,kind,deep_poverty,poverty_county,min_wage_tier,sets_own_parameters
610112,未央区,610100,西安市,区,false,false,1,false
610402,秦都区,610400,咸阳市,区,false,false,1,false
610403,杨陵区,610400,咸阳市,区,false,false,1,true
610581,韩城市,610500,渭南市,县级市,false,false,2,true
610602,宝塔区,610600,延安市,区,false,false,2,false
610802,榆阳区,610800,榆林市,区,false,false,1,false
610822,府谷县,610800,榆林市,县,false,false,1,true
610881,神木市,610800,榆林市,县级市,false,false,1,true
610924,紫阳县,610900,安康市,县,true,true,3,false
611002,商州区,611000,商洛市,区,false,true,2,false
";

    type TestResult = Result<(), String>;

    fn ymd(year: u16, month: u8, day: u8) -> Result<Date, String> {
        Date::from_ymd(year, month, day).ok_or_else(|| format!("{year}-{month}-{day} is not a day"))
    }

    /// One input row, built from defaults and changed column by column.
    #[derive(Clone)]
    struct Row {
        columns: &'static [&'static str],
        values: Vec<String>,
    }

    impl Row {
        fn new(columns: &'static [&'static str], defaults: &[&str]) -> Row {
            Row { columns, values: defaults.iter().map(ToString::to_string).collect() }
        }

        fn set(mut self, column: &str, value: &str) -> Row {
            let position = self.columns.iter().position(|name| *name == column);
            let slot = position.and_then(|position| self.values.get_mut(position));
            assert!(slot.is_some(), "no column `{column}`");
            if let Some(slot) = slot {
                *slot = value.to_string();
            }
            self
        }

        fn head(self) -> Row {
            self.set("is_head", "true")
        }

        /// An adult with labour capacity `none`, no income source and no capable supporter.
        fn unsupported(self) -> Row {
            self.set("labor_capacity", "none")
        }
    }

    /// A household in `county` with no income and every flag false.
    fn household(id: &str, county: &str) -> Row {
        let defaults = [id, county, "村", "0", "false", "false", "false", "0", "false", "0", "false", "false"];
        Row::new(&HOUSEHOLD_COLUMNS, &defaults)
    }

    /// A person without disability, with full labour capacity and self-care, and flags false.
    fn person(id: &str, household_id: &str, birth_date: &str) -> Row {
        let defaults = [
            id,
            household_id,
            "张三",
            "false",
            birth_date,
            "0",
            "false",
            "full",
            "full",
            "false",
            "false",
            "false",
            "false",
            "false",
            "none",
            "home",
            "false",
            "false",
        ];
        Row::new(&PERSON_COLUMNS, &defaults)
    }

    fn table(columns: &[&str], rows: &[Row]) -> String {
        let mut text = columns.join(",");
        text.push('\n');
        for row in rows {
            let quoted: Vec<String> = row
                .values
                .iter()
                .map(|value| {
                    if value.contains([',', '"']) {
                        format!("\"{}\"", value.replace('"', "\"\""))
                    } else {
                        value.clone()
                    }
                })
                .collect();
            text.push_str(&quoted.join(","));
            text.push('\n');
        }
        text
    }

    fn run(households: &[Row], persons: &[Row], cases: &[&str], as_of: Date) -> Result<RunOutput, String> {
        let household_text = table(&HOUSEHOLD_COLUMNS, households);
        let person_text = table(&PERSON_COLUMNS, persons);
        let case_text =
            format!("{}\n{}", CASE_COLUMNS.join(","), cases.iter().map(|line| format!("{line}\n")).collect::<String>());
        run_tables(
            JURISDICTIONS,
            CsvSource { file_name: "households.csv", bytes: household_text.as_bytes() },
            CsvSource { file_name: "persons.csv", bytes: person_text.as_bytes() },
            Some(CsvSource { file_name: "cases.csv", bytes: case_text.as_bytes() }),
            as_of,
        )
    }

    /// Checks the given columns of household `id` in `household_results.csv`.
    fn assert_household(output: &RunOutput, id: &str, expected: &[(&str, &str)]) -> TestResult {
        let mut reader = csv::Reader::from_reader(output.household_results.as_bytes());
        let header = reader.headers().map_err(|error| error.to_string())?.clone();
        for record in reader.records() {
            let record = record.map_err(|error| error.to_string())?;
            if record.get(0) != Some(id) {
                continue;
            }
            for (column, value) in expected {
                let position = header.iter().position(|name| name == *column);
                let actual = position.and_then(|position| record.get(position));
                assert_eq!(actual, Some(*value), "household {id}, column {column}");
            }
            return Ok(());
        }
        Err(format!("household {id} is not in household_results.csv:\n{}", output.household_results))
    }

    /// The money columns of a household, in the order of `household_results.csv`: base, top-up,
    /// dibao, tekun basic, tekun care, living, nursing, high age, orphan, total, share.
    fn money(values: [&'static str; 11]) -> Vec<(&'static str, &'static str)> {
        let columns = [
            "dibao_base_monthly",
            "dibao_topup_monthly",
            "dibao_monthly",
            "tekun_basic_monthly",
            "tekun_care_monthly",
            "disability_living_monthly",
            "disability_nursing_monthly",
            "high_age_monthly",
            "orphan_monthly",
            "total_monthly",
            "provincial_share_monthly",
        ];
        columns.into_iter().zip(values).collect()
    }

    fn with(
        mut money: Vec<(&'static str, &'static str)>,
        other: &[(&'static str, &'static str)],
    ) -> Vec<(&'static str, &'static str)> {
        money.extend_from_slice(other);
        money
    }

    // --- Numbers and time -------------------------------------------------------------------

    #[test]
    fn round_fen_follows_the_spec_examples() {
        // 387.50 × 15% = 58.125 → 58.13
        assert_eq!(mul_ratio(38_750, pct(15)), Some(5_813));
        // 4,760 ÷ 12 = 396.666… → 396.67
        assert_eq!(div_fen(476_000, 12), 39_667);
        // 396.67 × 15% = 59.5005 → 59.50
        assert_eq!(mul_ratio(39_667, pct(15)), Some(5_950));
        // Half away from zero on both sides.
        assert_eq!(div_fen(6, 12), 1);
        assert_eq!(div_fen(-6, 12), -1);
        assert_eq!(div_fen(5, 12), 0);
        assert_eq!(mul_ratio(-38_750, pct(15)), Some(-5_813));
        assert_eq!(mul_ratio(i64::MAX, pct(200)), None);
        assert_eq!(format_fen(0), "0.00");
        assert_eq!(format_fen(5), "0.05");
        assert_eq!(format_fen(-5), "-0.05");
        assert_eq!(format_fen(123_456), "1234.56");
    }

    #[test]
    fn ages_count_full_years_from_the_birthday() -> TestResult {
        let born = ymd(2002, 7, 1)?;
        assert_eq!(born.age_on(ymd(2019, 6, 30)?), Some(16));
        assert_eq!(born.age_on(ymd(2019, 7, 1)?), Some(17));
        let leapling = ymd(2016, 2, 29)?;
        assert_eq!(leapling.age_on(ymd(2018, 2, 28)?), Some(1));
        assert_eq!(leapling.age_on(ymd(2018, 3, 1)?), Some(2));
        // In a leap year the birthday is 29 February itself.
        assert_eq!(leapling.age_on(ymd(2020, 2, 28)?), Some(3));
        assert_eq!(leapling.age_on(ymd(2020, 2, 29)?), Some(4));
        assert_eq!(leapling.age_on(ymd(2016, 2, 28)?), None);
        Ok(())
    }

    #[test]
    fn the_hot_loop_age_formula_agrees_with_age_on() -> TestResult {
        // Every birth date from 2011 to 2016 against every as_of from 2015 to 2021.
        let (first_birth, last_birth) = (ymd(2011, 1, 1)?, ymd(2016, 12, 31)?);
        let (first_day, last_day) = (ymd(2015, 1, 1)?, ymd(2021, 12, 31)?);
        for birth_days in first_birth.days_since_epoch()..=last_birth.days_since_epoch() {
            let birth = Date::from_days_since_epoch(birth_days).ok_or("no birth date")?;
            for on_days in (first_day.days_since_epoch()..=last_day.days_since_epoch()).step_by(7) {
                let on = Date::from_days_since_epoch(on_days).ok_or("no date")?;
                let by_key = (birth <= on).then(|| (on.key() - birth.key()) / 10_000);
                assert_eq!(by_key, birth.age_on(on), "born {birth}, on {on}");
            }
        }
        Ok(())
    }

    #[test]
    fn dates_parse_exactly() -> TestResult {
        assert_eq!(Date::parse("2019-07-01"), Ok(ymd(2019, 7, 1)?));
        assert_eq!(Date::parse("2020-02-29"), Ok(ymd(2020, 2, 29)?));
        for bad in [
            "2019-02-29",
            "1900-02-29",
            "2019-04-31",
            "2019-13-01",
            "2019-00-10",
            "0000-01-01",
            "2019-7-01",
            " 2019-07-01",
            "2019-07-01 ",
            "2019/07/01",
            "20190701",
            "",
            "２019-07-01",
        ] {
            assert!(Date::parse(bad).is_err(), "{bad} must be refused");
        }
        assert_eq!(ymd(1970, 1, 1)?.days_since_epoch(), 0);
        // 2018 has 365 days; January to June 2019 have 31 + 28 + 31 + 30 + 31 + 30 = 181.
        assert_eq!(ymd(2019, 7, 1)?.days_since_epoch() - ymd(2018, 1, 1)?.days_since_epoch(), 546);
        for days in [-719_162, -1, 0, 18_000, 2_932_896] {
            let date = Date::from_days_since_epoch(days).ok_or("out of range")?;
            assert_eq!(date.days_since_epoch(), days);
        }
        assert_eq!(Date::from_days_since_epoch(-719_163), None);
        assert_eq!(ymd(2019, 7, 1)?.to_string(), "2019-07-01");
        Ok(())
    }

    // --- Parameters -------------------------------------------------------------------------

    fn county<'p>(params: &'p ParamTable, code: &str) -> Result<&'p CountyParams, String> {
        params.county_index(code).and_then(|idx| params.county(idx)).ok_or(format!("no county {code}"))
    }

    #[test]
    fn every_parameter_file_meets_the_constraints() -> TestResult {
        check_param_files()?;
        for date in [Y2018, Y2019, MAY_2019] {
            assert_eq!(Date::from_ymd(date.year(), date.month(), date.day()), Some(date));
        }
        Ok(())
    }

    #[test]
    fn a_broken_parameter_file_names_the_rule() {
        static TOO_SLOW: ParamFile = ParamFile {
            code: "610800",
            name: "榆林市",
            entries: &[Entry(Key::DibaoStandard, &[(Y2018, yuan(4500)), (Y2019, yuan(4859))])],
        };
        // 1.08 × 4,500 = 4,860 > 4,859.
        assert_eq!(
            check_local_file(&TOO_SLOW),
            Err("parameter file 610800 榆林市: `dibao_standard` = 4859.00 from 2019-01-01 \
                 must be at least 1.08 × 2018's 4500.00"
                .to_string())
        );
        static PROVINCE_ONLY: ParamFile =
            ParamFile { code: "610100", name: "西安市", entries: &[Entry(Key::GradualExitMonths, &[(Y2018, 6)])] };
        assert_eq!(
            check_local_file(&PROVINCE_ONLY),
            Err("parameter file 610100 西安市: `gradual_exit_months` = 6 months from 2018-01-01 \
                 may only be set by the province"
                .to_string())
        );
        static LOW_CARE: ParamFile =
            ParamFile { code: "610881", name: "神木市", entries: &[Entry(Key::CareSemi, &[(Y2018, pct(14))])] };
        assert_eq!(
            check_local_file(&LOW_CARE),
            Err("parameter file 610881 神木市: `care.semi` = 14% from 2018-01-01 must be at least 15%".to_string())
        );
    }

    #[test]
    fn parameters_are_layered_county_then_city_then_province() -> TestResult {
        let params = resolve_params(JURISDICTIONS, DEFAULT_AS_OF)?;
        // 神木 and 府谷 do not set high_age: they take 榆林's 60 yuan for ages 70–79.
        for code in ["610881", "610822", "610802"] {
            assert_eq!(county(&params, code)?.params.high_age, [6_000, 10_000, 20_000, 30_000], "{code}");
        }
        assert_eq!(county(&params, "610112")?.params.high_age[0], 5_000);
        // 杨陵区 sets its own standard (5,200 → 433.33 a month); 秦都区 has 咸阳's 4,650.
        let yangling = county(&params, "610403")?;
        assert_eq!(yangling.params.dibao_standard, 520_000);
        assert_eq!(yangling.rates.monthly_standard, 43_333);
        assert_eq!(yangling.city_code, "610400");
        assert_eq!(county(&params, "610402")?.params.dibao_standard, 465_000);
        // 神木: tekun 1.5, care 12% / 18% / 30%; 府谷: 1.4 with the province's care ratios.
        let shenmu = county(&params, "610881")?.params;
        assert_eq!(
            (shenmu.tekun_basic_ratio, shenmu.care_full_self_care, shenmu.care_semi, shenmu.care_full_care),
            (pct(150), pct(12), pct(18), pct(30))
        );
        let fugu = county(&params, "610822")?.params;
        assert_eq!((fugu.tekun_basic_ratio, fugu.care_semi, fugu.dibao_standard), (pct(140), pct(15), 564_000));
        // 西安: severe-disability top-up 30%, township limit 2,000.
        let weiyang = county(&params, "610112")?.params;
        assert_eq!((weiyang.topup_severe_disabled, weiyang.temp_township_limit), (pct(30), 200_000));
        assert_eq!(county(&params, "610402")?.params.topup_severe_disabled, pct(20));
        // Deep-poverty bonus: 60% + 10 points in 紫阳县.
        assert_eq!(county(&params, "610924")?.rates.share, pct(70));
        assert_eq!(county(&params, "610112")?.rates.share, pct(60));
        Ok(())
    }

    #[test]
    fn parameters_take_the_value_in_force_on_as_of() -> TestResult {
        let in_2018 = resolve_params(JURISDICTIONS, ymd(2018, 12, 31)?)?;
        assert_eq!(county(&in_2018, "610403")?.params.dibao_standard, 480_000);
        assert_eq!(county(&in_2018, "610403")?.params.poverty_line, 310_000);
        let new_year = resolve_params(JURISDICTIONS, ymd(2019, 1, 1)?)?;
        assert_eq!(county(&new_year, "610403")?.params.dibao_standard, 520_000);
        assert_eq!(county(&new_year, "610403")?.params.poverty_line, 321_800);
        // The minimum wage changes on 2019-05-01 itself.
        let april = resolve_params(JURISDICTIONS, ymd(2019, 4, 30)?)?;
        let may = resolve_params(JURISDICTIONS, ymd(2019, 5, 1)?)?;
        assert_eq!(county(&april, "610924")?.params.min_wage, 148_000);
        assert_eq!(county(&may, "610924")?.params.min_wage, 160_000);
        assert_eq!(county(&april, "610602")?.params.min_wage, 158_000);
        assert_eq!(county(&may, "610112")?.params.min_wage, 180_000);
        let too_early = resolve_params(JURISDICTIONS, ymd(2017, 12, 31)?);
        assert!(too_early.is_err_and(|error| error.contains("before the first value")));
        Ok(())
    }

    #[test]
    fn the_jurisdictions_file_must_agree_with_the_parameter_files() {
        let wrong_flag = JURISDICTIONS.replace(
            "610402,秦都区,610400,咸阳市,区,false,false,1,false",
            "610402,秦都区,610400,咸阳市,区,false,false,1,true",
        );
        assert!(resolve_params(&wrong_flag, DEFAULT_AS_OF).is_err());
        let missing = "county_code,county_name,city_code\n610402,秦都区,610400\n";
        assert_eq!(
            resolve_params(missing, DEFAULT_AS_OF).err(),
            Some("jurisdictions.csv: missing column `city_name`".to_string())
        );
    }

    // --- Households -------------------------------------------------------------------------

    #[test]
    fn full_household_takes_the_largest_topup_and_masks_a_protected_head() -> TestResult {
        // 宝塔区 (延安, 4,760 a year): monthly_standard = round_fen(4760 / 12) = 396.67.
        // Income 4,760 → round_fen(4760 / 12) = 396.67; four dibao members (the child is not
        // tekun: it has a capable supporter). gap = 396.67 × 4 − 396.67 = 1586.68 − 396.67
        // = 1190.01 > 0 → full.
        // Top-ups: the 9-year-old child 10% → 39.667 → 39.67; the 17-year-old student is a child
        // (10%) and a student (15%): the largest, 396.67 × 15% = 59.5005 → 59.50, not 25%.
        // Top-up = 39.67 + 59.50 = 99.17; dibao = 1190.01 + 99.17 = 1289.18.
        // Share 60%: 1289.18 × 0.6 = 773.508 → 773.51.
        let households = [household("H1", "610602").set("village", "枣园村").set("annual_income", "4760.00")];
        let persons = [
            person("P1", "H1", "1974-03-15").head().set("name", "王建国").set("privacy_protected", "true"),
            person("P2", "H1", "1976-05-20"),
            person("P3", "H1", "2010-05-01").unsupported().set("has_capable_supporter", "true"),
            person("P4", "H1", "2002-01-10").set("labor_capacity", "partial").set("non_compulsory_student", "true"),
        ];
        let output = run(&households, &persons, &[], DEFAULT_AS_OF)?;
        let expected =
            money(["1190.01", "99.17", "1289.18", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "1289.18", "773.51"]);
        let expected = with(
            expected,
            &[
                ("county_code", "610602"),
                ("city_code", "610600"),
                ("members", "4"),
                ("tekun_members", "0"),
                ("dibao_status", "full"),
                ("visit_required", "true"),
            ],
        );
        assert_household(&output, "H1", &expected)?;
        assert_eq!(output.publication, "county_code,village,head_name,dibao_monthly\n610602,枣园村,王**,1289.18\n");
        Ok(())
    }

    #[test]
    fn elderly_and_lactating_topups_and_high_age() -> TestResult {
        // 宝塔区, monthly_standard 396.67, no income: gap = 396.67 × 2 = 793.34 → full.
        // The 71-year-old: elderly70 10% → 39.67; the lactating mother: 10% → 39.67.
        // Top-up 79.34, dibao 872.68; high age (延安 = province) 50.00; total 922.68.
        // Share: 872.68 × 0.6 = 523.608 → 523.61 (high age is not shared).
        let households = [household("L1", "610602")];
        let persons =
            [person("L1a", "L1", "1948-01-01").head(), person("L1b", "L1", "1990-01-01").set("lactating", "true")];
        let output = run(&households, &persons, &[], DEFAULT_AS_OF)?;
        let expected =
            money(["793.34", "79.34", "872.68", "0.00", "0.00", "0.00", "0.00", "50.00", "0.00", "922.68", "523.61"]);
        assert_household(&output, "L1", &with(expected, &[("dibao_status", "full")]))
    }

    #[test]
    fn gradual_exit_lasts_12_months_or_18_with_a_disabled_member() -> TestResult {
        // 榆阳区 (榆林, 4,860): monthly_standard 405.00. Income 12,000 → 1,000.00 a month;
        // two dibao members: gap = 810.00 − 1000.00 = −190.00, not full. On dibao, registered
        // poor, income unstable, last month 350.50.
        let base = |id: &str, months: &str| {
            household(id, "610802")
                .set("annual_income", "12000")
                .set("on_dibao", "true")
                .set("registered_poor", "true")
                .set("income_unstable", "true")
                .set("prev_dibao_monthly", "350.50")
                .set("months_over_standard", months)
        };
        let couple = |id: &str, spouse_grade: &str| {
            [
                person(&format!("{id}a"), id, "1969-01-01").head(),
                person(&format!("{id}b"), id, "1971-01-01")
                    .set("disability_grade", spouse_grade)
                    .set("labor_capacity", "partial"),
            ]
        };
        let households = [
            base("G12", "12"),
            base("G13", "13"),
            base("G13D", "13"),
            base("G18D", "18"),
            base("G19D", "19"),
            base("G13T", "13"),
        ];
        let mut persons = Vec::new();
        persons.extend(couple("G12", "0"));
        persons.extend(couple("G13", "0"));
        persons.extend(couple("G13D", "3"));
        persons.extend(couple("G18D", "3"));
        persons.extend(couple("G19D", "3"));
        // G13T: the disabled member is a tekun grandmother (79, grade 4, no labour, no income,
        // no supporter); she still extends the limit to 18 months.
        persons.push(person("G13Ta", "G13T", "1969-01-01").head());
        persons.push(person("G13Tb", "G13T", "1940-03-03").unsupported().set("disability_grade", "4"));
        let output = run(&households, &persons, &[], DEFAULT_AS_OF)?;

        // 12 months still qualify: base = last month's 350.50, no top-up; share 350.50 × 0.6 = 210.30.
        let expected =
            money(["350.50", "0.00", "350.50", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "350.50", "210.30"]);
        assert_household(
            &output,
            "G12",
            &with(expected, &[("dibao_status", "gradual_exit"), ("visit_required", "true")]),
        )?;
        // 13 months do not; nobody is severely disabled or ill, so not single_person either.
        // Still visited: registered poor.
        let zero = money(["0.00"; 11]);
        assert_household(&output, "G13", &with(zero.clone(), &[("dibao_status", "none"), ("visit_required", "true")]))?;
        // With a disabled (grade 3) spouse, 13 and 18 months qualify; the spouse is covered and
        // gets the mild living subsidy 40.00: total 390.50, share still 350.50 × 0.6 = 210.30.
        let expected =
            money(["350.50", "0.00", "350.50", "0.00", "0.00", "40.00", "0.00", "0.00", "0.00", "390.50", "210.30"]);
        assert_household(&output, "G13D", &with(expected.clone(), &[("dibao_status", "gradual_exit")]))?;
        assert_household(&output, "G18D", &with(expected, &[("dibao_status", "gradual_exit")]))?;
        // 19 months do not: nothing is paid (grade 3 is not severe: no nursing subsidy).
        assert_household(&output, "G19D", &with(zero, &[("dibao_status", "none")]))?;
        // G13T: one dibao member, gradual exit with 350.50. The grandmother is tekun:
        // basic 405.00 × 1.3 = 526.50, care (全自理, tier 1, 1,800) × 10% = 180.00; high age
        // 70–79 in 榆林 = 60.00; no living subsidy (not covered). Total 350.50 + 526.50 + 180.00
        // + 60.00 = 1117.00; share (350.50 + 526.50 + 180.00) × 0.6 = 1057.00 × 0.6 = 634.20.
        let expected = money([
            "350.50", "0.00", "350.50", "526.50", "180.00", "0.00", "0.00", "60.00", "0.00", "1117.00", "634.20",
        ]);
        assert_household(
            &output,
            "G13T",
            &with(expected, &[("dibao_status", "gradual_exit"), ("members", "2"), ("tekun_members", "1")]),
        )
    }

    #[test]
    fn single_person_coverage_for_a_severely_disabled_member() -> TestResult {
        // 商州区 (商洛, 4,090): monthly_standard = round_fen(4090 / 12 = 340.833…) = 340.83.
        // Income 30,000 → 2,500.00 a month: gap < 0, and not on dibao. The 30-year-old son has
        // grade 1 and no labour capacity but a capable supporter, so he is not tekun: he is the
        // one candidate. base = 340.83; top-up severe 20% → 68.166 → 68.17; dibao 409.00.
        // Living subsidy (covered, severe) 80.00; nursing grade 1 100.00; total 589.00.
        // Share 409.00 × 0.6 = 245.40.
        let sick_son = |id: &str, household_id: &str| {
            person(id, household_id, "1989-03-03")
                .unsupported()
                .set("disability_grade", "1")
                .set("has_capable_supporter", "true")
        };
        let households = [
            household("S1", "611002").set("annual_income", "30000.00").set("registered_poor", "true"),
            household("S2", "611002")
                .set("annual_income", "30000.00")
                .set("registered_poor", "true")
                .set("poverty_exited", "true"),
            household("S3", "611002").set("annual_income", "30000.00").set("registered_poor", "true"),
        ];
        let persons = [
            person("S1a", "S1", "1964-08-08").head(),
            sick_son("S1b", "S1"),
            person("S2a", "S2", "1964-08-08").head(),
            sick_son("S2b", "S2"),
            person("S3a", "S3", "1964-08-08").head(),
            // Seriously ill but with full labour capacity: not a candidate.
            person("S3b", "S3", "1989-03-03").set("serious_illness", "true"),
        ];
        let output = run(&households, &persons, &[], DEFAULT_AS_OF)?;
        let expected =
            money(["340.83", "68.17", "409.00", "0.00", "0.00", "80.00", "100.00", "0.00", "0.00", "589.00", "245.40"]);
        assert_household(&output, "S1", &with(expected, &[("dibao_status", "single_person"), ("members", "2")]))?;
        // Exited poverty: no dibao, no living subsidy, but the nursing subsidy is paid whatever
        // the dibao status: total 100.00, share 0.00.
        let expected =
            money(["0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "100.00", "0.00", "0.00", "100.00", "0.00"]);
        assert_household(&output, "S2", &with(expected, &[("dibao_status", "none"), ("visit_required", "true")]))?;
        assert_household(&output, "S3", &with(money(["0.00"; 11]), &[("dibao_status", "none")]))
    }

    #[test]
    fn tekun_care_follows_the_self_care_tier_and_the_minimum_wage_change() -> TestResult {
        // 神木 (own file, 5,880 → 490.00; tekun 1.5; care 12/18/30%; tier 1) and 府谷 (own file,
        // 5,640 → 470.00; tekun 1.4; province care). A 75-year-old alone, 半护理 (semi), no labour,
        // income or supporter: tekun. Not registered poor: status none.
        let households = [household("K1", "610881"), household("K2", "610822")];
        let persons = [
            person("K1a", "K1", "1944-01-01").head().unsupported().set("self_care", "semi"),
            person("K2a", "K2", "1944-01-01").head().unsupported().set("self_care", "semi"),
        ];
        // On 2019-07-01 (min wage tier 1 = 1,800): 神木 basic 490.00 × 1.5 = 735.00, care
        // 1800 × 18% = 324.00, high age from 榆林 60.00: total 1119.00, share (735.00 + 324.00)
        // × 0.6 = 635.40. 府谷: basic 470.00 × 1.4 = 658.00, care 1800 × 15% = 270.00, high age
        // 60.00: total 988.00, share 928.00 × 0.6 = 556.80.
        for as_of in [DEFAULT_AS_OF, ymd(2019, 5, 1)?] {
            let output = run(&households, &persons, &[], as_of)?;
            let expected = money([
                "0.00", "0.00", "0.00", "735.00", "324.00", "0.00", "0.00", "60.00", "0.00", "1119.00", "635.40",
            ]);
            assert_household(
                &output,
                "K1",
                &with(expected, &[("dibao_status", "none"), ("tekun_members", "1"), ("visit_required", "true")]),
            )?;
            let expected = money([
                "0.00", "0.00", "0.00", "658.00", "270.00", "0.00", "0.00", "60.00", "0.00", "988.00", "556.80",
            ]);
            assert_household(&output, "K2", &expected)?;
            assert_eq!(output.publication, "county_code,village,head_name,dibao_monthly\n");
        }
        // On 2019-04-30 the tier-1 minimum wage is still 1,680: care 1680 × 18% = 302.40, total
        // 735.00 + 302.40 + 60.00 = 1097.40, share 1037.40 × 0.6 = 622.44.
        let output = run(&households, &persons, &[], ymd(2019, 4, 30)?)?;
        let expected =
            money(["0.00", "0.00", "0.00", "735.00", "302.40", "0.00", "0.00", "60.00", "0.00", "1097.40", "622.44"]);
        assert_household(&output, "K1", &expected)
    }

    #[test]
    fn the_core_evaluates_columns_built_by_hand() -> TestResult {
        // The same 神木 household as above, through the Input API that the benches use.
        let params_july = resolve_params(JURISDICTIONS, DEFAULT_AS_OF)?;
        let params_april = resolve_params(JURISDICTIONS, ymd(2019, 4, 30)?)?;
        let shenmu = params_july.county_index("610881").ok_or("no 神木")?;
        let facts = HouseholdFacts {
            county: shenmu,
            annual_income: 0,
            registered_poor: false,
            poverty_exited: false,
            on_dibao: false,
            prev_dibao_monthly: 0,
            income_unstable: false,
            months_over_standard: 0,
            exited_dibao_within_12m: false,
            rejected_within_12m: false,
        };
        let elder = PersonFacts {
            birth_date: ymd(1944, 1, 1)?,
            disability_grade: 0,
            serious_illness: false,
            labor_capacity: LaborCapacity::None,
            self_care: SelfCare::Semi,
            has_income_source: false,
            has_capable_supporter: false,
            lactating: false,
            single_parent_minor: false,
            non_compulsory_student: false,
            orphan_status: OrphanStatus::None,
            placement: Placement::Home,
            left_behind: false,
        };
        let mut input = Input::with_capacity(2, 1);
        input.push_household(facts, [elder]);
        // A household with no persons evaluates to nothing (validation rejects it earlier).
        input.push_household(facts, []);
        assert_eq!((input.len(), input.n_persons()), (2, 1));
        let july = evaluate(&input, &params_july);
        let april = evaluate(&input, &params_april);
        let first = |results: &[Result<HouseholdOut, EvalError>]| {
            results.first().cloned().ok_or("no result".to_string())?.map_err(|error| error.to_string())
        };
        let (july, april_first) = (first(&july)?, first(&april)?);
        assert_eq!(
            (july.tekun_care_monthly, july.total_monthly, july.provincial_share_monthly),
            (32_400, 111_900, 63_540)
        );
        assert_eq!(
            (april_first.tekun_care_monthly, april_first.total_monthly, april_first.provincial_share_monthly),
            (30_240, 109_740, 62_244)
        );
        let empty = april.get(1).cloned().ok_or("no second result")?.map_err(|error| error.to_string())?;
        assert_eq!((empty.members, empty.total_monthly, empty.visit_required), (0, 0, false));
        // A member born after as_of is an evaluation error, not a negative age.
        let mut late = Input::new();
        late.push_household(facts, [PersonFacts { birth_date: ymd(2019, 7, 2)?, ..elder }]);
        assert_eq!(evaluate(&late, &params_july), vec![Err(EvalError::BornAfterAsOf)]);
        Ok(())
    }

    #[test]
    fn deep_poverty_counties_get_ten_more_points_of_provincial_share() -> TestResult {
        // 紫阳县 (安康, 4,110 → 342.50; tier 3, minimum wage 1,600; deep poverty: 70%).
        // Z1: two tekun elders. A (82, 全护理): basic 342.50 × 1.3 = 445.25, care 1600 × 25% =
        // 400.00, high age 80–89 100.00. B (66, 全自理): basic 445.25, care 1600 × 10% = 160.00.
        // Basic 890.50, care 560.00, total 1550.50; share (890.50 + 560.00) × 0.7 = 1015.35.
        // Z2: full. Income 1,000 → round_fen(1000 / 12 = 83.333…) = 83.33; gap = 342.50 × 2 −
        // 83.33 = 601.67; child top-up 342.50 × 10% = 34.25; dibao 635.92;
        // share 635.92 × 0.7 = 445.144 → 445.14.
        let households = [household("Z1", "610924"), household("Z2", "610924").set("annual_income", "1000")];
        let persons = [
            person("Z1a", "Z1", "1937-06-30").head().unsupported().set("self_care", "none"),
            person("Z1b", "Z1", "1953-02-14").unsupported(),
            person("Z2a", "Z2", "1979-09-09").head(),
            person("Z2b", "Z2", "2014-01-01").unsupported().set("has_capable_supporter", "true"),
        ];
        let output = run(&households, &persons, &[], DEFAULT_AS_OF)?;
        let expected =
            money(["0.00", "0.00", "0.00", "890.50", "560.00", "0.00", "0.00", "100.00", "0.00", "1550.50", "1015.35"]);
        assert_household(
            &output,
            "Z1",
            &with(expected, &[("dibao_status", "none"), ("tekun_members", "2"), ("city_code", "610900")]),
        )?;
        let expected =
            money(["601.67", "34.25", "635.92", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "635.92", "445.14"]);
        assert_household(&output, "Z2", &with(expected, &[("dibao_status", "full")]))
    }

    #[test]
    fn orphans_are_not_tekun_and_minor_heads_are_masked() -> TestResult {
        // 未央区 (西安, 5,760 → 480.00; tier 1).
        // O1: the head, 10, is an orphan at home; his grandmother, 72, is tekun (全自理).
        // The orphan is a dibao member: gap = 480.00 → full; child top-up 48.00; dibao 528.00.
        // Grandmother: basic 480.00 × 1.3 = 624.00, care 1800 × 10% = 180.00, high age 50.00.
        // Orphan at home 1000.00. Total 528 + 624 + 180 + 50 + 1000 = 2382.00;
        // share (528 + 624 + 180) × 0.6 = 1332.00 × 0.6 = 799.20.
        // O2: a de-facto orphan of 17 in an institution: dibao 480.00 + 48.00 = 528.00,
        // orphan 1300.00, total 1828.00, share 528.00 × 0.6 = 316.80.
        // O3: 18 on as_of: no longer under the orphan scheme, and not tekun (18, grade 0): a
        // dibao member without top-up: 480.00, share 288.00; the name is published unmasked.
        let households = [household("O1", "610112"), household("O2", "610112"), household("O3", "610112")];
        let orphan = |id: &str, household_id: &str, birth: &str| {
            person(id, household_id, birth).head().unsupported().set("orphan_status", "orphan")
        };
        let persons = [
            orphan("O1a", "O1", "2009-03-01").set("name", "王小明"),
            person("O1b", "O1", "1947-05-05").unsupported(),
            orphan("O2a", "O2", "2002-01-02")
                .set("orphan_status", "de_facto")
                .set("placement", "institution")
                .set("name", "赵敏"),
            orphan("O3a", "O3", "2001-07-01").set("name", "李四"),
        ];
        let output = run(&households, &persons, &[], DEFAULT_AS_OF)?;
        let expected = money([
            "480.00", "48.00", "528.00", "624.00", "180.00", "0.00", "0.00", "50.00", "1000.00", "2382.00", "799.20",
        ]);
        assert_household(
            &output,
            "O1",
            &with(expected, &[("dibao_status", "full"), ("members", "2"), ("tekun_members", "1")]),
        )?;
        let expected = money([
            "480.00", "48.00", "528.00", "0.00", "0.00", "0.00", "0.00", "0.00", "1300.00", "1828.00", "316.80",
        ]);
        assert_household(&output, "O2", &expected)?;
        let expected =
            money(["480.00", "0.00", "480.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "480.00", "288.00"]);
        assert_household(&output, "O3", &with(expected, &[("tekun_members", "0")]))?;
        assert_eq!(
            output.publication,
            "county_code,village,head_name,dibao_monthly\n610112,村,王**,528.00\n610112,村,赵*,528.00\n610112,村,李四,480.00\n"
        );
        Ok(())
    }

    #[test]
    fn local_topups_and_rounding_of_the_gap() -> TestResult {
        // X1, 未央区 (西安, 480.00): the head, 35, grade 2, partial labour: gap 480.00 → full;
        // 西安's severe top-up 30% → 144.00; dibao 624.00; living severe 80.00; nursing grade 2
        // 80.00; total 784.00; share 624.00 × 0.6 = 374.40.
        // X2, 秦都区 (咸阳, 4,650 → 387.50): income 2,400 → 200.00; gap = 775.00 − 200.00 =
        // 575.00. The 12-year-old of a single parent: child 10% (38.75) or single-parent minor
        // 15%: 387.50 × 15% = 58.125 → 58.13. Dibao 633.13; share 379.878 → 379.88.
        // Y1, 杨陵区 (own file, 5,200 → round_fen(433.333…) = 433.33): three adults, no income:
        // gap = 433.33 × 3 = 1299.99 (not round_fen(5200 × 3 / 12) = 1300.00);
        // share 1299.99 × 0.6 = 779.994 → 779.99.
        let households = [
            household("X1", "610112"),
            household("X2", "610402").set("annual_income", "2400"),
            household("Y1", "610403"),
        ];
        let persons = [
            person("X1a", "X1", "1984-02-02").head().set("disability_grade", "2").set("labor_capacity", "partial"),
            person("X2a", "X2", "1985-10-10").head(),
            person("X2b", "X2", "2007-04-04")
                .unsupported()
                .set("has_capable_supporter", "true")
                .set("single_parent_minor", "true"),
            person("Y1a", "Y1", "1979-01-01").head(),
            person("Y1b", "Y1", "1981-01-01"),
            person("Y1c", "Y1", "1954-01-01"),
        ];
        let output = run(&households, &persons, &[], DEFAULT_AS_OF)?;
        let expected =
            money(["480.00", "144.00", "624.00", "0.00", "0.00", "80.00", "80.00", "0.00", "0.00", "784.00", "374.40"]);
        assert_household(&output, "X1", &expected)?;
        let expected =
            money(["575.00", "58.13", "633.13", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "633.13", "379.88"]);
        assert_household(&output, "X2", &expected)?;
        let expected =
            money(["1299.99", "0.00", "1299.99", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "1299.99", "779.99"]);
        assert_household(&output, "Y1", &with(expected, &[("county_code", "610403"), ("city_code", "610400")]))?;
        // In 2018 杨陵's standard is 4,800 → 400.00: gap 1200.00, share 720.00.
        let output = run(&households, &persons, &[], ymd(2018, 7, 1)?)?;
        let expected =
            money(["1200.00", "0.00", "1200.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "1200.00", "720.00"]);
        assert_household(&output, "Y1", &expected)
    }

    #[test]
    fn visits_cover_poor_recently_exited_refused_and_left_behind_households() -> TestResult {
        // A well-off household (income 100,000) with no flags is not visited; each flag alone
        // puts it on the list.
        let rich = |id: &str| household(id, "610602").set("annual_income", "100000");
        let households = [
            rich("V0"),
            rich("V1"),
            rich("V2").set("exited_dibao_within_12m", "true"),
            rich("V3").set("rejected_within_12m", "true"),
            rich("V4").set("registered_poor", "true"),
        ];
        let persons = [
            person("V0a", "V0", "1980-01-01").head(),
            person("V1a", "V1", "1980-01-01").head(),
            person("V1b", "V1", "2012-01-01")
                .set("left_behind", "true")
                .unsupported()
                .set("has_capable_supporter", "true"),
            person("V2a", "V2", "1980-01-01").head(),
            person("V3a", "V3", "1980-01-01").head(),
            person("V4a", "V4", "1980-01-01").head(),
        ];
        let output = run(&households, &persons, &[], DEFAULT_AS_OF)?;
        assert_household(&output, "V0", &[("dibao_status", "none"), ("visit_required", "false")])?;
        for id in ["V1", "V2", "V3", "V4"] {
            assert_household(&output, id, &[("dibao_status", "none"), ("visit_required", "true")])?;
        }
        Ok(())
    }

    #[test]
    fn cases_are_approved_by_the_level_of_their_amount() -> TestResult {
        // 未央区 (西安): township limit 2,000; 秦都区: the province's 1,000; county 20,000.
        let households = [household("X1", "610112"), household("X2", "610402")];
        let persons = [person("X1a", "X1", "1984-02-02").head(), person("X2a", "X2", "1984-02-02").head()];
        let cases = [
            "C1,X1,2000.00,false",
            "C2,X1,2000.01,false",
            "C3,X1,20000,false",
            "C4,X1,20000.01,true",
            "C5,X2,1000.0,false",
            "C6,X2,1000.01,true",
        ];
        let output = run(&households, &persons, &cases, DEFAULT_AS_OF)?;
        assert_eq!(
            output.case_results,
            "case_id,household_id,approval_level,pay_first\n\
             C1,X1,township,false\n\
             C2,X1,county,false\n\
             C3,X1,county,false\n\
             C4,X1,joint_meeting,true\n\
             C5,X2,township,false\n\
             C6,X2,county,true\n"
        );
        assert_eq!(output.counts.cases, RowCounts { read: 6, accepted: 6, rejected: 0 });
        Ok(())
    }

    // --- Bad input --------------------------------------------------------------------------

    #[test]
    fn duplicate_case_ids_and_control_characters_reject_their_rows() -> TestResult {
        let households = [household("X1", "610112"), household("X2", "610402").set("village", "东\u{202E}村")];
        let persons = [person("X1a", "X1", "1984-02-02").head(), person("X2a", "X2", "1984-02-02").head()];
        let cases = ["C1,X1,10,false", "C2,X1,10,false", "C1,X1,10,false", "C\u{0}3,X1,10,false"];
        let output = run(&households, &persons, &cases, DEFAULT_AS_OF)?;
        assert_eq!(
            output.rejects,
            "file,line,household_id,field,reason\n\
             households.csv,3,X2,village,bad village: holds a bidirectional control character (U+202E)\n\
             persons.csv,3,X2,village,household rejected: bad village\n\
             cases.csv,2,X1,case_id,\"duplicate case_id `C1` (lines 2, 4)\"\n\
             cases.csv,4,X1,case_id,\"duplicate case_id `C1` (lines 2, 4)\"\n\
             cases.csv,5,X1,case_id,bad case_id: holds a control character (U+0000)\n"
        );
        assert_eq!(output.counts.cases, RowCounts { read: 4, accepted: 1, rejected: 3 });
        Ok(())
    }

    #[test]
    fn bad_rows_reject_their_whole_household() -> TestResult {
        let households = [
            household("H1", "610602"),
            household("H2", "610602").set("annual_income", "12,5"),
            household("H3", "610602"),
            household("H3", "610602"),
            household("H4", "610602"),
            household("H5", "610602"),
            household("H6", "610602"),
            household("H7", "999999"),
            household("H8", "610602"),
            household("H9", "610602").set("registered_poor", " true"),
            household("H10", "610602"),
            household("H11", "610602"),
            household("H12", "610602"),
        ];
        let persons = [
            person("P1", "H1", "1980-01-01").head(),
            person("P2", "H2", "1980-01-01").head(),
            person("P3", "H3", "1980-01-01").head(),
            person("P4", "H5", "1980-01-01").head(),
            person("P5", "H5", "1980-01-01").head(),
            person("P6", "H6", "2019-07-02").head(),
            person("P7", "H99", "1980-01-01").head(),
            person("P8", "H8", "1980-01-01").head(),
            person("P9", "H8", "2019-02-29"),
            person("P10", "H10", "1980-01-01").head(),
            person("P10", "H11", "1980-01-01").head(),
            person("P11", "H9", "1980-01-01").head(),
            person("P12", "H12", "1980-01-01"),
            person("P13", "H7", "1980-01-01").head(),
        ];
        let cases = ["C1,H1,100.00,false", "C2,H2,100.00,false", "C3,H77,100.00,false", "C4,H1,1e3,true"];
        let output = run(&households, &persons, &cases, DEFAULT_AS_OF)?;
        let expected = "\
file,line,household_id,field,reason
households.csv,3,H2,annual_income,\"bad annual_income: `12,5` is not an amount in yuan with at most two decimals\"
households.csv,4,H3,household_id,\"duplicate household_id `H3` (lines 4, 5)\"
households.csv,5,H3,household_id,\"duplicate household_id `H3` (lines 4, 5)\"
households.csv,6,H4,household_id,household has no members
households.csv,7,H5,is_head,\"household has 2 heads: P4, P5\"
households.csv,8,H6,birth_date,household rejected: person P6 born after as_of
households.csv,9,H7,county_code,bad county_code: `999999` is not a county of jurisdictions.csv
households.csv,10,H8,birth_date,household rejected: person P9 bad birth_date
households.csv,11,H9,registered_poor,bad registered_poor: ` true` is not `true` or `false`
households.csv,12,H10,person_id,household rejected: person P10 duplicate person_id
households.csv,13,H11,person_id,household rejected: person P10 duplicate person_id
households.csv,14,H12,is_head,household has no head
persons.csv,3,H2,annual_income,household rejected: bad annual_income
persons.csv,4,H3,household_id,household rejected: duplicate household_id
persons.csv,5,H5,is_head,\"household rejected: 2 heads: P4, P5\"
persons.csv,6,H5,is_head,\"household rejected: 2 heads: P4, P5\"
persons.csv,7,H6,birth_date,born after as_of: 2019-07-02 is after 2019-07-01
persons.csv,8,H99,household_id,unknown household `H99`
persons.csv,9,H8,birth_date,household rejected: person P9 bad birth_date
persons.csv,10,H8,birth_date,bad birth_date: `2019-02-29` is not a real day
persons.csv,11,H10,person_id,\"duplicate person_id `P10` (lines 11, 12)\"
persons.csv,12,H11,person_id,\"duplicate person_id `P10` (lines 11, 12)\"
persons.csv,13,H9,registered_poor,household rejected: bad registered_poor
persons.csv,14,H12,is_head,household rejected: no head
persons.csv,15,H7,county_code,household rejected: bad county_code
cases.csv,3,H2,annual_income,household rejected: bad annual_income
cases.csv,4,H77,household_id,unknown household `H77`
cases.csv,5,H1,amount_requested,bad amount_requested: `1e3` is not an amount in yuan with at most two decimals
";
        assert_eq!(output.rejects, expected);
        assert_eq!(output.counts.households, RowCounts { read: 13, accepted: 1, rejected: 12 });
        assert_eq!(output.counts.persons, RowCounts { read: 14, accepted: 1, rejected: 13 });
        assert_eq!(output.counts.cases, RowCounts { read: 4, accepted: 1, rejected: 3 });
        assert_eq!(
            output.counts.to_string(),
            "read 13 households: 1 accepted, 12 rejected\n\
             read 14 persons: 1 accepted, 13 rejected\n\
             read 4 cases: 1 accepted, 3 rejected\n"
        );
        // H1: 宝塔区, one adult, no income: gap = 396.67 → full; share 238.002 → 238.00.
        let expected =
            money(["396.67", "0.00", "396.67", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "396.67", "238.00"]);
        assert_household(&output, "H1", &expected)?;
        assert_eq!(output.case_results, "case_id,household_id,approval_level,pay_first\nC1,H1,township,false\n");
        Ok(())
    }

    #[test]
    fn field_patterns_are_matched_exactly() -> TestResult {
        let good = |id: &str| household(id, "610602");
        let households = [
            good("A1").set("annual_income", "1.5"), // 1.50: accepted
            good("A2").set("annual_income", "1."),
            good("A3").set("annual_income", ".5"),
            good("A4").set("annual_income", "1.505"),
            good("A5").set("annual_income", "-1"),
            good("A6").set("months_over_standard", "1.0"),
            good("A7").set("on_dibao", "True"),
            good("A8"),
            good("A9"),
            good("A10"),
            good("A11").set("prev_dibao_monthly", "92233720368547758.08"),
        ];
        let persons = [
            person("B1", "A1", "1980-01-01").head(),
            person("B2", "A2", "1980-01-01").head(),
            person("B3", "A3", "1980-01-01").head(),
            person("B4", "A4", "1980-01-01").head(),
            person("B5", "A5", "1980-01-01").head(),
            person("B6", "A6", "1980-01-01").head(),
            person("B7", "A7", "1980-01-01").head(),
            person("B8", "A8", "1980-01-01").head().set("disability_grade", "5"),
            person("B9", "A9", "1980-01-01").head().set("labor_capacity", "None"),
            person("B10", "A10", "1980-1-01").head(),
            person("B11", "A11", "1980-01-01").head(),
        ];
        let output = run(&households, &persons, &[], DEFAULT_AS_OF)?;
        let fields: Vec<String> = output
            .rejects
            .lines()
            .skip(1)
            .filter(|line| line.starts_with("households.csv"))
            .map(|line| line.split(',').take(4).collect::<Vec<_>>().join(","))
            .collect();
        assert_eq!(
            fields,
            [
                "households.csv,3,A2,annual_income",
                "households.csv,4,A3,annual_income",
                "households.csv,5,A4,annual_income",
                "households.csv,6,A5,annual_income",
                "households.csv,7,A6,months_over_standard",
                "households.csv,8,A7,on_dibao",
                "households.csv,9,A8,disability_grade",
                "households.csv,10,A9,labor_capacity",
                "households.csv,11,A10,birth_date",
                "households.csv,12,A11,prev_dibao_monthly",
            ]
        );
        assert!(output.rejects.contains(
            "households.csv,12,A11,prev_dibao_monthly,evaluation error: `prev_dibao_monthly` \
             92233720368547758.08 does not fit in 64-bit arithmetic"
        ));
        // 1.50 a year → round_fen(150 / 12 = 12.5 fen) = 0.13 a month; gap 396.67 − 0.13.
        assert_household(&output, "A1", &[("dibao_base_monthly", "396.54")])
    }

    #[test]
    fn an_overflowing_household_is_rejected_with_an_evaluation_error() -> TestResult {
        // Gradual exit keeps last month's amount: i64::MAX fen, plus a 40.00 living subsidy,
        // does not fit in 64 bits.
        let households = [household("E1", "610802")
            .set("annual_income", "12000")
            .set("on_dibao", "true")
            .set("registered_poor", "true")
            .set("income_unstable", "true")
            .set("prev_dibao_monthly", "92233720368547758.07")
            .set("months_over_standard", "1")];
        let persons = [
            person("E1a", "E1", "1969-01-01").head(),
            person("E1b", "E1", "1971-01-01").set("disability_grade", "3").set("labor_capacity", "partial"),
        ];
        let output = run(&households, &persons, &["C1,E1,5,false"], DEFAULT_AS_OF)?;
        assert_eq!(
            output.rejects,
            "file,line,household_id,field,reason\n\
             households.csv,2,E1,total_monthly,evaluation error: `total_monthly` overflows 64-bit fen arithmetic\n\
             persons.csv,2,E1,total_monthly,household rejected: evaluation error: `total_monthly` overflows 64-bit fen arithmetic\n\
             persons.csv,3,E1,total_monthly,household rejected: evaluation error: `total_monthly` overflows 64-bit fen arithmetic\n\
             cases.csv,2,E1,total_monthly,household rejected: evaluation error: `total_monthly` overflows 64-bit fen arithmetic\n"
        );
        assert_eq!(output.counts.households, RowCounts { read: 1, accepted: 0, rejected: 1 });
        assert_eq!(output.household_results.lines().count(), 1);
        Ok(())
    }

    #[test]
    fn short_rows_quoting_and_byte_order_marks() -> TestResult {
        let household_text = "\u{feff}household_id,county_code,village,annual_income,registered_poor,poverty_exited,on_dibao,prev_dibao_monthly,income_unstable,months_over_standard,exited_dibao_within_12m,rejected_within_12m\n\
            H1,610602,\"南,村\",0,false,false,false,0,false,0,false,false\n\
            H2,610602\n";
        let person_text = format!(
            "{}\nP1,H1,\"欧阳,娜娜\",true,1980-01-01,0,false,full,full,false,false,false,false,false,none,home,false,false\n\
             P2,H2,李,true,1980-01-01,0,false,full,full,false,false,false,false,false,none,home,false,false\n",
            PERSON_COLUMNS.join(",")
        );
        let output = run_tables(
            JURISDICTIONS,
            CsvSource { file_name: "households.csv", bytes: household_text.as_bytes() },
            CsvSource { file_name: "persons.csv", bytes: person_text.as_bytes() },
            None,
            DEFAULT_AS_OF,
        )?;
        assert_eq!(
            output.publication,
            "county_code,village,head_name,dibao_monthly\n610602,\"南,村\",\"欧阳,娜娜\",396.67\n"
        );
        assert_eq!(
            output.rejects,
            "file,line,household_id,field,reason\n\
             households.csv,3,H2,village,\"row has 2 fields, header has 12\"\n\
             persons.csv,3,H2,village,household rejected: bad row\n"
        );
        assert_eq!(output.case_results, "case_id,household_id,approval_level,pay_first\n");
        assert_eq!(output.counts.cases, RowCounts::default());
        Ok(())
    }

    #[test]
    fn bad_files_stop_the_run() {
        let persons = format!("{}\n", PERSON_COLUMNS.join(","));
        let households = |text: &'static [u8]| {
            run_tables(
                JURISDICTIONS,
                CsvSource { file_name: "households.csv", bytes: text },
                CsvSource { file_name: "persons.csv", bytes: persons.as_bytes() },
                None,
                DEFAULT_AS_OF,
            )
            .err()
        };
        assert_eq!(
            households(b"household_id,county_code\nH1,610602\n"),
            Some("households.csv: missing column `village`".to_string())
        );
        let not_utf8: &'static [u8] = b"household_id,county_code,village,annual_income,registered_poor,poverty_exited,on_dibao,prev_dibao_monthly,income_unstable,months_over_standard,exited_dibao_within_12m,rejected_within_12m\nH1,610602,\xff,0,false,false,false,0,false,0,false,false\n";
        assert_eq!(households(not_utf8), Some("households.csv line 2: column `village` is not UTF-8".to_string()));
        assert_eq!(
            households(b"household_id,household_id\n"),
            Some("households.csv: bad header: column `household_id` appears twice".to_string())
        );
        assert_eq!(households(b""), Some("households.csv: empty file, expected a header row".to_string()));
    }

    #[test]
    fn run_files_writes_the_four_tables() -> TestResult {
        let dir = std::env::temp_dir().join(format!("shaanxi-oracle-{}", std::process::id()));
        let input_dir = dir.join("in");
        std::fs::create_dir_all(&input_dir).map_err(|error| error.to_string())?;
        let write =
            |name: &str, text: &str| std::fs::write(input_dir.join(name), text).map_err(|error| error.to_string());
        write("jurisdictions.csv", JURISDICTIONS)?;
        write("hh.csv", &table(&HOUSEHOLD_COLUMNS, &[household("H1", "610602")]))?;
        write(
            "people.csv",
            &table(&PERSON_COLUMNS, &[person("P1", "H1", "1980-01-01").head(), person("P2", "H9", "1980-01-01")]),
        )?;
        let counts = run_files(
            &input_dir.join("jurisdictions.csv"),
            &input_dir.join("hh.csv"),
            &input_dir.join("people.csv"),
            None,
            DEFAULT_AS_OF,
            &dir.join("out"),
        )?;
        assert_eq!(counts.persons, RowCounts { read: 2, accepted: 1, rejected: 1 });
        let rejects =
            std::fs::read_to_string(dir.join("out").join("rejects.csv")).map_err(|error| error.to_string())?;
        assert_eq!(
            rejects,
            "file,line,household_id,field,reason\npeople.csv,3,H9,household_id,unknown household `H9`\n"
        );
        for name in ["household_results.csv", "case_results.csv", "publication.csv"] {
            assert!(dir.join("out").join(name).is_file(), "{name}");
        }
        std::fs::remove_dir_all(&dir).map_err(|error| error.to_string())
    }
}
