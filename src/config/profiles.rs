//! Turns `[profiles.NAME]` tables into [`PhotoSpec`]s: each table overrides the built-in profile of the
//! same name (or the one named by `base`), and the result is checked with [`PhotoSpec::problems`].

use std::collections::BTreeMap;

use crate::core::spec::{
    Band, ByteWindow, NamedColour, PhotoFormat, PhotoSpec, Rgb8, builtin_profiles,
};

use super::raw::RawProfile;

/// A problem in one profile table: the key (without the `profiles.NAME.` prefix) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileProblem {
    pub profile: String,
    pub key: String,
    pub message: String,
}

/// The built-in profiles with every override applied, built-ins first in their order, then new ones.
pub fn merge_profiles(
    raw: &BTreeMap<String, RawProfile>,
) -> Result<Vec<PhotoSpec>, ProfileProblem> {
    let mut profiles = builtin_profiles();
    for (name, table) in raw {
        let problem = |key: &str, message: String| ProfileProblem {
            profile: name.clone(),
            key: key.to_string(),
            message,
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(problem("", "profile names use only a-z, 0-9 and _".into()));
        }
        let base_name = table.base.clone().unwrap_or_else(|| name.clone());
        let Some(base) = profiles.iter().find(|p| p.name == base_name).cloned() else {
            let message = if table.base.is_some() {
                format!("no profile named `{base_name}` to start from")
            } else {
                "a new profile needs `base = \"<existing profile>\"`".to_string()
            };
            return Err(problem("base", message));
        };
        let mut spec = apply(base, table).map_err(|(key, message)| problem(key, message))?;
        spec.name.clone_from(name);
        if let Some((key, message)) = spec.problems().first().and_then(|p| p.split_once(": ")) {
            return Err(problem(key, message.to_string()));
        }
        match profiles.iter_mut().find(|p| p.name == *name) {
            Some(existing) => *existing = spec,
            None => profiles.push(spec),
        }
    }
    Ok(profiles)
}

type KeyError = (&'static str, String);

fn band(
    key: &'static str,
    values: Option<&Vec<f32>>,
    current: Option<Band>,
) -> Result<Option<Band>, KeyError> {
    match values.map(Vec::as_slice) {
        None => Ok(current),
        Some([]) => Ok(None),
        Some([min, max]) => Ok(Some(Band::new(*min, *max))),
        Some(_) => Err((key, "must be [min, max] (or [] for no limit)".into())),
    }
}

fn apply(mut spec: PhotoSpec, raw: &RawProfile) -> Result<PhotoSpec, KeyError> {
    macro_rules! set {
        ($field:expr, $value:expr) => {
            if let Some(value) = $value.clone() {
                $field = value;
            }
        };
    }
    set!(spec.title_zh, raw.title_zh);
    set!(spec.title_en, raw.title_en);
    set!(spec.width_px, raw.width_px);
    set!(spec.height_px, raw.height_px);
    set!(spec.dpi, raw.dpi);
    set!(spec.replace_background, raw.replace_background);
    set!(spec.jpeg.quality_min, raw.jpeg_quality_min);
    set!(spec.jpeg.quality_max, raw.jpeg_quality_max);
    set!(
        spec.geometry.center_tolerance_frac,
        raw.center_tolerance_frac
    );
    set!(spec.allow_rotation, raw.allow_rotation);
    set!(spec.source, raw.source);
    if let Some(format) = &raw.format {
        spec.format = match format.as_str() {
            "jpeg" => PhotoFormat::Jpeg,
            "png" => PhotoFormat::Png,
            _ => {
                return Err((
                    "format",
                    format!("must be \"jpeg\" or \"png\", not {format:?}"),
                ));
            }
        };
    }
    if let Some(choices) = &raw.background_choices {
        spec.background_choices = choices
            .iter()
            .map(|entry| parse_choice(entry))
            .collect::<Option<Vec<_>>>()
            .ok_or((
                "background_choices",
                "entries look like \"blue:#64C5FF\"".to_string(),
            ))?;
    }
    if let Some(background) = &raw.background {
        spec.background = spec.background_by_name(background).ok_or((
            "background",
            format!("{background:?} is neither a background choice nor #RRGGBB"),
        ))?;
    }
    if let Some(bytes) = &raw.bytes {
        spec.jpeg.bytes = match bytes.as_slice() {
            [] => None,
            [min_bytes, max_bytes] => Some(ByteWindow {
                min_bytes: *min_bytes,
                max_bytes: *max_bytes,
            }),
            _ => {
                return Err((
                    "bytes",
                    "must be [min, max] in bytes (or [] for no limit)".into(),
                ));
            }
        };
    }
    let g = &mut spec.geometry;
    g.head_height_frac = band(
        "head_height_frac",
        raw.head_height_frac.as_ref(),
        g.head_height_frac,
    )?;
    g.crown_from_top_px = band(
        "crown_from_top_px",
        raw.crown_from_top_px.as_ref(),
        g.crown_from_top_px,
    )?;
    g.eye_line_from_top_px = band(
        "eye_line_from_top_px",
        raw.eye_line_from_top_px.as_ref(),
        g.eye_line_from_top_px,
    )?;
    g.eye_line_from_bottom_px = band(
        "eye_line_from_bottom_px",
        raw.eye_line_from_bottom_px.as_ref(),
        g.eye_line_from_bottom_px,
    )?;
    g.eye_line_from_bottom_frac = band(
        "eye_line_from_bottom_frac",
        raw.eye_line_from_bottom_frac.as_ref(),
        g.eye_line_from_bottom_frac,
    )?;
    g.face_width_px = band("face_width_px", raw.face_width_px.as_ref(), g.face_width_px)?;
    for (key, value, field) in [
        ("max_roll_deg", raw.max_roll_deg, &mut spec.max_roll_deg),
        ("max_yaw_deg", raw.max_yaw_deg, &mut spec.max_yaw_deg),
        ("max_pitch_deg", raw.max_pitch_deg, &mut spec.max_pitch_deg),
    ] {
        if let Some(value) = value {
            if !(0.0..=45.0).contains(&value) {
                return Err((key, "must be between 0 and 45 degrees".into()));
            }
            *field = Some(value);
        }
    }
    Ok(spec)
}

fn parse_choice(entry: &str) -> Option<NamedColour> {
    let (name, hex) = entry.split_once(':')?;
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    Some(NamedColour {
        name: name.to_string(),
        rgb: Rgb8::parse_hex(hex)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_tables_gives_the_builtins() {
        assert_eq!(
            merge_profiles(&BTreeMap::new()).unwrap(),
            builtin_profiles()
        );
    }

    #[test]
    fn override_and_new_profile() {
        let mut raw = BTreeMap::new();
        raw.insert(
            "chsi".to_string(),
            RawProfile {
                background: Some("white".into()),
                bytes: Some(vec![30 * 1024, 900 * 1024]),
                ..RawProfile::default()
            },
        );
        raw.insert(
            "exam".to_string(),
            RawProfile {
                base: Some("one_inch".into()),
                width_px: Some(390),
                height_px: Some(567),
                ..RawProfile::default()
            },
        );
        let profiles = merge_profiles(&raw).unwrap();
        let chsi = profiles.iter().find(|p| p.name == "chsi").unwrap();
        assert_eq!(chsi.background, Rgb8::WHITE);
        assert_eq!(chsi.jpeg.bytes.unwrap().min_bytes, 30 * 1024);
        let exam = profiles.iter().find(|p| p.name == "exam").unwrap();
        assert_eq!((exam.width_px, exam.dpi), (390, 300));
    }

    #[test]
    fn bad_tables_name_their_key() {
        let mut raw = BTreeMap::new();
        raw.insert(
            "chsi".to_string(),
            RawProfile {
                face_width_px: Some(vec![300.0]),
                ..RawProfile::default()
            },
        );
        let problem = merge_profiles(&raw).unwrap_err();
        assert_eq!(
            (problem.profile.as_str(), problem.key.as_str()),
            ("chsi", "face_width_px")
        );
        raw.clear();
        raw.insert("mine".to_string(), RawProfile::default());
        assert_eq!(merge_profiles(&raw).unwrap_err().key, "base");
        raw.clear();
        raw.insert(
            "chsi".to_string(),
            RawProfile {
                dpi: Some(5),
                ..RawProfile::default()
            },
        );
        assert_eq!(merge_profiles(&raw).unwrap_err().key, "dpi");
    }
}
