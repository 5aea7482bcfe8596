//! Shared parameter checks for the schedules.

use crate::{Error, Result};
use std::fmt::Display;

pub(super) fn check(ok: bool, what: &str, value: impl Display) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::Config(format!("{what}, got {value}")))
    }
}

pub(super) fn check_rate(name: &str, lr: f64) -> Result<()> {
    check(
        lr.is_finite() && lr > 0.0,
        &format!("{name} must be finite and > 0"),
        lr,
    )
}

pub(super) fn check_factor(name: &str, f: f64) -> Result<()> {
    check(f > 0.0 && f <= 1.0, &format!("{name} must be in (0, 1]"), f)
}
