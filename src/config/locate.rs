//! Finds where a key sits in the text of a TOML file, so that every configuration error can name the
//! file, line, column and dotted key. Owns only text scanning; knows nothing of the config types.

/// A position in a text file, both 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextPos {
    pub line: usize,
    pub column: usize,
}

/// Line and column (1-based, in characters) of a byte offset.
pub fn pos_of_offset(text: &str, offset: usize) -> TextPos {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    TextPos { line, column }
}

/// The dotted key of the statement at `offset`: the nearest `[table]` header above it plus the key on
/// the line (`camera.watchdog_ms`). Returns the table alone for a header line.
pub fn key_at_offset(text: &str, offset: usize) -> String {
    let pos = pos_of_offset(text, offset);
    let lines: Vec<&str> = text.lines().collect();
    let Some(line) = lines.get(pos.line.saturating_sub(1)) else {
        return String::new();
    };
    let own_header = header_name(line);
    if let Some(header) = own_header {
        return header;
    }
    let table = lines[..pos.line.saturating_sub(1)]
        .iter()
        .rev()
        .find_map(|l| header_name(l));
    let key = if line.trim_start().starts_with('{') {
        array_key_above(&lines[..pos.line.saturating_sub(1)])
    } else {
        line.split_once('=')
            .map(|(key, _)| key.trim().trim_matches('"').to_string())
            .unwrap_or_default()
    };
    match (table, key.is_empty()) {
        (Some(table), false) => format!("{table}.{key}"),
        (Some(table), true) => table,
        (None, _) => key,
    }
}

/// For a line inside a multi-line array (`reasons = [` … `{ … },`), the key that opened the array.
fn array_key_above(lines: &[&str]) -> String {
    lines
        .iter()
        .rev()
        .take_while(|l| header_name(l).is_none())
        .find_map(|l| {
            let (key, value) = l.split_once('=')?;
            let key = key.trim();
            (value.trim_start().starts_with('[') && !key.starts_with('{'))
                .then(|| key.trim_matches('"').to_string())
        })
        .unwrap_or_default()
}

/// Where `key` is set inside `[table]` (table may be dotted, `profiles.chsi`; empty for the root).
pub fn locate_key(text: &str, table: &str, key: &str) -> Option<TextPos> {
    let mut in_table = table.is_empty();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if let Some(header) = header_name(line) {
            in_table = header == table;
        } else if in_table
            && let Some((name, _)) = line.split_once('=')
            && name.trim().trim_matches('"') == key
        {
            let indent = line.len() - line.trim_start().len();
            return Some(pos_of_offset(text, offset + indent));
        }
        offset += line.len();
    }
    None
}

/// Where item `index` (0-based) of the array `key = [ ... ]` inside `[table]` starts: the items are
/// the inline tables `{ ... }` of the array, one or more a line.
pub fn locate_array_item(text: &str, table: &str, key: &str, index: usize) -> Option<TextPos> {
    let start = locate_key(text, table, key)?;
    let mut offset = text
        .split_inclusive('\n')
        .take(start.line - 1)
        .map(str::len)
        .sum::<usize>();
    let rest = text.get(offset..)?;
    let open = rest.find('[')?;
    offset += open;
    let mut depth = 0usize;
    let mut seen = 0usize;
    let mut in_string = false;
    for (at, c) in text.get(offset..)?.char_indices() {
        match c {
            '"' => in_string = !in_string,
            _ if in_string => {}
            '[' | '{' => {
                if c == '{' && depth == 1 {
                    if seen == index {
                        return Some(pos_of_offset(text, offset + at));
                    }
                    seen += 1;
                }
                depth += 1;
            }
            ']' | '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return None;
                }
            }
            _ => {}
        }
    }
    None
}

/// Where the `[table]` header is.
pub fn locate_table(text: &str, table: &str) -> Option<TextPos> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if header_name(line).as_deref() == Some(table) {
            return Some(pos_of_offset(text, offset));
        }
        offset += line.len();
    }
    None
}

fn header_name(line: &str) -> Option<String> {
    let trimmed = line.trim();
    let without_comment = trimmed.split('#').next().unwrap_or("").trim();
    let inner = without_comment.strip_prefix('[')?.strip_suffix(']')?;
    let inner = inner.trim_start_matches('[').trim_end_matches(']');
    Some(
        inner
            .split('.')
            .map(|part| part.trim().trim_matches('"'))
            .collect::<Vec<_>>()
            .join("."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str =
        "top = 1\n[camera]\n# c\nwidth = 5\n  fps = 30\n[profiles.chsi]\ndpi = 300\n";

    #[test]
    fn offsets_become_lines_and_columns() {
        assert_eq!(pos_of_offset(TEXT, 0), TextPos { line: 1, column: 1 });
        let fps = TEXT.find("fps").unwrap();
        assert_eq!(pos_of_offset(TEXT, fps), TextPos { line: 5, column: 3 });
    }

    #[test]
    fn keys_are_found_with_their_table() {
        let fps = TEXT.find("30").unwrap();
        assert_eq!(key_at_offset(TEXT, fps), "camera.fps");
        assert_eq!(key_at_offset(TEXT, 2), "top");
        assert_eq!(
            locate_key(TEXT, "profiles.chsi", "dpi"),
            Some(TextPos { line: 7, column: 1 })
        );
        assert_eq!(locate_key(TEXT, "camera", "dpi"), None);
        let list = "[s]\nr = [\n  { c = \"a[\" },\n  { c = \"b\" }, { c = \"d\" },\n]\n";
        assert_eq!(
            locate_array_item(list, "s", "r", 0),
            Some(TextPos { line: 3, column: 3 })
        );
        assert_eq!(
            locate_array_item(list, "s", "r", 2),
            Some(TextPos {
                line: 4,
                column: 16
            })
        );
        assert_eq!(locate_array_item(list, "s", "r", 3), None);
        let item = list.find("\"b\"").unwrap();
        assert_eq!(key_at_offset(list, item), "s.r");
        assert_eq!(
            locate_table(TEXT, "camera"),
            Some(TextPos { line: 2, column: 1 })
        );
    }
}
