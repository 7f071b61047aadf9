//! Done screen: the receipt (record number, status 待审核 / pending review), optional printing with the
//! printer's state, Finish, and the seconds until the booth returns to the start by itself.

use egui::{Align, Layout, RichText};

use super::{PrinterLamp, View, card, fill, title, top_bar};
use crate::app::theme;
use crate::app::widgets::buttons::{self, Kind};
use crate::core::flow::{DoneState, Event, PrintState};

/// Draws the receipt.
pub fn show(ui: &mut egui::Ui, state: &DoneState, view: &View<'_>) -> Option<Event> {
    let metrics = view.metrics;
    let mut event = top_bar(ui, view, false);
    ui.with_layout(Layout::top_down(Align::Center), |ui| {
        ui.add_space(metrics.spacing());
        title(ui, view, "done.title");
        ui.add_space(metrics.spacing() * 0.5);
        card(ui, metrics, |ui| {
            ui.set_min_width(metrics.button_size().x * 1.5);
            ui.vertical_centered(|ui| {
                let record = fill(view.text("done.record"), "n", state.record.0);
                ui.label(
                    RichText::new(record)
                        .font(metrics.heading())
                        .color(theme::TEXT),
                );
                ui.label(
                    RichText::new(view.text("done.status"))
                        .font(metrics.body())
                        .color(theme::WARN),
                );
                if !state.passed {
                    ui.label(
                        RichText::new(view.text("done.staff_decides"))
                            .font(metrics.secondary())
                            .color(theme::TEXT_SECONDARY),
                    );
                }
            });
        });
        ui.add_space(metrics.spacing());
        if let Some(e) = print_section(ui, state.print, view) {
            event = Some(e);
        }
        ui.add_space(metrics.spacing());
        if buttons::big(ui, metrics, view.text("done.finish"), Kind::Primary, true).clicked() {
            event = Some(Event::Cancel);
        }
        let left_secs = state.until.saturating_sub(view.now).as_secs_f32().ceil() as u64;
        ui.label(
            RichText::new(fill(view.text("done.returning"), "n", left_secs))
                .font(metrics.secondary())
                .color(theme::TEXT_SECONDARY),
        );
    });
    event
}

fn print_section(ui: &mut egui::Ui, print: PrintState, view: &View<'_>) -> Option<Event> {
    let metrics = view.metrics;
    let say = |ui: &mut egui::Ui, key: &'static str, colour| {
        ui.label(
            RichText::new(view.text(key))
                .font(metrics.body())
                .color(colour),
        );
    };
    let button = |ui: &mut egui::Ui, key: &'static str| {
        buttons::big(
            ui,
            metrics,
            view.text(key),
            Kind::Secondary,
            view.printer.can_print(),
        )
        .clicked()
        .then_some(Event::Print)
    };
    let lamp = |ui: &mut egui::Ui| {
        if let Some(key) = view.printer.text_key() {
            let colour = if view.printer == PrinterLamp::Ready {
                theme::TEXT_SECONDARY
            } else {
                theme::BAD
            };
            say(ui, key, colour);
        }
    };
    match print {
        PrintState::NotOffered => None,
        PrintState::Offered => {
            lamp(ui);
            button(ui, "done.print")
        }
        PrintState::Queued => {
            say(ui, "done.queued", theme::TEXT_SECONDARY);
            None
        }
        PrintState::Printing => {
            say(ui, "done.printing", theme::TEXT_SECONDARY);
            None
        }
        PrintState::Printed => {
            say(ui, "done.printed", theme::GOOD);
            None
        }
        PrintState::LimitReached => {
            say(ui, "done.print_limit", theme::TEXT_SECONDARY);
            None
        }
        PrintState::Failed => {
            say(ui, "done.print_failed", theme::BAD);
            lamp(ui);
            button(ui, "done.print_again")
        }
    }
}
