// Package demo writes deterministic trees of benign, generated "evidence"
// (synthetic pictures, duplicates, near-duplicates, renamed and corrupt
// files, non-pictures, tiny videos) for Scrim's tests, benchmarks and demo.
// Nothing here is ever a real photograph.
//
// Generate makes the small demo tree (a few MB, seconds), GenerateBulk a
// large mixed tree for ingest benchmarks, and GenerateJPEGs big
// photographic-looking JPEGs for the picture-path benchmark. The same seed
// always gives the same bytes and mtimes (videos: with the same ffmpeg build;
// WebP: with the same encoder, gen2brain/webp's WASM libwebp unless a
// system libwebp.so is found).
package demo
