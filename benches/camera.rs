//! The camera frame path: raw 1280x720 frames to a texture-ready RGBA buffer (target: MJPEG ≤ 8 ms per
//! frame), plus the pieces (decoders, preview conversion, demo rendering) for locating regressions.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use idbooth::camera::decode::{decode_mjpeg, nv12_to_rgb, yuyv_to_rgb};
use idbooth::camera::demo::{DEMO_HEIGHT, DEMO_WIDTH, DemoSource};
use idbooth::camera::fill_preview_rgba;
use image::RgbImage;
use image::codecs::jpeg::JpegEncoder;

/// UVC webcams encode MJPEG at roughly this quality.
const WEBCAM_JPEG_QUALITY: u8 = 85;

/// A realistic 720p frame: the demo subject in the booth.
fn demo_frame() -> RgbImage {
    match DemoSource::new(30).render_frame(0, DEMO_WIDTH, DEMO_HEIGHT) {
        Ok(frame) => frame,
        Err(e) => panic!("demo frame: {e}"),
    }
}

fn mjpeg_of(frame: &RgbImage) -> Vec<u8> {
    let mut jpeg = Vec::new();
    if let Err(e) =
        JpegEncoder::new_with_quality(&mut jpeg, WEBCAM_JPEG_QUALITY).encode_image(frame)
    {
        panic!("encode: {e}");
    }
    jpeg
}

fn frame_path(c: &mut Criterion) {
    let frame = demo_frame();
    let mjpeg = mjpeg_of(&frame);
    let pixels = (DEMO_WIDTH * DEMO_HEIGHT) as usize;
    let yuyv: Vec<u8> = (0..pixels * 2).map(|i| (i % 251) as u8).collect();
    let nv12: Vec<u8> = (0..pixels * 3 / 2).map(|i| (i % 241) as u8).collect();
    let mut rgba = Vec::new();

    c.bench_function("mjpeg_720p_to_preview_rgba_mirrored", |b| {
        b.iter(|| {
            let decoded = decode_mjpeg(black_box(&mjpeg));
            if let Ok(image) = decoded {
                black_box(fill_preview_rgba(&image, true, &mut rgba));
            }
        });
    });
    c.bench_function("mjpeg_720p_decode", |b| {
        b.iter(|| black_box(decode_mjpeg(black_box(&mjpeg))));
    });
    c.bench_function("yuyv_720p_to_rgb", |b| {
        b.iter(|| black_box(yuyv_to_rgb(black_box(&yuyv), DEMO_WIDTH, DEMO_HEIGHT)));
    });
    c.bench_function("nv12_720p_to_rgb", |b| {
        b.iter(|| black_box(nv12_to_rgb(black_box(&nv12), DEMO_WIDTH, DEMO_HEIGHT)));
    });
    c.bench_function("preview_rgba_720p_mirrored", |b| {
        b.iter(|| black_box(fill_preview_rgba(black_box(&frame), true, &mut rgba)));
    });
    let mut demo = DemoSource::new(30);
    let mut index = 0_u64;
    c.bench_function("demo_frame_720p_render", |b| {
        b.iter(|| {
            index += 1;
            black_box(demo.render_frame(index, DEMO_WIDTH, DEMO_HEIGHT))
        });
    });
}

criterion_group!(benches, frame_path);
criterion_main!(benches);
