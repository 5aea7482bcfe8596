//! Learning-rate schedules and early stopping against hand-computed values.

use nn::early_stopping::{Decision, EarlyStopping, EarlyStoppingConfig};
use nn::schedule::{
    Constant, Cosine, Exponential, PlateauConfig, ReduceOnPlateau, Schedule, ScheduleConfig,
    StepDecay, Threshold,
};
use nn::{EpochMetrics, Error, Monitor};

fn val_loss(loss: f64) -> EpochMetrics {
    EpochMetrics {
        train_loss: 0.0,
        val_loss: Some(loss),
        val_accuracy: None,
    }
}

fn val_accuracy(acc: f64) -> EpochMetrics {
    EpochMetrics {
        train_loss: 0.0,
        val_loss: None,
        val_accuracy: Some(acc),
    }
}

const NOT_MEASURED: EpochMetrics = EpochMetrics {
    train_loss: 0.0,
    val_loss: None,
    val_accuracy: None,
};

/// The rates of epochs `0..=metrics.len()`: `lr()` before each `end_epoch` and after the last.
fn rates(schedule: &mut dyn Schedule, metrics: &[EpochMetrics]) -> Vec<f32> {
    let mut out = vec![schedule.lr()];
    for (epoch, m) in metrics.iter().enumerate() {
        schedule.end_epoch(epoch, m);
        out.push(schedule.lr());
    }
    out
}

fn close(got: f64, want: f64) {
    assert!(
        (got - want).abs() <= 1e-12 * want.abs().max(1.0),
        "got {got}, want {want}"
    );
}

fn assert_config_error<T>(r: nn::Result<T>) {
    assert!(matches!(r, Err(Error::Config(_))), "expected Error::Config");
}

#[test]
fn constant_is_the_same_every_epoch() {
    let mut s = Constant::new(0.05).unwrap();
    assert_eq!(rates(&mut s, &[NOT_MEASURED; 4]), [0.05f32; 5]);
}

#[test]
fn step_decay_multiplies_every_few_epochs() {
    let s = StepDecay::new(0.1, 0.5, 3).unwrap();
    // η_e = 0.1·0.5^⌊e/3⌋: e = 0..2 → 0.1; e = 3 → 0.1·0.5 = 0.05; e = 7 → ⌊7/3⌋ = 2 → 0.025;
    // e = 9 → 3 → 0.0125.
    for (e, want) in [
        (0, 0.1),
        (2, 0.1),
        (3, 0.05),
        (5, 0.05),
        (7, 0.025),
        (9, 0.0125),
    ] {
        close(s.lr_at(e), want);
    }
    let mut s = s;
    let got = rates(&mut s, &[NOT_MEASURED; 6]);
    assert_eq!(got, [0.1f32, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]);
}

#[test]
fn exponential_multiplies_every_epoch() {
    let s = Exponential::new(0.2, 0.9).unwrap();
    // η_e = 0.2·0.9^e: 0.2, 0.18, 0.162, …, e = 5 → 0.2·0.59049 = 0.118098.
    for (e, want) in [(0, 0.2), (1, 0.18), (2, 0.162), (5, 0.118098)] {
        close(s.lr_at(e), want);
    }
    let mut s = s;
    assert_eq!(rates(&mut s, &[NOT_MEASURED; 2]), [0.2f32, 0.18, 0.162]);
}

#[test]
fn cosine_anneals_to_min_and_stays_there() {
    let s = Cosine::new(0.1, 0.001, 10).unwrap();
    // η_e = 0.001 + ½·0.099·(1 + cos(π·e/10)):
    // e = 0 → 0.1; e = 2 → cos(π/5) = 0.8090169943749474 → 0.001 + 0.0495·1.8090169943749474
    // = 0.0905463412215599; e = 5 → cos(π/2) = 0 → 0.0505; e = 8 → cos(4π/5) = −0.80901699…
    // → 0.001 + 0.0495·0.1909830056250526 = 0.010453658778440109; e ≥ 10 → 0.001.
    let want = [
        (0, 0.1),
        (2, 0.0905463412215599),
        (5, 0.0505),
        (8, 0.010453658778440109),
        (10, 0.001),
        (15, 0.001),
        (1000, 0.001),
    ];
    for (e, want) in want {
        close(s.lr_at(e), want);
    }
    let mut s = s;
    let got = rates(&mut s, &[NOT_MEASURED; 12]);
    assert_eq!(got[5], 0.0505f32);
    assert_eq!(got[10..], [0.001f32; 3]);
    assert!(got.windows(2).all(|w| w[1] <= w[0]), "{got:?}");
}

/// initial 1, factor ½, patience 2, floor 0.2, |Δloss| > 0.01 to improve, 1 cooldown epoch.
fn plateau_config() -> PlateauConfig {
    PlateauConfig {
        initial: 1.0,
        monitor: Monitor::ValLoss,
        factor: 0.5,
        patience: 2,
        min_lr: 0.2,
        threshold: Threshold::Absolute(0.01),
        cooldown: 1,
    }
}

fn plateau() -> ReduceOnPlateau {
    ReduceOnPlateau::new(plateau_config()).unwrap()
}

#[test]
fn reduce_on_plateau_follows_improvement_plateau_cooldown_and_floor() {
    let mut s = plateau();
    let losses = [
        Some(1.0),   // e0: first value → best 1.0
        Some(0.8),   // e1: 0.8 < 1.0 − 0.01 → best 0.8
        Some(0.795), // e2: lower, but not below 0.8 − 0.01 = 0.79 → bad 1
        Some(0.85),  // e3: bad 2 = patience → η 1 → 0.5, cooldown 1
        Some(0.9),   // e4: cooldown epoch, not counted (cooldown 1 → 0)
        Some(0.9),   // e5: bad 1
        Some(0.9),   // e6: bad 2 → η 0.5 → 0.25, cooldown 1
        None,        // e7: not measured → ignored, cooldown still 1
        Some(0.9),   // e8: cooldown epoch (1 → 0)
        Some(0.5),   // e9: improves → best 0.5
        Some(0.6),   // e10: bad 1
        Some(0.6),   // e11: bad 2 → η max(0.25·0.5, 0.2) = 0.2 (floor)
        Some(0.6),   // e12: cooldown epoch
        Some(0.6),   // e13: bad 1
        Some(0.6),   // e14: bad 2 → η max(0.2·0.5, 0.2) = 0.2, stays at the floor
    ];
    let metrics: Vec<EpochMetrics> = losses
        .iter()
        .map(|l| l.map_or(NOT_MEASURED, val_loss))
        .collect();
    let got = rates(&mut s, &metrics);
    #[rustfmt::skip]
    let want = [
        1.0f32, // epoch 0
        1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2,
    ];
    assert_eq!(got, want);
    let p = s.progress();
    assert_eq!(p.reductions, 4);
    assert_eq!(p.best, Some(-0.5));
    assert_eq!((p.bad_epochs, p.cooldown_left), (0, 1));
}

#[test]
fn reduce_on_plateau_watches_the_right_direction() {
    // Loss and accuracy both rise: a plateau for the loss, progress for the accuracy.
    let metrics: Vec<EpochMetrics> = (0..4)
        .map(|e| EpochMetrics {
            train_loss: 1.0,
            val_loss: Some(0.5 + 0.1 * e as f64),
            val_accuracy: Some(0.5 + 0.1 * e as f64),
        })
        .collect();
    let config = |monitor| PlateauConfig {
        initial: 0.1,
        monitor,
        factor: 0.1,
        patience: 1,
        min_lr: 0.0,
        threshold: Threshold::Absolute(0.0),
        cooldown: 0,
    };
    let mut by_accuracy = ReduceOnPlateau::new(config(Monitor::ValAccuracy)).unwrap();
    assert_eq!(rates(&mut by_accuracy, &metrics), [0.1f32; 5]);
    let mut by_loss = ReduceOnPlateau::new(config(Monitor::ValLoss)).unwrap();
    // Epochs 1, 2, 3 are worse than epoch 0 with patience 1: 0.1 → 0.01 → 0.001 → 0.0001.
    let got = rates(&mut by_loss, &metrics);
    let want = [0.1f32, 0.1, 0.01, 0.001, 0.0001];
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= 1e-7 * w, "{got:?}");
    }
    // Training loss rises too; TrainLoss falls back to it without a validation set.
    let mut by_train = ReduceOnPlateau::new(config(Monitor::TrainLoss)).unwrap();
    let train: Vec<EpochMetrics> = [1.0, 0.9, 0.95]
        .iter()
        .map(|&l| EpochMetrics {
            train_loss: l,
            ..NOT_MEASURED
        })
        .collect();
    assert_eq!(rates(&mut by_train, &train)[3], 0.01f32);
}

#[test]
fn relative_threshold_scales_with_the_best_value() {
    // Relative(0.1): a loss must fall below 0.9·best, an accuracy rise above 1.1·best.
    let config = |monitor| PlateauConfig {
        patience: 100,
        threshold: Threshold::Relative(0.1),
        ..PlateauConfig::new(0.1, monitor)
    };
    let mut s = ReduceOnPlateau::new(config(Monitor::ValLoss)).unwrap();
    for (e, l) in [1.0, 0.95, 0.85].into_iter().enumerate() {
        s.end_epoch(e, &val_loss(l));
    }
    // 0.95 > 0.9·1.0 is no improvement (bad 1); 0.85 < 0.9 is (best −0.85, bad 0).
    assert_eq!(s.progress().best, Some(-0.85));
    assert_eq!(s.progress().bad_epochs, 0);
    let mut s = ReduceOnPlateau::new(config(Monitor::ValAccuracy)).unwrap();
    for (e, a) in [0.5, 0.54, 0.56, 0.6].into_iter().enumerate() {
        s.end_epoch(e, &val_accuracy(a));
    }
    // 0.54 ≤ 0.55 no; 0.56 > 0.55 yes (best 0.56); 0.6 ≤ 0.616 no (bad 1).
    assert_eq!(s.progress().best, Some(0.56));
    assert_eq!(s.progress().bad_epochs, 1);
}

#[test]
fn missing_and_non_finite_values_do_not_panic() {
    let mut s = plateau();
    // Never measured: nothing changes.
    assert_eq!(rates(&mut s, &[NOT_MEASURED; 20]), [1.0f32; 21]);
    assert_eq!(s.progress().best, None);
    // NaN and ∞ never improve; an infinite loss before any finite one leaves no best.
    let mut s = plateau();
    let m = [val_loss(f64::NAN), val_loss(f64::INFINITY), val_loss(1.0)];
    assert_eq!(rates(&mut s, &m), [1.0f32, 1.0, 0.5, 0.5]);
    assert_eq!(s.progress().best, Some(-1.0));
    // Unmeasured epochs between bad ones do not break the count: 1.1 and 1.2 are bad 1 and 2.
    let mut s = plateau();
    let m = [
        val_loss(1.0),
        val_loss(1.1),
        NOT_MEASURED,
        NOT_MEASURED,
        val_loss(1.2),
    ];
    assert_eq!(rates(&mut s, &m), [1.0f32, 1.0, 1.0, 1.0, 1.0, 0.5]);
}

#[test]
fn schedule_state_resumes_the_same_rates() {
    let metrics: Vec<EpochMetrics> = [1.0, 0.9, 0.95, 0.97, 0.99, 0.98, 0.985, 0.99]
        .iter()
        .map(|&l| val_loss(l))
        .collect();
    for config in [
        ScheduleConfig::StepDecay {
            initial: 0.1,
            factor: 0.5,
            every: 2,
        },
        ScheduleConfig::ReduceOnPlateau(plateau_config()),
    ] {
        let mut full = config.build().unwrap();
        let want = rates(full.as_mut(), &metrics);
        let mut first = config.build().unwrap();
        for (e, m) in metrics[..4].iter().enumerate() {
            first.end_epoch(e, m);
        }
        let json = serde_json::to_string(&first.state().unwrap()).unwrap();
        let mut resumed = config.build().unwrap();
        resumed
            .load_state(&serde_json::from_str(&json).unwrap())
            .unwrap();
        let mut got = want[..4].to_vec();
        got.push(resumed.lr());
        for (e, m) in metrics.iter().enumerate().skip(4) {
            resumed.end_epoch(e, m);
            got.push(resumed.lr());
        }
        assert_eq!(got, want, "{}", config.describe());
    }
    // Plateau state does not fit a fixed schedule, and vice versa.
    let plateau_state = plateau().state().unwrap();
    let fixed_state = Constant::new(0.1).unwrap().state().unwrap();
    assert_config_error(Constant::new(0.1).unwrap().load_state(&plateau_state));
    assert_config_error(plateau().load_state(&fixed_state));
}

#[test]
fn schedule_config_round_trips_through_json() {
    let configs = [
        ScheduleConfig::Constant { lr: 0.05 },
        ScheduleConfig::StepDecay {
            initial: 0.1,
            factor: 0.5,
            every: 10,
        },
        ScheduleConfig::Exponential {
            initial: 0.2,
            gamma: 0.95,
        },
        ScheduleConfig::Cosine {
            initial: 0.1,
            min: 0.001,
            epochs: 30,
        },
        ScheduleConfig::ReduceOnPlateau(plateau_config()),
        ScheduleConfig::ReduceOnPlateau(PlateauConfig::new(0.1, Monitor::ValAccuracy)),
    ];
    for c in configs {
        let json = serde_json::to_string(&c).unwrap();
        let back: ScheduleConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c, "{json}");
        let schedule = c.build().unwrap();
        assert_eq!(schedule.describe(), json);
    }
    // The stored form, pinned.
    let json = r#"{"kind":"reduce_on_plateau","initial":0.1,"monitor":"val_accuracy",
        "factor":0.1,"patience":10,"min_lr":0.0,"threshold":{"mode":"relative","value":0.0001},
        "cooldown":0}"#;
    let c: ScheduleConfig = serde_json::from_str(json).unwrap();
    assert_eq!(
        c,
        ScheduleConfig::ReduceOnPlateau(PlateauConfig::new(0.1, Monitor::ValAccuracy))
    );
    let c: ScheduleConfig =
        serde_json::from_str(r#"{"kind":"cosine","initial":0.1,"min":0.0,"epochs":5}"#).unwrap();
    assert_eq!(c.build().unwrap().lr(), 0.1);
}

#[test]
fn invalid_parameters_are_config_errors() {
    let bad_plateau = |f: fn(&mut PlateauConfig)| {
        let mut c = PlateauConfig::new(0.1, Monitor::ValLoss);
        f(&mut c);
        ScheduleConfig::ReduceOnPlateau(c)
    };
    let bad = [
        ScheduleConfig::Constant { lr: 0.0 },
        ScheduleConfig::Constant { lr: -0.1 },
        ScheduleConfig::Constant { lr: f64::NAN },
        ScheduleConfig::Constant { lr: f64::INFINITY },
        ScheduleConfig::StepDecay {
            initial: 0.1,
            factor: 0.0,
            every: 1,
        },
        ScheduleConfig::StepDecay {
            initial: 0.1,
            factor: 1.5,
            every: 1,
        },
        ScheduleConfig::StepDecay {
            initial: 0.1,
            factor: 0.5,
            every: 0,
        },
        ScheduleConfig::Exponential {
            initial: 0.1,
            gamma: f64::NAN,
        },
        ScheduleConfig::Cosine {
            initial: 0.1,
            min: 0.2,
            epochs: 10,
        },
        ScheduleConfig::Cosine {
            initial: 0.1,
            min: 0.0,
            epochs: 0,
        },
        bad_plateau(|c| c.factor = 1.0),
        bad_plateau(|c| c.patience = 0),
        bad_plateau(|c| c.min_lr = 0.5),
        bad_plateau(|c| c.min_lr = -1.0),
        bad_plateau(|c| c.threshold = Threshold::Absolute(-0.1)),
        bad_plateau(|c| c.threshold = Threshold::Relative(f64::NAN)),
        bad_plateau(|c| c.initial = f64::INFINITY),
    ];
    for c in bad {
        assert_config_error(c.build());
    }
    // Edge values that are allowed.
    assert!(StepDecay::new(0.1, 1.0, 1).is_ok());
    assert!(Cosine::new(0.1, 0.1, 1).is_ok());
}

fn stopper(monitor: Monitor, patience: usize, min_delta: f64) -> EarlyStopping {
    EarlyStopping::new(EarlyStoppingConfig {
        monitor,
        patience,
        min_delta,
    })
    .unwrap()
}

/// The epoch at which `update` first says stop.
fn stop_epoch(s: &mut EarlyStopping, metrics: &[EpochMetrics]) -> Option<usize> {
    metrics
        .iter()
        .enumerate()
        .find(|(e, m)| s.update(*e, m) == Decision::Stop)
        .map(|(e, _)| e)
}

#[test]
fn early_stopping_on_loss_stops_after_patience_and_reports_best() {
    let mut s = stopper(Monitor::ValLoss, 3, 0.01);
    // Best 0.7 at e2; 0.695, 0.71 and 0.692 are not below 0.7 − 0.01 = 0.69 → bad at e3, e4,
    // e5 = patience → stop at e5 (the 0.5 of e6 is never seen).
    let m: Vec<_> = [1.0, 0.8, 0.7, 0.695, 0.71, 0.692, 0.5]
        .iter()
        .map(|&l| val_loss(l))
        .collect();
    assert_eq!(stop_epoch(&mut s, &m), Some(5));
    assert_eq!(s.best_epoch(), Some(2));
    assert_eq!(s.best_value(), Some(0.7));
    assert_eq!(s.best_score(), Some(-0.7));
    assert_eq!(s.bad_epochs(), 3);
}

#[test]
fn early_stopping_on_accuracy_stops_after_patience_and_reports_best() {
    let mut s = stopper(Monitor::ValAccuracy, 2, 0.0);
    // Best 0.6 at e1; an equal 0.6 is no improvement (bad 1), 0.59 is bad 2 → stop at e3.
    let m: Vec<_> = [0.5, 0.6, 0.6, 0.59, 0.9]
        .iter()
        .map(|&a| val_accuracy(a))
        .collect();
    assert_eq!(stop_epoch(&mut s, &m), Some(3));
    assert_eq!(s.best_epoch(), Some(1));
    assert_eq!(s.best_value(), Some(0.6));
}

#[test]
fn early_stopping_counts_only_measured_epochs() {
    let mut s = stopper(Monitor::ValLoss, 2, 0.0);
    let m = [
        NOT_MEASURED,       // e0: nothing yet
        val_loss(0.5),      // e1: best
        NOT_MEASURED,       // e2: ignored
        val_loss(0.6),      // e3: bad 1
        NOT_MEASURED,       // e4: ignored
        val_loss(f64::NAN), // e5: bad 2 → stop
    ];
    assert_eq!(stop_epoch(&mut s, &m), Some(5));
    assert_eq!(s.best_epoch(), Some(1));
    // Never measured: never stops, no best.
    let mut s = stopper(Monitor::ValAccuracy, 1, 0.0);
    assert_eq!(stop_epoch(&mut s, &[NOT_MEASURED; 10]), None);
    assert_eq!((s.best_epoch(), s.best_score()), (None, None));
}

#[test]
fn early_stopping_rejects_bad_parameters_and_round_trips() {
    for (patience, min_delta) in [(0, 0.0), (1, -0.1), (1, f64::NAN), (1, f64::INFINITY)] {
        assert_config_error(EarlyStopping::new(EarlyStoppingConfig {
            monitor: Monitor::ValLoss,
            patience,
            min_delta,
        }));
    }
    let c = EarlyStoppingConfig {
        monitor: Monitor::TrainLoss,
        patience: 5,
        min_delta: 0.001,
    };
    let json = serde_json::to_string(&c).unwrap();
    assert_eq!(
        json,
        r#"{"monitor":"train_loss","patience":5,"min_delta":0.001}"#
    );
    assert_eq!(
        serde_json::from_str::<EarlyStoppingConfig>(&json).unwrap(),
        c
    );
}
