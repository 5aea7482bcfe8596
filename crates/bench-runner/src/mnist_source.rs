//! Adapts `data::ImageSet` (u8 pixels) to `nn::Dataset`, converting to f32 per batch.

use data::ImageSet;

/// How u8 pixels become network inputs: `x = pixel · scale + offset`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PixelScaling {
    /// Multiplier.
    pub scale: f32,
    /// Added after scaling.
    pub offset: f32,
}

impl PixelScaling {
    /// *Make your own neural network*: `x/255·0.99 + 0.01`, in 0.01..1.
    pub const RASHID: PixelScaling = PixelScaling {
        scale: 0.99 / 255.0,
        offset: 0.01,
    };
}

/// An [`ImageSet`] seen as an `nn::Dataset`.
#[derive(Debug, Clone, Copy)]
pub struct MnistSource<'a> {
    /// The images.
    pub set: &'a ImageSet,
    /// Pixel conversion.
    pub scaling: PixelScaling,
}

impl nn::Dataset for MnistSource<'_> {
    fn len(&self) -> usize {
        self.set.len()
    }

    fn input_dim(&self) -> usize {
        self.set.pixels_per_image()
    }

    fn num_classes(&self) -> usize {
        self.set.classes()
    }

    fn label(&self, index: usize) -> usize {
        self.set.label(index) as usize
    }

    fn fill_inputs(&self, indices: &[usize], out: &mut [f32]) {
        self.set
            .fill_f32(indices, self.scaling.scale, self.scaling.offset, out);
    }

    fn prefetch(&self, index: usize) {
        self.set.prefetch(index);
    }
}
