//! Model and checkpoint files: `nn::persist::load_json` and `nn::checkpoint::load` on arbitrary
//! bytes (the JSON `bench-runner` reads back with `--resume`).
//!
//! Invariants: no panic; errors name the file on one line; a model that loads has the layer
//! sizes it reports and can run a forward pass on one input of its input size.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|bytes: &[u8]| {
    let path = common::scratch("model_json");
    common::put(&path, bytes);
    match nn::persist::load_json(&path) {
        Ok(saved) => check_model(&saved.model),
        Err(e) => common::check_error(&e, &path),
    }
    match nn::checkpoint::load(&path) {
        Ok(ckpt) => check_model(&ckpt.model),
        Err(e) => common::check_error(&e, &path),
    }
});

fn check_model(model: &nn::Model) {
    let sizes = model.sizes();
    assert!(sizes.len() >= 2);
    let _ = model.num_params();
    // A forward pass on one zero input, for models small enough to run (a valid file may
    // describe a large one).
    if model.num_params() <= 1 << 20 && model.d_input() <= 1 << 16 {
        let mut ws = nn::Workspace::new(model, 1);
        let input = linalg::Matrix::zeros(1, model.d_input());
        let _ = model.forward(linalg::Backend::Pure, &mut ws, input.view());
    }
}
