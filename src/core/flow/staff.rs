//! The hidden staff entry and maintenance mode: a long press on a corner of a resting screen opens the PIN
//! screen; the PIN store's answer opens maintenance (camera diagnostics, profile choice, out-of-service).
//!
//! Owns these transitions only. PIN hashing, attempt counting and lockout belong to the store; the flow
//! only shows what it says and never sends a malformed PIN.

use super::input::Pin;
use super::screen::{MaintenancePage, MaintenanceState, PinState, Screen};
use super::{Effect, Flow, PROFILE_NAME_MAX_CHARS, PinOutcome};

impl Flow {
    pub(super) fn on_corner_press(&mut self) {
        let resting = matches!(
            self.screen,
            Screen::Attract { .. } | Screen::OutOfService | Screen::Failsafe { .. }
        );
        if resting && self.corner_down_since.is_none() {
            self.corner_down_since = Some(self.now);
        }
    }

    pub(super) fn on_pin_entered(&mut self, pin: Pin, fx: &mut Vec<Effect>) {
        let Screen::StaffPin(state) = &mut self.screen else {
            return;
        };
        if matches!(state, PinState::Checking | PinState::LockedOut { .. }) {
            return;
        }
        match pin.check_shape() {
            Ok(()) => {
                *state = PinState::Checking;
                fx.push(Effect::VerifyPin(pin));
            }
            Err(_) => *state = PinState::Malformed,
        }
    }

    pub(super) fn on_pin_result(&mut self, outcome: PinOutcome, fx: &mut Vec<Effect>) {
        let Screen::StaffPin(state) = &mut self.screen else {
            return;
        };
        if *state != PinState::Checking {
            return;
        }
        match outcome {
            PinOutcome::Accepted { staff } => {
                let maintenance = MaintenanceState {
                    staff,
                    page: MaintenancePage::Overview,
                };
                self.set_screen(Screen::Maintenance(maintenance), fx);
            }
            PinOutcome::Wrong { attempts_left } => *state = PinState::Wrong { attempts_left },
            PinOutcome::LockedOut { retry_after } => {
                *state = PinState::LockedOut {
                    until: self.now + retry_after,
                };
            }
        }
    }

    pub(super) fn on_maintenance_page(&mut self, page: MaintenancePage) {
        if let Screen::Maintenance(state) = &mut self.screen {
            state.page = page;
        }
    }

    pub(super) fn on_select_profile(&mut self, name: String, fx: &mut Vec<Effect>) {
        let plausible = !name.is_empty()
            && name.chars().count() <= PROFILE_NAME_MAX_CHARS
            && !name.chars().any(char::is_control);
        if matches!(self.screen, Screen::Maintenance(_)) && plausible {
            fx.push(Effect::SelectProfile(name));
        }
    }

    pub(super) fn on_set_out_of_service(&mut self, on: bool, fx: &mut Vec<Effect>) {
        if matches!(self.screen, Screen::Maintenance(_)) && self.out_of_service != on {
            self.out_of_service = on;
            fx.push(Effect::SetOutOfService(on));
        }
    }
}
