//! Who a record belongs to and who acts on it: validated student numbers, roster entries, staff account
//! names and PINs, and the shared rule for free text (names, notes). Pure parsing; no storage.

use serde::{Deserialize, Serialize};

use super::RecordError;

/// Upper bound for any free-text field (names, notes, departments, consent versions). Ten times the
/// longest realistic note; it bounds the database and the screens, not the characters allowed.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;

/// Checks a multi-line free-text field (a note): bounded length, no control characters other than line
/// breaks and tabs. Quotes, SQL metacharacters, emoji and path separators are all fine: storage binds
/// text as parameters and never builds paths from it.
pub fn check_text(field: &'static str, text: &str, required: bool) -> Result<(), RecordError> {
    check_chars(field, text, required, |c| matches!(c, '\n' | '\t' | '\r'))
}

/// Checks a single-line free-text field (a name, department, profile, printer or file name): like
/// [`check_text`], but line breaks and tabs are refused too, so lists and tables stay one line per row.
pub fn check_line(field: &'static str, text: &str, required: bool) -> Result<(), RecordError> {
    check_chars(field, text, required, |_| false)
}

fn check_chars(
    field: &'static str,
    text: &str,
    required: bool,
    allowed_control: fn(char) -> bool,
) -> Result<(), RecordError> {
    if required && text.trim().is_empty() {
        return Err(RecordError::Empty { field });
    }
    if text.len() > MAX_TEXT_BYTES {
        return Err(RecordError::TooLong {
            field,
            len_bytes: text.len(),
            max_bytes: MAX_TEXT_BYTES,
        });
    }
    if let Some(c) = text
        .chars()
        .find(|&c| c.is_control() && !allowed_control(c))
    {
        return Err(RecordError::ControlChar {
            field,
            code: u32::from(c),
        });
    }
    Ok(())
}

/// The campus's student-number format, from config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudentNoRule {
    /// Fewest characters after trimming.
    pub min_len: usize,
    /// Most characters after trimming.
    pub max_len: usize,
    /// Only 0-9; otherwise ASCII letters, digits, '-' and '_' are accepted (letters are upper-cased).
    pub digits_only: bool,
}

impl Default for StudentNoRule {
    /// Permissive enough for every numbering scheme seen at Chinese universities (8-13 digits, some with a
    /// letter prefix); a campus narrows it in kiosk.toml.
    fn default() -> Self {
        Self {
            min_len: 4,
            max_len: 20,
            digits_only: false,
        }
    }
}

/// What is wrong with a typed or imported student number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StudentNoProblem {
    Empty,
    TooShort {
        min_len: usize,
    },
    TooLong {
        max_len: usize,
    },
    /// A space, tab, line break or other separator inside the number.
    Separator(char),
    ControlChar(char),
    /// A character outside the configured charset.
    NotAllowed(char),
}

impl StudentNoProblem {
    /// The message shown to a student at the booth.
    pub fn message_zh(self) -> String {
        match self {
            Self::Empty => "请输入学号".to_owned(),
            Self::TooShort { min_len } => format!("学号至少 {min_len} 位"),
            Self::TooLong { max_len } => format!("学号最多 {max_len} 位"),
            Self::Separator(_) => "学号中不能有空格或分隔符".to_owned(),
            Self::ControlChar(_) | Self::NotAllowed(_) => "学号含有不允许的字符".to_owned(),
        }
    }
}

impl std::fmt::Display for StudentNoProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Empty => f.write_str("empty"),
            Self::TooShort { min_len } => write!(f, "shorter than {min_len} characters"),
            Self::TooLong { max_len } => write!(f, "longer than {max_len} characters"),
            Self::Separator(c) => write!(f, "contains the separator {c:?}"),
            Self::ControlChar(c) => {
                write!(f, "contains the control character U+{:04X}", u32::from(*c))
            }
            Self::NotAllowed(c) => write!(f, "contains {c:?}, which is not allowed"),
        }
    }
}

/// A student number that passed the campus rule: trimmed, full-width forms folded to ASCII, letters
/// upper-cased, no spaces, separators or control characters. Safe as a key and in file names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct StudentNo(String);

impl StudentNo {
    /// Parses typed, scanned or imported input against the campus rule.
    pub fn parse(input: &str, rule: StudentNoRule) -> Result<Self, RecordError> {
        let fail = |problem| RecordError::StudentNo {
            input: input.to_owned(),
            problem,
        };
        let folded: String = input.trim().chars().map(fold_full_width).collect();
        if folded.is_empty() {
            return Err(fail(StudentNoProblem::Empty));
        }
        for c in folded.chars() {
            if c.is_control() {
                return Err(fail(StudentNoProblem::ControlChar(c)));
            }
            if c.is_whitespace() || is_separator(c) {
                return Err(fail(StudentNoProblem::Separator(c)));
            }
            let allowed = c.is_ascii_digit()
                || (!rule.digits_only && (c.is_ascii_alphabetic() || c == '-' || c == '_'));
            if !allowed {
                return Err(fail(StudentNoProblem::NotAllowed(c)));
            }
        }
        let len = folded.chars().count();
        if len < rule.min_len {
            return Err(fail(StudentNoProblem::TooShort {
                min_len: rule.min_len,
            }));
        }
        if len > rule.max_len {
            return Err(fail(StudentNoProblem::TooLong {
                max_len: rule.max_len,
            }));
        }
        Ok(Self(folded.to_ascii_uppercase()))
    }

    /// Wraps a number read back from the store, where only parsed numbers are ever written.
    pub(crate) fn from_stored(stored: String) -> Self {
        Self(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for StudentNo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Full-width ASCII variants (U+FF01..U+FF5E, typed by Chinese input methods or pasted from spreadsheets)
/// map to ASCII by a fixed offset (Unicode Halfwidth and Fullwidth Forms block).
fn fold_full_width(c: char) -> char {
    const FULL_WIDTH_FIRST: u32 = 0xFF01;
    const FULL_WIDTH_LAST: u32 = 0xFF5E;
    const FULL_TO_ASCII_OFFSET: u32 = 0xFEE0;
    let code = u32::from(c);
    if (FULL_WIDTH_FIRST..=FULL_WIDTH_LAST).contains(&code) {
        char::from_u32(code - FULL_TO_ASCII_OFFSET).unwrap_or(c)
    } else if c == '\u{3000}' {
        ' '
    } else {
        c
    }
}

/// Characters that separate fields or paths; never part of a number even when the charset is widened.
fn is_separator(c: char) -> bool {
    matches!(
        c,
        '/' | '\\' | ',' | ';' | ':' | '|' | '.' | '、' | '，' | '；'
    )
}

/// One student of the campus roster, as imported from the registrar's CSV.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RosterEntry {
    pub student_no: StudentNo,
    pub name: String,
    pub department: String,
    /// Whether the student may have a photo taken (enrolled, fee paid...).
    pub eligible: bool,
}

impl RosterEntry {
    /// Validates name and department as free text; the name is required.
    pub fn new(
        student_no: StudentNo,
        name: &str,
        department: &str,
        eligible: bool,
    ) -> Result<Self, RecordError> {
        let name = name.trim();
        let department = department.trim();
        check_line("name", name, true)?;
        check_line("department", department, false)?;
        Ok(Self {
            student_no,
            name: name.to_owned(),
            department: department.to_owned(),
            eligible,
        })
    }
}

/// A staff account name: 1-32 ASCII letters, digits, '.', '_' or '-'.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct StaffAccount(String);

impl StaffAccount {
    const MAX_LEN: usize = 32;

    pub fn parse(input: &str) -> Result<Self, RecordError> {
        let name = input.trim();
        let ok = !name.is_empty()
            && name.len() <= Self::MAX_LEN
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if ok {
            Ok(Self(name.to_owned()))
        } else {
            Err(RecordError::StaffAccount(input.to_owned()))
        }
    }

    pub(crate) fn from_stored(stored: String) -> Self {
        Self(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for StaffAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A staff PIN as typed on the keypad. Never stored: storage keeps only its Argon2 hash. `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct StaffPin(String);

impl StaffPin {
    /// Shortest PIN: four digits, like a bank card; the lockout makes guessing impractical.
    pub const MIN_DIGITS: usize = 4;
    pub const MAX_DIGITS: usize = 12;

    pub fn parse(input: &str) -> Result<Self, RecordError> {
        let ok = (Self::MIN_DIGITS..=Self::MAX_DIGITS).contains(&input.len())
            && input.bytes().all(|b| b.is_ascii_digit());
        if ok {
            Ok(Self(input.to_owned()))
        } else {
            Err(RecordError::Pin)
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::fmt::Debug for StaffPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StaffPin(****)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGITS_8_TO_12: StudentNoRule = StudentNoRule {
        min_len: 8,
        max_len: 12,
        digits_only: true,
    };

    fn problem(input: &str, rule: StudentNoRule) -> Option<StudentNoProblem> {
        match StudentNo::parse(input, rule) {
            Err(RecordError::StudentNo { problem, .. }) => Some(problem),
            _ => None,
        }
    }

    #[test]
    fn student_numbers_are_trimmed_folded_and_upper_cased() {
        let parsed =
            StudentNo::parse("  2024010203 \n", DIGITS_8_TO_12).map(|s| s.as_str().to_owned());
        assert_eq!(parsed, Ok("2024010203".to_owned()));
        let full_width =
            StudentNo::parse("２０２４０１０２０３", DIGITS_8_TO_12).map(|s| s.as_str().to_owned());
        assert_eq!(full_width, Ok("2024010203".to_owned()));
        let lettered =
            StudentNo::parse("b2024-07", StudentNoRule::default()).map(|s| s.as_str().to_owned());
        assert_eq!(lettered, Ok("B2024-07".to_owned()));
    }

    #[test]
    fn student_numbers_reject_every_bad_shape() {
        assert_eq!(
            problem("   ", DIGITS_8_TO_12),
            Some(StudentNoProblem::Empty)
        );
        assert_eq!(
            problem("1234567", DIGITS_8_TO_12),
            Some(StudentNoProblem::TooShort { min_len: 8 })
        );
        assert_eq!(
            problem("1234567890123", DIGITS_8_TO_12),
            Some(StudentNoProblem::TooLong { max_len: 12 })
        );
        assert_eq!(
            problem("2024 0102", DIGITS_8_TO_12),
            Some(StudentNoProblem::Separator(' '))
        );
        assert_eq!(
            problem("2024\u{3000}0102", DIGITS_8_TO_12),
            Some(StudentNoProblem::Separator(' '))
        );
        assert_eq!(
            problem("2024/0102", StudentNoRule::default()),
            Some(StudentNoProblem::Separator('/'))
        );
        assert_eq!(
            problem("..\\20240102", StudentNoRule::default()),
            Some(StudentNoProblem::Separator('.'))
        );
        assert_eq!(
            problem("2024\u{7}0102", DIGITS_8_TO_12),
            Some(StudentNoProblem::ControlChar('\u{7}'))
        );
        assert_eq!(
            problem("A20240102", DIGITS_8_TO_12),
            Some(StudentNoProblem::NotAllowed('A'))
        );
        assert_eq!(
            problem("2024'0102", StudentNoRule::default()),
            Some(StudentNoProblem::NotAllowed('\''))
        );
        assert_eq!(
            problem("学号20240102", StudentNoRule::default()),
            Some(StudentNoProblem::NotAllowed('学'))
        );
        assert_eq!(
            problem("20240102😀", StudentNoRule::default()),
            Some(StudentNoProblem::NotAllowed('😀'))
        );
        assert!(
            StudentNoProblem::TooShort { min_len: 8 }
                .message_zh()
                .contains('8')
        );
    }

    #[test]
    fn free_text_keeps_metacharacters_but_not_control_characters() {
        assert_eq!(
            check_text(
                "note",
                "'; DROP TABLE records; -- 😀 ../../etc\\passwd\n\tok",
                true
            ),
            Ok(())
        );
        assert_eq!(
            check_text("note", "a\u{0}b", false),
            Err(RecordError::ControlChar {
                field: "note",
                code: 0
            })
        );
        assert_eq!(
            check_text("name", " ", true),
            Err(RecordError::Empty { field: "name" })
        );
        assert_eq!(check_text("note", "", false), Ok(()));
        assert_eq!(check_line("name", "O'Brien \"😀\" ../a\\b", true), Ok(()));
        assert_eq!(
            check_line("name", "two\nlines", true),
            Err(RecordError::ControlChar {
                field: "name",
                code: 10
            })
        );
        let long = "字".repeat(MAX_TEXT_BYTES / 3 + 1);
        assert!(matches!(
            check_text("note", &long, false),
            Err(RecordError::TooLong { .. })
        ));
    }

    #[test]
    fn staff_accounts_and_pins_are_validated() {
        assert_eq!(
            StaffAccount::parse(" li.wei_2 ").map(|a| a.to_string()),
            Ok("li.wei_2".to_owned())
        );
        for bad in ["", "li wei", "李伟", "a/b", &"x".repeat(33)] {
            assert!(StaffAccount::parse(bad).is_err(), "{bad:?}");
        }
        assert!(StaffPin::parse("0420").is_ok());
        for bad in ["123", "12345678901234", "12a4", " 1234"] {
            assert_eq!(StaffPin::parse(bad), Err(RecordError::Pin), "{bad:?}");
        }
        assert_eq!(
            format!("{:?}", StaffPin::parse("0420")),
            "Ok(StaffPin(****))"
        );
    }

    #[test]
    fn roster_entries_need_a_name() {
        let no = StudentNo::parse("20240001", DIGITS_8_TO_12);
        let Ok(no) = no else { panic!("valid number") };
        assert!(RosterEntry::new(no.clone(), "  ", "物理", true).is_err());
        let entry = RosterEntry::new(no, " 张三 ", " 物理学院 ", false);
        assert_eq!(
            entry.map(|e| (e.name, e.department)),
            Ok(("张三".to_owned(), "物理学院".to_owned()))
        );
    }
}
