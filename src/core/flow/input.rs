//! What a student or staff member can type or show at the booth, parsed into trusted types: student numbers
//! from the on-screen keypad, 学信网 image-collection codes from a QR code, staff PINs.
//!
//! Owns the flow's one error enum ([`InputError`]) with the zh/en texts the Identify and PIN screens show.
//! Touches no roster and no PIN store: those lookups are effects the shell runs.

use std::fmt;

use crate::core::locale::{Language, StudentNoFormat};

/// Shortest text accepted as an image-collection code. 学信网 采集码 are encrypted, opaque payloads (they
/// carry a unique number plus masked name and ID number: 教学服〔2022〕10号 notice, as relayed by university
/// notices), so only their shape is checked; anything this short is some other QR code.
pub const QR_CODE_MIN_CHARS: usize = 8;
/// Longest text accepted from a QR code (a version-40 QR holds at most 4296 alphanumerics; a record should
/// not carry more than this).
pub const QR_CODE_MAX_CHARS: usize = 2048;
/// Staff PIN length bounds (digits).
pub const PIN_MIN_DIGITS: usize = 4;
pub const PIN_MAX_DIGITS: usize = 12;

/// Why a typed or scanned input was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("no student number entered")]
    Empty,
    #[error("student number too short: at least {min} characters")]
    TooShort { min: usize },
    #[error("student number too long: at most {max} characters")]
    TooLong { max: usize },
    #[error("student number may contain digits only")]
    NotDigit,
    #[error("student number may contain letters and digits only")]
    NotAlphanumeric,
    #[error("control characters are not allowed")]
    ControlChar,
    #[error("QR code is not an image-collection code")]
    QrNotACode,
    /// A 学信网 image-collection code that carries no student number: records are keyed by student number
    /// (the store has no field for the opaque code), so the student types the number instead.
    #[error("image-collection code carries no student number")]
    QrNoStudentNo,
    #[error("PIN must be {PIN_MIN_DIGITS}–{PIN_MAX_DIGITS} digits")]
    PinShape,
}

impl InputError {
    /// Stable code (for the UI's tests and logs).
    pub fn as_str(self) -> &'static str {
        match self {
            InputError::Empty => "empty",
            InputError::TooShort { .. } => "too_short",
            InputError::TooLong { .. } => "too_long",
            InputError::NotDigit => "not_digit",
            InputError::NotAlphanumeric => "not_alphanumeric",
            InputError::ControlChar => "control_char",
            InputError::QrNotACode => "qr_not_a_code",
            InputError::QrNoStudentNo => "qr_no_student_no",
            InputError::PinShape => "pin_shape",
        }
    }

    /// What the screen says, in `language`.
    pub fn text(self, language: Language) -> String {
        match (self, language) {
            (InputError::Empty, Language::Zh) => "请输入学号".to_string(),
            (InputError::Empty, Language::En) => "Please enter your student number".to_string(),
            (InputError::TooShort { min }, Language::Zh) => format!("学号至少 {min} 位"),
            (InputError::TooShort { min }, Language::En) => {
                format!("A student number has at least {min} characters")
            }
            (InputError::TooLong { max }, Language::Zh) => format!("学号最多 {max} 位"),
            (InputError::TooLong { max }, Language::En) => {
                format!("A student number has at most {max} characters")
            }
            (InputError::NotDigit, Language::Zh) => "学号只能包含数字".to_string(),
            (InputError::NotDigit, Language::En) => "A student number has digits only".to_string(),
            (InputError::NotAlphanumeric | InputError::ControlChar, Language::Zh) => {
                "学号只能包含字母和数字".to_string()
            }
            (InputError::NotAlphanumeric | InputError::ControlChar, Language::En) => {
                "A student number has letters and digits only".to_string()
            }
            (InputError::QrNotACode, Language::Zh) => {
                "无法识别此二维码，请出示学信网图像采集码".to_string()
            }
            (InputError::QrNotACode, Language::En) => {
                "This QR code is not recognised: please show your CHSI image-collection code"
                    .to_string()
            }
            (InputError::QrNoStudentNo, Language::Zh) => {
                "此二维码中没有学号，请在键盘上输入学号".to_string()
            }
            (InputError::QrNoStudentNo, Language::En) => {
                "This code carries no student number: please type your number on the keypad"
                    .to_string()
            }
            (InputError::PinShape, Language::Zh) => {
                format!("PIN 为 {PIN_MIN_DIGITS}–{PIN_MAX_DIGITS} 位数字")
            }
            (InputError::PinShape, Language::En) => {
                format!("A PIN has {PIN_MIN_DIGITS}–{PIN_MAX_DIGITS} digits")
            }
        }
    }
}

/// How the booth knows who the student is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StudentKey {
    /// Typed on the keypad (or a plain student number in a QR code), valid for the configured format.
    StudentNo(String),
    /// The opaque 学信网 image-collection code, kept verbatim for the export.
    ChsiCode(String),
}

impl StudentKey {
    /// A complete student number, checked against the configured format.
    pub fn student_no(text: &str, format: &StudentNoFormat) -> Result<StudentKey, InputError> {
        let mut typed = String::new();
        for key in text.chars() {
            push_key(&mut typed, key, format)?;
        }
        check_complete(&typed, format)?;
        Ok(StudentKey::StudentNo(typed))
    }

    /// The key a QR code's text stands for: a plain student number when it is one under the configured
    /// format, else an image-collection code when it has the shape of one.
    pub fn from_qr(text: &str, format: &StudentNoFormat) -> Result<StudentKey, InputError> {
        let text = text.trim();
        if let Ok(key) = StudentKey::student_no(text, format) {
            return Ok(key);
        }
        let printable = text.chars().all(|c| c.is_ascii_graphic());
        let length_ok = (QR_CODE_MIN_CHARS..=QR_CODE_MAX_CHARS).contains(&text.len());
        if printable && length_ok {
            Ok(StudentKey::ChsiCode(text.to_string()))
        } else {
            Err(InputError::QrNotACode)
        }
    }

    /// The text as stored.
    pub fn value(&self) -> &str {
        match self {
            StudentKey::StudentNo(text) | StudentKey::ChsiCode(text) => text,
        }
    }
}

/// Appends one keypad key to a student number being typed, refusing what the format forbids. Letters are
/// upper-cased (student numbers are case-insensitive).
pub fn push_key(typed: &mut String, key: char, format: &StudentNoFormat) -> Result<(), InputError> {
    if key.is_control() {
        return Err(InputError::ControlChar);
    }
    if format.digits_only && !key.is_ascii_digit() {
        return Err(InputError::NotDigit);
    }
    if !key.is_ascii_alphanumeric() {
        return Err(InputError::NotAlphanumeric);
    }
    if typed.len() >= format.max_len {
        return Err(InputError::TooLong {
            max: format.max_len,
        });
    }
    typed.push(key.to_ascii_uppercase());
    Ok(())
}

/// Whether a typed student number is long enough to submit.
pub fn check_complete(typed: &str, format: &StudentNoFormat) -> Result<(), InputError> {
    if typed.is_empty() {
        Err(InputError::Empty)
    } else if typed.len() < format.min_len {
        Err(InputError::TooShort {
            min: format.min_len,
        })
    } else if typed.len() > format.max_len {
        Err(InputError::TooLong {
            max: format.max_len,
        })
    } else {
        Ok(())
    }
}

/// A staff PIN as typed. Its `Debug` never shows the digits, so events and effects can be logged.
#[derive(Clone, PartialEq, Eq)]
pub struct Pin(String);

impl Pin {
    pub fn new(text: impl Into<String>) -> Pin {
        Pin(text.into())
    }

    /// The digits, for the PIN store only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether it could be a PIN at all (checked before asking the store, which counts failures).
    pub fn check_shape(&self) -> Result<(), InputError> {
        let digits = self.0.chars().all(|c| c.is_ascii_digit());
        if digits && (PIN_MIN_DIGITS..=PIN_MAX_DIGITS).contains(&self.0.len()) {
            Ok(())
        } else {
            Err(InputError::PinShape)
        }
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGITS: StudentNoFormat = StudentNoFormat {
        min_len: 6,
        max_len: 10,
        digits_only: true,
    };
    const ALNUM: StudentNoFormat = StudentNoFormat {
        min_len: 6,
        max_len: 10,
        digits_only: false,
    };

    #[test]
    fn digits_only_refuses_letters_fullwidth_and_controls() {
        let mut typed = String::new();
        assert_eq!(
            push_key(&mut typed, 'a', &DIGITS),
            Err(InputError::NotDigit)
        );
        assert_eq!(
            push_key(&mut typed, '１', &DIGITS),
            Err(InputError::NotDigit)
        );
        assert_eq!(
            push_key(&mut typed, '٣', &DIGITS),
            Err(InputError::NotDigit)
        );
        assert_eq!(
            push_key(&mut typed, '\u{0}', &DIGITS),
            Err(InputError::ControlChar)
        );
        assert_eq!(
            push_key(&mut typed, '\n', &DIGITS),
            Err(InputError::ControlChar)
        );
        assert_eq!(
            push_key(&mut typed, '\u{1b}', &DIGITS),
            Err(InputError::ControlChar)
        );
        assert!(typed.is_empty());
        assert_eq!(push_key(&mut typed, '7', &DIGITS), Ok(()));
        assert_eq!(typed, "7");
    }

    #[test]
    fn alphanumeric_upper_cases_and_refuses_punctuation() {
        let mut typed = String::new();
        push_key(&mut typed, 'x', &ALNUM).unwrap();
        assert_eq!(typed, "X");
        for key in ['-', ' ', '/', '\'', ';', 'é', '学'] {
            assert_eq!(
                push_key(&mut typed, key, &ALNUM),
                Err(InputError::NotAlphanumeric),
                "{key:?}"
            );
        }
        assert_eq!(typed, "X");
    }

    #[test]
    fn length_limits() {
        let mut typed = String::new();
        for _ in 0..DIGITS.max_len {
            push_key(&mut typed, '1', &DIGITS).unwrap();
        }
        assert_eq!(
            push_key(&mut typed, '1', &DIGITS),
            Err(InputError::TooLong { max: 10 })
        );
        assert_eq!(typed.len(), 10);
        assert_eq!(check_complete("", &DIGITS), Err(InputError::Empty));
        assert_eq!(
            check_complete("12345", &DIGITS),
            Err(InputError::TooShort { min: 6 })
        );
        assert_eq!(check_complete("123456", &DIGITS), Ok(()));
    }

    #[test]
    fn whole_numbers() {
        assert_eq!(
            StudentKey::student_no("2026123456", &DIGITS),
            Ok(StudentKey::StudentNo("2026123456".into()))
        );
        assert_eq!(
            StudentKey::student_no("20261234567", &DIGITS),
            Err(InputError::TooLong { max: 10 })
        );
        assert_eq!(
            StudentKey::student_no("2026 12345", &DIGITS),
            Err(InputError::NotDigit)
        );
        assert_eq!(
            StudentKey::student_no("2026\u{7}123", &ALNUM),
            Err(InputError::ControlChar)
        );
        // A right-to-left override is a format character, not a control one: still refused.
        assert_eq!(
            StudentKey::student_no("2026\u{202e}123", &ALNUM),
            Err(InputError::NotAlphanumeric)
        );
        assert_eq!(
            StudentKey::student_no("ab1234", &ALNUM),
            Ok(StudentKey::StudentNo("AB1234".into()))
        );
    }

    #[test]
    fn qr_codes() {
        assert_eq!(
            StudentKey::from_qr(" 2026123456\n", &DIGITS),
            Ok(StudentKey::StudentNo("2026123456".into()))
        );
        let opaque = "Q1hTSTpBQkNERUY=+/x9";
        assert_eq!(
            StudentKey::from_qr(opaque, &DIGITS),
            Ok(StudentKey::ChsiCode(opaque.into()))
        );
        assert_eq!(
            StudentKey::from_qr("hi", &DIGITS),
            Err(InputError::QrNotACode)
        );
        assert_eq!(
            StudentKey::from_qr("with a space", &DIGITS),
            Err(InputError::QrNotACode)
        );
        assert_eq!(
            StudentKey::from_qr("abc\u{7}defgh", &DIGITS),
            Err(InputError::QrNotACode)
        );
        assert_eq!(
            StudentKey::from_qr("学信网采集码一二三", &DIGITS),
            Err(InputError::QrNotACode)
        );
        let huge = "A".repeat(QR_CODE_MAX_CHARS + 1);
        assert_eq!(
            StudentKey::from_qr(&huge, &DIGITS),
            Err(InputError::QrNotACode)
        );
    }

    #[test]
    fn pins_are_redacted_and_shaped() {
        let pin = Pin::new("123456");
        assert_eq!(format!("{pin:?}"), "Pin(<redacted>)");
        assert_eq!(pin.check_shape(), Ok(()));
        assert_eq!(pin.expose(), "123456");
        assert_eq!(Pin::new("123").check_shape(), Err(InputError::PinShape));
        assert_eq!(Pin::new("12a456").check_shape(), Err(InputError::PinShape));
        assert_eq!(
            Pin::new("1".repeat(13)).check_shape(),
            Err(InputError::PinShape)
        );
    }

    #[test]
    fn every_error_has_both_texts() {
        let all = [
            InputError::Empty,
            InputError::TooShort { min: 6 },
            InputError::TooLong { max: 20 },
            InputError::NotDigit,
            InputError::NotAlphanumeric,
            InputError::ControlChar,
            InputError::QrNotACode,
            InputError::PinShape,
        ];
        for error in all {
            assert!(!error.text(Language::Zh).is_empty() && !error.text(Language::En).is_empty());
            assert!(!error.as_str().is_empty());
        }
        assert_eq!(
            InputError::TooShort { min: 6 }.text(Language::Zh),
            "学号至少 6 位"
        );
    }
}
