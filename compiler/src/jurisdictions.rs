//! The jurisdictions table: `jurisdictions.csv` text checked against the program's schema.

use crate::tir::Word;

/// Every county of the province with its attributes, in file order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JurisdictionTable {
    /// Counties in file order; a county's index here is its county word.
    pub counties: Vec<County>,
    /// Texts of text attributes; jurisdiction text handles index this table.
    pub texts: Vec<String>,
}

/// One county-level unit.
#[derive(Debug, Clone, PartialEq)]
pub struct County {
    /// Its code (the key column).
    pub code: String,
    /// The code of its city (the city column).
    pub city: String,
    /// One word per attribute of [`crate::tir::JurisdictionSchema::attrs`].
    pub attrs: Vec<Word>,
    /// Its line in `jurisdictions.csv` (the header is line 1).
    pub line: usize,
}

impl JurisdictionTable {
    /// The index of a county code.
    pub fn index_of(&self, code: &str) -> Option<usize> {
        self.counties.iter().position(|county| county.code == code)
    }

    /// Whether `code` is the code of a city of some county.
    pub fn is_city(&self, code: &str) -> bool {
        self.counties.iter().any(|county| county.city == code)
    }
}
