//! File names of exported photos: the configured template (`{student_no}.jpg`), rendered per record,
//! sanitized so no value can escape the export folder or upset Windows import tools, and made unique.
//!
//! Pure string work: no files. Hostile values (`../x`, `a/b`, `CON`, control characters, 300-byte numbers)
//! all come out as plain, harmless names.

use std::collections::HashSet;

use super::ExportError;

/// The default template: the student number as the file name (campus-card import convention).
pub const DEFAULT_NAME_TEMPLATE: &str = "{student_no}.jpg";
/// Longest file name in bytes (ext4 and NTFS allow 255; room is left for a `_99999` collision suffix).
pub const MAX_NAME_BYTES: usize = 200;
/// File names the batch itself uses.
pub const RESERVED_FILE_NAMES: [&str; 2] = ["manifest.csv", "manifest.json"];
/// Windows device names that cannot be file names with any extension (Win32 naming rules).
const WINDOWS_DEVICE_NAMES: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];
/// Characters Windows forbids in names, besides the separators and control characters.
const WINDOWS_FORBIDDEN: [char; 7] = ['<', '>', ':', '"', '|', '?', '*'];

/// A value a template can insert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    StudentNo,
    IdNumber,
    Name,
    Profile,
    RecordId,
}

impl Field {
    fn parse(key: &str) -> Option<Self> {
        Some(match key {
            "student_no" => Field::StudentNo,
            "id_number" => Field::IdNumber,
            "name" => Field::Name,
            "profile" => Field::Profile,
            "record_id" => Field::RecordId,
            _ => return None,
        })
    }

    pub fn key(self) -> &'static str {
        match self {
            Field::StudentNo => "student_no",
            Field::IdNumber => "id_number",
            Field::Name => "name",
            Field::Profile => "profile",
            Field::RecordId => "record_id",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Field(Field),
}

/// A parsed file-name template such as `{student_no}.jpg` or `{id_number}.jpg`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameTemplate {
    source: String,
    parts: Vec<Part>,
}

/// The values of one record that a template may use.
#[derive(Debug, Clone, Copy)]
pub struct NameValues<'a> {
    pub student_no: &'a str,
    pub id_number: Option<&'a str>,
    pub name: Option<&'a str>,
    pub profile: &'a str,
    pub record_id: i64,
}

impl NameTemplate {
    /// Parses a template: literal text and `{field}` placeholders (student_no, id_number, name, profile,
    /// record_id). At least one placeholder is required, or every photo would get the same name.
    pub fn parse(source: &str) -> Result<Self, ExportError> {
        let bad = |why: &str| ExportError::Template {
            template: source.to_owned(),
            problem: why.to_owned(),
        };
        let mut parts = Vec::new();
        let mut rest = source;
        while !rest.is_empty() {
            match rest.find(['{', '}']) {
                Some(index) if rest[index..].starts_with('}') => {
                    return Err(bad("'}' without '{'"));
                }
                Some(index) => {
                    if index > 0 {
                        parts.push(Part::Literal(rest[..index].to_owned()));
                    }
                    let close = rest[index..]
                        .find('}')
                        .ok_or_else(|| bad("'{' without '}'"))?
                        + index;
                    let key = &rest[index + 1..close];
                    let field = Field::parse(key.trim()).ok_or_else(|| {
                        bad(&format!(
                            "unknown field {{{key}}} (use student_no, id_number, name, profile or record_id)"
                        ))
                    })?;
                    parts.push(Part::Field(field));
                    rest = &rest[close + 1..];
                }
                None => {
                    parts.push(Part::Literal(rest.to_owned()));
                    rest = "";
                }
            }
        }
        if !parts.iter().any(|part| matches!(part, Part::Field(_))) {
            return Err(bad(
                "needs at least one {field}, or every photo gets the same name",
            ));
        }
        if parts
            .iter()
            .any(|part| matches!(part, Part::Literal(text) if text.contains(['/', '\\'])))
        {
            return Err(bad(
                "must not contain path separators: photos go straight into the export folder",
            ));
        }
        Ok(Self {
            source: source.to_owned(),
            parts,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The fields the template uses.
    pub fn fields(&self) -> impl Iterator<Item = Field> + '_ {
        self.parts.iter().filter_map(|part| match part {
            Part::Field(field) => Some(*field),
            Part::Literal(_) => None,
        })
    }

    /// Renders the template for one record; `Err(field)` names a field the record lacks.
    pub fn render(&self, values: &NameValues<'_>) -> Result<String, Field> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Field(field) => {
                    let value = match field {
                        Field::StudentNo => Some(values.student_no.to_owned()),
                        Field::IdNumber => values.id_number.map(str::to_owned),
                        Field::Name => values.name.map(str::to_owned),
                        Field::Profile => Some(values.profile.to_owned()),
                        Field::RecordId => Some(values.record_id.to_string()),
                    };
                    let value = value.filter(|v| !v.trim().is_empty()).ok_or(*field)?;
                    // Each value is made harmless on its own, so it cannot join a literal into "..".
                    out.push_str(&sanitize_component(&value));
                }
            }
        }
        Ok(out)
    }
}

/// Makes one value safe inside a file name: separators, control and Windows-forbidden characters become
/// `_`, runs of dots collapse to one, and leading or trailing dots and spaces go.
pub fn sanitize_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        let replaced = if c == '/' || c == '\\' || c.is_control() || WINDOWS_FORBIDDEN.contains(&c)
        {
            '_'
        } else {
            c
        };
        if replaced == '.' && out.ends_with('.') {
            continue;
        }
        out.push(replaced);
    }
    out.trim_matches(|c: char| c == '.' || c.is_whitespace())
        .to_owned()
}

/// Makes a whole rendered name safe: sanitized, no Windows device name, bounded length, never empty or
/// hidden, and ending in `extension`.
pub fn sanitize_file_name(rendered: &str, extension: &str) -> String {
    let lower = rendered.to_ascii_lowercase();
    let stem = [".jpg", ".jpeg", ".png"]
        .iter()
        .find_map(|ext| {
            lower
                .ends_with(ext)
                .then(|| &rendered[..rendered.len() - ext.len()])
        })
        .unwrap_or(rendered);
    let mut stem = sanitize_component(stem);
    let device = stem
        .split('.')
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    // A leading formula character would make the manifest's file cell a spreadsheet formula.
    let formula_like = stem.starts_with(super::manifest::FORMULA_TRIGGERS);
    if stem.is_empty() || formula_like || WINDOWS_DEVICE_NAMES.contains(&device.as_str()) {
        stem.insert(0, '_');
    }
    let budget = MAX_NAME_BYTES - extension.len() - 1;
    if stem.len() > budget {
        let mut cut = budget;
        while !stem.is_char_boundary(cut) {
            cut -= 1;
        }
        stem.truncate(cut);
    }
    format!("{stem}.{extension}")
}

/// Hands out unique names in call order: a repeated name (compared case-insensitively, as Windows and
/// macOS folders do) gets `_2`, `_3`... before its extension. Same records in the same order, same names.
#[derive(Debug, Default)]
pub struct UniqueNames {
    taken: HashSet<String>,
}

impl UniqueNames {
    /// A set that already holds the batch's own files.
    pub fn new() -> Self {
        let mut names = Self::default();
        for reserved in RESERVED_FILE_NAMES {
            names.taken.insert(reserved.to_owned());
        }
        names
    }

    pub fn claim(&mut self, name: &str) -> String {
        let (stem, extension) = name.rsplit_once('.').unwrap_or((name, ""));
        let mut candidate = name.to_owned();
        let mut counter = 1u32;
        while !self.taken.insert(candidate.to_lowercase()) {
            counter += 1;
            candidate = format!("{stem}_{counter}.{extension}");
        }
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(student_no: &str) -> NameValues<'_> {
        NameValues {
            student_no,
            id_number: None,
            name: Some("张伟"),
            profile: "campus_card",
            record_id: 7,
        }
    }

    fn name_for(student_no: &str) -> String {
        let template = NameTemplate::parse(DEFAULT_NAME_TEMPLATE).unwrap();
        sanitize_file_name(&template.render(&values(student_no)).unwrap(), "jpg")
    }

    #[test]
    fn hostile_student_numbers_give_plain_names() {
        let cases = [
            ("2024010001", "2024010001.jpg"),
            ("../../etc/passwd", "_._etc_passwd.jpg"),
            ("..", "_.jpg"),
            ("a/b\\c", "a_b_c.jpg"),
            ("x\u{0}y\n", "x_y_.jpg"),
            ("CON", "_CON.jpg"),
            ("nul.txt", "_nul.txt.jpg"),
            (" .hidden ", "hidden.jpg"),
            ("a:b*c?", "a_b_c_.jpg"),
            ("张伟", "张伟.jpg"),
            ("=HYPERLINK(1)", "_=HYPERLINK(1).jpg"),
        ];
        for (input, expected) in cases {
            let name = name_for(input);
            assert_eq!(name, expected, "{input:?}");
            assert!(
                !name.contains('/') && !name.contains('\\') && !name.contains(".."),
                "{name}"
            );
            assert!(!name.chars().any(char::is_control));
        }
    }

    #[test]
    fn long_values_are_cut_at_a_character_boundary() {
        let name = name_for(&"号".repeat(200));
        assert!(name.len() <= MAX_NAME_BYTES, "{}", name.len());
        assert_eq!(
            name.rsplit_once('.').map(|(_, extension)| extension),
            Some("jpg")
        );
    }

    #[test]
    fn collisions_get_numbered_suffixes_case_insensitively() {
        let mut names = UniqueNames::new();
        assert_eq!(names.claim("A1.jpg"), "A1.jpg");
        assert_eq!(names.claim("a1.jpg"), "a1_2.jpg");
        assert_eq!(names.claim("A1.jpg"), "A1_3.jpg");
        assert_eq!(names.claim("manifest.csv"), "manifest_2.csv");
    }

    #[test]
    fn templates_parse_render_and_reject_nonsense() {
        let chsi = NameTemplate::parse("{id_number}.jpg").unwrap();
        assert_eq!(chsi.render(&values("1")), Err(Field::IdNumber));
        let with_id = NameValues {
            id_number: Some("11010519491231002X"),
            ..values("1")
        };
        assert_eq!(chsi.render(&with_id).unwrap(), "11010519491231002X.jpg");
        let mixed = NameTemplate::parse("{profile}-{student_no}_{name}.jpg").unwrap();
        assert_eq!(
            mixed.render(&values("42")).unwrap(),
            "campus_card-42_张伟.jpg"
        );
        for bad in [
            "photo.jpg",
            "{student}.jpg",
            "{student_no.jpg",
            "x}{student_no}",
            "dir/{student_no}.jpg",
        ] {
            assert!(NameTemplate::parse(bad).is_err(), "{bad}");
        }
    }
}
