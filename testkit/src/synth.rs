//! Seeded, deterministic synthetic rural households, persons and temporary-assistance cases in
//! the input formats of the Shaanxi 2019 reference encoding (spec sections 4 and 7: the
//! «Input data» and «Validation» sections of `policies/shaanxi/README.md`; the numbering is that
//! of [`crate::shaanxi_oracle`]'s header).
//!
//! [`generate`] streams three CSV tables (`households.csv`, `persons.csv`, `cases.csv`) in
//! constant memory: each household is built, written and forgotten, so millions of households
//! cost no more memory than ten. Persons and cases are written grouped by household, in household
//! order, the way a registry export looks.
//!
//! The same [`SynthConfig`] and county list always give byte-identical output, on every platform:
//! the generator uses its own xoshiro256++ stream (one per household, derived from the seed and the
//! household's number) and only integer arithmetic, never a platform's `ln`/`exp`.
//!
//! # The mix
//!
//! Households have 1–6 members (mean about 3.55): lone elders, lone disabled or ill adults,
//! elderly couples, nuclear and three-generation families, single parents, skip-generation
//! (grandparents with left-behind grandchildren) and, rarely, orphans living alone or as siblings
//! with a minor head. Ages run 0–105 (elders in bands up to 100+), with birthdays falling exactly on
//! as_of or the day after, and boosted 29 February births. Disability grades, serious illness,
//! labour capacity, self-care tiers, income sources and capable supporters depend on age and on
//! each other, so 特困 (tekun) persons, 低保 candidates (severe or ill, partial/no labour) and every
//! self-care tier occur. Annual income straddles each county's illustrative 2018/2019 dibao
//! standard (spec section 3), and a few households sit exactly on the boundary (within a few fen of
//! `gap = 0`), so that every dibao status (full, gradual_exit, single_person, none) occurs. About
//! [`SynthConfig::case_rate`] of the households have one or two temporary-assistance cases whose
//! amounts span the approval limits 1,000 / 2,000 / 20,000 yuan, limit values included.
//!
//! All written values are exact strings in the spec formats: money as yuan with at most two
//! decimals (written variously `350`, `350.00`, `350.5`, `350.50`), booleans `true`/`false`, dates
//! `YYYY-MM-DD`, enums from the listed words. No field ever needs CSV quoting.
//!
//! # Bad rows
//!
//! With [`SynthConfig::bad_row_rate`] above zero, that share of households carries exactly one
//! deliberate defect of a [`BadKind`] drawn uniformly; [`SynthCounts`] reports how many of each were
//! injected and how many rows a validator following spec section 7 must reject.

use std::io::{self, Write};

/// The default evaluation date of a run, `2019-07-01`.
pub const DEFAULT_AS_OF: (i32, u32, u32) = (2019, 7, 1);

/// The header row of `households.csv` (spec section 4), without the line end.
pub const HOUSEHOLDS_HEADER: &str = "household_id,county_code,village,annual_income,registered_poor,poverty_exited,on_dibao,prev_dibao_monthly,income_unstable,months_over_standard,exited_dibao_within_12m,rejected_within_12m";

/// The header row of `persons.csv` (spec section 4), without the line end.
pub const PERSONS_HEADER: &str = "person_id,household_id,name,is_head,birth_date,disability_grade,serious_illness,labor_capacity,self_care,has_income_source,has_capable_supporter,lactating,single_parent_minor,non_compulsory_student,orphan_status,placement,left_behind,privacy_protected";

/// The header row of `cases.csv` (spec section 4), without the line end.
pub const CASES_HEADER: &str = "case_id,household_id,amount_requested,urgent";

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthConfig {
    /// Number of household rows to write.
    pub households: u64,
    /// Seed of every random choice; the same seed and config give byte-identical output.
    pub seed: u64,
    /// The evaluation date `(year, month, day)` the ages are aimed at; every valid birth date is on
    /// or before it.
    pub as_of: (i32, u32, u32),
    /// Share (0–1) of households carrying one deliberately bad field or structural defect; 0 by
    /// default.
    pub bad_row_rate: f64,
    /// Share (0–1) of households with temporary-assistance cases (one, or two for a tenth of them);
    /// 0.05 by default.
    pub case_rate: f64,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig { households: 10_000, seed: 2019, as_of: DEFAULT_AS_OF, bad_row_rate: 0.0, case_rate: 0.05 }
    }
}

/// The kinds of deliberately bad data injected when [`SynthConfig::bad_row_rate`] > 0.
///
/// Every kind except [`BadKind::PersonUnknownHousehold`] and [`BadKind::CaseUnknownHousehold`]
/// makes its household rejected whole (with its persons and cases); the two duplicate kinds also
/// reject the earlier household carrying the same id; the two unknown-household kinds add one
/// row that is rejected on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BadKind {
    /// A household money field (`annual_income` or `prev_dibao_monthly`) not matching
    /// `^[0-9]+(\.[0-9]{1,2})?$`: `4523.456`, `-350.00`, ` 4500`, `4500元`, `4500.`, `.5`, empty.
    BadMoney,
    /// A `birth_date` that is not a real `YYYY-MM-DD` day: `2019-02-30`, `1975-04-31`,
    /// `2018-02-29`, `1980-13-05`, `1980-3-5`, `1980/03/05`, `19800305`, `1980-03-00`, empty.
    BadDate,
    /// A word outside an enum's list: `labor_capacity`, `self_care`, `orphan_status` or
    /// `placement` (`half`, `Full`, `partial`, `yes`, `foster`, `集中`, …).
    BadEnum,
    /// A boolean that is not exactly `true` or `false` (`TRUE`, `True`, `1`, `yes`, `是`, `false `,
    /// empty), in a household or a person.
    BadBoolean,
    /// An integer that is not `^[0-9]+$` or out of range: `disability_grade` `5`, `-1`, `1.0`, `二`,
    /// ` 2`; `months_over_standard` `-3`, `1.5`, `十二`, `12 `.
    BadInteger,
    /// A real birth date 1–400 days after as_of.
    BornAfterAsOf,
    /// A household none of whose persons has `is_head = true`.
    NoHead,
    /// A household with two heads.
    TwoHeads,
    /// A household row with no person rows.
    NoMembers,
    /// A person whose `person_id` repeats the last person id of the most recent earlier household
    /// with persons; both households are rejected.
    DuplicatePersonId,
    /// A household whose `household_id` repeats the previous household's; both are rejected, with
    /// all persons and cases under that id.
    DuplicateHouseholdId,
    /// An extra person row (otherwise valid) whose `household_id` does not exist.
    PersonUnknownHousehold,
    /// An extra case row whose `household_id` does not exist.
    CaseUnknownHousehold,
    /// A `county_code` that is not in the county list (a city code, the province code, a
    /// neighbouring province's county, a letter O for a zero, a digit short).
    UnknownCounty,
}

impl BadKind {
    /// Number of kinds.
    pub const COUNT: usize = 14;

    /// Every kind, in the order of [`SynthCounts::injected`].
    pub const ALL: [BadKind; BadKind::COUNT] = [
        BadKind::BadMoney,
        BadKind::BadDate,
        BadKind::BadEnum,
        BadKind::BadBoolean,
        BadKind::BadInteger,
        BadKind::BornAfterAsOf,
        BadKind::NoHead,
        BadKind::TwoHeads,
        BadKind::NoMembers,
        BadKind::DuplicatePersonId,
        BadKind::DuplicateHouseholdId,
        BadKind::PersonUnknownHousehold,
        BadKind::CaseUnknownHousehold,
        BadKind::UnknownCounty,
    ];

    /// A short snake_case name for reports.
    pub fn name(self) -> &'static str {
        match self {
            BadKind::BadMoney => "bad_money",
            BadKind::BadDate => "bad_date",
            BadKind::BadEnum => "bad_enum",
            BadKind::BadBoolean => "bad_boolean",
            BadKind::BadInteger => "bad_integer",
            BadKind::BornAfterAsOf => "born_after_as_of",
            BadKind::NoHead => "no_head",
            BadKind::TwoHeads => "two_heads",
            BadKind::NoMembers => "no_members",
            BadKind::DuplicatePersonId => "duplicate_person_id",
            BadKind::DuplicateHouseholdId => "duplicate_household_id",
            BadKind::PersonUnknownHousehold => "person_unknown_household",
            BadKind::CaseUnknownHousehold => "case_unknown_household",
            BadKind::UnknownCounty => "unknown_county",
        }
    }

    /// Whether the household the defect is injected into is itself rejected.
    fn rejects_own_household(self) -> bool {
        !matches!(self, BadKind::PersonUnknownHousehold | BadKind::CaseUnknownHousehold)
    }
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SynthCounts {
    /// Data rows written to `households.csv` (always [`SynthConfig::households`]).
    pub households: u64,
    /// Data rows written to `persons.csv`, stray rows included.
    pub persons: u64,
    /// Data rows written to `cases.csv`, stray rows included.
    pub cases: u64,
    /// Defects injected, per kind, indexed like [`BadKind::ALL`] (see [`SynthCounts::injected_of`]).
    pub injected: [u64; BadKind::COUNT],
    /// Household rows a validator following spec section 7 must reject.
    pub expected_rejected_households: u64,
    /// Person rows it must reject (persons of rejected households, and stray persons).
    pub expected_rejected_persons: u64,
    /// Case rows it must reject (cases of rejected households, and stray cases).
    pub expected_rejected_cases: u64,
}

impl SynthCounts {
    /// Defects of one kind injected.
    #[expect(clippy::indexing_slicing, reason = "`injected` has one slot per kind, `BadKind::COUNT`")]
    pub fn injected_of(&self, kind: BadKind) -> u64 {
        self.injected[kind as usize]
    }

    /// Defects injected, all kinds together (the number of households chosen for a defect).
    pub fn injected_total(&self) -> u64 {
        self.injected.iter().sum()
    }

    #[expect(clippy::indexing_slicing, reason = "`injected` has one slot per kind, `BadKind::COUNT`")]
    fn add_injected(&mut self, kind: BadKind) {
        self.injected[kind as usize] += 1;
    }
}

/// The county codes of a jurisdictions CSV (its first column), in file order.
///
/// The header row and any line whose first field is not all ASCII digits are skipped, as are a
/// byte-order mark, surrounding double quotes and `\r` line ends.
pub fn county_codes_from_csv(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.lines()
        .filter_map(|line| {
            let first = line.split(',').next().unwrap_or("").trim();
            let first = first.trim_matches('"');
            (!first.is_empty() && first.bytes().all(|b| b.is_ascii_digit())).then(|| first.to_string())
        })
        .collect()
}

/// Generates `config.households` households over `county_codes` and writes the three tables, each
/// with its header row and `\n` line ends.
///
/// The writers are buffered internally (64 KiB chunks) and flushed at the end; pass files,
/// `Vec<u8>`s, `io::sink()` or `&mut` references to them. Memory use does not grow with the number
/// of households.
///
/// # Errors
///
/// `InvalidInput` if the county list is empty or holds a code with a comma, quote or line break,
/// if `as_of` is not a real day in years 1200–9000, or if a rate is outside 0–1; otherwise any
/// error of the writers.
pub fn generate<H: Write, P: Write, C: Write>(
    config: &SynthConfig,
    county_codes: &[String],
    households: H,
    persons: P,
    cases: C,
) -> io::Result<SynthCounts> {
    let ctx = Ctx::new(config, county_codes)?;
    let mut g = Generator {
        ctx: &ctx,
        hh: Out::new(households),
        pp: Out::new(persons),
        cc: Out::new(cases),
        counts: SynthCounts::default(),
        bad_rng: Rng::new(config.seed, u64::MAX),
        next_pid: 1,
        next_cid: 1,
        next_stray_hid: config.households.saturating_add(1),
        prev_household: None,
        last_person_owner: None,
    };
    g.hh.s(HOUSEHOLDS_HEADER);
    g.hh.end_row()?;
    g.pp.s(PERSONS_HEADER);
    g.pp.end_row()?;
    g.cc.s(CASES_HEADER);
    g.cc.end_row()?;

    let mut house = House::default();
    for number in 1..=config.households {
        g.one(config, number, &mut house)?;
    }
    let Generator { hh, pp, cc, counts, .. } = g;
    hh.finish()?;
    pp.finish()?;
    cc.finish()?;
    Ok(counts)
}

// ---------------------------------------------------------------------------------------------
// Random numbers

/// xoshiro256++ seeded through SplitMix64: small, fast and identical on every platform.
#[derive(Debug, Clone)]
struct Rng {
    s: [u64; 4],
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// The stream `stream` of `seed` (each household has its own stream).
    fn new(seed: u64, stream: u64) -> Self {
        let mut state = seed ^ splitmix(&mut stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        Rng { s: [splitmix(&mut state), splitmix(&mut state), splitmix(&mut state), splitmix(&mut state)] }
    }

    fn next_u64(&mut self) -> u64 {
        let [s0, s1, s2, s3] = self.s;
        let result = s0.wrapping_add(s3).rotate_left(23).wrapping_add(s0);
        let t = s1 << 17;
        let s2 = s2 ^ s0;
        let s3 = s3 ^ s1;
        let s1 = s1 ^ s2;
        let s0 = s0 ^ s3;
        let s2 = s2 ^ t;
        let s3 = s3.rotate_left(45);
        self.s = [s0, s1, s2, s3];
        result
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi` (`lo` when `hi < lo`).
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        if hi <= lo { lo } else { lo + self.below(u64::from(hi - lo) + 1) as u32 }
    }

    /// True with probability `bp` / 10,000.
    fn bp(&mut self, bp: u32) -> bool {
        self.below(10_000) < u64::from(bp)
    }

    /// True with probability `p` (0–1).
    fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64) * (1.0 / 9_007_199_254_740_992.0) < p
    }

    /// One of `items` (a non-empty literal list with a positive total weight), with probability
    /// proportional to its weight.
    fn choose<T: Copy, const N: usize>(&mut self, items: &[(u32, T); N]) -> T {
        let total: u64 = items.iter().map(|&(w, _)| u64::from(w)).sum();
        let mut r = self.below(total);
        // INVARIANT: `r < total`, so some item's weight covers it; the index is its position.
        let mut index = 0;
        for (position, &(w, _)) in items.iter().enumerate() {
            index = position;
            if r < u64::from(w) {
                break;
            }
            r -= u64::from(w);
        }
        #[expect(clippy::indexing_slicing, reason = "`index` is a position of `items`, which is non-empty")]
        items[index].1
    }

    /// One of `items` (a non-empty literal list), uniformly.
    #[expect(clippy::indexing_slicing, reason = "`below(len)` is below the length of the non-empty list")]
    fn pick<T: Copy, const N: usize>(&mut self, items: &[T; N]) -> T {
        items[self.below(N as u64) as usize]
    }

    /// An index in `0..n`, skewed towards the front (the minimum of two uniforms).
    fn skewed(&mut self, n: usize) -> usize {
        let a = self.below(n as u64);
        let b = self.below(n as u64);
        a.min(b) as usize
    }
}

// ---------------------------------------------------------------------------------------------
// Calendar

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a (valid) civil date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The day `(y, m, d)`, with 29 February read as 28 February in years without one.
fn anniversary(y: i64, m: u32, d: u32) -> i64 {
    let d = if m == 2 && d == 29 && !is_leap(y) { 28 } else { d };
    days_from_civil(y, m, d)
}

// ---------------------------------------------------------------------------------------------
// Built-in word lists (no commas or quotes, so fields never need CSV quoting)

const SURNAMES: [&str; 110] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马",
    "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹", "袁", "邓", "许", "傅", "沈", "曾",
    "彭", "吕", "苏", "卢", "蒋", "蔡", "贾", "丁", "魏", "薛", "叶", "阎", "余", "潘", "杜", "戴", "夏", "钟", "汪",
    "田", "任", "姜", "范", "方", "石", "姚", "谭", "廖", "邹", "熊", "金", "陆", "郝", "孔", "白", "崔", "康", "毛",
    "邱", "秦", "江", "史", "顾", "侯", "邵", "孟", "龙", "万", "段", "雷", "钱", "汤", "尹", "黎", "易", "常", "武",
    "乔", "贺", "赖", "龚", "文", "党", "屈", "雒", "拓", "寇", "惠", "强", "欧阳", "司马", "上官",
];

const GIVEN_MALE: [&str; 50] = [
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞", "鑫", "波", "宁",
    "建", "国", "林", "峰", "志", "文", "海", "东", "亮", "俊", "浩", "宇", "晨", "博", "龙", "成", "旭", "锋", "栋",
    "振", "虎", "生", "福", "喜", "荣", "忠", "宝", "根", "民", "利", "安",
];

const GIVEN_FEMALE: [&str; 40] = [
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "英", "玲", "桂", "兰", "萍", "红", "燕", "梅", "莉", "琳",
    "雪", "婷", "慧", "颖", "倩", "欣", "悦", "佳", "雨", "怡", "琪", "梦", "瑶", "珍", "凤", "琴", "花", "翠", "巧",
    "月", "香",
];

/// `list[index % N]`: a word of a non-empty literal list.
#[expect(clippy::indexing_slicing, reason = "`index % N` is below `N`, the list's length")]
fn cycle<const N: usize>(list: &[&'static str; N], index: usize) -> &'static str {
    list[index % N]
}

const VILLAGE_PREFIX: [&str; 32] = [
    "王家", "李家", "张家", "刘家", "赵家", "马家", "杨家", "高家", "冯家", "薛家", "柳树", "杏树", "枣林", "石", "东",
    "西", "南", "北", "上", "下", "前", "后", "新", "大", "小", "黄", "红", "白", "青", "双", "三", "五",
];

const VILLAGE_SUFFIX: [&str; 20] = [
    "庄", "沟", "坪", "河", "湾", "塬", "峪", "寨", "堡", "坡", "岭", "梁", "川", "坝", "营", "铺", "台", "峁", "渠",
    "园",
];

/// County codes that are plausible mistakes and not counties (filtered against the real list).
const BAD_COUNTY_CODES: [&str; 7] = ["610100", "610000", "620102", "610190", "6101O2", "61010", "510104"];

/// Illustrative rural dibao standards (spec section 3), yuan/person/year, for 2018 and 2019.
/// Used only to aim incomes at each county's boundary.
fn dibao_standard_yuan(code: &str, year: i64) -> u64 {
    let (y2018, y2019) = match code {
        "610403" => (4800, 5200),
        "610581" => (4600, 4980),
        "610881" => (5400, 5880),
        "610822" => (5200, 5640),
        _ => match code.get(0..4) {
            Some("6101") => (5280, 5760),
            Some("6102") => (4200, 4560),
            Some("6103") => (4320, 4680),
            Some("6104") => (4300, 4650),
            Some("6105") => (4080, 4410),
            Some("6106") => (4400, 4760),
            Some("6107") => (3900, 4220),
            Some("6108") => (4500, 4860),
            Some("6109") => (3800, 4110),
            Some("6110") => (3780, 4090),
            _ => (3720, 4020),
        },
    };
    if year >= 2019 { y2019 } else { y2018 }
}

// ---------------------------------------------------------------------------------------------
// Run context

#[derive(Debug)]
struct County<'a> {
    code: &'a str,
    /// Cumulative weight up to and including this county.
    cum_weight: u64,
    /// Monthly standard in fen, round_fen(standard / 12).
    monthly_fen: u64,
    /// Standard in yuan/person/year.
    standard_yuan: u64,
    villages: u32,
    salt: u32,
}

#[derive(Debug)]
struct Ctx<'a> {
    counties: Vec<County<'a>>,
    total_weight: u64,
    as_of_year: i64,
    as_of_month: u32,
    as_of_day: u32,
    as_of_days: i64,
    bad_codes: Vec<&'static str>,
    bad_row_rate: f64,
    case_rate: f64,
}

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg.to_string())
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

impl<'a> Ctx<'a> {
    fn new(config: &SynthConfig, codes: &'a [String]) -> io::Result<Self> {
        if codes.is_empty() {
            return Err(invalid("synth: the county list is empty"));
        }
        if codes.iter().any(|c| c.is_empty() || c.contains([',', '"', '\n', '\r'])) {
            return Err(invalid("synth: a county code is empty or holds a comma, quote or line break"));
        }
        let (y, m, d) = config.as_of;
        let y = i64::from(y);
        if !(1200..=9000).contains(&y) || d == 0 || d > days_in_month(y, m) {
            return Err(invalid("synth: as_of is not a real day in years 1200-9000"));
        }
        for rate in [config.bad_row_rate, config.case_rate] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(invalid("synth: rates must be between 0 and 1"));
            }
        }
        let mut counties = Vec::with_capacity(codes.len());
        let mut total = 0u64;
        for code in codes {
            let h = fnv(code.as_bytes());
            // Uneven: weights 2–16, so the largest counties have eight times the smallest.
            total += 2 + h % 15;
            let standard_yuan = dibao_standard_yuan(code, y);
            counties.push(County {
                code,
                cum_weight: total,
                monthly_fen: (standard_yuan * 200 + 12) / 24,
                standard_yuan,
                villages: 12 + ((h >> 20) % 40) as u32,
                salt: ((h >> 32) % 640) as u32,
            });
        }
        let bad_codes = BAD_COUNTY_CODES.iter().copied().filter(|b| !codes.iter().any(|c| c == b)).collect();
        Ok(Ctx {
            counties,
            total_weight: total,
            as_of_year: y,
            as_of_month: m,
            as_of_day: d,
            as_of_days: days_from_civil(y, m, d),
            bad_codes,
            bad_row_rate: config.bad_row_rate,
            case_rate: config.case_rate,
        })
    }

    fn county(&self, i: usize) -> Option<&County<'a>> {
        self.counties.get(i)
    }

    /// A birth day giving exactly `age` full years on as_of.
    fn birth_for_age(&self, rng: &mut Rng, age: u32) -> i64 {
        let (y, m, d) = (self.as_of_year, self.as_of_month, self.as_of_day);
        let a = i64::from(age);
        let lo = anniversary(y - a - 1, m, d) + 1;
        let hi = anniversary(y - a, m, d);
        match rng.below(1000) {
            // Turns `age` on as_of itself.
            0..=9 => hi,
            // Turns `age + 1` the day after as_of.
            10..=19 => lo,
            // Born on 29 February, when one falls in the range.
            20..=23 => {
                let (ly, _, _) = civil_from_days(lo);
                (ly..=ly + 1)
                    .filter(|&yy| is_leap(yy))
                    .map(|yy| days_from_civil(yy, 2, 29))
                    .find(|&day| lo <= day && day <= hi)
                    .unwrap_or(lo)
            }
            _ => lo + rng.below((hi - lo + 1) as u64) as i64,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A household in memory

const MAX_MEMBERS: usize = 8;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
enum Labor {
    #[default]
    Full,
    Partial,
    None,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
enum Care {
    #[default]
    Full,
    Semi,
    None,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum OrphanStatus {
    #[default]
    None,
    Orphan,
    DeFacto,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Role {
    /// Working-generation adult (head, spouse, single parent, lone adult).
    #[default]
    Adult,
    /// Elderly parent or grandparent.
    Elder,
    /// Child or grandchild of the household's adults.
    Child,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Shape {
    #[default]
    SingleElder,
    SingleAdult,
    SingleYoung,
    OrphanAlone,
    ElderCouple,
    AdultWithElder,
    YoungCouple,
    Nuclear,
    SingleParent,
    SkipGeneration,
    OrphanSiblings,
}

#[derive(Debug, Clone, Copy, Default)]
struct Member {
    age: u32,
    female: bool,
    role: Role,
    surname: u8,
    given: [u8; 2],
    given_len: u8,
    birth: i64,
    grade: u8,
    ill: bool,
    labor: Labor,
    care: Care,
    income: bool,
    supporter: bool,
    lactating: bool,
    single_parent_minor: bool,
    student: bool,
    orphan: OrphanStatus,
    institution: bool,
    left_behind: bool,
    privacy: bool,
    head: bool,
    /// Set by the builder: a lone adult who is likely disabled or ill.
    vulnerable: bool,
}

impl Member {
    fn tekun(&self) -> bool {
        let orphan = self.orphan != OrphanStatus::None && self.age < 18;
        self.labor == Labor::None
            && !self.income
            && !self.supporter
            && !orphan
            && (self.age >= 60 || self.age < 16 || (1..=3).contains(&self.grade))
    }
}

/// Where an override replaces a field: the household row, or a member's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    Household,
    Person(usize),
}

#[derive(Debug, Clone, Default)]
struct House {
    members: [Member; MAX_MEMBERS],
    len: usize,
    shape: Shape,
    county: usize,
    village: u32,
    income_fen: u64,
    registered_poor: bool,
    poverty_exited: bool,
    on_dibao: bool,
    prev_fen: u64,
    income_unstable: bool,
    months_over: u32,
    exited_12m: bool,
    rejected_12m: bool,
    cases: [(u64, bool); 2],
    n_cases: usize,
    // Defects.
    override_field: Option<(Row, usize, Vec<u8>)>,
    no_members: bool,
    duplicate_pid: Option<(usize, u64)>,
    hid_override: Option<u64>,
    stray_person: bool,
    stray_case: bool,
}

impl House {
    // INVARIANT: `len <= members.len()` (members are only added through the array's slots).
    #[expect(clippy::indexing_slicing, reason = "the INVARIANT above")]
    fn members(&self) -> &[Member] {
        &self.members[..self.len]
    }

    #[expect(clippy::indexing_slicing, reason = "the INVARIANT above")]
    fn members_mut(&mut self) -> &mut [Member] {
        &mut self.members[..self.len]
    }

    fn push(&mut self, m: Member) -> usize {
        if let Some(slot) = self.members.get_mut(self.len) {
            *slot = m;
            self.len += 1;
        }
        self.len.saturating_sub(1)
    }

    fn member_mut(&mut self, i: usize) -> Option<&mut Member> {
        self.members().get(i)?;
        self.members.get_mut(i)
    }
}

// ---------------------------------------------------------------------------------------------
// Building a household

fn elder_age(rng: &mut Rng) -> u32 {
    match rng.below(1000) {
        0..=449 => rng.range(60, 69),
        450..=779 => rng.range(70, 79),
        780..=944 => rng.range(80, 89),
        945..=993 => rng.range(90, 99),
        _ => rng.range(100, 105),
    }
}

fn new_member(rng: &mut Rng, ctx: &Ctx, age: u32, female: bool, surname: u8, role: Role) -> Member {
    let pool = if female { GIVEN_FEMALE.len() } else { GIVEN_MALE.len() } as u64;
    let given_len = if rng.bp(3500) { 1 } else { 2 };
    Member {
        age,
        female,
        role,
        surname,
        given: [rng.below(pool) as u8, rng.below(pool) as u8],
        given_len,
        birth: ctx.birth_for_age(rng, age),
        ..Member::default()
    }
}

/// A member who is female with probability `female_bp` / 10,000.
fn new_member_p(rng: &mut Rng, ctx: &Ctx, age: u32, female_bp: u32, surname: u8, role: Role) -> Member {
    let female = rng.bp(female_bp);
    new_member(rng, ctx, age, female, surname, role)
}

fn random_surname(rng: &mut Rng) -> u8 {
    rng.skewed(SURNAMES.len()) as u8
}

/// Children's ages for a parent (or youngest parent) aged `parent`.
fn child_age(rng: &mut Rng, parent: u32) -> u32 {
    let max = parent.saturating_sub(18).min(30);
    if max > 17 && rng.bp(4000) {
        rng.range(18, max)
    } else if rng.bp(500) {
        0
    } else {
        rng.range(0, max.min(17))
    }
}

fn build(rng: &mut Rng, ctx: &Ctx, h: &mut House) {
    h.len = 0;
    h.n_cases = 0;
    h.override_field = None;
    h.no_members = false;
    h.duplicate_pid = None;
    h.hid_override = None;
    h.stray_person = false;
    h.stray_case = false;

    let r = rng.below(ctx.total_weight);
    h.county = ctx.counties.partition_point(|c| c.cum_weight <= r);
    let (villages, salt) = ctx.county(h.county).map_or((1, 0), |c| (c.villages, c.salt));
    h.village = salt + rng.below(u64::from(villages)) as u32;

    let size = 1 + rng.choose(&[(10, 0), (17, 1), (20, 2), (23, 3), (18, 4), (12, 5)]);
    use Shape::*;
    h.shape = match size {
        1 => rng.choose(&[(55, SingleElder), (30, SingleAdult), (10, SingleYoung), (5, OrphanAlone)]),
        2 => rng.choose(&[
            (40, ElderCouple),
            (15, AdultWithElder),
            (20, SingleParent),
            (12, SkipGeneration),
            (3, OrphanSiblings),
            (10, YoungCouple),
        ]),
        3 => rng.choose(&[(62, Nuclear), (12, SingleParent), (22, SkipGeneration), (4, OrphanSiblings)]),
        _ => rng.choose(&[(72, Nuclear), (10, SingleParent), (18, SkipGeneration)]),
    };
    let family = random_surname(rng);
    let mut head = 0usize;
    let mut mother: Option<usize> = None;
    match h.shape {
        SingleElder => {
            let age = elder_age(rng);
            h.push(new_member_p(rng, ctx, age, 5500, family, Role::Elder));
        }
        SingleAdult => {
            let age = rng.range(30, 59);
            let mut m = new_member_p(rng, ctx, age, 3500, family, Role::Adult);
            m.vulnerable = true;
            h.push(m);
        }
        SingleYoung => {
            let age = rng.range(18, 29);
            h.push(new_member_p(rng, ctx, age, 3000, family, Role::Adult));
        }
        OrphanAlone => {
            let age = if rng.bp(1200) { rng.range(18, 19) } else { rng.range(8, 17) };
            let mut m = new_member_p(rng, ctx, age, 5000, family, Role::Child);
            m.orphan = if rng.bp(6500) { OrphanStatus::Orphan } else { OrphanStatus::DeFacto };
            m.institution = rng.bp(6000);
            h.push(m);
        }
        ElderCouple => {
            let husband = elder_age(rng);
            let wife = (husband + rng.range(0, 8)).saturating_sub(5).clamp(55, 105);
            h.push(new_member(rng, ctx, husband, false, family, Role::Elder));
            let s = random_surname(rng);
            h.push(new_member(rng, ctx, wife, true, s, Role::Elder));
            head = if rng.bp(8000) { 0 } else { 1 };
        }
        AdultWithElder => {
            let adult = rng.range(30, 60);
            let elder = elder_age(rng).max(adult + 20).min(105);
            h.push(new_member_p(rng, ctx, adult, 4000, family, Role::Adult));
            let female = rng.bp(6000);
            let s = if female { random_surname(rng) } else { family };
            h.push(new_member(rng, ctx, elder, female, s, Role::Elder));
            head = if rng.bp(7500) { 0 } else { 1 };
        }
        YoungCouple => {
            let husband = rng.range(20, 35);
            let wife = rng.range(20, husband.max(21));
            h.push(new_member(rng, ctx, husband, false, family, Role::Adult));
            let s = random_surname(rng);
            mother = Some(h.push(new_member(rng, ctx, wife, true, s, Role::Adult)));
            head = if rng.bp(8500) { 0 } else { 1 };
        }
        Nuclear => {
            let father = rng.range(24, 60);
            let wife = (father + rng.range(0, 8)).saturating_sub(6).max(20);
            h.push(new_member(rng, ctx, father, false, family, Role::Adult));
            let s = random_surname(rng);
            mother = Some(h.push(new_member(rng, ctx, wife, true, s, Role::Adult)));
            head = if rng.bp(8500) { 0 } else { 1 };
            let elders = match size {
                3 => u32::from(rng.bp(1000)),
                4 => rng.choose(&[(45, 0), (35, 1), (20, 2)]),
                _ => rng.choose(&[(30, 0), (40, 1), (30, 2)]),
            };
            let base = father.max(wife) + 20;
            for k in 0..elders {
                let female = k == 1 || rng.bp(5500);
                let s = if female { random_surname(rng) } else { family };
                let age = elder_age(rng).max(base + rng.range(0, 6)).min(105);
                h.push(new_member(rng, ctx, age, female, s, Role::Elder));
            }
            let young = father.min(wife);
            while h.len < size {
                let age = child_age(rng, young);
                h.push(new_member_p(rng, ctx, age, 4800, family, Role::Child));
            }
        }
        SingleParent => {
            let female = rng.bp(7000);
            let parent = rng.range(22, 55);
            let s = if female { random_surname(rng) } else { family };
            let p = h.push(new_member(rng, ctx, parent, female, s, Role::Adult));
            if female {
                mother = Some(p);
            }
            if size >= 4 && rng.bp(3000) {
                let age = elder_age(rng).max(parent + 20).min(105);
                let f = rng.bp(6000);
                let s = if f { random_surname(rng) } else { s };
                h.push(new_member(rng, ctx, age, f, s, Role::Elder));
            }
            while h.len < size {
                let age = child_age(rng, parent).min(24);
                let mut m = new_member_p(rng, ctx, age, 4800, family, Role::Child);
                m.single_parent_minor = age < 18 || (age < 20 && rng.bp(5000));
                h.push(m);
            }
        }
        SkipGeneration => {
            let two = size >= 3 && rng.bp(6500);
            let g1 = if rng.bp(2500) { rng.range(50, 59) } else { elder_age(rng).min(90) };
            h.push(new_member_p(rng, ctx, g1, if two { 0 } else { 6000 }, family, Role::Elder));
            if two {
                let g2 = (g1 + rng.range(0, 8)).saturating_sub(5).clamp(50, 105);
                let s = random_surname(rng);
                h.push(new_member(rng, ctx, g2, true, s, Role::Elder));
            }
            let orphaned = rng.bp(700);
            while h.len < size {
                let age = rng.range(0, 17);
                let mut m = new_member_p(rng, ctx, age, 4800, family, Role::Child);
                if orphaned {
                    m.orphan = if rng.bp(4500) { OrphanStatus::Orphan } else { OrphanStatus::DeFacto };
                    m.institution = rng.bp(500);
                }
                m.left_behind = !orphaned && rng.bp(8500);
                h.push(m);
            }
            // Occasionally the eldest grandchild, still a minor, is registered as head.
            if rng.bp(600) {
                let eldest = h
                    .members()
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| m.role == Role::Child && m.age >= 14)
                    .max_by_key(|(_, m)| m.age)
                    .map(|(i, _)| i);
                if let Some(i) = eldest {
                    head = i;
                }
            }
        }
        OrphanSiblings => {
            let eldest = rng.range(14, 19);
            let orphan = if rng.bp(6000) { OrphanStatus::Orphan } else { OrphanStatus::DeFacto };
            let institution = rng.bp(2500);
            while h.len < size {
                let age = if h.len == 0 { eldest } else { rng.range(3, eldest - 1) };
                let mut m = new_member_p(rng, ctx, age, 5000, family, Role::Child);
                m.orphan = orphan;
                m.institution = institution;
                h.push(m);
            }
        }
    }
    assign_attributes(rng, h);
    if let Some(m) = h.member_mut(head) {
        m.head = true;
    }
    // Lactating mothers of infants.
    let infant = h.members().iter().any(|m| m.role == Role::Child && (m.age == 0 || (m.age == 1 && rng.bp(4000))));
    if infant {
        let lactating = rng.bp(6500);
        if let Some(m) = mother.and_then(|i| h.member_mut(i)) {
            m.lactating = m.female && (18..=45).contains(&m.age) && lactating;
        }
    }
    household_fields(rng, ctx, h);
    // The usual export lists the head first; some exports keep family order.
    let len = h.len;
    if rng.bp(9200) {
        if let Some(s) = h.members.get_mut(..=head) {
            s.rotate_right(1);
        }
    } else if let Some(s) = h.members.get_mut(head..len) {
        s.rotate_left(1);
    }
    cases(rng, ctx, h);
}

fn assign_attributes(rng: &mut Rng, h: &mut House) {
    let shape = h.shape;
    for m in h.members_mut() {
        let a = m.age;
        let dis_bp = if m.vulnerable {
            4500
        } else {
            match a {
                0..=17 => 200,
                18..=59 => 600,
                60..=79 => 1200,
                _ => 2000,
            }
        };
        if rng.bp(dis_bp) {
            m.grade = 1 + rng.choose(&[(15, 0), (20, 1), (30, 2), (35, 3)]);
        }
        let ill_bp = if m.vulnerable {
            2500
        } else {
            match a {
                0..=17 => 150,
                18..=59 => 500,
                _ => 1000,
            }
        };
        m.ill = rng.bp(ill_bp);
        m.student = match a {
            15 => rng.bp(1000),
            16..=18 => rng.bp(6500),
            19..=22 => rng.bp(3000),
            23..=25 => rng.bp(400),
            _ => false,
        };
        use Labor::{Full as LF, None as LN, Partial as LP};
        let mut labor = match a {
            0..=15 => LN,
            16..=17 if m.student => rng.choose(&[(85, LN), (15, LP)]),
            16..=17 => rng.choose(&[(30, LN), (45, LP), (25, LF)]),
            18..=59 if m.student => rng.choose(&[(30, LN), (60, LP), (10, LF)]),
            18..=59 => rng.choose(&[(3, LN), (9, LP), (88, LF)]),
            60..=69 => rng.choose(&[(30, LN), (45, LP), (25, LF)]),
            70..=79 => rng.choose(&[(65, LN), (32, LP), (3, LF)]),
            _ => rng.choose(&[(90, LN), (10, LP)]),
        };
        if a >= 16 {
            let by_grade = match m.grade {
                1 | 2 => rng.choose(&[(75, LN), (25, LP)]),
                3 => rng.choose(&[(40, LN), (50, LP), (10, LF)]),
                4 => rng.choose(&[(50, LP), (50, LF)]),
                _ => LF,
            };
            labor = labor.max(by_grade);
            if m.ill {
                labor = labor.max(rng.choose(&[(40, LN), (50, LP), (10, LF)]));
            }
        }
        m.labor = labor;
        use Care::{Full as CF, None as CN, Semi as CS};
        let mut care = match m.grade {
            1 => rng.choose(&[(55, CN), (35, CS), (10, CF)]),
            2 => rng.choose(&[(25, CN), (45, CS), (30, CF)]),
            3 => rng.choose(&[(5, CN), (20, CS), (75, CF)]),
            _ => CF,
        };
        if m.ill {
            care = care.max(rng.choose(&[(10, CN), (30, CS), (60, CF)]));
        }
        care = care.max(match a {
            70..=79 => rng.choose(&[(3, CN), (10, CS), (87, CF)]),
            80..=89 => rng.choose(&[(12, CN), (25, CS), (63, CF)]),
            90.. => rng.choose(&[(25, CN), (35, CS), (40, CF)]),
            _ => CF,
        });
        m.care = care;
        m.income = match a {
            0..=15 => false,
            _ if m.student => rng.bp(500),
            _ => match labor {
                LF => rng.bp(8500),
                LP => rng.bp(5000),
                LN if a >= 60 => rng.bp(1800),
                LN => rng.bp(1000),
            },
        };
        m.privacy = rng.bp(150);
        m.left_behind = m.left_behind
            || match (shape, m.role) {
                (Shape::SkipGeneration, Role::Elder) => rng.bp(5000),
                (Shape::SingleElder | Shape::ElderCouple, _) => rng.bp(3000),
                (Shape::AdultWithElder, Role::Elder) => rng.bp(500),
                (Shape::Nuclear | Shape::SingleParent, Role::Child) => a < 18 && rng.bp(400),
                _ => false,
            };
    }
    // Capable supporters: another working-age member able to work.
    let capable = |m: &Member| {
        ((18..=59).contains(&m.age) && m.labor != Labor::None) || ((60..=69).contains(&m.age) && m.labor == Labor::Full)
    };
    let n_capable = h.members().iter().filter(|m| capable(m)).count();
    for m in h.members_mut() {
        let others = n_capable - usize::from(capable(m)) > 0;
        m.supporter = if m.age < 18 {
            if m.orphan != OrphanStatus::None {
                rng.bp(1500)
            } else {
                // Parents working away still count as capable supporters.
                rng.bp(if others { 9900 } else { 9400 })
            }
        } else if m.age < 60 {
            rng.bp(if others { 5500 } else { 2500 })
        } else {
            rng.bp(if others { 9200 } else { 6000 })
        };
        if m.orphan == OrphanStatus::None {
            m.institution = if m.labor == Labor::None && !m.income && !m.supporter {
                rng.bp(match m.care {
                    Care::None => 5000,
                    Care::Semi => 2500,
                    Care::Full => 1000,
                })
            } else {
                rng.bp(20)
            };
        }
    }
}

fn household_fields(rng: &mut Rng, ctx: &Ctx, h: &mut House) {
    let (monthly_fen, standard_fen) =
        ctx.county(h.county).map_or((33_500, 402_000), |c| (c.monthly_fen, c.standard_yuan * 100));
    let n = h.len as u64;
    let n_dibao = h.members().iter().filter(|m| !m.tekun()).count() as u64;
    let sick = h.members().iter().any(|m| m.ill || (1..=3).contains(&m.grade));
    let threshold = monthly_fen * n_dibao * 12;

    let r = rng.below(10_000);
    h.income_fen = if r < 500 {
        0
    } else if r < 900 && n_dibao > 0 {
        // Exactly at the boundary, or a few fen either side of it (round_fen(income / 12) lands
        // on, above or below monthly_standard × n_dibao).
        let offset: i64 = rng.pick(&[0, 0, -12, -6, 6, 12, -1, 1, -7, 7]);
        threshold.saturating_add_signed(offset)
    } else {
        let permille = if rng.bp(800) {
            u64::from(rng.range(1500, 4000))
        } else {
            u64::from(325 + rng.range(0, 450) + rng.range(0, 450) + rng.range(0, 450))
        };
        let raw = standard_fen * n * permille / 1000;
        let unit = rng.choose(&[(30, 10_000u64), (30, 100), (20, 10), (20, 1)]);
        (raw + unit / 2) / unit * unit
    };
    let above = h.income_fen >= threshold;
    h.on_dibao = if above { rng.bp(if h.income_fen * 10 < threshold * 14 { 3500 } else { 500 }) } else { rng.bp(8000) };
    h.registered_poor = rng.bp(if sick { 6000 } else { 3000 } + if above { 0 } else { 1500 });
    h.poverty_exited = h.registered_poor && rng.bp(if sick { 4500 } else { 5500 });
    h.income_unstable = rng.bp(if h.registered_poor { 4500 } else { 600 });
    h.months_over = if above {
        if h.on_dibao && rng.bp(3000) { rng.pick(&[11, 12, 13, 17, 18, 19]) } else { rng.range(0, 24) }
    } else if rng.bp(700) {
        rng.range(1, 3)
    } else {
        0
    };
    h.prev_fen = if !h.on_dibao {
        0
    } else {
        let full = monthly_fen * n_dibao.max(1);
        let amount = if above {
            full * u64::from(rng.range(10, 60)) / 100
        } else {
            let gap = full.saturating_sub(h.income_fen / 12);
            gap * u64::from(rng.range(90, 110)) / 100 + u64::from(rng.range(0, 150)) * 100
        };
        let amount = amount.max(1000);
        if rng.bp(4000) { amount / 100 * 100 } else { amount }
    };
    h.exited_12m = rng.bp(if h.on_dibao { 100 } else { 700 });
    h.rejected_12m = rng.bp(if h.on_dibao { 150 } else { 600 });
}

fn case_amount(rng: &mut Rng) -> u64 {
    let yuan = |y: u32| u64::from(y) * 100;
    match rng.choose(&[(30, 0), (8, 1), (20, 2), (30, 3), (10, 4), (2, 5)]) {
        0 => yuan(100 + 50 * rng.range(0, 18)),
        1 => rng.pick(&[100_000, 100_001, 99_999, 200_000, 200_001, 199_999, 2_000_000, 2_000_001, 1_999_999]),
        2 => yuan(1000 + 100 * rng.range(1, 9)),
        3 => yuan(2000 + 100 * rng.range(1, 179)),
        4 => yuan(20_000 + 1000 * rng.range(1, 30)),
        _ => u64::from(rng.range(10_000, 5_000_000)),
    }
}

fn cases(rng: &mut Rng, ctx: &Ctx, h: &mut House) {
    if ctx.case_rate > 0.0 && rng.chance(ctx.case_rate) {
        h.n_cases = if rng.bp(1000) { 2 } else { 1 };
        for slot in h.cases.iter_mut().take(h.n_cases) {
            *slot = (case_amount(rng), rng.bp(2200));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Defects

const BAD_BOOLS: [&str; 10] = ["TRUE", "True", "1", "0", "yes", "no", "是", "", "false ", "f"];
const BAD_LABOR: [&str; 6] = ["half", "Full", "partly", "无", "", "none "];
const BAD_CARE: [&str; 5] = ["partial", "full_care", "半护理", "Semi", "self"];
const BAD_ORPHAN: [&str; 5] = ["yes", "Orphan", "de-facto", "defacto", "1"];
const BAD_PLACEMENT: [&str; 5] = ["foster", "Home", "集中", "institutional", ""];
const BAD_GRADE: [&str; 6] = ["5", "-1", "1.0", "二", " 2", ""];
const BAD_MONTHS: [&str; 5] = ["-3", "1.5", "十二", "", "12 "];

fn money_text(fen: u64) -> Vec<u8> {
    let mut v = Vec::new();
    push_u64(&mut v, fen / 100);
    v.push(b'.');
    push_padded(&mut v, fen % 100, 2);
    v
}

fn bad_money(rng: &mut Rng, fen: u64) -> Vec<u8> {
    let fen = fen.max(1234);
    let mut v = Vec::new();
    match rng.below(7) {
        0 | 1 => {
            v = money_text(fen);
            push_u64(&mut v, u64::from(rng.range(1, 9)));
        }
        2 => {
            v.push(b'-');
            v.extend(money_text(fen));
        }
        3 => {
            v.push(b' ');
            push_u64(&mut v, fen / 100);
        }
        4 => {
            push_u64(&mut v, fen / 100);
            v.extend_from_slice("元".as_bytes());
        }
        5 => {
            push_u64(&mut v, fen / 100);
            v.push(b'.');
        }
        _ => {
            if rng.bp(5000) {
                v.extend_from_slice(b".5");
            }
        }
    }
    v
}

fn bad_date(rng: &mut Rng, birth: i64) -> Vec<u8> {
    let (y, m, d) = civil_from_days(birth);
    let y = y.max(0) as u64;
    let mut v = Vec::new();
    let ymd = |v: &mut Vec<u8>, y: u64, m: u64, d: u64, sep: &[u8]| {
        push_padded(v, y, 4);
        v.extend_from_slice(sep);
        push_padded(v, m, 2);
        v.extend_from_slice(sep);
        push_padded(v, d, 2);
    };
    match rng.below(9) {
        0 => ymd(&mut v, y, 2, 30, b"-"),
        1 => ymd(&mut v, y, 4, 31, b"-"),
        2 => {
            let year = (y..y + 4).find(|&yy| !is_leap(yy as i64)).unwrap_or(y);
            ymd(&mut v, year, 2, 29, b"-");
        }
        3 => ymd(&mut v, y, 13, u64::from(d), b"-"),
        4 => {
            push_u64(&mut v, y);
            v.push(b'-');
            push_u64(&mut v, u64::from(m % 9 + 1));
            v.push(b'-');
            push_u64(&mut v, u64::from(d % 9 + 1));
        }
        5 => ymd(&mut v, y, u64::from(m), u64::from(d), b"/"),
        6 => ymd(&mut v, y, u64::from(m), u64::from(d), b""),
        7 => ymd(&mut v, y, u64::from(m), 0, b"-"),
        _ => {}
    }
    v
}

// ---------------------------------------------------------------------------------------------
// Writing

const FLUSH_AT: usize = 1 << 16;

struct Out<W: Write> {
    w: W,
    buf: Vec<u8>,
}

fn push_u64(buf: &mut Vec<u8>, n: u64) {
    push_padded(buf, n, 1);
}

/// `n` in decimal, zero-padded to at least `width` digits (at most 20).
fn push_padded(buf: &mut Vec<u8>, n: u64, width: usize) {
    let mut tmp = [b'0'; 20];
    let mut first = tmp.len();
    let mut n = n;
    for slot in tmp.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        first -= 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let first = first.min(tmp.len().saturating_sub(width));
    #[expect(clippy::indexing_slicing, reason = "`first` is at most `tmp.len()`")]
    buf.extend_from_slice(&tmp[first..]);
}

impl<W: Write> Out<W> {
    fn new(w: W) -> Self {
        Out { w, buf: Vec::with_capacity(FLUSH_AT + 4096) }
    }

    fn s(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }

    fn sep(&mut self) {
        self.buf.push(b',');
    }

    fn b(&mut self, v: bool) {
        self.s(if v { "true" } else { "false" });
    }

    fn id(&mut self, prefix: u8, n: u64, width: usize) {
        self.buf.push(prefix);
        push_padded(&mut self.buf, n, width);
    }

    /// Yuan with at most two decimals, in one of the spellings a registry export uses.
    fn money(&mut self, fen: u64, style: u64) {
        push_u64(&mut self.buf, fen / 100);
        let cents = fen % 100;
        if cents == 0 {
            match style % 10 {
                0..=4 => {}
                5..=8 => self.s(".00"),
                _ => self.s(".0"),
            }
        } else if cents.is_multiple_of(10) {
            self.buf.push(b'.');
            push_u64(&mut self.buf, cents / 10);
            if style % 10 >= 6 {
                self.buf.push(b'0');
            }
        } else {
            self.buf.push(b'.');
            push_padded(&mut self.buf, cents, 2);
        }
    }

    fn date(&mut self, days: i64) {
        let (y, m, d) = civil_from_days(days);
        push_padded(&mut self.buf, y.max(0) as u64, 4);
        self.buf.push(b'-');
        push_padded(&mut self.buf, u64::from(m), 2);
        self.buf.push(b'-');
        push_padded(&mut self.buf, u64::from(d), 2);
    }

    /// Replaces field `col` of the row begun at `start` with `text`.
    fn replace_field(&mut self, start: usize, col: usize, text: &[u8]) {
        let row = self.buf.split_off(start);
        for (i, field) in row.split(|&b| b == b',').enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            self.buf.extend_from_slice(if i == col { text } else { field });
        }
    }

    fn end_row(&mut self) -> io::Result<()> {
        self.buf.push(b'\n');
        if self.buf.len() >= FLUSH_AT {
            self.w.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    fn finish(mut self) -> io::Result<()> {
        self.w.write_all(&self.buf)?;
        self.buf.clear();
        self.w.flush()
    }
}

/// A household already written, remembered for the duplicate-id defects.
#[derive(Debug, Clone, Copy)]
struct Written {
    number: u64,
    /// Its household id (its number, or the id it duplicated).
    hid: u64,
    /// The last person id it carries.
    last_pid: u64,
    persons: u64,
    cases: u64,
    rejected: bool,
}

struct Generator<'c, 'a, H: Write, P: Write, C: Write> {
    ctx: &'c Ctx<'a>,
    hh: Out<H>,
    pp: Out<P>,
    cc: Out<C>,
    counts: SynthCounts,
    bad_rng: Rng,
    next_pid: u64,
    next_cid: u64,
    next_stray_hid: u64,
    prev_household: Option<Written>,
    last_person_owner: Option<Written>,
}

impl<H: Write, P: Write, C: Write> Generator<'_, '_, H, P, C> {
    fn one(&mut self, config: &SynthConfig, number: u64, h: &mut House) -> io::Result<()> {
        let ctx = self.ctx;
        let mut rng = Rng::new(config.seed, number);
        build(&mut rng, ctx, h);
        let defect = if ctx.bad_row_rate > 0.0 && self.bad_rng.chance(ctx.bad_row_rate) {
            let i = self.bad_rng.below(BadKind::COUNT as u64) as usize;
            let kind = BadKind::ALL.get(i).copied().unwrap_or(BadKind::BadMoney);
            Some(self.inject(kind, h))
        } else {
            None
        };
        let hid = h.hid_override.unwrap_or(number);
        let county = ctx.county(h.county);

        // households.csv
        let start = self.hh.buf.len();
        let out = &mut self.hh;
        out.id(b'H', hid, 7);
        out.sep();
        out.s(county.map_or("", |c| c.code));
        out.sep();
        let v = h.village;
        out.s(cycle(&VILLAGE_PREFIX, v as usize));
        out.s(cycle(&VILLAGE_SUFFIX, v as usize / VILLAGE_PREFIX.len() + v as usize * 7));
        out.s("村");
        out.sep();
        out.money(h.income_fen, rng.below(10));
        out.sep();
        out.b(h.registered_poor);
        out.sep();
        out.b(h.poverty_exited);
        out.sep();
        out.b(h.on_dibao);
        out.sep();
        out.money(h.prev_fen, rng.below(10));
        out.sep();
        out.b(h.income_unstable);
        out.sep();
        push_u64(&mut out.buf, u64::from(h.months_over));
        out.sep();
        out.b(h.exited_12m);
        out.sep();
        out.b(h.rejected_12m);
        if let Some((Row::Household, col, text)) = &h.override_field {
            out.replace_field(start, *col, text);
        }
        out.end_row()?;
        self.counts.households += 1;

        // persons.csv
        let mut persons = 0u64;
        let mut last_pid = None;
        if !h.no_members {
            for (i, m) in h.members().iter().enumerate() {
                let pid = match h.duplicate_pid {
                    Some((j, pid)) if j == i => pid,
                    _ => {
                        let pid = self.next_pid;
                        self.next_pid += 1;
                        pid
                    }
                };
                let over = match &h.override_field {
                    Some((Row::Person(j), col, text)) if *j == i => Some((*col, text.as_slice())),
                    _ => None,
                };
                write_person(&mut self.pp, pid, hid, m, over)?;
                persons += 1;
                last_pid = Some(pid);
            }
        }
        if h.stray_person {
            let rng = &mut self.bad_rng;
            let age = rng.range(20, 70);
            let surname = random_surname(rng);
            let female = rng.bp(5000);
            let mut m = new_member(rng, ctx, age, female, surname, Role::Adult);
            m.head = true;
            let stray_hid = self.next_stray_hid;
            self.next_stray_hid += 1;
            let pid = self.next_pid;
            self.next_pid += 1;
            write_person(&mut self.pp, pid, stray_hid, &m, None)?;
            self.counts.expected_rejected_persons += 1;
        }
        self.counts.persons += persons + u64::from(h.stray_person);

        // cases.csv
        for &(amount, urgent) in h.cases.iter().take(h.n_cases) {
            write_case(&mut self.cc, self.next_cid, hid, amount, urgent, rng.below(10))?;
            self.next_cid += 1;
        }
        if h.stray_case {
            let amount = case_amount(&mut self.bad_rng);
            let urgent = self.bad_rng.bp(2200);
            let stray_hid = self.next_stray_hid;
            self.next_stray_hid += 1;
            write_case(&mut self.cc, self.next_cid, stray_hid, amount, urgent, 0)?;
            self.next_cid += 1;
            self.counts.expected_rejected_cases += 1;
        }
        let n_cases = h.n_cases as u64;
        self.counts.cases += n_cases + u64::from(h.stray_case);

        // Expected rejections.
        let rejected = defect.is_some_and(BadKind::rejects_own_household);
        if rejected {
            self.counts.expected_rejected_households += 1;
            self.counts.expected_rejected_persons += persons;
            self.counts.expected_rejected_cases += n_cases;
        }
        match defect {
            Some(BadKind::DuplicatePersonId) => {
                if let Some(owner) = self.last_person_owner {
                    self.reject_earlier(owner.number, owner);
                }
            }
            Some(BadKind::DuplicateHouseholdId) => {
                if let Some(prev) = self.prev_household {
                    self.reject_earlier(prev.number, prev);
                }
            }
            _ => {}
        }
        let written = Written { number, hid, last_pid: last_pid.unwrap_or(0), persons, cases: n_cases, rejected };
        self.prev_household = Some(written);
        if last_pid.is_some() {
            self.last_person_owner = Some(written);
        }
        Ok(())
    }

    /// Counts an earlier household as rejected (once), keeping both memories in step.
    fn reject_earlier(&mut self, number: u64, w: Written) {
        if w.rejected {
            return;
        }
        self.counts.expected_rejected_households += 1;
        self.counts.expected_rejected_persons += w.persons;
        self.counts.expected_rejected_cases += w.cases;
        for slot in [&mut self.prev_household, &mut self.last_person_owner] {
            if let Some(s) = slot.as_mut().filter(|s| s.number == number) {
                s.rejected = true;
            }
        }
    }

    /// Puts one defect of `kind` (or, where the household cannot carry it, of a close kind) into
    /// `h`, and returns the kind applied.
    fn inject(&mut self, kind: BadKind, h: &mut House) -> BadKind {
        let rng = &mut self.bad_rng;
        let len = h.len;
        let member = rng.below(len as u64) as usize;
        let kind = match kind {
            BadKind::TwoHeads if len < 2 => BadKind::NoHead,
            BadKind::DuplicatePersonId if self.last_person_owner.is_none() => BadKind::BadMoney,
            BadKind::DuplicateHouseholdId if self.prev_household.is_none() => BadKind::BadMoney,
            BadKind::UnknownCounty if self.ctx.bad_codes.is_empty() => BadKind::BadMoney,
            k => k,
        };
        match kind {
            BadKind::BadMoney => {
                let (col, fen) = if h.on_dibao && rng.bp(3000) { (7, h.prev_fen) } else { (3, h.income_fen) };
                h.override_field = Some((Row::Household, col, bad_money(rng, fen)));
            }
            BadKind::BadDate => {
                let birth = h.members().get(member).map_or(0, |m| m.birth);
                h.override_field = Some((Row::Person(member), 4, bad_date(rng, birth)));
            }
            BadKind::BadEnum => {
                let (col, text) = match rng.below(4) {
                    0 => (7, rng.pick(&BAD_LABOR)),
                    1 => (8, rng.pick(&BAD_CARE)),
                    2 => (14, rng.pick(&BAD_ORPHAN)),
                    _ => (15, rng.pick(&BAD_PLACEMENT)),
                };
                h.override_field = Some((Row::Person(member), col, text.as_bytes().to_vec()));
            }
            BadKind::BadBoolean => {
                let text = rng.pick(&BAD_BOOLS).as_bytes().to_vec();
                h.override_field = Some(if rng.bp(5000) {
                    (Row::Household, rng.pick(&[4, 5, 6, 8, 10, 11]), text)
                } else {
                    let col = rng.pick(&[3, 6, 9, 10, 11, 12, 13, 16, 17]);
                    (Row::Person(member), col, text)
                });
            }
            BadKind::BadInteger => {
                h.override_field = Some(if rng.bp(4000) {
                    (Row::Household, 9, rng.pick(&BAD_MONTHS).as_bytes().to_vec())
                } else {
                    (Row::Person(member), 5, rng.pick(&BAD_GRADE).as_bytes().to_vec())
                });
            }
            BadKind::BornAfterAsOf => {
                let day = self.ctx.as_of_days + i64::from(rng.range(1, 400));
                if let Some(m) = h.member_mut(member) {
                    m.birth = day;
                }
            }
            BadKind::NoHead => {
                for m in h.members_mut() {
                    m.head = false;
                }
            }
            BadKind::TwoHeads => {
                let other = h.members().iter().position(|m| !m.head).unwrap_or(0);
                if let Some(m) = h.member_mut(other) {
                    m.head = true;
                }
            }
            BadKind::NoMembers => h.no_members = true,
            BadKind::DuplicatePersonId => {
                let pid = self.last_person_owner.map_or(1, |o| o.last_pid);
                h.duplicate_pid = Some((member, pid));
            }
            BadKind::DuplicateHouseholdId => {
                h.hid_override = self.prev_household.map(|p| p.hid);
            }
            BadKind::PersonUnknownHousehold => h.stray_person = true,
            BadKind::CaseUnknownHousehold => h.stray_case = true,
            BadKind::UnknownCounty => {
                // INVARIANT: `bad_codes` is not empty (the kind is swapped for `BadMoney` above
                // when it is).
                let index = rng.below(self.ctx.bad_codes.len() as u64) as usize;
                if let Some(code) = self.ctx.bad_codes.get(index) {
                    h.override_field = Some((Row::Household, 1, code.as_bytes().to_vec()));
                }
            }
        }
        self.counts.add_injected(kind);
        kind
    }
}

fn write_person<W: Write>(
    out: &mut Out<W>,
    pid: u64,
    hid: u64,
    m: &Member,
    over: Option<(usize, &[u8])>,
) -> io::Result<()> {
    out.buf.reserve(256);
    let start = out.buf.len();
    out.id(b'P', pid, 8);
    out.sep();
    out.id(b'H', hid, 7);
    out.sep();
    // Surname and given-name indices are drawn below their list's length, so `cycle` is plain
    // indexing here.
    out.s(cycle(&SURNAMES, usize::from(m.surname)));
    for &g in m.given.iter().take(usize::from(m.given_len)) {
        out.s(if m.female { cycle(&GIVEN_FEMALE, usize::from(g)) } else { cycle(&GIVEN_MALE, usize::from(g)) });
    }
    out.sep();
    out.b(m.head);
    out.sep();
    out.date(m.birth);
    out.sep();
    push_u64(&mut out.buf, u64::from(m.grade));
    out.sep();
    out.b(m.ill);
    out.sep();
    out.s(match m.labor {
        Labor::Full => "full",
        Labor::Partial => "partial",
        Labor::None => "none",
    });
    out.sep();
    out.s(match m.care {
        Care::Full => "full",
        Care::Semi => "semi",
        Care::None => "none",
    });
    out.sep();
    out.b(m.income);
    out.sep();
    out.b(m.supporter);
    out.sep();
    out.b(m.lactating);
    out.sep();
    out.b(m.single_parent_minor);
    out.sep();
    out.b(m.student);
    out.sep();
    out.s(match m.orphan {
        OrphanStatus::None => "none",
        OrphanStatus::Orphan => "orphan",
        OrphanStatus::DeFacto => "de_facto",
    });
    out.sep();
    out.s(if m.institution { "institution" } else { "home" });
    out.sep();
    out.b(m.left_behind);
    out.sep();
    out.b(m.privacy);
    if let Some((col, text)) = over {
        out.replace_field(start, col, text);
    }
    out.end_row()
}

fn write_case<W: Write>(
    out: &mut Out<W>,
    cid: u64,
    hid: u64,
    amount_fen: u64,
    urgent: bool,
    style: u64,
) -> io::Result<()> {
    out.id(b'C', cid, 7);
    out.sep();
    out.id(b'H', hid, 7);
    out.sep();
    out.money(amount_fen, style);
    out.sep();
    out.b(urgent);
    out.end_row()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    /// The 107 county codes of `jurisdictions.csv`.
    const CODES: &str = "610102 610103 610104 610111 610112 610113 610114 610115 610116 610117 610118 610122 \
        610124 610202 610203 610204 610222 610302 610303 610304 610322 610323 610324 610326 610327 610328 610329 \
        610330 610331 610402 610403 610404 610422 610423 610424 610425 610426 610428 610429 610430 610431 610481 \
        610482 610502 610503 610522 610523 610524 610525 610526 610527 610528 610581 610582 610602 610603 610621 \
        610622 610623 610625 610626 610627 610628 610629 610630 610631 610632 610702 610703 610722 610723 610724 \
        610725 610726 610727 610728 610729 610730 610802 610803 610822 610824 610825 610826 610827 610828 610829 \
        610830 610831 610881 610902 610921 610922 610923 610924 610925 610926 610927 610928 610929 611002 611021 \
        611022 611023 611024 611025 611026";

    fn codes() -> Vec<String> {
        CODES.split_whitespace().map(str::to_string).collect()
    }

    struct Tables {
        households: String,
        persons: String,
        cases: String,
        counts: SynthCounts,
    }

    fn run(config: &SynthConfig) -> Result<Tables, Box<dyn std::error::Error>> {
        let (mut h, mut p, mut c) = (Vec::new(), Vec::new(), Vec::new());
        let counts = generate(config, &codes(), &mut h, &mut p, &mut c)?;
        Ok(Tables {
            households: String::from_utf8(h)?,
            persons: String::from_utf8(p)?,
            cases: String::from_utf8(c)?,
            counts,
        })
    }

    fn config(households: u64, bad_row_rate: f64) -> SynthConfig {
        SynthConfig { households, bad_row_rate, ..SynthConfig::default() }
    }

    // Independent checkers, written from spec section 7.

    fn digits(s: &str) -> bool {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
    }

    /// `^[0-9]+(\.[0-9]{1,2})?$`, as fen.
    fn money(s: &str) -> Option<u64> {
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i, f),
            None => (s, ""),
        };
        if !digits(int) || (s.contains('.') && !(digits(frac) && frac.len() <= 2)) {
            return None;
        }
        let cents = match frac.len() {
            0 => 0,
            1 => frac.parse::<u64>().ok()? * 10,
            _ => frac.parse::<u64>().ok()?,
        };
        Some(int.parse::<u64>().ok()? * 100 + cents)
    }

    fn boolean(s: &str) -> Option<bool> {
        match s {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }

    /// A real `YYYY-MM-DD` day.
    fn date(s: &str) -> Option<(i64, u32, u32)> {
        let b = s.as_bytes();
        if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
            return None;
        }
        let (y, m, d) = (s.get(0..4)?, s.get(5..7)?, s.get(8..10)?);
        if !(digits(y) && digits(m) && digits(d)) {
            return None;
        }
        let (y, m, d): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let len = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        let max = *len.get(usize::try_from(m).ok()?.checked_sub(1)?)?;
        (d >= 1 && d <= max).then_some((y, m, d))
    }

    /// Spec section 1: full years, a 29 February birthday falling on 1 March in other years.
    fn age(birth: (i64, u32, u32), on: (i64, u32, u32)) -> i64 {
        let (by, bm, bd) = birth;
        let (y, m, d) = on;
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let anniversary = if bm == 2 && bd == 29 && !leap { (3, 1) } else { (bm, bd) };
        y - by - i64::from((m, d) < anniversary)
    }

    fn id(s: &str, prefix: char, width: usize) -> bool {
        s.strip_prefix(prefix).is_some_and(|rest| rest.len() >= width && digits(rest))
    }

    fn rows(text: &str) -> impl Iterator<Item = Vec<&str>> {
        text.lines().skip(1).map(|l| l.split(',').collect())
    }

    const AS_OF: (i64, u32, u32) = (2019, 7, 1);

    #[test]
    fn same_seed_same_bytes() -> TestResult {
        let c = SynthConfig { bad_row_rate: 0.02, ..config(3_000, 0.0) };
        let a = run(&c)?;
        let b = run(&c)?;
        assert!(a.households == b.households && a.persons == b.persons && a.cases == b.cases);
        assert_eq!(a.counts, b.counts);
        let other = run(&SynthConfig { seed: 7, ..c })?;
        assert_ne!(a.persons, other.persons);
        Ok(())
    }

    #[test]
    fn rows_match_the_spec_formats() -> TestResult {
        let t = run(&config(10_000, 0.0))?;
        assert_eq!(t.households.lines().next(), Some(HOUSEHOLDS_HEADER));
        assert_eq!(t.persons.lines().next(), Some(PERSONS_HEADER));
        assert_eq!(t.cases.lines().next(), Some(CASES_HEADER));
        let counties: HashSet<String> = codes().into_iter().collect();
        let mut hids = Vec::new();
        for r in rows(&t.households) {
            assert_eq!(r.len(), 12, "{r:?}");
            let [hid, county, village, income, b1, b2, b3, prev, b4, months, b5, b6] = r.as_slice() else {
                return Err("household row".into());
            };
            assert!(id(hid, 'H', 7), "{hid}");
            assert!(counties.contains(*county), "{county}");
            assert!(village.ends_with('村') && !village.contains(['"', ' ']));
            assert!(money(income).is_some() && money(prev).is_some(), "{income} {prev}");
            assert!([b1, b2, b3, b4, b5, b6].iter().all(|b| boolean(b).is_some()));
            assert!(digits(months) && months.parse::<u32>()? <= 24);
            hids.push(hid.to_string());
        }
        assert_eq!(hids.len() as u64, t.counts.households);
        let hid_set: HashSet<&String> = hids.iter().collect();
        assert_eq!(hid_set.len(), hids.len(), "household ids are unique");

        let mut pids = HashSet::new();
        let mut heads: HashMap<String, u32> = HashMap::new();
        let mut order = Vec::new();
        let mut persons = 0;
        for r in rows(&t.persons) {
            assert_eq!(r.len(), 18, "{r:?}");
            let [pid, hid, name, is_head, birth, grade, ill, labor, care, rest @ ..] = r.as_slice() else {
                return Err("person row".into());
            };
            assert!(id(pid, 'P', 8) && pids.insert(pid.to_string()), "{pid}");
            assert!(hid_set.contains(&hid.to_string()), "{hid}");
            let chars = name.chars().count();
            assert!((2..=4).contains(&chars) && !name.contains(['"', ' ', ',']), "{name}");
            let birth = date(birth).ok_or("birth date")?;
            assert!(birth <= AS_OF && age(birth, AS_OF) <= 105);
            assert!(digits(grade) && grade.parse::<u8>()? <= 4);
            assert!(["full", "partial", "none"].contains(labor) && ["full", "semi", "none"].contains(care));
            let [income, supporter, lactating, spm, student, orphan, placement, left, privacy] = rest else {
                return Err("person row tail".into());
            };
            assert!(
                [is_head, ill, income, supporter, lactating, spm, student, left, privacy]
                    .iter()
                    .all(|b| boolean(b).is_some())
            );
            assert!(["none", "orphan", "de_facto"].contains(orphan) && ["home", "institution"].contains(placement));
            *heads.entry(hid.to_string()).or_default() += u32::from(*is_head == "true");
            if order.last() != Some(&hid.to_string()) {
                order.push(hid.to_string());
            }
            persons += 1;
        }
        assert_eq!(persons, t.counts.persons);
        assert_eq!(order, hids, "persons grouped by household, in household order");
        assert!(hids.iter().all(|h| heads.get(h) == Some(&1)), "exactly one head per household");
        let mean = persons as f64 / hids.len() as f64;
        assert!((3.3..=3.8).contains(&mean), "mean household size {mean}");

        let mut cases = 0;
        for r in rows(&t.cases) {
            let [cid, hid, amount, urgent] = r.as_slice() else { return Err("case row".into()) };
            assert!(id(cid, 'C', 7) && hid_set.contains(&hid.to_string()));
            let fen = money(amount).ok_or("amount")?;
            assert!((10_000..=5_000_000).contains(&fen), "{amount}");
            assert!(boolean(urgent).is_some());
            cases += 1;
        }
        assert_eq!(cases, t.counts.cases);
        assert!((400..=700).contains(&cases), "{cases} cases");
        assert_eq!(t.counts.injected_total(), 0);
        assert_eq!(t.counts.expected_rejected_households + t.counts.expected_rejected_persons, 0);
        Ok(())
    }

    struct P {
        age: i64,
        grade: u32,
        ill: bool,
        labor: String,
        care: String,
        income: bool,
        supporter: bool,
        orphan: String,
        institution: bool,
        head: bool,
        flags: [bool; 5],
        feb29: bool,
    }

    impl P {
        fn orphan(&self) -> bool {
            self.orphan != "none" && self.age < 18
        }
        fn tekun(&self) -> bool {
            self.labor == "none"
                && !self.income
                && !self.supporter
                && !self.orphan()
                && (self.age >= 60 || self.age < 16 || (1..=3).contains(&self.grade))
        }
    }

    fn tally(map: &mut HashMap<String, u64>, key: &str) {
        *map.entry(key.to_string()).or_default() += 1;
    }

    /// Every category that drives a status or a payment occurs, in meaningful numbers.
    #[test]
    fn every_category_occurs_in_10000_households() -> TestResult {
        let t = run(&config(10_000, 0.0))?;
        let mut people: HashMap<String, Vec<P>> = HashMap::new();
        for r in rows(&t.persons) {
            let f = |i: usize| r.get(i).copied().unwrap_or("");
            let b = |i: usize| f(i) == "true";
            let birth = date(f(4)).ok_or("date")?;
            people.entry(f(1).to_string()).or_default().push(P {
                age: age(birth, AS_OF),
                grade: f(5).parse()?,
                ill: b(6),
                labor: f(7).to_string(),
                care: f(8).to_string(),
                income: b(9),
                supporter: b(10),
                orphan: f(14).to_string(),
                institution: f(15) == "institution",
                head: b(3),
                flags: [b(11), b(12), b(13), b(16), b(17)],
                feb29: birth.1 == 2 && birth.2 == 29,
            });
        }
        let mut n: HashMap<String, u64> = HashMap::new();
        for r in rows(&t.households) {
            let f = |i: usize| r.get(i).copied().unwrap_or("");
            let b = |i: usize| f(i) == "true";
            let members = people.get(f(0)).ok_or("members")?;
            let county = f(1);
            let monthly = (dibao_standard_yuan(county, 2019) * 200 + 12) / 24;
            let income = money(f(3)).ok_or("income")?;
            let n_dibao = members.iter().filter(|p| !p.tekun()).count() as i64;
            let gap = monthly as i64 * n_dibao - ((income + 6) / 12) as i64;
            let disabled = members.iter().any(|p| p.grade > 0);
            let limit = if disabled { 18 } else { 12 };
            let candidate = members.iter().any(|p| {
                !p.tekun() && ((1..=2).contains(&p.grade) || p.ill) && ["partial", "none"].contains(&p.labor.as_str())
            });
            let status = if n_dibao > 0 && gap > 0 {
                "full"
            } else if n_dibao > 0 && b(6) && b(4) && b(8) && f(9).parse::<i64>()? <= limit {
                "gradual_exit"
            } else if b(4) && !b(5) && candidate {
                "single_person"
            } else {
                "none"
            };
            tally(&mut n, status);
            if gap == 0 {
                tally(&mut n, "gap_exactly_0");
            }
            if gap.abs() == 1 {
                tally(&mut n, "gap_plus_minus_1_fen");
            }
            tally(&mut n, &format!("size_{}", members.len()));
            if members.iter().any(P::tekun) {
                tally(&mut n, "tekun_household");
            }
            for p in members {
                tally(&mut n, &format!("grade_{}", p.grade));
                tally(&mut n, &format!("self_care_{}", p.care));
                tally(&mut n, &format!("labor_{}", p.labor));
                if p.tekun() {
                    tally(&mut n, "tekun");
                    tally(&mut n, &format!("tekun_self_care_{}", p.care));
                    if p.care == "none" && p.institution {
                        tally(&mut n, "tekun_none_institution");
                    }
                    for (lo, hi, name) in
                        [(0, 15, "tekun_child"), (16, 59, "tekun_disabled_adult"), (60, 200, "tekun_elder")]
                    {
                        if (lo..=hi).contains(&p.age) {
                            tally(&mut n, name);
                        }
                    }
                }
                if p.orphan() {
                    tally(&mut n, &format!("{}_{}", p.orphan, if p.institution { "institution" } else { "home" }));
                }
                if p.orphan != "none" && p.age >= 18 {
                    tally(&mut n, "aged_out_orphan");
                }
                for (min, name) in [(70, "age_70"), (80, "age_80"), (90, "age_90"), (100, "age_100")] {
                    if p.age >= min {
                        tally(&mut n, name);
                    }
                }
                if p.age < 18 {
                    tally(&mut n, "minor");
                }
                if p.ill {
                    tally(&mut n, "serious_illness");
                }
                for (flag, name) in
                    p.flags.iter().zip(["lactating", "single_parent_minor", "student", "left_behind", "privacy"])
                {
                    if *flag {
                        tally(&mut n, name);
                    }
                }
                if p.flags[1] && p.age >= 18 {
                    tally(&mut n, "single_parent_flag_adult");
                }
                if p.head && p.flags[4] {
                    tally(&mut n, "privacy_head");
                }
                if p.head && p.age < 18 {
                    tally(&mut n, "minor_head");
                }
                if p.feb29 {
                    tally(&mut n, "born_29_february");
                }
            }
        }
        for r in rows(&t.cases) {
            let fen = money(r.get(2).copied().unwrap_or("")).ok_or("amount")?;
            let level = match fen {
                0..=100_000 => "township",
                100_001..=2_000_000 => "county",
                _ => "joint_meeting",
            };
            tally(&mut n, level);
            if [100_000, 200_000, 2_000_000].contains(&fen) {
                tally(&mut n, "amount_at_a_limit");
            }
            if fen > 100_000 && fen <= 200_000 {
                tally(&mut n, "between_1000_and_2000");
            }
            if r.get(3) == Some(&"true") {
                tally(&mut n, "urgent");
            }
        }
        let mut report: Vec<_> = n.iter().collect();
        report.sort();
        println!("{report:#?}");
        let required: &[(&str, u64)] = &[
            ("full", 1000),
            ("gradual_exit", 50),
            ("single_person", 50),
            ("none", 1000),
            ("gap_exactly_0", 20),
            ("gap_plus_minus_1_fen", 20),
            ("tekun", 200),
            ("tekun_child", 10),
            ("tekun_disabled_adult", 10),
            ("tekun_elder", 100),
            ("tekun_self_care_full", 30),
            ("tekun_self_care_semi", 30),
            ("tekun_self_care_none", 30),
            ("tekun_none_institution", 10),
            ("self_care_full", 1000),
            ("self_care_semi", 200),
            ("self_care_none", 100),
            ("labor_full", 1000),
            ("labor_partial", 1000),
            ("labor_none", 1000),
            ("orphan_home", 20),
            ("orphan_institution", 20),
            ("de_facto_home", 20),
            ("de_facto_institution", 10),
            ("aged_out_orphan", 5),
            ("grade_0", 20_000),
            ("grade_1", 100),
            ("grade_2", 100),
            ("grade_3", 100),
            ("grade_4", 100),
            ("age_70", 2000),
            ("age_80", 500),
            ("age_90", 100),
            ("age_100", 10),
            ("minor", 5000),
            ("serious_illness", 300),
            ("lactating", 100),
            ("student", 500),
            ("single_parent_minor", 300),
            ("single_parent_flag_adult", 5),
            ("left_behind", 1000),
            ("privacy", 300),
            ("privacy_head", 50),
            ("minor_head", 20),
            ("born_29_february", 15),
            ("size_1", 500),
            ("size_6", 500),
            ("township", 100),
            ("county", 100),
            ("joint_meeting", 20),
            ("amount_at_a_limit", 10),
            ("between_1000_and_2000", 50),
            ("urgent", 50),
        ];
        for (name, min) in required {
            let got = n.get(*name).copied().unwrap_or(0);
            assert!(got >= *min, "{name}: {got} < {min}");
        }
        Ok(())
    }

    /// A validator written from spec section 7 rejects exactly what [`SynthCounts`] predicts.
    #[test]
    fn bad_rows_are_injected_and_counted() -> TestResult {
        let t = run(&config(10_000, 0.05))?;
        for kind in BadKind::ALL {
            assert!(t.counts.injected_of(kind) >= 10, "{}: {}", kind.name(), t.counts.injected_of(kind));
        }
        let total = t.counts.injected_total();
        assert!((380..=620).contains(&total), "{total} injected");
        let counties: HashSet<String> = codes().into_iter().collect();

        // Households: own fields, duplicated ids.
        let households: Vec<Vec<&str>> = rows(&t.households).collect();
        let mut hid_count: HashMap<&str, u32> = HashMap::new();
        for r in &households {
            *hid_count.entry(r.first().copied().unwrap_or("")).or_default() += 1;
        }
        let mut bad_hid: HashSet<&str> = HashSet::new();
        for r in &households {
            let f = |i: usize| r.get(i).copied().unwrap_or("");
            let ok = r.len() == 12
                && counties.contains(f(1))
                && money(f(3)).is_some()
                && money(f(7)).is_some()
                && [4, 5, 6, 8, 10, 11].iter().all(|&i| boolean(f(i)).is_some())
                && digits(f(9));
            if !ok || hid_count.get(f(0)) != Some(&1) {
                bad_hid.insert(f(0));
            }
        }
        // Persons: fields, birth after as_of, duplicated person ids, heads, members.
        let persons: Vec<Vec<&str>> = rows(&t.persons).collect();
        let mut pid_count: HashMap<&str, u32> = HashMap::new();
        for r in &persons {
            *pid_count.entry(r.first().copied().unwrap_or("")).or_default() += 1;
        }
        let mut heads: HashMap<&str, u32> = HashMap::new();
        let mut members: HashMap<&str, u32> = HashMap::new();
        let mut stray_persons = 0;
        for r in &persons {
            let f = |i: usize| r.get(i).copied().unwrap_or("");
            let hid = f(1);
            if !hid_count.contains_key(hid) {
                stray_persons += 1;
                continue;
            }
            let ok = r.len() == 18
                && date(f(4)).is_some_and(|d| d <= AS_OF)
                && digits(f(5))
                && f(5).parse::<u8>().is_ok_and(|g| g <= 4)
                && ["full", "partial", "none"].contains(&f(7))
                && ["full", "semi", "none"].contains(&f(8))
                && ["none", "orphan", "de_facto"].contains(&f(14))
                && ["home", "institution"].contains(&f(15))
                && [3, 6, 9, 10, 11, 12, 13, 16, 17].iter().all(|&i| boolean(f(i)).is_some());
            if !ok || pid_count.get(f(0)) != Some(&1) {
                bad_hid.insert(hid);
            }
            *members.entry(hid).or_default() += 1;
            *heads.entry(hid).or_default() += u32::from(f(3) == "true");
        }
        for r in &households {
            let hid = r.first().copied().unwrap_or("");
            if heads.get(hid) != Some(&1) || !members.contains_key(hid) {
                bad_hid.insert(hid);
            }
        }
        let rejected_households = households.iter().filter(|r| r.first().is_some_and(|h| bad_hid.contains(h))).count();
        let rejected_persons =
            stray_persons + persons.iter().filter(|r| r.get(1).is_some_and(|h| bad_hid.contains(h))).count();
        let rejected_cases = rows(&t.cases)
            .filter(|r| r.get(1).is_none_or(|h| bad_hid.contains(h) || !hid_count.contains_key(h)))
            .count();
        assert_eq!(rejected_households as u64, t.counts.expected_rejected_households);
        assert_eq!(rejected_persons as u64, t.counts.expected_rejected_persons);
        assert_eq!(rejected_cases as u64, t.counts.expected_rejected_cases);
        assert_eq!(households.len() as u64, t.counts.households);
        assert_eq!(persons.len() as u64, t.counts.persons);
        // Spot checks of the literal forms.
        assert!(t.households.contains(",2019-") || t.persons.contains("-02-30") || t.persons.contains("-04-31"));
        assert!(!t.persons.contains('"') && !t.households.contains('"'));
        Ok(())
    }

    #[test]
    fn county_codes_come_from_the_first_column() {
        let csv = "\u{feff}county_code,county_name,city_code\r\n610102,新城区,610100\r\n\"610103\",碑林区,610100\n\n";
        assert_eq!(county_codes_from_csv(csv), ["610102", "610103"]);
        let full: String = std::iter::once("county_code,county_name\n".to_string())
            .chain(codes().iter().map(|c| format!("{c},x\n")))
            .collect();
        assert_eq!(county_codes_from_csv(&full).len(), 107);
    }

    #[test]
    fn bad_configs_are_refused() {
        let sink = || io::sink();
        let c = config(10, 0.0);
        assert!(generate(&c, &[], sink(), sink(), sink()).is_err());
        assert!(generate(&c, &["61,01".to_string()], sink(), sink(), sink()).is_err());
        assert!(
            generate(&SynthConfig { as_of: (2019, 2, 29), ..c.clone() }, &codes(), sink(), sink(), sink()).is_err()
        );
        assert!(generate(&SynthConfig { bad_row_rate: 1.5, ..c.clone() }, &codes(), sink(), sink(), sink()).is_err());
        assert!(generate(&SynthConfig { case_rate: f64::NAN, ..c.clone() }, &codes(), sink(), sink(), sink()).is_err());
        assert!(generate(&SynthConfig { as_of: (2020, 2, 29), ..c }, &codes(), sink(), sink(), sink()).is_ok());
    }

    /// Ages are exact on any as_of, 29 February included.
    #[test]
    fn ages_hit_their_target_on_a_leap_day() -> TestResult {
        for as_of in [(2020, 2, 29), (2019, 2, 28), (2019, 3, 1), (2018, 12, 31)] {
            let all = codes();
            let ctx = Ctx::new(&SynthConfig { as_of, ..config(1, 0.0) }, &all)?;
            let on = (i64::from(as_of.0), as_of.1, as_of.2);
            let mut rng = Rng::new(1, 1);
            for target in 0..=105u32 {
                for _ in 0..200 {
                    let birth = civil_from_days(ctx.birth_for_age(&mut rng, target));
                    assert_eq!(age(birth, on), i64::from(target), "{birth:?} on {as_of:?}");
                }
            }
        }
        Ok(())
    }
}
