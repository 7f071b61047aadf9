//! Shows a stored quality-check report (JSON) as an indented key/value tree, so the station reads every
//! report version the booth ever wrote. Long values are truncated on one line; nothing is interpreted.

use serde_json::Value;

/// Deeper levels are summarised: a report nested further is not something a reviewer reads.
const MAX_DEPTH: usize = 6;

pub fn show(ui: &mut egui::Ui, report: &Value) {
    entry(ui, None, report, 0);
}

fn entry(ui: &mut egui::Ui, key: Option<&str>, value: &Value, depth: usize) {
    let prefix = key.map_or_else(String::new, |k| format!("{k}: "));
    match value {
        Value::Object(map) if depth < MAX_DEPTH && !map.is_empty() => {
            nested(ui, key, depth, |ui| {
                for (k, v) in map {
                    entry(ui, Some(k), v, depth + 1);
                }
            });
        }
        Value::Array(items) if depth < MAX_DEPTH && !items.is_empty() => {
            nested(ui, key, depth, |ui| {
                for (index, v) in items.iter().enumerate() {
                    entry(ui, Some(&(index + 1).to_string()), v, depth + 1);
                }
            });
        }
        Value::String(text) => {
            ui.add(egui::Label::new(format!("{prefix}{text}")).truncate());
        }
        other => {
            ui.add(egui::Label::new(format!("{prefix}{other}")).truncate());
        }
    }
}

fn nested(ui: &mut egui::Ui, key: Option<&str>, depth: usize, body: impl FnOnce(&mut egui::Ui)) {
    match key {
        None => body(ui),
        Some(k) => {
            egui::CollapsingHeader::new(k)
                .id_salt((k, depth))
                .default_open(depth < 3)
                .show(ui, body);
        }
    }
}
