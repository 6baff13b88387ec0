//! `cargo +nightly fuzz run model_file`: see fuzz/README.md and `dechaff_fuzz::model_file`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dechaff_fuzz::model_file(data));
