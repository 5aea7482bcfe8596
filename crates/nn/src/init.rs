//! Weight initialisers. All draw from a caller's seeded RNG.

use linalg::Elem;
use rand::Rng;
use rand_distr::{Distribution, Normal, Uniform};
use serde::{Deserialize, Serialize};

/// How a parameter tensor is initialised, given its fan-in `n_in` and fan-out `n_out`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Init {
    /// All zeros.
    Zeros,
    /// `N(0, std²)` with a fixed standard deviation (`std = 1` is Nielsen's `network.py`).
    Normal {
        /// Standard deviation.
        std: f64,
    },
    /// `N(0, 1/n_in)`: Nielsen's `network2` and *Make your own neural network*
    /// (`std = n_in^{-1/2}`).
    NormalFanIn,
    /// Glorot/Xavier uniform: `U(−r, r)` with `r = √(6 / (n_in + n_out))`.
    XavierUniform,
    /// Glorot/Xavier normal: `N(0, 2 / (n_in + n_out))`.
    XavierNormal,
    /// He/Kaiming normal for ReLU: `N(0, 2 / n_in)`.
    He,
}

impl Init {
    /// Fills `out` for a parameter with the given fan-in and fan-out.
    pub fn fill<R: Rng + ?Sized>(self, out: &mut [Elem], n_in: usize, n_out: usize, rng: &mut R) {
        let (n_in, n_out) = (n_in.max(1) as f64, n_out.max(1) as f64);
        let normal = |std: f64, out: &mut [Elem], rng: &mut R| {
            let d = Normal::new(0.0, std).expect("finite std");
            out.iter_mut().for_each(|v| *v = d.sample(rng) as Elem);
        };
        match self {
            Init::Zeros => out.fill(0.0),
            Init::Normal { std } => normal(std, out, rng),
            Init::NormalFanIn => normal(n_in.powf(-0.5), out, rng),
            Init::XavierNormal => normal((2.0 / (n_in + n_out)).sqrt(), out, rng),
            Init::He => normal((2.0 / n_in).sqrt(), out, rng),
            Init::XavierUniform => {
                let r = (6.0 / (n_in + n_out)).sqrt();
                let d = Uniform::new_inclusive(-r, r).expect("finite range");
                out.iter_mut().for_each(|v| *v = d.sample(rng) as Elem);
            }
        }
    }

    /// Checks the parameters (a finite, non-negative std).
    pub fn validate(self) -> Result<(), String> {
        match self {
            Init::Normal { std } if !(std.is_finite() && std >= 0.0) => {
                Err(format!("normal init needs a finite std >= 0, got {std}"))
            }
            _ => Ok(()),
        }
    }
}
