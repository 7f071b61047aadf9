//! Staff accounts for the review station: Argon2id-hashed PINs (never stored or logged in clear) and a
//! lockout after repeated wrong PINs. Hashing runs outside the write lock: it takes tens of milliseconds
//! on purpose and must not stall a booth's commit.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::rows::{self, AuditLine};
use super::{StorageError, Store};
use crate::core::record::{Actor, AuditAction, StaffAccount, StaffPin, check_line};

/// When wrong PINs lock an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Consecutive wrong PINs that lock the account.
    pub max_failures: u32,
    /// How long the lock lasts.
    pub lockout_s: i64,
}

impl Default for LockoutPolicy {
    /// Five tries, then five minutes: guessing a 4-digit PIN then takes ~3.5 days of continuous trying on
    /// average (10 000 / 2 / 5 × 5 min), every try audited, while a staff member who mistypes loses little.
    fn default() -> Self {
        Self {
            max_failures: 5,
            lockout_s: 300,
        }
    }
}

/// A staff account as listed (no hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffSummary {
    pub account: StaffAccount,
    pub display_name: String,
    pub disabled: bool,
    pub failed_attempts: u32,
    /// Set while the account is locked.
    pub locked_until_unix_s: Option<i64>,
    pub created_at_unix_s: i64,
}

fn hash_pin(pin: &StaffPin) -> Result<String, StorageError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| StorageError::PinHash(e.to_string()))
}

fn pin_matches(pin: &StaffPin, stored: &str) -> Result<bool, StorageError> {
    let parsed = PasswordHash::new(stored).map_err(|e| StorageError::PinHash(e.to_string()))?;
    match Argon2::default().verify_password(pin.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::Password) => Ok(false),
        Err(e) => Err(StorageError::PinHash(e.to_string())),
    }
}

const SUMMARY_SQL: &str =
    "SELECT account, display_name, disabled, failed_attempts, locked_until, created_at FROM staff";

fn staff_summary(row: &rusqlite::Row<'_>, now_unix_s: i64) -> rusqlite::Result<StaffSummary> {
    let locked_until: i64 = row.get(4)?;
    Ok(StaffSummary {
        account: StaffAccount::from_stored(row.get(0)?),
        display_name: row.get(1)?,
        disabled: row.get(2)?,
        failed_attempts: row.get(3)?,
        locked_until_unix_s: (locked_until > now_unix_s).then_some(locked_until),
        created_at_unix_s: row.get(5)?,
    })
}

/// The stored state a login decision needs.
struct LoginState {
    pin_hash: String,
    disabled: bool,
    locked_until_unix_s: i64,
}

impl Store {
    pub fn create_staff(
        &mut self,
        account: &StaffAccount,
        display_name: &str,
        pin: &StaffPin,
        actor: &Actor,
        now_unix_s: i64,
    ) -> Result<(), StorageError> {
        let display_name = display_name.trim();
        check_line("display name", display_name, true)?;
        let pin_hash = hash_pin(pin)?;
        self.write(|tx| {
            let inserted = tx
                .prepare_cached(
                    "INSERT INTO staff (account, display_name, pin_hash, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)
                     ON CONFLICT (account) DO NOTHING",
                )?
                .execute(params![account.as_str(), display_name, pin_hash, now_unix_s])?;
            if inserted == 0 {
                return Err(StorageError::StaffExists(account.to_string()));
            }
            let detail = serde_json::json!({ "account": account.as_str() });
            rows::write_audit(tx, &AuditLine::general(now_unix_s, actor, AuditAction::StaffCreated, detail))
        })
    }

    /// Checks a PIN. A locked or disabled account is refused without looking at the PIN; a wrong PIN
    /// counts towards the lockout; a right one resets the count. Every outcome is audited.
    pub fn login(
        &mut self,
        account: &StaffAccount,
        pin: &StaffPin,
        policy: LockoutPolicy,
        now_unix_s: i64,
    ) -> Result<StaffSummary, StorageError> {
        let state = self.login_state(account)?;
        if state.disabled {
            return Err(StorageError::StaffDisabled(account.to_string()));
        }
        if state.locked_until_unix_s > now_unix_s {
            return Err(StorageError::LockedOut {
                account: account.to_string(),
                remaining_s: state.locked_until_unix_s - now_unix_s,
            });
        }
        let matches = pin_matches(pin, &state.pin_hash)?;
        let actor = Actor::Staff(account.to_string());
        let outcome = self.write(|tx| {
            // Re-read under the lock: another station may have locked the account meanwhile.
            let locked_until: i64 = tx
                .prepare_cached("SELECT locked_until FROM staff WHERE account = ?1")?
                .query_row([account.as_str()], |row| row.get(0))?;
            if locked_until > now_unix_s {
                return Ok(Err(StorageError::LockedOut { account: account.to_string(), remaining_s: locked_until - now_unix_s }));
            }
            if matches {
                tx.prepare_cached("UPDATE staff SET failed_attempts = 0, locked_until = 0 WHERE account = ?1")?
                    .execute([account.as_str()])?;
                rows::write_audit(tx, &AuditLine::general(now_unix_s, &actor, AuditAction::StaffLogin, serde_json::json!({})))?;
                return Ok(Ok(()));
            }
            let failures: u32 = tx
                .prepare_cached("UPDATE staff SET failed_attempts = failed_attempts + 1 WHERE account = ?1 RETURNING failed_attempts")?
                .query_row([account.as_str()], |row| row.get(0))?;
            rows::write_audit(tx, &AuditLine::general(now_unix_s, &actor, AuditAction::StaffLoginFailed, serde_json::json!({ "failures": failures })))?;
            if failures < policy.max_failures {
                return Ok(Err(StorageError::WrongPin { account: account.to_string(), attempts_left: policy.max_failures - failures }));
            }
            let until = now_unix_s + policy.lockout_s;
            tx.prepare_cached("UPDATE staff SET failed_attempts = 0, locked_until = ?2 WHERE account = ?1")?
                .execute(params![account.as_str(), until])?;
            rows::write_audit(tx, &AuditLine::general(now_unix_s, &actor, AuditAction::StaffLockedOut, serde_json::json!({ "until": until })))?;
            Ok(Err(StorageError::LockedOut { account: account.to_string(), remaining_s: policy.lockout_s }))
        })?;
        outcome?;
        self.staff(account, now_unix_s)
    }

    /// The enabled, unlocked account whose PIN this is, if any: the booth's hidden staff entry asks for a
    /// PIN only. Counts nothing; the booth enforces its own lockout, then `login`s the account found.
    pub fn staff_with_pin(
        &self,
        pin: &StaffPin,
        now_unix_s: i64,
    ) -> Result<Option<StaffAccount>, StorageError> {
        let candidates = self
            .conn
            .prepare_cached(
                "SELECT account, pin_hash FROM staff WHERE disabled = 0 AND locked_until <= ?1",
            )?
            .query_map([now_unix_s], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (account, pin_hash) in candidates {
            if pin_matches(pin, &pin_hash)? {
                return Ok(Some(StaffAccount::parse(&account)?));
            }
        }
        Ok(None)
    }

    fn login_state(&self, account: &StaffAccount) -> Result<LoginState, StorageError> {
        self.conn
            .prepare_cached(
                "SELECT pin_hash, disabled, locked_until FROM staff WHERE account = ?1",
            )?
            .query_row([account.as_str()], |row| {
                Ok(LoginState {
                    pin_hash: row.get(0)?,
                    disabled: row.get(1)?,
                    locked_until_unix_s: row.get(2)?,
                })
            })
            .optional()?
            .ok_or_else(|| StorageError::UnknownStaff(account.to_string()))
    }

    /// Sets a new PIN and clears any lockout.
    pub fn change_pin(
        &mut self,
        account: &StaffAccount,
        pin: &StaffPin,
        actor: &Actor,
        now_unix_s: i64,
    ) -> Result<(), StorageError> {
        let pin_hash = hash_pin(pin)?;
        self.write(|tx| {
            let changed = tx
                .prepare_cached(
                    "UPDATE staff SET pin_hash = ?2, failed_attempts = 0, locked_until = 0, updated_at = ?3 WHERE account = ?1",
                )?
                .execute(params![account.as_str(), pin_hash, now_unix_s])?;
            if changed == 0 {
                return Err(StorageError::UnknownStaff(account.to_string()));
            }
            let detail = serde_json::json!({ "account": account.as_str() });
            rows::write_audit(tx, &AuditLine::general(now_unix_s, actor, AuditAction::StaffPinChanged, detail))
        })
    }

    /// Disables (or re-enables) an account; a disabled account cannot log in.
    pub fn set_staff_disabled(
        &mut self,
        account: &StaffAccount,
        disabled: bool,
        actor: &Actor,
        now_unix_s: i64,
    ) -> Result<(), StorageError> {
        self.write(|tx| {
            let changed = tx
                .prepare_cached(
                    "UPDATE staff SET disabled = ?2, updated_at = ?3 WHERE account = ?1",
                )?
                .execute(params![account.as_str(), disabled, now_unix_s])?;
            if changed == 0 {
                return Err(StorageError::UnknownStaff(account.to_string()));
            }
            let action = if disabled {
                AuditAction::StaffDisabled
            } else {
                AuditAction::StaffEnabled
            };
            rows::write_audit(
                tx,
                &AuditLine::general(
                    now_unix_s,
                    actor,
                    action,
                    serde_json::json!({ "account": account.as_str() }),
                ),
            )
        })
    }

    pub fn staff(
        &self,
        account: &StaffAccount,
        now_unix_s: i64,
    ) -> Result<StaffSummary, StorageError> {
        self.conn
            .prepare_cached(&format!("{SUMMARY_SQL} WHERE account = ?1"))?
            .query_row([account.as_str()], |row| staff_summary(row, now_unix_s))
            .optional()?
            .ok_or_else(|| StorageError::UnknownStaff(account.to_string()))
    }

    /// Every account, by name.
    pub fn list_staff(&self, now_unix_s: i64) -> Result<Vec<StaffSummary>, StorageError> {
        Ok(self
            .conn
            .prepare_cached(&format!("{SUMMARY_SQL} ORDER BY account"))?
            .query_map([], |row| staff_summary(row, now_unix_s))?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
