//! Optimizers against hand-computed updates on a one-layer model, their state and configuration
//! round trips, their shape checks, the "no allocation after the first step" rule, and a
//! behavioural check that each one trains a small classifier.
//!
//! The tiny model is `w = [1, −2]`, `b = [0.5]`; the two gradients are `g₁ = ([0.5, −0.25], 1)`
//! and `g₂ = ([−1, 0.5], 0.25)`; the learning rate is `η = 0.1`. Every expected value is written
//! out with its arithmetic (checked with a float64 Python transcription of the formulas).

use linalg::Matrix;
use nn::optim::{
    Adam, AdamConfig, Momentum, Optimizer, OptimizerConfig, OptimizerState, Sgd, SgdConfig,
    WeightDecay,
};
use nn::{
    rng, Activation, Dense, DenseGrads, Error, Grads, InMemoryDataset, Init, Loss, Model,
    NoObserver, TrainConfig, Trainer,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

// ---------------------------------------------------------------------------------------------
// Allocation counting (per thread, so parallel tests do not disturb each other).

struct CountingAlloc;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; counting touches only a
// const-initialised thread-local `Cell` without a destructor, which never allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// Heap allocations made by `f` on this thread.
fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

// ---------------------------------------------------------------------------------------------
// The tiny model.

const LR: f32 = 0.1;

fn tiny_model() -> Model {
    Model::new(vec![Dense {
        weights: Matrix::from_vec(1, 2, vec![1.0, -2.0]).unwrap(),
        bias: Some(vec![0.5]),
        activation: Activation::Identity,
    }])
    .unwrap()
}

fn grads(w: [f32; 2], b: f32) -> Grads {
    Grads {
        front: Vec::new(),
        layers: vec![DenseGrads {
            weights: Matrix::from_vec(1, 2, w.to_vec()).unwrap(),
            bias: Some(vec![b]),
        }],
    }
}

fn g1() -> Grads {
    grads([0.5, -0.25], 1.0)
}

fn g2() -> Grads {
    grads([-1.0, 0.5], 0.25)
}

/// `[w₁, w₂, b]`.
fn params(model: &Model) -> [f32; 3] {
    let layer = &model.layers()[0];
    let w = layer.weights.as_slice();
    [w[0], w[1], layer.bias.as_ref().unwrap()[0]]
}

#[track_caller]
fn assert_params(model: &Model, expected: [f32; 3]) {
    let got = params(model);
    for (i, (g, e)) in got.iter().zip(expected).enumerate() {
        assert!(
            (g - e).abs() <= 2e-6,
            "parameter {i}: got {g}, expected {e} (all: {got:?} vs {expected:?})"
        );
    }
}

/// Applies `opt` with `g₁` then `g₂`, checking the parameters after each step.
#[track_caller]
fn two_steps(opt: &mut dyn Optimizer, after_1: [f32; 3], after_2: [f32; 3]) {
    let mut model = tiny_model();
    opt.step(&mut model, &g1(), LR);
    assert_params(&model, after_1);
    opt.step(&mut model, &g2(), LR);
    assert_params(&model, after_2);
}

fn sgd(momentum: Momentum, weight_decay: WeightDecay) -> Sgd {
    Sgd::new(SgdConfig {
        momentum,
        weight_decay,
    })
}

// ---------------------------------------------------------------------------------------------
// Hand-computed updates.

#[test]
fn plain_sgd_one_step() {
    let mut model = tiny_model();
    Sgd::plain().step(&mut model, &g1(), LR);
    // θ − η·g₁ = [1 − 0.05, −2 + 0.025, 0.5 − 0.1]
    assert_params(&model, [0.95, -1.975, 0.4]);
    // The default is the same plain SGD.
    assert_eq!(Sgd::default(), Sgd::plain());
}

#[test]
fn classic_momentum_two_steps() {
    let mut opt = sgd(Momentum::Classic { mu: 0.9 }, WeightDecay::None);
    two_steps(
        &mut opt,
        // v = g₁ = [0.5, −0.25, 1]; θ − η·v = [0.95, −1.975, 0.4]
        [0.95, -1.975, 0.4],
        // v = 0.9·g₁ + g₂ = [0.45 − 1, −0.225 + 0.5, 0.9 + 0.25] = [−0.55, 0.275, 1.15]
        // θ − η·v = [0.95 + 0.055, −1.975 − 0.0275, 0.4 − 0.115]
        [1.005, -2.0025, 0.285],
    );
}

#[test]
fn nesterov_momentum_two_steps() {
    let mut opt = sgd(Momentum::Nesterov { mu: 0.9 }, WeightDecay::None);
    two_steps(
        &mut opt,
        // v = g₁; step g₁ + 0.9·v = 1.9·g₁ = [0.95, −0.475, 1.9]
        // θ − η·step = [1 − 0.095, −2 + 0.0475, 0.5 − 0.19]
        [0.905, -1.9525, 0.31],
        // v = 0.9·g₁ + g₂ = [−0.55, 0.275, 1.15]
        // step = g₂ + 0.9·v = [−1 − 0.495, 0.5 + 0.2475, 0.25 + 1.035] = [−1.495, 0.7475, 1.285]
        // θ − η·step = [0.905 + 0.1495, −1.9525 − 0.07475, 0.31 − 0.1285]
        [1.0545, -2.02725, 0.1815],
    );
}

#[test]
fn adam_two_steps_with_bias_correction() {
    let mut opt = Adam::default();
    two_steps(
        &mut opt,
        // t = 1: m = 0.1·g, v = 0.001·g², m̂ = m/0.1 = g, v̂ = v/0.001 = g², so the step is
        // η·g/(|g| + ε) ≈ η·sign(g) = ±0.1 for every parameter, whatever |g|:
        // [1 − 0.1, −2 + 0.1, 0.5 − 0.1]
        [0.9, -1.9, 0.4],
        // t = 2: 1 − 0.9² = 0.19, 1 − 0.999² = 0.001999.
        // w₁: m = 0.9·0.05 + 0.1·(−1) = −0.055, m̂ = −0.289474;
        //     v = 0.999·0.00025 + 0.001·1 = 0.00124975, v̂ = 0.625188, √v̂ = 0.790688;
        //     θ = 0.9 + 0.1·0.289474/0.790688 = 0.9 + 0.0366104 = 0.9366104
        // w₂: its gradients are −½ those of w₁, and Adam is scale invariant: θ = −1.9 − 0.0366104
        // b:  m = 0.9·0.1 + 0.1·0.25 = 0.115, m̂ = 0.605263;
        //     v = 0.999·0.001 + 0.001·0.0625 = 0.0010615, v̂ = 0.531016, √v̂ = 0.728709;
        //     θ = 0.4 − 0.1·0.605263/0.728709 = 0.4 − 0.0830598 = 0.3169402
        [0.936_610_4, -1.936_610_4, 0.316_940_2],
    );
    assert_eq!(opt.steps(), 2);
}

#[test]
fn l2_in_nielsen_form_scales_weights_but_not_biases() {
    let mut model = tiny_model();
    let mut opt = sgd(Momentum::None, WeightDecay::L2 { lambda: 2.0, n: 10 });
    opt.step(&mut model, &g1(), LR);
    // weights: (1 − η·λ/n)·w − η·g = 0.98·[1, −2] − [0.05, −0.025] = [0.93, −1.935]
    // bias: no decay, b − η·g = 0.5 − 0.1 = 0.4
    assert_params(&model, [0.93, -1.935, 0.4]);
}

#[test]
fn l2_with_momentum_goes_through_the_velocity() {
    let mut opt = sgd(
        Momentum::Classic { mu: 0.9 },
        WeightDecay::L2 { lambda: 2.0, n: 10 },
    );
    two_steps(
        &mut opt,
        // g + 0.2·w = [0.5 + 0.2, −0.25 − 0.4] = [0.7, −0.65]; bias g = 1 (no decay)
        // v = [0.7, −0.65, 1]; θ − η·v = [0.93, −1.935, 0.4] (Nielsen's one step, as above)
        [0.93, -1.935, 0.4],
        // g₂ + 0.2·w = [−1 + 0.186, 0.5 − 0.387] = [−0.814, 0.113]; bias 0.25
        // v = 0.9·[0.7, −0.65, 1] + [−0.814, 0.113, 0.25] = [−0.184, −0.472, 1.15]
        // θ − η·v = [0.93 + 0.0184, −1.935 + 0.0472, 0.4 − 0.115]
        [0.9484, -1.8878, 0.285],
    );
}

#[test]
fn decoupled_decay_with_sgd_one_step() {
    let mut model = tiny_model();
    let mut opt = sgd(Momentum::None, WeightDecay::Decoupled { rate: 0.5 });
    opt.step(&mut model, &g1(), LR);
    // weights: (1 − η·rate)·w − η·g = 0.95·[1, −2] − [0.05, −0.025] = [0.9, −1.875]
    // bias: 0.5 − 0.1 = 0.4
    assert_params(&model, [0.9, -1.875, 0.4]);
}

#[test]
fn decoupled_decay_with_momentum_stays_out_of_the_velocity() {
    let mut opt = sgd(
        Momentum::Classic { mu: 0.9 },
        WeightDecay::Decoupled { rate: 0.5 },
    );
    two_steps(
        &mut opt,
        // v = g₁; 0.95·w − η·v = [0.95 − 0.05, −1.9 + 0.025]; bias 0.4
        [0.9, -1.875, 0.4],
        // v = [−0.55, 0.275, 1.15] as without decay;
        // 0.95·[0.9, −1.875] − η·v = [0.855 + 0.055, −1.78125 − 0.0275]; bias 0.4 − 0.115
        [0.91, -1.80875, 0.285],
    );
}

#[test]
fn adamw_decays_weights_outside_the_moments() {
    let mut opt = Adam::new(AdamConfig {
        weight_decay: WeightDecay::Decoupled { rate: 0.5 },
        ..AdamConfig::default()
    });
    two_steps(
        &mut opt,
        // 0.95·w − η·sign(g) = [0.95 − 0.1, −1.9 + 0.1]; bias 0.5 − 0.1
        [0.85, -1.8, 0.4],
        // moments as without decay (steps ±0.0366104 and −0.0830598, see the Adam test):
        // 0.95·[0.85, −1.8] = [0.8075, −1.71], + [0.0366104, −0.0366104]; bias 0.3169402
        [0.844_110_4, -1.746_610_4, 0.316_940_2],
    );
}

#[test]
fn l2_with_adam_enters_the_moments() {
    let mut opt = Adam::new(AdamConfig {
        weight_decay: WeightDecay::L2 { lambda: 2.0, n: 10 },
        ..AdamConfig::default()
    });
    two_steps(
        &mut opt,
        // g + 0.2·w = [0.7, −0.65]: same signs as g, so the first step is still η·sign:
        // the penalty is normalised away, unlike decoupled decay.
        [0.9, -1.9, 0.4],
        // w₁: g = −1 + 0.2·0.9 = −0.82; m = 0.9·0.07 − 0.082 = −0.019, m̂ = −0.1;
        //     v = 0.999·0.00049 + 0.001·0.6724 = 0.00116191, v̂ = 0.581246, √v̂ = 0.762395;
        //     θ = 0.9 + 0.1·0.1/0.762395 = 0.9131166
        // w₂: g = 0.5 − 0.38 = 0.12; m = 0.9·(−0.065) + 0.012 = −0.0465, m̂ = −0.244737;
        //     v = 0.999·0.0004225 + 0.001·0.0144 = 0.000436478, v̂ = 0.218348, √v̂ = 0.467277;
        //     θ = −1.9 + 0.1·0.244737/0.467277 = −1.8476249
        // b:  no decay, 0.3169402 as in the Adam test
        [0.913_116_6, -1.847_624_9, 0.316_940_2],
    );
}

// ---------------------------------------------------------------------------------------------
// State and configuration.

/// Takes `a`'s state after `g₁` through JSON into `b`, then checks that both take the same `g₂`
/// step bit for bit.
fn assert_state_round_trip(mut a: Box<dyn Optimizer>, mut b: Box<dyn Optimizer>) {
    let mut model_a = tiny_model();
    a.step(&mut model_a, &g1(), LR);
    let state = a.state().expect("stateful optimizer");
    let json = serde_json::to_string(&state).unwrap();
    let back: OptimizerState = serde_json::from_str(&json).unwrap();
    assert_eq!(back, state, "{json}");
    b.load_state(&back).unwrap();
    assert_eq!(b.state(), Some(state));

    let mut model_b = model_a.clone();
    a.step(&mut model_a, &g2(), LR);
    b.step(&mut model_b, &g2(), LR);
    assert_eq!(params(&model_a), params(&model_b));
}

#[test]
fn sgd_state_round_trips_through_json() {
    let config = SgdConfig {
        momentum: Momentum::Nesterov { mu: 0.9 },
        weight_decay: WeightDecay::L2 { lambda: 2.0, n: 10 },
    };
    assert_state_round_trip(Box::new(Sgd::new(config)), Box::new(Sgd::new(config)));

    let mut opt = Sgd::new(config);
    let mut model = tiny_model();
    opt.step(&mut model, &g1(), LR);
    // v = g₁ + 0.2·w₀ = [0.7, −0.65] for weights, 1 for the bias: one buffer per slice.
    let Some(OptimizerState::Sgd { velocity }) = opt.state() else {
        panic!("sgd state");
    };
    assert_eq!(velocity, vec![vec![0.7, -0.65], vec![1.0]]);
}

#[test]
fn adam_state_round_trips_through_json() {
    let config = AdamConfig {
        weight_decay: WeightDecay::Decoupled { rate: 0.5 },
        ..AdamConfig::default()
    };
    assert_state_round_trip(Box::new(Adam::new(config)), Box::new(Adam::new(config)));

    let mut opt = Adam::default();
    opt.step(&mut tiny_model(), &g1(), LR);
    let json = serde_json::to_value(opt.state().unwrap()).unwrap();
    assert_eq!(json["kind"], "adam");
    assert_eq!(json["step"], 1);
}

#[test]
fn loading_a_foreign_or_inconsistent_state_fails() {
    let adam_state = OptimizerState::Adam {
        step: 1,
        m: vec![vec![0.0; 2], vec![0.0]],
        v: vec![vec![0.0; 2], vec![0.0]],
    };
    let sgd_state = OptimizerState::Sgd {
        velocity: vec![vec![0.0; 2], vec![0.0]],
    };
    assert!(matches!(
        Sgd::plain().load_state(&adam_state),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        Adam::default().load_state(&sgd_state),
        Err(Error::Config(_))
    ));
    // Plain SGD keeps no velocity.
    assert!(matches!(
        Sgd::plain().load_state(&sgd_state),
        Err(Error::Shape { .. })
    ));
    // m and v must pair up.
    let lopsided = OptimizerState::Adam {
        step: 1,
        m: vec![vec![0.0; 2], vec![0.0]],
        v: vec![vec![0.0; 3], vec![0.0]],
    };
    assert!(matches!(
        Adam::default().load_state(&lopsided),
        Err(Error::Shape { .. })
    ));
    // A state for another model loads, but the next step refuses it before touching anything.
    let mut opt = Adam::default();
    let other = OptimizerState::Adam {
        step: 1,
        m: vec![vec![0.0; 3]],
        v: vec![vec![0.0; 3]],
    };
    opt.load_state(&other).unwrap();
    let mut model = tiny_model();
    assert!(matches!(
        opt.try_step(&mut model, &g1(), LR),
        Err(Error::Shape { .. })
    ));
    assert_params(&model, [1.0, -2.0, 0.5]);
    assert_eq!(opt.steps(), 1);
}

#[test]
fn optimizer_config_reads_and_writes_json() {
    let json = r#"{"kind": "sgd", "momentum": {"kind": "nesterov", "mu": 0.9},
                   "weight_decay": {"kind": "l2", "lambda": 5.0, "n": 50000}}"#;
    let config: OptimizerConfig = serde_json::from_str(json).unwrap();
    assert_eq!(
        config,
        OptimizerConfig::Sgd(SgdConfig {
            momentum: Momentum::Nesterov { mu: 0.9 },
            weight_decay: WeightDecay::L2 {
                lambda: 5.0,
                n: 50_000
            },
        })
    );
    let written = serde_json::to_string(&config).unwrap();
    assert_eq!(
        serde_json::from_str::<OptimizerConfig>(&written).unwrap(),
        config
    );

    // Missing fields take their defaults.
    let sgd: OptimizerConfig = serde_json::from_str(r#"{"kind": "sgd"}"#).unwrap();
    assert_eq!(sgd, OptimizerConfig::default());
    let adamw: OptimizerConfig = serde_json::from_str(
        r#"{"kind": "adam", "weight_decay": {"kind": "decoupled", "rate": 0.01}}"#,
    )
    .unwrap();
    let model = tiny_model();
    assert_eq!(
        adamw.build(&model).unwrap().describe(),
        "adamw(beta1=0.9, beta2=0.999, eps=1e-8, decay=0.01)"
    );
    assert_eq!(
        config.build(&model).unwrap().describe(),
        "sgd(nesterov=0.9, l2 lambda=5 n=50000)"
    );
    assert_eq!(sgd.build(&model).unwrap().describe(), "sgd");
    assert_eq!(
        Adam::default().describe(),
        "adam(beta1=0.9, beta2=0.999, eps=1e-8)"
    );
}

#[test]
fn invalid_hyperparameters_are_config_errors() {
    let model = tiny_model();
    let bad: [OptimizerConfig; 7] = [
        SgdConfig {
            momentum: Momentum::Classic { mu: 1.0 },
            ..SgdConfig::default()
        }
        .into(),
        SgdConfig {
            momentum: Momentum::Nesterov { mu: f32::NAN },
            ..SgdConfig::default()
        }
        .into(),
        SgdConfig {
            weight_decay: WeightDecay::L2 { lambda: 1.0, n: 0 },
            ..SgdConfig::default()
        }
        .into(),
        SgdConfig {
            weight_decay: WeightDecay::Decoupled { rate: -0.1 },
            ..SgdConfig::default()
        }
        .into(),
        AdamConfig {
            beta1: 1.0,
            ..AdamConfig::default()
        }
        .into(),
        AdamConfig {
            beta2: -0.5,
            ..AdamConfig::default()
        }
        .into(),
        AdamConfig {
            eps: 0.0,
            ..AdamConfig::default()
        }
        .into(),
    ];
    for config in bad {
        assert!(
            matches!(config.build(&model), Err(Error::Config(_))),
            "{config:?} should be rejected"
        );
    }
}

#[test]
#[should_panic(expected = "momentum needs 0 <= mu < 1")]
fn sgd_new_panics_on_an_invalid_config() {
    let _ = sgd(Momentum::Classic { mu: 1.5 }, WeightDecay::None);
}

// ---------------------------------------------------------------------------------------------
// Shapes and allocation.

fn wider_model() -> Model {
    Model::new(vec![Dense {
        weights: Matrix::from_vec(1, 3, vec![1.0, 2.0, 3.0]).unwrap(),
        bias: Some(vec![0.0]),
        activation: Activation::Identity,
    }])
    .unwrap()
}

#[test]
fn a_model_that_changes_shape_after_the_first_step_is_an_error() {
    let mut opt = sgd(Momentum::Classic { mu: 0.9 }, WeightDecay::None);
    opt.step(&mut tiny_model(), &g1(), LR);
    let mut wider = wider_model();
    let g = wider.zero_grads();
    let err = opt.try_step(&mut wider, &g, LR).unwrap_err();
    assert!(
        err.to_string().contains("model changed"),
        "unexpected message: {err}"
    );
    assert_eq!(wider, wider_model(), "nothing may be updated");
}

#[test]
#[should_panic(expected = "the model changed after the optimizer's state was allocated")]
fn step_panics_when_the_model_changed() {
    let mut opt = Adam::default();
    opt.step(&mut tiny_model(), &g1(), LR);
    let mut wider = wider_model();
    let g = wider.zero_grads();
    opt.step(&mut wider, &g, LR);
}

#[test]
fn a_missing_bias_gradient_is_an_error() {
    let mut model = tiny_model();
    let mut g = g1();
    g.layers[0].bias = None;
    let err = Sgd::plain().try_step(&mut model, &g, LR).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Shape {
                expected: 1,
                got: 0,
                ..
            }
        ),
        "{err}"
    );
    assert_params(&model, [1.0, -2.0, 0.5]);
}

#[test]
fn steps_after_the_first_allocate_nothing() {
    let mut model = Model::mlp(
        &[3, 5, 2],
        Activation::Tanh,
        Activation::Identity,
        true,
        Init::XavierNormal,
        Init::Zeros,
        &mut rng::stream(3, "init"),
    )
    .unwrap();
    let mut grads = model.zero_grads();
    for (i, layer) in grads.layers.iter_mut().enumerate() {
        for (j, g) in layer.weights.as_mut_slice().iter_mut().enumerate() {
            *g = 0.01 * (i + j) as f32 - 0.05;
        }
    }
    let decay = WeightDecay::L2 {
        lambda: 1.0,
        n: 100,
    };
    let mut lazy: Vec<Box<dyn Optimizer>> = vec![
        Box::new(Sgd::plain()),
        Box::new(sgd(Momentum::Classic { mu: 0.9 }, decay)),
        Box::new(sgd(Momentum::Nesterov { mu: 0.9 }, decay)),
        Box::new(Adam::new(AdamConfig {
            weight_decay: WeightDecay::Decoupled { rate: 0.01 },
            ..AdamConfig::default()
        })),
    ];
    for opt in &mut lazy {
        opt.step(&mut model, &grads, LR);
        let n = allocations_during(|| {
            for _ in 0..5 {
                opt.step(&mut model, &grads, LR);
            }
        });
        assert_eq!(n, 0, "{} allocated in later steps", opt.describe());
    }
    // Built from a config, the state exists before the first step.
    let config = OptimizerConfig::Adam(AdamConfig::default());
    let mut built = config.build(&model).unwrap();
    let n = allocations_during(|| {
        built.step(&mut model, &grads, LR);
    });
    assert_eq!(n, 0, "the first step of a built optimizer allocated");
}

// ---------------------------------------------------------------------------------------------
// Behaviour: every optimizer trains a small classifier.

/// Three 2-D blobs around `(2, 0)`, `(−1, 1.7)` and `(−1, −1.7)`, 30 points each, placed
/// deterministically on rings of radius up to 0.8.
fn blobs() -> InMemoryDataset {
    let centres = [(2.0f32, 0.0f32), (-1.0, 1.7), (-1.0, -1.7)];
    let mut x = Vec::new();
    let mut labels = Vec::new();
    for i in 0..90 {
        let class = i % 3;
        let (cx, cy) = centres[class];
        let angle = i as f32 * 2.4;
        let radius = 0.8 * ((i / 3) % 5) as f32 / 4.0;
        x.extend([cx + radius * angle.cos(), cy + radius * angle.sin()]);
        labels.push(class);
    }
    InMemoryDataset::new(Matrix::from_vec(90, 2, x).unwrap(), labels, 3).unwrap()
}

/// Mean loss after 1 and after 50 epochs.
fn train(optimizer: &mut dyn Optimizer, lr: f32) -> (f64, f64) {
    let data = blobs();
    let mut model = Model::mlp(
        &[2, 8, 3],
        Activation::Tanh,
        Activation::Identity,
        true,
        Init::XavierNormal,
        Init::Zeros,
        &mut rng::stream(7, "init"),
    )
    .unwrap();
    let config = TrainConfig {
        batch_size: 10,
        loss: Loss::SoftmaxCrossEntropy,
        ..TrainConfig::default()
    };
    let mut trainer = Trainer::new(&model, config, 7).unwrap();
    let mut after_1 = 0.0;
    for epoch in 0..50 {
        trainer
            .train_epoch(&mut model, optimizer, lr, &data, epoch, &mut NoObserver)
            .unwrap();
        if epoch == 0 {
            after_1 = trainer.evaluate(&model, &data).unwrap().mean_loss();
        }
    }
    (
        after_1,
        trainer.evaluate(&model, &data).unwrap().mean_loss(),
    )
}

#[test]
fn every_optimizer_reduces_the_loss() {
    let decay = WeightDecay::L2 { lambda: 0.1, n: 90 };
    let cases: [(OptimizerConfig, f32); 7] = [
        (OptimizerConfig::default(), 0.05),
        (
            SgdConfig {
                momentum: Momentum::Classic { mu: 0.9 },
                weight_decay: WeightDecay::None,
            }
            .into(),
            0.005,
        ),
        (
            SgdConfig {
                momentum: Momentum::Nesterov { mu: 0.9 },
                weight_decay: decay,
            }
            .into(),
            0.005,
        ),
        (
            SgdConfig {
                momentum: Momentum::None,
                weight_decay: decay,
            }
            .into(),
            0.05,
        ),
        (
            SgdConfig {
                momentum: Momentum::Classic { mu: 0.9 },
                weight_decay: WeightDecay::Decoupled { rate: 0.01 },
            }
            .into(),
            0.005,
        ),
        (AdamConfig::default().into(), 0.005),
        (
            AdamConfig {
                weight_decay: WeightDecay::Decoupled { rate: 0.01 },
                ..AdamConfig::default()
            }
            .into(),
            0.005,
        ),
    ];
    for (config, lr) in cases {
        let mut optimizer = config.build(&classifier_shape()).unwrap();
        let (first, last) = train(&mut *optimizer, lr);
        eprintln!("{}: {first:.4} -> {last:.4}", optimizer.describe());
        assert!(
            last < first / 10.0,
            "{}: loss {first} after 1 epoch, {last} after 50",
            optimizer.describe()
        );
    }
    // The plain value works as a `&mut dyn Optimizer` directly, as existing callers use it.
    let (first, last) = train(&mut Sgd::plain(), 0.05);
    assert!(last < first / 10.0, "plain sgd: {first} -> {last}");
}

/// A model with the classifier's parameter shapes.
fn classifier_shape() -> Model {
    Model::mlp(
        &[2, 8, 3],
        Activation::Tanh,
        Activation::Identity,
        true,
        Init::Zeros,
        Init::Zeros,
        &mut rng::stream(0, "unused"),
    )
    .unwrap()
}

#[test]
fn every_optimizer_reports_parameters_that_leave_the_finite_range() {
    let mut optimizers: Vec<(&str, Box<dyn Optimizer>)> = vec![
        ("sgd", Box::new(Sgd::plain())),
        (
            "momentum",
            Box::new(sgd(Momentum::Classic { mu: 0.9 }, WeightDecay::None)),
        ),
        (
            "nesterov",
            Box::new(sgd(Momentum::Nesterov { mu: 0.9 }, WeightDecay::None)),
        ),
        ("adam", Box::new(Adam::new(AdamConfig::default()))),
    ];
    for (name, opt) in &mut optimizers {
        // Ordinary steps keep everything finite.
        let mut model = tiny_model();
        assert!(opt.step(&mut model, &g1(), LR), "{name}");
        assert!(opt.step(&mut model, &g2(), LR), "{name}");
        // At the largest f32 rate the parameters overflow within a few steps, and the step
        // that does it says so.
        let mut overflowed = false;
        for _ in 0..4 {
            if !opt.step(&mut model, &g1(), f32::MAX) {
                overflowed = true;
                break;
            }
            assert!(params(&model).iter().all(|p| p.is_finite()), "{name}");
        }
        assert!(overflowed, "{name}: {:?}", params(&model));
        assert!(params(&model).iter().any(|p| !p.is_finite()), "{name}");
    }
}
