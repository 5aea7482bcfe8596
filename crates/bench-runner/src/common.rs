//! Flags every experiment shares, and the run context built from them (backend, threads,
//! data location).

use anyhow::{bail, Context as _};
use clap::Args;
use linalg::Backend;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Flags shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Folder holding the dataset's files (default: `$MYNET_DATA_DIR/DATASET`, else
    /// `datasets/DATASET`; missing MNIST files are downloaded there).
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// Folder under which the run directory is created.
    #[arg(long, default_value = "experiments/runs", global = true)]
    pub out: PathBuf,
    /// Seed of every random stream of the run.
    #[arg(long, default_value_t = 1, global = true)]
    pub seed: u64,
    /// GEMM backend: pure or blas (blas needs a build with `--features blas`).
    #[arg(long, default_value = "pure", global = true)]
    pub backend: String,
    /// Threads for GEMM (rayon pool and BLAS); default: all cores.
    #[arg(long, global = true)]
    pub threads: Option<usize>,
}

/// What a run needs besides its own configuration.
#[derive(Debug, Clone, Serialize)]
pub struct Context {
    /// The chosen backend.
    #[serde(serialize_with = "serialize_backend")]
    pub backend: Backend,
    /// Threads in the rayon pool and given to BLAS.
    pub threads: usize,
    /// The `--data-dir` flag, if given.
    pub data_dir_flag: Option<PathBuf>,
    /// Root of the run directories.
    pub out: PathBuf,
    /// The run seed.
    pub seed: u64,
    /// This program's version.
    pub version: &'static str,
}

fn serialize_backend<S: serde::Serializer>(b: &Backend, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(b.name())
}

impl Context {
    /// Parses the backend and sets up the thread pools.
    pub fn new(args: &CommonArgs) -> anyhow::Result<Self> {
        let backend = Backend::parse(&args.backend).context("--backend")?;
        let threads = match args.threads {
            Some(0) => bail!("--threads must be at least 1"),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
            .context("building the rayon thread pool")?;
        linalg::set_threads(threads);
        Ok(Self {
            backend,
            threads,
            data_dir_flag: args.data_dir.clone(),
            out: args.out.clone(),
            seed: args.seed,
            version: env!("CARGO_PKG_VERSION"),
        })
    }

    /// The folder of dataset `name` (`mnist`, `fashion-mnist`, …) by the documented rules.
    #[allow(dead_code)] // used by the next experiments
    pub fn dataset_dir(&self, name: &str) -> PathBuf {
        data::data_dir_from_env(self.data_dir_flag.as_deref(), name).path
    }
}

/// Loads MNIST-format data from `dir`, downloading the official MNIST files first when any is
/// missing and `download` is true.
pub fn load_mnist(dir: &Path, download: bool) -> anyhow::Result<data::Mnist> {
    let missing = data::Mnist::missing_files(dir);
    if !missing.is_empty() {
        if !download {
            bail!("{}: missing {}", dir.display(), missing.join(", "));
        }
        eprintln!(
            "MNIST files missing in {} ({}): downloading",
            dir.display(),
            missing.join(", ")
        );
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        data::download::ensure_mnist(dir, &mut crate::progress::DownloadBar::default())?;
    }
    let mnist =
        data::Mnist::load(dir).with_context(|| format!("loading MNIST from {}", dir.display()))?;
    // Every MNIST network here takes 28×28 inputs: say which file holds other images.
    for (set, name) in [
        (&mnist.train, data::TRAIN_IMAGES),
        (&mnist.test, data::TEST_IMAGES),
    ] {
        if (set.rows(), set.cols()) != (28, 28) {
            let plain = dir.join(name);
            let file = if plain.is_file() {
                plain
            } else {
                dir.join(format!("{name}.gz"))
            };
            bail!(
                "{}: images are {}×{}; the MNIST experiments take 28×28",
                file.display(),
                set.rows(),
                set.cols()
            );
        }
    }
    Ok(mnist)
}
