//! `cargo +nightly fuzz run render_html`: see fuzz/README.md and `dechaff_fuzz::render_html`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dechaff_fuzz::render_html(data));
