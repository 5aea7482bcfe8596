//! Neural-network training from scratch on [`linalg`]: layers, activations, losses,
//! initialisers, backpropagation, optimizers and model files.
//!
//! # Brief overview
//! - A [`Model`] is an ordered stack of [`Dense`] layers built from [`DenseConfig`]s; it owns
//!   only its parameters.
//! - Training state lives beside it: [`Grads`] (allocated once), a [`Workspace`] of activation
//!   buffers sized for the largest batch, an [`Optimizer`](optim::Optimizer) with its own state.
//! - A [`Trainer`] runs epochs of mini-batches from any [`Dataset`] and reports to an
//!   [`Observer`]; the hot loop allocates nothing itself (on the pure backend, `matrixmultiply`
//!   allocates a packing buffer inside each product it runs).
//! - Randomness comes from named streams of one seed ([`rng::stream`]).
//! - Threads: the trainer uses the current rayon pool. Big enough batches of dense models are
//!   split over the threads ([`SplitBatch`], on by default: by the rows of the large layers under
//!   plain SGD, else into one part of the samples per thread), smaller ones split each product;
//!   either way a given thread count gives the same results run after run.
//!
//! ```
//! use nn::{optim::Sgd, rng, Activation, Dataset, InMemoryDataset, Init, Loss, Model,
//!          NoObserver, TargetEncoding, TrainConfig, Trainer};
//! use linalg::Matrix;
//!
//! // XOR: a 2-8-2 network with a softmax cross-entropy output.
//! let x = Matrix::from_vec(4, 2, vec![0., 0., 0., 1., 1., 0., 1., 1.]).unwrap();
//! let data = InMemoryDataset::new(x, vec![0, 1, 1, 0], 2).unwrap();
//! let mut model = Model::mlp(&[2, 8, 2], Activation::Tanh, Activation::Identity, true,
//!                            Init::XavierNormal, Init::Zeros, &mut rng::stream(1, "init")).unwrap();
//! let config = TrainConfig { batch_size: 4, loss: Loss::SoftmaxCrossEntropy, ..Default::default() };
//! let mut trainer = Trainer::new(&model, config, 1).unwrap();
//! for epoch in 0..500 {
//!     trainer.train_epoch(&mut model, &mut Sgd::plain(), 0.5, &data, epoch, &mut NoObserver).unwrap();
//! }
//! assert_eq!(trainer.evaluate(&model, &data).unwrap().correct, 4);
//! ```

mod activation;
pub mod backquery;
pub mod checkpoint;
pub mod conv2d;
mod dataset;
mod dense;
pub mod early_stopping;
mod error;
mod fit;
pub mod front;
mod init;
mod loss;
pub mod lr_finder;
pub mod maxpool2d;
pub mod metrics;
mod model;
pub mod optim;
mod per_sample;
pub mod persist;
pub mod rng;
mod row_split;
pub mod safetensors;
pub mod schedule;
mod shared_rows;
mod split;
mod train;

pub use activation::{sigmoid, Activation};
pub use backquery::backquery;
pub use dataset::{split_train_validation, Dataset, InMemoryDataset, Subset};
pub use dense::{Dense, DenseConfig, DenseGrads};
pub use early_stopping::{Decision, EarlyStopping, EarlyStoppingConfig};
pub use error::{Error, Result};
pub use fit::{fit, EpochRecord, FitOptions, FitReport};
pub use init::Init;
pub use loss::{log_sum_exp, Loss, TargetEncoding};
pub use lr_finder::{find_lr, LrFinderConfig, LrFinderResult, LrFinderStop, LrPoint};
pub use metrics::{ClassMetrics, ConfusionMatrix};
pub use model::{Backprop, Grads, Model, ParamRole, Workspace};
pub use per_sample::ROW_SPLIT_MIN;
pub use schedule::{
    EpochMetrics, Monitor, PlateauConfig, ReduceOnPlateau, Schedule, ScheduleConfig, ScheduleState,
    Threshold,
};
pub use train::{
    BatchEvent, EpochPosition, EpochStats, Evaluation, NoObserver, Observer, SplitBatch,
    TrainConfig, Trainer, TrainerState, MIN_PART_ROWS, SPLIT_MIN_WORK,
};
