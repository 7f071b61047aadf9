//! The start of a visit: Start creates the session, the privacy notice is accepted (its version recorded),
//! and the student is identified by keypad or QR code, confirmed against the roster when there is one.
//!
//! Owns these transitions only; input parsing is in `input`, the roster lookup is an effect.

use super::event::LookupResult;
use super::input::{self, InputError, StudentKey};
use super::screen::{IdentifyState, Lookup, Screen};
use super::session::{ConsentRecord, Session, SessionId, Student};
use super::{Effect, Flow};

impl Flow {
    pub(super) fn on_start(&mut self, fx: &mut Vec<Effect>) {
        if !matches!(self.screen, Screen::Attract { .. }) {
            return;
        }
        self.last_session_id += 1;
        self.session = Some(Session::new(SessionId::new(self.last_session_id), self.now));
        self.set_screen(Screen::Consent, fx);
    }

    pub(super) fn on_accept_consent(&mut self, fx: &mut Vec<Effect>) {
        if !matches!(self.screen, Screen::Consent) {
            return;
        }
        let Some(session) = self.session.as_mut() else {
            return;
        };
        session.consent = Some(ConsentRecord {
            version: self.settings.notice.version.clone(),
            accepted_at: self.now,
        });
        self.set_screen(Screen::Identify(IdentifyState::default()), fx);
    }

    pub(super) fn on_keypad_key(&mut self, key: char) {
        let format = self.settings.student_no;
        let Screen::Identify(state) = &mut self.screen else {
            return;
        };
        match input::push_key(&mut state.typed, key, &format) {
            Ok(()) => {
                state.problem = None;
                state.lookup = Lookup::Typing;
            }
            Err(problem) => state.problem = Some(problem),
        }
    }

    pub(super) fn on_backspace(&mut self) {
        if let Screen::Identify(state) = &mut self.screen {
            state.typed.pop();
            state.problem = None;
            state.lookup = Lookup::Typing;
        }
    }

    pub(super) fn on_submit_number(&mut self, fx: &mut Vec<Effect>) {
        let format = self.settings.student_no;
        let Some(session) = self.session.as_ref().map(Session::id) else {
            return;
        };
        let Screen::Identify(state) = &mut self.screen else {
            return;
        };
        if !matches!(state.lookup, Lookup::Typing) {
            // Already asked (a double tap) or answered.
            return;
        }
        match StudentKey::student_no(&state.typed, &format) {
            Ok(key) => {
                state.problem = None;
                state.lookup = Lookup::Pending(key.clone());
                fx.push(Effect::LookupStudent { session, key });
            }
            Err(problem) => state.problem = Some(problem),
        }
    }

    pub(super) fn on_lookup(&mut self, key: &StudentKey, result: LookupResult) {
        let Screen::Identify(state) = &mut self.screen else {
            return;
        };
        if !matches!(&state.lookup, Lookup::Pending(pending) if pending == key) {
            // An answer for a number the student has since changed.
            return;
        }
        let key = key.clone();
        state.lookup = match result {
            LookupResult::Found { name } => Lookup::Found { key, name },
            LookupResult::Ineligible { name } => Lookup::Ineligible { key, name },
            LookupResult::NotFound => Lookup::NotFound(key),
            LookupResult::NoRoster | LookupResult::Failed => Lookup::Unlisted(key),
        };
    }

    pub(super) fn on_confirm_student(&mut self, fx: &mut Vec<Effect>) {
        let Screen::Identify(state) = &self.screen else {
            return;
        };
        let Some((key, name)) = state.lookup.confirmable() else {
            return;
        };
        let student = Student {
            key: key.clone(),
            name: name.map(str::to_string),
        };
        if let Some(session) = self.session.as_mut() {
            session.student = Some(student);
            self.enter_pose(None, fx);
        }
    }

    pub(super) fn on_qr(&mut self, text: &str, fx: &mut Vec<Effect>) {
        let format = self.settings.student_no;
        let Some(session) = self.session.as_ref().map(Session::id) else {
            return;
        };
        let Screen::Identify(state) = &mut self.screen else {
            return;
        };
        // Someone is holding a code up to the camera.
        self.last_activity = self.now;
        match StudentKey::from_qr(text, &format) {
            // The store keys records by student number and has no field for the opaque code: rather than
            // let a student pose for a photo that cannot be saved, ask for the number.
            Ok(StudentKey::ChsiCode(_)) => state.problem = Some(InputError::QrNoStudentNo),
            Ok(key) => {
                let same = match &state.lookup {
                    Lookup::Pending(k)
                    | Lookup::NotFound(k)
                    | Lookup::Unlisted(k)
                    | Lookup::Found { key: k, .. }
                    | Lookup::Ineligible { key: k, .. } => *k == key,
                    Lookup::Typing => false,
                };
                if same {
                    // The scanner reports the code on every frame it is held up.
                    return;
                }
                state.typed = match &key {
                    StudentKey::StudentNo(number) => number.clone(),
                    StudentKey::ChsiCode(_) => String::new(),
                };
                state.problem = None;
                state.lookup = Lookup::Pending(key.clone());
                fx.push(Effect::LookupStudent { session, key });
            }
            Err(problem) => state.problem = Some(problem),
        }
    }
}
