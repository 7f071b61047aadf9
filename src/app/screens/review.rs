//! Review screen: the standardized photo large, the ✓/✗/! check list with reasons, the "初审合格 /
//! Pre-check passed" badge when every check passed, Accept or Retake, and the retake limit.

use egui::{Align, Layout, RichText, ScrollArea};

use super::{View, card, fill, title, top_bar};
use crate::app::text::tr;
use crate::app::theme;
use crate::app::widgets::buttons::{self, Kind};
use crate::app::widgets::checklist;
use crate::core::flow::{Event, ReviewState, ReviewVerdict, SaveState};

/// Draws the photo, the verdict, the checks and the choices.
pub fn show(ui: &mut egui::Ui, state: &ReviewState, view: &View<'_>) -> Option<Event> {
    let metrics = view.metrics;
    let saving = matches!(state.save, SaveState::Saving { .. });
    let mut event = top_bar(ui, view, !saving);
    ui.columns(2, |columns| {
        columns[0].with_layout(Layout::top_down(Align::Center), |ui| {
            title(ui, view, "review.title");
            photo(ui, view);
        });
        columns[1].with_layout(Layout::top_down(Align::Min), |ui| {
            ui.add_space(metrics.spacing());
            badge(ui, state.verdict(), view);
            ui.add_space(metrics.spacing() * 0.5);
            // Room for the save / retake notes and one row of buttons.
            let reserved =
                metrics.button_size().y + metrics.body().size * 4.0 + metrics.spacing() * 2.0;
            let height = (ui.available_height() - reserved).max(metrics.button_size().y);
            ScrollArea::vertical().max_height(height).show(ui, |ui| {
                checklist::show(ui, metrics, view.lang, &state.outcome.checks);
            });
            ui.add_space(metrics.spacing() * 0.5);
            if let Some(e) = choices(ui, state, view) {
                event = Some(e);
            }
        });
    });
    event
}

fn photo(ui: &mut egui::Ui, view: &View<'_>) {
    let metrics = view.metrics;
    match view.photo {
        Some(texture) => {
            let size = texture.size_vec2();
            let height = metrics.review_photo_height().min(ui.available_height());
            let scale = (height / size.y.max(1.0)).min(ui.available_width() / size.x.max(1.0));
            ui.add(egui::Image::new(texture).fit_to_exact_size(size * scale));
        }
        None => {
            ui.label(
                RichText::new(view.text("review.waiting_photo"))
                    .font(metrics.body())
                    .color(theme::TEXT_SECONDARY),
            );
        }
    }
}

fn badge(ui: &mut egui::Ui, verdict: ReviewVerdict, view: &View<'_>) {
    let metrics = view.metrics;
    let (key, colour) = match verdict {
        ReviewVerdict::Passed => ("review.passed", theme::GOOD),
        ReviewVerdict::RetakeNeeded | ReviewVerdict::AskStaff => ("review.failed", theme::BAD),
    };
    egui::Frame::new()
        .fill(colour)
        .corner_radius(metrics.rounding())
        .inner_margin(metrics.spacing() * 0.5)
        .show(ui, |ui| {
            ui.label(
                RichText::new(tr(view.lang, key))
                    .font(metrics.heading())
                    .color(theme::ON_PRIMARY),
            );
            ui.label(
                RichText::new(tr(view.lang.other(), key))
                    .font(metrics.secondary())
                    .color(theme::ON_PRIMARY),
            );
        });
}

fn choices(ui: &mut egui::Ui, state: &ReviewState, view: &View<'_>) -> Option<Event> {
    let metrics = view.metrics;
    let mut event = None;
    let verdict = state.verdict();
    match state.save {
        SaveState::Saving { .. } => note(ui, view, "review.saving", theme::TEXT_SECONDARY),
        SaveState::Failed => note(ui, view, "review.save_failed", theme::BAD),
        SaveState::Idle => {}
    }
    if verdict == ReviewVerdict::AskStaff {
        card(ui, metrics, |ui| {
            note(ui, view, "review.no_retakes", theme::BAD);
        });
    } else if state.retakes_left > 0 {
        let text = fill(view.text("review.retakes_left"), "n", state.retakes_left);
        ui.label(
            RichText::new(text)
                .font(metrics.secondary())
                .color(theme::TEXT_SECONDARY),
        );
    }
    ui.horizontal(|ui| {
        if state.retakes_left > 0
            && buttons::big(
                ui,
                metrics,
                view.text("review.retake"),
                Kind::Secondary,
                state.can_retake(),
            )
            .clicked()
        {
            event = Some(Event::Retake);
        }
        let accept_key = if verdict == ReviewVerdict::AskStaff {
            "review.submit_anyway"
        } else {
            "review.accept"
        };
        if verdict != ReviewVerdict::RetakeNeeded
            && buttons::big(
                ui,
                metrics,
                view.text(accept_key),
                Kind::Primary,
                state.can_accept(),
            )
            .clicked()
        {
            event = Some(Event::Accept);
        }
    });
    event
}

fn note(ui: &mut egui::Ui, view: &View<'_>, key: &'static str, colour: egui::Color32) {
    ui.label(
        RichText::new(view.text(key))
            .font(view.metrics.body())
            .color(colour),
    );
}
