//! [`GoodText`]: a drawing-backend wrapper that renders text correctly.
//!
//! plotters 0.3.7's `ab_glyph` text renderer places each glyph at the pen
//! position without its left side bearing (and puts the baseline half a
//! font size below the top of the layout box), so narrow glyphs such as
//! "1" get a visible gap after them ("1 0 epochs", "12 8") and text sits
//! too high. This wrapper delegates all drawing to the inner backend except
//! text, which it lays out and rasterises itself with `ab_glyph` using the
//! embedded DejaVu Sans: pen advance + kerning, each glyph at its outline
//! bounds, and a layout box from the font's ascent to its descent.
//!
//! All text is drawn in DejaVu Sans regardless of the requested family
//! (the only font this module registers anyway).

use std::sync::OnceLock;

use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};

use super::DEJAVU_SANS;

/// The parsed embedded font, or `None` if it does not parse (then text
/// falls back to the inner backend's renderer).
fn font() -> Option<&'static FontRef<'static>> {
    static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(DEJAVU_SANS).ok())
        .as_ref()
}

/// Width of `text` in pixels at `size` (pen advances plus kerning).
fn advance_width<F: Font>(font: &F, size: f32, text: &str) -> f32 {
    let scaled = font.as_scaled(PxScale::from(size));
    let mut width = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            width += scaled.kern(p, id);
        }
        width += scaled.h_advance(id);
        prev = Some(id);
    }
    width
}

/// A [`DrawingBackend`] that forwards everything to `B` but draws text with
/// correct glyph placement (see the [module docs](self)).
pub(crate) struct GoodText<B> {
    inner: B,
}

impl<B: DrawingBackend> GoodText<B> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: B) -> Self {
        Self { inner }
    }
}

impl<B: DrawingBackend> DrawingBackend for GoodText<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        let Some(font) = font() else {
            return self.inner.estimate_text_size(text, style);
        };
        let size = style.size() as f32;
        let height = font.as_scaled(PxScale::from(size)).height();
        Ok((
            advance_width(font, size, text).ceil() as u32,
            height.ceil() as u32,
        ))
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let Some(font) = font() else {
            return self.inner.draw_text(text, style, pos);
        };
        let color = style.color();
        if color.alpha == 0.0 || text.is_empty() {
            return Ok(());
        }
        let size = style.size() as f32;
        let scaled = font.as_scaled(PxScale::from(size));
        // Layout box: [0, width] × [0, ascent - descent], baseline at ascent.
        let width = advance_width(font, size, text);
        let height = scaled.height();
        let anchor = style.anchor();
        let dx = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -width / 2.0,
            HPos::Right => -width,
        };
        let dy = match anchor.v_pos {
            VPos::Top => 0.0,
            VPos::Center => -height / 2.0,
            VPos::Bottom => -height,
        };
        let transform = style.transform();
        let (w, h) = self.inner.get_size();
        let mut caret = dx;
        let mut prev = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                caret += scaled.kern(p, id);
            }
            prev = Some(id);
            let glyph =
                id.with_scale_and_position(scaled.scale(), point(caret, scaled.ascent() + dy));
            caret += scaled.h_advance(id);
            let Some(outline) = font.outline_glyph(glyph) else {
                continue; // e.g. a space
            };
            let bounds = outline.px_bounds();
            let (x0, y0) = (bounds.min.x as i32, bounds.min.y as i32);
            let mut result = Ok(());
            let inner = &mut self.inner;
            outline.draw(|x, y, coverage| {
                if result.is_err() || coverage <= 0.0 {
                    return;
                }
                let (tx, ty) = transform.transform(x0 + x as i32, y0 + y as i32);
                let (px, py) = (pos.0 + tx, pos.1 + ty);
                if px >= 0 && py >= 0 && (px as u32) < w && (py as u32) < h {
                    let pixel = BackendColor {
                        alpha: color.alpha * f64::from(coverage.min(1.0)),
                        rgb: color.rgb,
                    };
                    result = inner.draw_pixel((px, py), pixel);
                }
            });
            result?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::prelude::*;
    use plotters::style::text_anchor::Pos;

    const W: u32 = 300;
    const H: u32 = 100;

    /// Columns (x) that contain any dark pixel, of text drawn at (10, 10)
    /// with a 60 px font.
    fn ink_columns(text: &str) -> Vec<bool> {
        super::super::ensure_font();
        let mut buf = vec![255u8; (W * H * 3) as usize];
        {
            let root =
                GoodText::new(BitMapBackend::with_buffer(&mut buf, (W, H))).into_drawing_area();
            let style = TextStyle::from((super::super::FONT, 60).into_font())
                .pos(Pos::new(HPos::Left, VPos::Top));
            root.draw_text(text, &style, (10, 10)).unwrap();
            root.present().unwrap();
        }
        (0..W)
            .map(|x| (0..H).any(|y| buf[((y * W + x) * 3) as usize] < 128))
            .collect()
    }

    #[test]
    fn glyphs_keep_their_side_bearings() {
        // DejaVu Sans "1" has a left side bearing of 0.11 em (≈ 5.7 px at
        // 60 px); plotters' own renderer drops it and starts the ink at
        // x ≈ 11, which is what leaves a hole after every "1".
        let cols = ink_columns("1");
        let first = cols.iter().position(|&c| c).unwrap();
        assert!((14..=18).contains(&first), "first ink of \"1\" at {first}");
        // Inside "10" the blank run between the glyphs is rsb("1") +
        // lsb("0") ≈ 0.15 em ≈ 8 px (plotters' renderer: 9 px or more).
        let cols = ink_columns("10");
        let first = cols.iter().position(|&c| c).unwrap();
        let last = cols.iter().rposition(|&c| c).unwrap();
        let mut widest = 0;
        let mut run = 0;
        for &c in &cols[first..=last] {
            run = if c { 0 } else { run + 1 };
            widest = widest.max(run);
        }
        assert!(widest <= 8, "gap of {widest} px inside \"10\"");
    }

    #[test]
    fn text_stays_inside_its_layout_box() {
        super::super::ensure_font();
        let mut buf = vec![255u8; (W * H * 3) as usize];
        let (tw, th);
        {
            let backend = GoodText::new(BitMapBackend::with_buffer(&mut buf, (W, H)));
            let style = TextStyle::from((super::super::FONT, 30).into_font());
            (tw, th) = backend.estimate_text_size("Hgy", &style).unwrap();
            let root = backend.into_drawing_area();
            root.draw_text("Hgy", &style.pos(Pos::new(HPos::Left, VPos::Top)), (10, 10))
                .unwrap();
            root.present().unwrap();
        }
        for y in 0..H {
            for x in 0..W {
                if buf[((y * W + x) * 3) as usize] < 128 {
                    assert!(
                        (10..=10 + tw as i32 + 1).contains(&(x as i32))
                            && (10..=10 + th as i32 + 1).contains(&(y as i32)),
                        "ink at ({x}, {y}) outside the {tw}x{th} box at (10, 10)"
                    );
                }
            }
        }
    }
}
