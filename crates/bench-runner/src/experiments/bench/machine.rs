//! What the benchmark records about the machine and the process: CPU model, peak memory, and
//! the OpenBLAS kernel choice.
//!
//! OpenBLAS 0.3.21 (Debian 12) predates Zen 5 and falls back to its Haswell (AVX2) kernels;
//! `OPENBLAS_CORETYPE=SkylakeX` selects its AVX-512 kernels. The variable is read once, when
//! `libopenblas` is loaded, i.e. before `main` of a binary linked against it, so the benchmark
//! sets it for its child processes (and the single-configuration mode re-executes itself once
//! with it set, see [`reexec_with_coretype`]).

/// The environment variable OpenBLAS reads at load time.
pub const CORETYPE_VAR: &str = "OPENBLAS_CORETYPE";
/// The kernel set chosen for AVX-512 CPUs.
pub const CORETYPE_AVX512: &str = "SkylakeX";
/// Set (to any value) to keep the environment as it is: no re-exec, no default coretype.
pub const KEEP_ENV_VAR: &str = "MYNET_BENCH_KEEP_ENV";

/// The `model name` line of `/proc/cpuinfo` (or `"unknown CPU"`), with the core count.
pub fn cpu_model() -> String {
    let name = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{name} ({cores} logical CPUs)")
}

/// True when the CPU executes AVX-512F (and the OS saves its registers).
pub fn has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// A `Vm*:` field of `/proc/self/status` in bytes (`None` off Linux).
fn status_field(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// Peak resident set size of this process so far (`VmHWM`), in bytes.
pub fn peak_rss() -> Option<u64> {
    status_field("VmHWM:")
}

pub use crate::cpu_time::process_cpu_seconds as cpu_seconds;

/// The 1-minute load average (`/proc/loadavg`), a hint of how busy the machine was.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Round trip of a cache line between two threads (ns, median of 5 batches of 20 000): each
/// thread waits for the other's write to one atomic before writing it back. On a VM it shows
/// where the host placed the vCPUs: here 55–62 ns when they share a core complex, 320–340 ns
/// when they do not — and then every product whose operands were last written by the other
/// thread waits for those transfers. `None` on a single-CPU machine, where the threads would
/// take turns instead of spinning at the same time.
pub fn core_round_trip_ns() -> Option<f64> {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Instant;
    if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
        return None;
    }
    #[repr(align(128))]
    struct Line(AtomicU64);
    let line = Line(AtomicU64::new(0));
    const TRIPS: u64 = 20_000;
    const BATCHES: usize = 5;
    let mut batches = [0.0f64; BATCHES];
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..TRIPS * BATCHES as u64 {
                while line.0.load(Ordering::Acquire) != 2 * i + 1 {
                    std::hint::spin_loop();
                }
                line.0.store(2 * i + 2, Ordering::Release);
            }
        });
        let mut i = 0;
        for b in batches.iter_mut() {
            let start = Instant::now();
            for _ in 0..TRIPS {
                line.0.store(2 * i + 1, Ordering::Release);
                while line.0.load(Ordering::Acquire) != 2 * i + 2 {
                    std::hint::spin_loop();
                }
                i += 1;
            }
            *b = start.elapsed().as_secs_f64() * 1e9 / TRIPS as f64;
        }
    });
    batches.sort_by(f64::total_cmp);
    Some(batches[BATCHES / 2])
}

/// Resets the peak RSS to the current RSS (Linux `clear_refs` value 5), so the peak of a later
/// phase can be read alone. Returns false when the kernel refuses.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The coretype a child benchmark process should get: the caller's value when set, else
/// `SkylakeX` on AVX-512 CPUs (unless [`KEEP_ENV_VAR`] is set), else none.
pub fn default_coretype() -> Option<String> {
    if let Some(v) = std::env::var_os(CORETYPE_VAR) {
        return Some(v.to_string_lossy().into_owned());
    }
    (std::env::var_os(KEEP_ENV_VAR).is_none() && has_avx512()).then(|| CORETYPE_AVX512.into())
}

/// The coretype OpenBLAS saw when this process started.
pub fn coretype_in_effect() -> Option<String> {
    std::env::var(CORETYPE_VAR).ok()
}

/// In a build with BLAS, on an AVX-512 CPU, when `OPENBLAS_CORETYPE` is unset (and
/// [`KEEP_ENV_VAR`] is not): replaces this process by itself with `OPENBLAS_CORETYPE=SkylakeX`.
/// Returns only when nothing needed doing or the exec failed.
pub fn reexec_with_coretype() {
    if !cfg!(feature = "blas")
        || std::env::var_os(CORETYPE_VAR).is_some()
        || std::env::var_os(KEEP_ENV_VAR).is_some()
        || !has_avx512()
    {
        return;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let proc_exe = std::path::Path::new("/proc/self/exe");
        let exe = if proc_exe.exists() {
            proc_exe.to_path_buf()
        } else if let Ok(exe) = std::env::current_exe() {
            exe
        } else {
            return;
        };
        let err = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env(CORETYPE_VAR, CORETYPE_AVX512)
            .exec();
        eprintln!("bench: could not re-execute with {CORETYPE_VAR}={CORETYPE_AVX512}: {err}");
    }
}

/// Megabytes (10⁶ bytes) with one decimal.
pub fn mb(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1e6)
}
