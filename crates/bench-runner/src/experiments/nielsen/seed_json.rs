//! The network in the seed's JSON layout (Nielsen's `network.py` attributes):
//! `{"num_layers": 3, "sizes": [784, 30, 10], "biases": [...], "weights": [...]}`, where
//! `biases[l]` is layer `l`'s column vector as a list of one-element lists `[[b1], [b2], …]`
//! (numpy shape `(out, 1)`) and `weights[l]` is a list of `out` rows of `in` weights (numpy shape
//! `(out, in)`), so `np.array(weights[l])` and `np.array(biases[l])` give back `network.py`'s
//! arrays and `sigmoid(np.dot(w, a) + b)` its feedforward.

use nn::Model;
use serde::Serialize;
use std::path::Path;

/// `network.py`'s attributes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkPy {
    /// Layers including the input layer.
    pub num_layers: usize,
    /// Neurons per layer.
    pub sizes: Vec<usize>,
    /// Per layer, `out` one-element lists.
    pub biases: Vec<Vec<[f32; 1]>>,
    /// Per layer, `out` rows of `in` weights.
    pub weights: Vec<Vec<Vec<f32>>>,
}

impl NetworkPy {
    /// The layout of `model`; layers without bias get zero biases.
    pub fn of(model: &Model) -> Self {
        let sizes = model.sizes();
        let layers = model.layers();
        Self {
            num_layers: sizes.len(),
            biases: layers
                .iter()
                .map(|l| match &l.bias {
                    Some(b) => b.iter().map(|&v| [v]).collect(),
                    None => vec![[0.0]; l.d_output()],
                })
                .collect(),
            weights: layers
                .iter()
                .map(|l| {
                    (0..l.d_output())
                        .map(|r| l.weights.row(r).to_vec())
                        .collect()
                })
                .collect(),
            sizes,
        }
    }

    /// Writes compact JSON (as `json.dump`) to `path`, atomically.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        nn::persist::write_atomic(path, &serde_json::to_vec(self)?)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::NetworkPy;
    use nn::{rng, Activation, Init, Model, Workspace};

    /// `network.py`'s feedforward on the exported lists: `a ← σ(w·a + b)` per layer.
    fn feedforward(net: &NetworkPy, x: &[f32]) -> Vec<f32> {
        let mut a = x.to_vec();
        for (w, b) in net.weights.iter().zip(&net.biases) {
            a = w
                .iter()
                .zip(b)
                .map(|(row, [bj])| {
                    let z: f32 = row.iter().zip(&a).map(|(wi, ai)| wi * ai).sum::<f32>() + bj;
                    nn::sigmoid(z)
                })
                .collect();
        }
        a
    }

    #[test]
    fn exported_lists_compute_the_same_outputs() {
        let model = Model::mlp(
            &[6, 4, 3],
            Activation::Sigmoid,
            Activation::Sigmoid,
            true,
            Init::Normal { std: 1.0 },
            Init::Normal { std: 1.0 },
            &mut rng::stream(3, "init"),
        )
        .unwrap();
        let net = NetworkPy::of(&model);
        assert_eq!((net.num_layers, net.sizes.clone()), (3, vec![6, 4, 3]));
        assert_eq!(net.biases[0].len(), 4);
        assert_eq!((net.weights[1].len(), net.weights[1][0].len()), (3, 4));
        let x = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0];
        let input = linalg::Matrix::from_vec(1, 6, x.to_vec()).unwrap();
        let mut ws = Workspace::new(&model, 1);
        let ours = model
            .forward(linalg::Backend::Pure, &mut ws, input.view())
            .row(0)
            .to_vec();
        for (a, b) in ours.iter().zip(feedforward(&net, &x)) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
        let json = serde_json::to_value(&net).unwrap();
        assert!(json["biases"][0][0].is_array(), "biases are column vectors");
    }
}
