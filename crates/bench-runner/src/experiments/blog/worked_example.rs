//! The blog's worked example: one forward and backward pass of a hand-sized 2-3-2 network.
//!
//! The network is built directly from [`nn::Dense`] layers (weights ±1, biases 0; the blog's
//! figure gives weights of ±1, the sign pattern below is ours), run on an [`nn::Workspace`] for
//! the input (1, −1) with target class 0 (one-hot (1, 0)), and every activation and gradient is
//! printed; the unit test checks them against the closed-form computation.

use linalg::{Backend, Matrix};
use nn::{Activation, Dense, Loss, Model, TargetEncoding, Workspace};
use serde::Serialize;

/// The worked example: the network, its activations and its gradients after one sample.
#[derive(Debug, Clone, Serialize)]
pub struct WorkedExample {
    /// The input.
    pub input: Vec<f32>,
    /// The target class (one-hot (1, 0)).
    pub target_class: usize,
    /// Hidden weights, one row per hidden unit.
    pub w1: Vec<Vec<f32>>,
    /// Output weights, one row per output.
    pub w2: Vec<Vec<f32>>,
    /// Hidden activations `σ(W₁x + b₁)`.
    pub hidden: Vec<f32>,
    /// Logits `W₂h + b₂`.
    pub logits: Vec<f32>,
    /// Softmax of the logits.
    pub probabilities: Vec<f64>,
    /// Cross-entropy loss.
    pub loss: f64,
    /// `∂L/∂W₁`.
    pub grad_w1: Vec<Vec<f32>>,
    /// `∂L/∂b₁` (= `δ₁`).
    pub grad_b1: Vec<f32>,
    /// `∂L/∂W₂`.
    pub grad_w2: Vec<Vec<f32>>,
    /// `∂L/∂b₂` (= `δ₂ = p − t`).
    pub grad_b2: Vec<f32>,
}

/// The hand-sized network's weights: hidden rows (1, −1), (−1, 1), (1, 1); output rows
/// (1, −1, 1), (−1, 1, −1). The blog's figure gives weights of ±1 and zero biases; this is our
/// choice of signs.
pub const EXAMPLE_W1: [[f32; 2]; 3] = [[1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]];
/// See [`EXAMPLE_W1`].
pub const EXAMPLE_W2: [[f32; 3]; 2] = [[1.0, -1.0, 1.0], [-1.0, 1.0, -1.0]];

fn rows(m: &Matrix) -> Vec<Vec<f32>> {
    (0..m.rows()).map(|i| m.row(i).to_vec()).collect()
}

/// One forward and backward pass of the worked example on nn's buffers.
pub fn worked_example(backend: Backend) -> anyhow::Result<WorkedExample> {
    let layer = |w: Vec<f32>, rows: usize, cols: usize, activation| -> anyhow::Result<Dense> {
        Ok(Dense {
            weights: Matrix::from_vec(rows, cols, w)?,
            bias: Some(vec![0.0; rows]),
            activation,
        })
    };
    let model = Model::new(vec![
        layer(EXAMPLE_W1.concat(), 3, 2, Activation::Sigmoid)?,
        layer(EXAMPLE_W2.concat(), 2, 3, Activation::Identity)?,
    ])?;
    let input = Matrix::from_vec(1, 2, vec![1.0, -1.0])?;
    let target_class = 0;
    let mut ws = Workspace::new(&model, 1);
    let mut grads = model.zero_grads();
    let logits = model
        .forward(backend, &mut ws, input.view())
        .row(0)
        .to_vec();
    let loss = model.output_delta(
        &mut ws,
        &[target_class],
        Loss::SoftmaxCrossEntropy,
        TargetEncoding::ONE_HOT,
    );
    model.backward(backend, &mut ws, input.view(), &mut grads);
    let lse = nn::log_sum_exp(&logits);
    let g = |l: usize| &grads.layers[l];
    Ok(WorkedExample {
        input: input.row(0).to_vec(),
        target_class,
        w1: rows(&model.layers()[0].weights),
        w2: rows(&model.layers()[1].weights),
        hidden: ws.activation(0, 1).row(0).to_vec(),
        probabilities: logits.iter().map(|&z| (f64::from(z) - lse).exp()).collect(),
        logits,
        loss,
        grad_w1: rows(&g(0).weights),
        grad_b1: g(0).bias.clone().unwrap_or_default(),
        grad_w2: rows(&g(1).weights),
        grad_b2: g(1).bias.clone().unwrap_or_default(),
    })
}

pub fn print_example(e: &WorkedExample) {
    println!(
        "worked example: 2-3-2, x = {:?}, target class {} (one-hot (1, 0))",
        e.input, e.target_class
    );
    println!("  W1 = {:?}, b1 = 0", e.w1);
    println!("  W2 = {:?}, b2 = 0", e.w2);
    println!("  hidden h = σ(W1·x)    = {:.6?}", e.hidden);
    println!("  logits z = W2·h       = {:.6?}", e.logits);
    println!("  softmax p             = {:.6?}", e.probabilities);
    println!("  loss −ln p[target]    = {:.6}", e.loss);
    println!("  δ2 = p − t = ∂L/∂b2   = {:.6?}", e.grad_b2);
    println!("  ∂L/∂W2 = δ2·hᵀ        = {:.6?}", e.grad_w2);
    println!("  δ1 = W2ᵀδ2 ⊙ h(1−h)   = {:.6?}", e.grad_b1);
    println!("  ∂L/∂W1 = δ1·xᵀ        = {:.6?}", e.grad_w1);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sigmoid(z: f64) -> f64 {
        1.0 / (1.0 + (-z).exp())
    }

    fn close(a: f32, b: f64) -> bool {
        (f64::from(a) - b).abs() < 1e-5
    }

    #[test]
    #[allow(clippy::needless_range_loop)] // index loops read like the formulas
    fn worked_example_matches_the_hand_computation() {
        let e = worked_example(Backend::Pure).unwrap();
        // Forward: z1 = W1·(1, −1) = (2, −2, 0).
        let h = [sigmoid(2.0), sigmoid(-2.0), 0.5];
        let s = h[0] - h[1] + h[2];
        let (z, p0) = ([s, -s], sigmoid(2.0 * s));
        let p = [p0, 1.0 - p0];
        for i in 0..3 {
            assert!(close(e.hidden[i], h[i]), "h[{i}] = {}", e.hidden[i]);
        }
        for k in 0..2 {
            assert!(close(e.logits[k], z[k]), "z[{k}] = {}", e.logits[k]);
            assert!((e.probabilities[k] - p[k]).abs() < 1e-6);
        }
        assert!((e.loss - (-p0.ln())).abs() < 1e-6, "loss {}", e.loss);
        // Backward: δ2 = p − t, ∂W2 = δ2·hᵀ, δ1 = W2ᵀδ2 ⊙ h(1 − h), ∂W1 = δ1·xᵀ.
        let d2 = [p0 - 1.0, p[1]];
        let x = [1.0, -1.0];
        let mut d1 = [0.0; 3];
        for j in 0..3 {
            let back: f64 = (0..2).map(|k| f64::from(EXAMPLE_W2[k][j]) * d2[k]).sum();
            d1[j] = back * h[j] * (1.0 - h[j]);
            assert!(close(e.grad_b1[j], d1[j]), "δ1[{j}] = {}", e.grad_b1[j]);
            for i in 0..2 {
                assert!(close(e.grad_w1[j][i], d1[j] * x[i]), "∂W1[{j}][{i}]");
            }
        }
        for k in 0..2 {
            assert!(close(e.grad_b2[k], d2[k]), "δ2[{k}] = {}", e.grad_b2[k]);
            for j in 0..3 {
                assert!(close(e.grad_w2[k][j], d2[k] * h[j]), "∂W2[{k}][{j}]");
            }
        }
        // The numbers themselves, to 4 decimals.
        assert!((s - 1.261_594).abs() < 1e-6);
        assert!((e.loss - 0.077_149).abs() < 1e-5);
        assert!(close(e.grad_b2[0], -0.074_248));
        assert!(close(e.grad_b1[2], -0.037_124));
    }
}
