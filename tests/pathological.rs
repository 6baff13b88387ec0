//! Pathological inputs: damaged model files, odd encodings and scripts, huge lines,
//! huge line counts, and a check that labelling time grows linearly.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use dechaff::document::split_lines;
use dechaff::model::file;
use dechaff::{Cleaner, LabelSet};

static MODEL: &[u8] = include_bytes!("../models/default.bin");

/// Held by the tests that take real time, so the timing test does not compete with
/// them inside this binary.
static HEAVY: Mutex<()> = Mutex::new(());

fn heavy() -> std::sync::MutexGuard<'static, ()> {
    HEAVY.lock().unwrap_or_else(|e| e.into_inner())
}

fn line_count(text: &str) -> usize {
    let mut spans = Vec::new();
    split_lines(text, &mut spans);
    spans.len()
}

#[test]
fn the_model_file_is_valid() {
    assert!(file::from_bytes(MODEL).is_ok());
}

/// Every length, not a sample: the length checks come before the checksum, so each
/// refusal is cheap.
#[test]
fn every_truncation_of_the_model_is_refused() {
    let _g = heavy();
    for len in 0..MODEL.len() {
        assert!(
            file::from_bytes(&MODEL[..len]).is_err(),
            "length {len} accepted"
        );
    }
}

#[test]
fn every_damaged_header_byte_is_refused() {
    const HEADER_LEN: usize = 36;
    let mut bytes = MODEL.to_vec();
    for at in 0..HEADER_LEN {
        for mask in [0xffu8, 0x01, 0x80] {
            bytes[at] ^= mask;
            assert!(
                file::from_bytes(&bytes).is_err(),
                "byte {at} ^ {mask:#x} accepted"
            );
            bytes[at] ^= mask;
        }
    }
    assert!(file::from_bytes(&bytes).is_ok());
}

#[test]
fn mixed_endings_are_kept_per_line() {
    let text = "Council backs four new bus routes\r\n\
                The council voted on Tuesday to expand the network.\n\
                \r\n\
                Officials said the plan would cost less than expected.\r\
                \r\
                Fares will stay the same, the transport committee said.\n\
                \n\
                Share this article";
    // One blank line between blocks already, none leading or trailing: unchanged.
    assert_eq!(Cleaner::default().keep(LabelSet::ALL).clean(text), text);
}

/// Runs every entry point over `text` and checks the spans and the keep-all output.
fn survives(text: &str) {
    let cleaner = Cleaner::default();
    let labels = cleaner.classify(text);
    for l in &labels {
        // Spans fall on character boundaries and hold non-blank text.
        assert!(!text[l.span.clone()].trim().is_empty());
        assert!(l.probs.iter().all(|p| p.is_finite()));
    }
    let _ = cleaner.clean(text);
    let all = cleaner.clone().keep(LabelSet::ALL).clean(text);
    for l in &labels {
        assert!(all.contains(&text[l.span.clone()]));
    }
    let mut out = String::new();
    cleaner.annotate_into(text, &mut out);
    assert_eq!(line_count(&out), line_count(text));
}

#[test]
fn a_byte_order_mark_is_kept_as_text() {
    let text = "\u{feff}Council backs four new bus routes\n\n\
                The council voted on Tuesday to expand the city's bus network, adding four \
                routes that will serve the northern suburbs from March.\n";
    survives(text);
    let all = Cleaner::default().keep(LabelSet::ALL).clean(text);
    assert_eq!(all, text);
}

#[test]
fn right_to_left_and_cjk_text() {
    let text = "الرئيسية | أخبار | رياضة\n\n\
                وافق مجلس المدينة يوم الثلاثاء على توسيع شبكة الحافلات بإضافة أربعة خطوط \
                جديدة ستخدم الضواحي الشمالية اعتبارًا من مارس.\n\n\
                בית | חדשות | ספורט\n\
                מועצת העיר הצביעה ביום שלישי על הרחבת רשת האוטובוסים בעיר.\n\n\
                首页 | 新闻 | 体育\n\
                市议会周二投票决定扩大城市公交网络，增加四条线路，从三月起服务北部郊区。\n\
                \u{200f}שתף\u{200e} · 分享 · مشاركة\r\n\
                广告";
    survives(text);
    assert_eq!(Cleaner::default().classify(text).len(), 8);
}

#[test]
fn a_line_of_100_000_urls() {
    let _g = heavy();
    let urls: String = (0..100_000)
        .map(|i| format!("https://example.com/news/{i}?ref=feed "))
        .collect();
    let text = format!("Links\n\n{urls}\n\nThe end of the page.\n");
    let start = Instant::now();
    survives(&text);
    let labels = Cleaner::default().classify(&text);
    assert_eq!(labels.len(), 3);
    assert_eq!(labels[1].span.len(), urls.len());
    eprintln!("100,000 URLs: {:?}", start.elapsed());
}

#[test]
fn ten_thousand_repetitions_of_one_line() {
    let _g = heavy();
    let text = "Share this article\n".repeat(10_000);
    survives(&text);
    assert_eq!(Cleaner::default().classify(&text).len(), 10_000);
    let all = Cleaner::default().keep(LabelSet::ALL).clean(&text);
    assert_eq!(all, text);
}

#[test]
fn a_million_empty_lines() {
    let _g = heavy();
    let text = "\n".repeat(1_000_000);
    let start = Instant::now();
    let cleaner = Cleaner::default();
    assert!(cleaner.classify(&text).is_empty());
    assert_eq!(cleaner.clean(&text), "");
    assert_eq!(cleaner.clone().keep(LabelSet::ALL).clean(&text), "");
    let mut out = String::new();
    cleaner.annotate_into(&text, &mut out);
    assert_eq!(out, text);
    let took = start.elapsed();
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

/// `lines` lines of a mixed page, repeated.
fn mixed_text(lines: usize) -> String {
    const PAGE: [&str; 10] = [
        "Home | World | Business | Sport | Culture",
        "",
        "Council backs four new bus routes for the northern suburbs",
        "By Natasha Kumar",
        "The council voted on Tuesday to expand the city's bus network, adding four routes \
         that will serve the northern suburbs from March.",
        "",
        "Advertisement",
        "Share this article",
        "https://example.com/news/2024/07/18/bus-routes",
        "\u{a9} 2024 The City Paper. All rights reserved.",
    ];
    let mut text = String::new();
    for i in 0..lines {
        text.push_str(PAGE[i % PAGE.len()]);
        text.push_str(["\n", "\r\n", "\n", "\r"][i % 4]);
    }
    text
}

/// The fastest of three classifications of `text`.
fn best_of_3(cleaner: &Cleaner, text: &str) -> Duration {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(cleaner.classify(std::hint::black_box(text)));
            start.elapsed()
        })
        .min()
        .expect("three runs")
}

#[test]
fn labelling_time_grows_linearly() {
    let _g = heavy();
    let cleaner = Cleaner::default();
    // Find N taking at least ~60 ms, so timer noise is small against it.
    let mut n = 2_000;
    let mut small = best_of_3(&cleaner, &mixed_text(n));
    while small < Duration::from_millis(60) && n < 400_000 {
        n *= 2;
        small = best_of_3(&cleaner, &mixed_text(n));
    }
    let large = best_of_3(&cleaner, &mixed_text(4 * n));
    let ratio = large.as_secs_f64() / small.as_secs_f64();
    eprintln!(
        "{n} lines: {small:?}; {} lines: {large:?}; ratio {ratio:.2}",
        4 * n
    );
    // Linear gives ~4, quadratic ~16.
    assert!(
        ratio < 10.0,
        "{n} lines took {small:?}, {} took {large:?}",
        4 * n
    );
}
