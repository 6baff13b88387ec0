//! `cargo +nightly fuzz run jsonl`: see fuzz/README.md and `dechaff_fuzz::jsonl`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dechaff_fuzz::jsonl(data));
