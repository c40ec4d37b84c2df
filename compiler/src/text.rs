//! Text values as handles.
//!
//! Both engines carry text as a [`Word`] handle, never as a string, so that their results
//! compare bit for bit. A handle says where the text lives and whether it is masked:
//!
//! ```text
//! bit 62      masked (mask(t) sets it; masking twice is masking once)
//! bits 60–61  origin: 0 program literal, 1 batch text, 2 jurisdiction text
//! bits 0–31   index in that origin's table
//! ```

use crate::tir::Word;

/// Where a text lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextOrigin {
    /// `Program::texts`.
    Literal,
    /// The batch's text table (input cells).
    Batch,
    /// The jurisdiction table's texts.
    Jurisdiction,
}

/// A decoded text handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TextHandle {
    /// Which table.
    pub origin: TextOrigin,
    /// Index in it.
    pub index: u32,
    /// Whether the text is shown masked.
    pub masked: bool,
}

/// The masked bit.
pub const MASK_BIT: Word = 1 << 62;
const ORIGIN_SHIFT: u32 = 60;

impl TextHandle {
    /// An unmasked handle.
    pub fn new(origin: TextOrigin, index: u32) -> TextHandle {
        TextHandle { origin, index, masked: false }
    }

    /// The word for this handle.
    pub fn to_word(self) -> Word {
        let origin: Word = match self.origin {
            TextOrigin::Literal => 0,
            TextOrigin::Batch => 1,
            TextOrigin::Jurisdiction => 2,
        };
        let masked = if self.masked { MASK_BIT } else { 0 };
        masked | (origin << ORIGIN_SHIFT) | Word::from(self.index)
    }

    /// The handle a word holds (any word decodes; an unknown origin reads as a literal).
    pub fn from_word(word: Word) -> TextHandle {
        let origin = match (word >> ORIGIN_SHIFT) & 3 {
            1 => TextOrigin::Batch,
            2 => TextOrigin::Jurisdiction,
            _ => TextOrigin::Literal,
        };
        TextHandle { origin, index: (word & 0xFFFF_FFFF) as u32, masked: word & MASK_BIT != 0 }
    }
}

/// `mask(t)` on a handle word.
pub fn mask_word(word: Word) -> Word {
    word | MASK_BIT
}

/// Texts stored end to end in one buffer, each reached by its index: a batch's input texts.
/// Storing one copies its bytes and its end, with no allocation of its own, and a table
/// cleared for the next batch keeps its room.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextTable {
    bytes: String,
    /// Where each text ends in `bytes` (it starts where the one before ends).
    ends: Vec<usize>,
}

/// A table with no text (for [`TextTables`] of no batch).
pub static NO_TEXTS: TextTable = TextTable::new();

impl TextTable {
    /// An empty table.
    pub const fn new() -> TextTable {
        TextTable { bytes: String::new(), ends: Vec::new() }
    }

    /// Stores a text and returns its index.
    pub fn push(&mut self, text: &str) -> usize {
        self.bytes.push_str(text);
        self.ends.push(self.bytes.len());
        self.ends.len() - 1
    }

    /// Stores a text of a batch and returns its handle ([`TextOrigin::Batch`]).
    pub fn push_handle(&mut self, text: &str) -> Word {
        let index = self.push(text);
        // A handle holds 32 bits of index: a batch of more texts than that (never: batches are
        // chunks of thousands of rows) would show the later ones as empty.
        TextHandle::new(TextOrigin::Batch, u32::try_from(index).unwrap_or(u32::MAX)).to_word()
    }

    /// Text `index`, if there is one.
    pub fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)?;
        let start = match index.checked_sub(1) {
            Some(before) => *self.ends.get(before)?,
            None => 0,
        };
        self.bytes.get(start..end)
    }

    /// Number of texts.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there is no text.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Removes every text, keeping the room.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }
}

impl<S: AsRef<str>> FromIterator<S> for TextTable {
    fn from_iter<I: IntoIterator<Item = S>>(texts: I) -> TextTable {
        let mut table = TextTable::new();
        for text in texts {
            table.push(text.as_ref());
        }
        table
    }
}

/// The three tables a handle can point into.
#[derive(Debug, Clone, Copy)]
pub struct TextTables<'a> {
    /// Program literals.
    pub literals: &'a [String],
    /// The batch's input texts.
    pub batch: &'a TextTable,
    /// Jurisdiction texts.
    pub jurisdiction: &'a [String],
}

impl<'a> TextTables<'a> {
    /// The raw (unmasked) text of a handle; empty for a dangling index.
    pub fn raw(&self, word: Word) -> &'a str {
        let handle = TextHandle::from_word(word);
        let index = handle.index as usize;
        match handle.origin {
            TextOrigin::Literal => self.literals.get(index).map_or("", String::as_str),
            TextOrigin::Batch => self.batch.get(index).unwrap_or(""),
            TextOrigin::Jurisdiction => self.jurisdiction.get(index).map_or("", String::as_str),
        }
    }

    /// The text as shown: masked when the handle says so.
    pub fn render(&self, word: Word) -> std::borrow::Cow<'a, str> {
        let raw = self.raw(word);
        if TextHandle::from_word(word).masked {
            std::borrow::Cow::Owned(mask(raw))
        } else {
            std::borrow::Cow::Borrowed(raw)
        }
    }

    /// Whether two handles show the same text.
    pub fn equal(&self, a: Word, b: Word) -> bool {
        self.render(a) == self.render(b)
    }
}

/// Keeps the first code point and replaces every other by `*` (王建国 → 王**).
pub fn mask(text: &str) -> String {
    let mut chars = text.chars();
    let mut out = String::with_capacity(text.len());
    if let Some(first) = chars.next() {
        out.push(first);
    }
    out.extend(chars.map(|_| '*'));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_table_gives_back_each_text_and_keeps_its_room() {
        let mut table: TextTable = ["王建国", "", "H0001"].into_iter().collect();
        assert_eq!((table.len(), table.get(2)), (3, Some("H0001")));
        assert_eq!((table.get(0), table.get(1), table.get(3)), (Some("王建国"), Some(""), None));
        let handle = table.push_handle("李四");
        let tables = TextTables { literals: &[], batch: &table, jurisdiction: &[] };
        assert_eq!((tables.raw(handle), tables.render(mask_word(handle)).as_ref()), ("李四", "李*"));
        let room = table.bytes.capacity();
        table.clear();
        assert!(table.is_empty() && table.get(0).is_none() && table.bytes.capacity() == room);
        assert_eq!(NO_TEXTS.len(), 0);
    }

    #[test]
    fn masks_code_points() {
        assert_eq!(mask("王建国"), "王**");
        assert_eq!(mask("李四"), "李*");
        assert_eq!(mask("A"), "A");
        assert_eq!(mask(""), "");
    }

    #[test]
    fn handles_round_trip() {
        for origin in [TextOrigin::Literal, TextOrigin::Batch, TextOrigin::Jurisdiction] {
            for masked in [false, true] {
                let handle = TextHandle { origin, index: 123_456, masked };
                assert_eq!(TextHandle::from_word(handle.to_word()), handle);
            }
        }
    }
}
