//! The student's national ID number (居民身份证号码, GB 11643-1999), read from the roster CSV for
//! 学信网-style export file names (`{id_number}.jpg`). Owns the format check only: 18 characters, 17
//! digits then a digit or `X`, a plausible birth date, and the ISO 7064 MOD 11-2 check character.

use serde::Serialize;

/// Characters in a GB 11643 number.
pub const ID_NUMBER_LEN: usize = 18;
/// Weights of the first 17 digits, 2^(18-i) mod 11 (GB 11643-1999 §8.2, ISO 7064 MOD 11-2).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character by weighted sum mod 11 (GB 11643-1999 §8.2).
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
/// Position and length of the birth date YYYYMMDD.
const BIRTH_DATE: std::ops::Range<usize> = 6..14;

/// A valid national ID number, upper-case `X`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct IdNumber(String);

impl IdNumber {
    /// Checks `text` (surrounding spaces ignored, a lower-case `x` accepted).
    pub fn parse(text: &str) -> Result<Self, String> {
        let value = text.trim().to_ascii_uppercase();
        let shown = || format!("ID number {:?}", text.trim());
        if value.chars().count() != ID_NUMBER_LEN {
            return Err(format!(
                "{} has {} characters, not {ID_NUMBER_LEN}",
                shown(),
                value.chars().count()
            ));
        }
        if !value.is_ascii() {
            return Err(format!(
                "{}: 17 digits then a digit or X (half-width)",
                shown()
            ));
        }
        let (body, last) = value.split_at(ID_NUMBER_LEN - 1);
        let digits: Vec<u32> = body.chars().filter_map(|c| c.to_digit(10)).collect();
        if digits.len() != ID_NUMBER_LEN - 1
            || !(last == "X" || last.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(format!("{}: 17 digits then a digit or X", shown()));
        }
        let date = &value[BIRTH_DATE];
        let month: u32 = date[4..6].parse().unwrap_or(0);
        let day: u32 = date[6..8].parse().unwrap_or(0);
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return Err(format!("{}: birth date {date} is not a date", shown()));
        }
        let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
        let expected = CHECK_CHARS[(sum % 11) as usize];
        if !last.starts_with(expected) {
            return Err(format!(
                "{}: check character is {last}, the number gives {expected} (typo?)",
                shown()
            ));
        }
        Ok(Self(value))
    }

    /// A stored value, already checked on import.
    pub(super) fn from_stored(value: String) -> Self {
        Self(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for IdNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_example_and_an_x_check_character_are_valid() {
        // The example number of GB 11643-1999 Appendix A.
        assert_eq!(
            IdNumber::parse("11010519491231002X").map(|n| n.0),
            Ok("11010519491231002X".to_owned())
        );
        assert!(IdNumber::parse(" 11010519491231002x ").is_ok());
        assert!(IdNumber::parse("440524188001010014").is_ok());
    }

    #[test]
    fn typos_wrong_lengths_and_letters_are_refused_with_a_reason() {
        let typo = IdNumber::parse("110105194912310021").unwrap_err();
        assert!(typo.contains("check character"), "{typo}");
        assert!(
            IdNumber::parse("11010519491231002")
                .unwrap_err()
                .contains("17 characters")
        );
        assert!(
            IdNumber::parse("1101051949123100AX")
                .unwrap_err()
                .contains("17 digits")
        );
        assert!(
            IdNumber::parse("110105194913310028")
                .unwrap_err()
                .contains("birth date")
        );
        assert!(IdNumber::parse("１１０１０５１９４９１２３１００２Ｘ").is_err());
    }
}
