//! `cargo +nightly fuzz run lines`: see fuzz/README.md and `dechaff_fuzz::lines`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dechaff_fuzz::lines(data));
