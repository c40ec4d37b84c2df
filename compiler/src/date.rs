//! Calendar dates as day numbers, and ages in full years (周岁).
//!
//! A date word is the number of days since 1970-01-01 in the proleptic Gregorian calendar.

use crate::tir::Word;

/// Whether `year` is a leap year.
pub fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The number of days in a month, or `None` for a month outside 1–12.
pub fn days_in_month(year: i64, month: u32) -> Option<u32> {
    Some(match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => return None,
    })
}

/// The day number of a real calendar day, or `None` if there is no such day.
pub fn from_ymd(year: i64, month: u32, day: u32) -> Option<Word> {
    if day == 0 || day > days_in_month(year, month)? || !(1..=9999).contains(&year) {
        return None;
    }
    // Days from civil (H. Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let d = i64::from(day);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// Day numbers are clamped to this range (about ±2.7 million years) before calendar arithmetic,
/// so that every word has a calendar day and no computation overflows.
const DAY_LIMIT: Word = 1_000_000_000;

/// The year, month and day of a day number (clamped to ±[`DAY_LIMIT`]).
pub fn to_ymd(days: Word) -> (i64, u32, u32) {
    let z = days.clamp(-DAY_LIMIT, DAY_LIMIT) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Parses exactly `YYYY-MM-DD` (a real day); nothing else is accepted.
pub fn parse_iso(text: &str) -> Option<Word> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        if !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let year = digits(0..4)?;
    let month = u32::try_from(digits(5..7)?).ok()?;
    let day = u32::try_from(digits(8..10)?).ok()?;
    from_ymd(year, month, day)
}

/// Formats a day number as `YYYY-MM-DD`.
pub fn format_iso(days: Word) -> String {
    let (year, month, day) = to_ymd(days);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Full years from `from` to `to`, counted from the anniversary itself; someone born on
/// 29 February has their anniversary on 1 March in years without one. When `to` is before
/// `from` the count goes on downwards the same way: the year difference, less one while the
/// anniversary of `from` in `to`'s year is still to come (someone born on 2018-01-15 is -2 on
/// 2017-01-01 and -1 on 2017-01-15), which is OpenFisca's country-template `age` of a person
/// not yet born; `years_between(a, b) + years_between(b, a)` is 0 or -1.
pub fn years_between(from: Word, to: Word) -> Word {
    let (from, to) = (from.clamp(-DAY_LIMIT, DAY_LIMIT), to.clamp(-DAY_LIMIT, DAY_LIMIT));
    let (y1, m1, d1) = to_ymd(from);
    let (y2, m2, d2) = to_ymd(to);
    let mut years = y2 - y1;
    // (m2, d2) < (m1, d1) means the anniversary has not come yet this year. For 29 February in
    // a year without it, 28 February is before (2, 29) and 1 March is not: the anniversary is
    // on 1 March, as `policies/shaanxi/README.md` ("Numbers and time") says.
    if (m2, d2) < (m1, d1) {
        years -= 1;
    }
    years
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Word {
        parse_iso(text).unwrap_or(Word::MIN)
    }

    #[test]
    fn round_trips_and_rejects_unreal_days() {
        for text in ["1970-01-01", "2000-02-29", "2019-07-01", "1900-03-01", "0001-01-01"] {
            assert_eq!(format_iso(day(text)), text);
        }
        assert_eq!(parse_iso("2019-02-29"), None);
        assert_eq!(parse_iso("2019-13-01"), None);
        assert_eq!(parse_iso("2019-7-01"), None);
        assert_eq!(parse_iso(" 2019-07-01"), None);
        assert_eq!(parse_iso("2019-04-31"), None);
        assert_eq!(day("1970-01-01"), 0);
    }

    #[test]
    fn ages_follow_the_spec() {
        assert_eq!(years_between(day("2002-07-01"), day("2019-06-30")), 16);
        assert_eq!(years_between(day("2002-07-01"), day("2019-07-01")), 17);
        assert_eq!(years_between(day("2016-02-29"), day("2018-02-28")), 1);
        assert_eq!(years_between(day("2016-02-29"), day("2018-03-01")), 2);
        assert_eq!(years_between(day("2016-02-29"), day("2020-02-29")), 4);
        assert_eq!(years_between(day("2016-02-29"), day("2020-02-28")), 3);
    }

    #[test]
    fn before_the_first_day_the_count_goes_on_downwards() {
        assert_eq!(years_between(day("2018-01-15"), day("2017-01-01")), -2);
        assert_eq!(years_between(day("2018-01-15"), day("2017-01-15")), -1);
        assert_eq!(years_between(day("2017-03-10"), day("2017-01-01")), -1);
        assert_eq!(years_between(day("2017-01-01"), day("2017-01-01")), 0);
        assert_eq!(years_between(day("2016-02-29"), day("2015-03-01")), -1);
        assert_eq!(years_between(day("2016-02-29"), day("2015-02-28")), -2);
    }

    #[test]
    fn every_word_has_an_age_without_overflow() {
        for (from, to) in [(Word::MIN, Word::MAX), (Word::MAX, Word::MIN), (0, Word::MAX), (Word::MIN, 0)] {
            let sum = years_between(from, to) + years_between(to, from);
            assert!(sum == 0 || sum == -1, "{from} {to}: {sum}");
        }
    }
}
