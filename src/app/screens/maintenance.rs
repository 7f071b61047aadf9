//! Maintenance screen (staff, after the PIN): an overview with the service switch and active faults,
//! camera diagnostics and worker states, and the choice of the profile the booth produces.

use egui::{RichText, ScrollArea};

use super::{DiagLine, View, card, fill, title, top_bar};
use crate::app::theme;
use crate::app::widgets::buttons::{self, Kind};
use crate::core::flow::{Event, MaintenancePage, MaintenanceState};

/// The page tabs, in order.
const PAGES: [(MaintenancePage, &str); 3] = [
    (MaintenancePage::Overview, "maint.overview"),
    (MaintenancePage::Camera, "maint.camera"),
    (MaintenancePage::Profile, "maint.profile"),
];

/// Draws the current page.
pub fn show(ui: &mut egui::Ui, state: &MaintenanceState, view: &View<'_>) -> Option<Event> {
    let metrics = view.metrics;
    let mut event = None;
    ui.horizontal(|ui| {
        title(ui, view, "maint.title");
        ui.label(
            RichText::new(fill(view.text("maint.staff"), "s", &state.staff))
                .font(metrics.secondary())
                .color(theme::TEXT_SECONDARY),
        );
        if let Some(e) = top_bar(ui, view, false) {
            event = Some(e);
        }
    });
    ui.horizontal(|ui| {
        for (page, key) in PAGES {
            let kind = if page == state.page {
                Kind::Primary
            } else {
                Kind::Secondary
            };
            if buttons::small(ui, metrics, view.text(key), kind).clicked() {
                event = Some(Event::MaintenancePage(page));
            }
        }
        if buttons::small(ui, metrics, view.text("maint.exit"), Kind::Secondary).clicked() {
            event = Some(Event::Cancel);
        }
    });
    ui.add_space(metrics.spacing() * 0.5);
    let page_event = ScrollArea::vertical()
        .show(ui, |ui| match state.page {
            MaintenancePage::Overview => overview(ui, view),
            MaintenancePage::Camera => {
                card(ui, metrics, |ui| {
                    diag_table(ui, view, "maint-camera", &view.maintenance.camera);
                    ui.separator();
                    diag_table(ui, view, "maint-workers", &view.maintenance.workers);
                });
                None
            }
            MaintenancePage::Profile => profiles(ui, view),
        })
        .inner;
    page_event.or(event)
}

fn overview(ui: &mut egui::Ui, view: &View<'_>) -> Option<Event> {
    let metrics = view.metrics;
    let m = view.maintenance;
    let state_key = if m.out_of_service {
        "maint.out_of_service"
    } else {
        "maint.in_service"
    };
    let faults = if m.faults.is_empty() {
        view.text("maint.no_faults").to_owned()
    } else {
        m.faults.join("；")
    };
    let lines = [
        DiagLine {
            label: view.text("maint.state").to_owned(),
            value: view.text(state_key).to_owned(),
        },
        DiagLine {
            label: view.text("maint.profile").to_owned(),
            value: m.active_profile.clone(),
        },
        DiagLine {
            label: view.text("maint.faults").to_owned(),
            value: faults,
        },
    ];
    card(ui, metrics, |ui| {
        diag_table(ui, view, "maint-overview", &lines);
    });
    ui.add_space(metrics.spacing());
    let (key, on) = if m.out_of_service {
        ("maint.oos_off", false)
    } else {
        ("maint.oos_on", true)
    };
    buttons::big(ui, metrics, view.text(key), Kind::Secondary, true)
        .clicked()
        .then_some(Event::SetOutOfService(on))
}

fn profiles(ui: &mut egui::Ui, view: &View<'_>) -> Option<Event> {
    let metrics = view.metrics;
    let mut event = None;
    for name in &view.maintenance.profiles {
        let active = *name == view.maintenance.active_profile;
        let kind = if active {
            Kind::Primary
        } else {
            Kind::Secondary
        };
        let label = if active {
            format!("{name} ({})", view.text("maint.active"))
        } else {
            name.clone()
        };
        if buttons::small(ui, metrics, &label, kind).clicked() && !active {
            event = Some(Event::SelectProfile(name.clone()));
        }
    }
    event
}

fn diag_table(ui: &mut egui::Ui, view: &View<'_>, id: &str, lines: &[DiagLine]) {
    let metrics = view.metrics;
    egui::Grid::new(id)
        .num_columns(2)
        .spacing([metrics.spacing(), metrics.spacing() * 0.3])
        .show(ui, |ui| {
            for line in lines {
                ui.label(
                    RichText::new(&line.label)
                        .font(metrics.body())
                        .color(theme::TEXT_SECONDARY),
                );
                ui.label(
                    RichText::new(&line.value)
                        .font(metrics.body())
                        .color(theme::TEXT),
                );
                ui.end_row();
            }
        });
}
