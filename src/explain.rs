//! Why each line got its label: the model inputs that weighed most for it.
//!
//! The model's last stage (see [`crate::model`]) scores label `k` of a line from the
//! line's inputs `x` — its dense features, then the stage-1 probabilities around it — with
//! a linear layer plus a layer of ReLU units: `s[k] = Σ_d x[d]·w[d][k] + Σ_u W2[u][k]·a[u]`
//! where `a[u] = max(0, b1[u] + Σ_d x[d]·W1[d][u])`. Given which units are active for the
//! line, that is linear in `x`: input `d` weighs `v[d][k] = w[d][k] + Σ_{active u}
//! W1[d][u]·W2[u][k]`, and the active units' biases add a constant. Only differences
//! between the four scores change the probabilities, so the *effect* of input `d` on the
//! line's label `k` is
//!
//! ```text
//! x[d] · (v[d][k] − mean over labels j of v[d][j])
//! ```
//!
//! and the effects of all inputs, with the units' biases as the input `hidden.bias` and
//! the sequence layer's scores (what it read in the lines before and after: not linear in
//! any one input) as the input `sequence`, add up to `ln p(k) − mean over j of ln p(j)`
//! exactly. A positive effect pushed the line
//! towards its label, a negative one away from it.
//!
//! Each input comes with a description in plain words: what the feature measures and its
//! value for the line (`the line's length (42 words)`), the cue phrases it found (`cue
//! "posted by" (byline phrase)`), what stage 1 made of the line and its neighbours (`the
//! previous line looked like navigation (0.93)`). Stage 1 reads the line's words through
//! hashed features; where its own judgement of the line weighs, the words that weighed
//! most in it are named too (`the line on its own looked like bio (0.81), chiefly for
//! first word "prepared", word "by"`): stage 1's hashed features are no input of the last
//! stage, they reach it through stage 1's probabilities. The phrases live in `describe`,
//! apart from this arithmetic; the internal name ([`Contribution::name`]) stays for those
//! who want to look a feature up.
//!
//! ```
//! use dechaff::{explain::explain, Cleaner};
//!
//! let cleaner = Cleaner::default();
//! let text = "Home | World | Sport\n\n\
//!             The council voted on Tuesday to expand the city's bus network, \
//!             adding four routes that will serve the northern suburbs from March.\n";
//! let lines = explain(&cleaner, text, 3);
//! assert_eq!(lines.len(), 2);
//! for l in &lines {
//!     assert!(l.strongest.len() <= 3);
//!     println!("{} {} {:.2}", l.line + 1, l.label, l.confidence());
//!     for c in &l.strongest {
//!         assert!(!c.description.is_empty());
//!         println!("    {:+.2} {}", c.effect, c.description);
//!     }
//! }
//! ```

mod describe;
mod words;

use std::ops::Range;
use std::sync::OnceLock;

use crate::clean::Cleaner;
use crate::document::split_lines;
use crate::features::{self, DocFeatures, Extractor, Hashed, Markup};
use crate::label::{Label, N_LABELS};
use crate::model::gru::GruScratch;
use crate::model::hidden::{self, Hidden};
use crate::model::{self, stack, Linear, Scores};
use crate::render::Rendered;
use describe::Around;

/// What one input of the model's final stage did for a line's label.
#[derive(Clone, Debug, PartialEq)]
pub struct Contribution {
    /// The feature's own name, as [`crate::features::dense_names`] and the model's
    /// stages give it: `words.bin#8`, `s1.self.bio`, `cue#9`.
    pub name: &'static str,
    /// What the input is and its value for the line, in plain words.
    pub description: String,
    /// The input's value for the line.
    pub value: f32,
    /// How much it raised (positive) or lowered (negative) the line's log-probability of
    /// its label, against the mean over the four labels.
    pub effect: f32,
}

/// A non-blank line with its label and the inputs that weighed most for it.
#[derive(Clone, Debug, PartialEq)]
pub struct LineExplanation {
    /// Index of the line in the document, from 0, counting blank lines.
    pub line: usize,
    /// Byte range of the line in the document, without its ending.
    pub span: Range<usize>,
    /// The decoded label, as [`Cleaner::classify`] gives it.
    pub label: Label,
    /// Probability of each label, indexed by [`Label::index`].
    pub probs: [f32; N_LABELS],
    /// The inputs with the largest effects, largest magnitude first; inputs without any
    /// effect (value or centred weight 0) are left out.
    pub strongest: Vec<Contribution>,
}

impl LineExplanation {
    /// Probability of the decoded label.
    pub fn confidence(&self) -> f32 {
        self.probs[self.label.index()]
    }
}

/// Labels every non-blank line of `text` as `cleaner` does, each with the `top` inputs
/// that weighed most for its label.
pub fn explain(cleaner: &Cleaner, text: &str, top: usize) -> Vec<LineExplanation> {
    explain_with(cleaner, text, None, top)
}

/// [`explain`] for a rendered page: spans are into `page.text`.
pub fn explain_page(cleaner: &Cleaner, page: &Rendered, top: usize) -> Vec<LineExplanation> {
    explain_with(cleaner, &page.text, cleaner.markup_of(page), top)
}

fn explain_with(
    cleaner: &Cleaner,
    text: &str,
    markup: Option<Markup>,
    top: usize,
) -> Vec<LineExplanation> {
    let model = cleaner.model();
    let mut spans = Vec::new();
    split_lines(text, &mut spans);
    let mut f = DocFeatures::default();
    let mut extractor = Extractor::default();
    // As the cleaner does, markup that does not cover the lines is not read.
    let markup = markup.filter(|m| m.lines.len() == spans.len());
    extractor.extract(text, &spans, markup, &mut f);
    let labelled = cleaner.classify_marked(text, markup);
    debug_assert_eq!(f.len(), labelled.len());
    let inputs = Stage2Inputs::new(model, &f);
    let line_text = |i: usize| spans[f.line_index[i]].text(text);
    labelled
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let around = Around {
                line: line_text(i),
                prev: i.checked_sub(1).map(line_text),
                next: (i + 1 < f.len()).then(|| line_text(i + 1)),
            };
            let hashed = extractor.hashed_of(&f, i);
            let mut strongest = strongest(model, inputs.row(i), &inputs.sequence[i], l.label, top);
            for c in &mut strongest {
                c.description = describe_input(model, c, &hashed, &around);
            }
            LineExplanation {
                strongest,
                line: l.line,
                span: l.span,
                label: l.label,
                probs: l.probs,
            }
        })
        .collect()
}

/// How many of the words behind stage 1's judgement of a line to name.
const STAGE1_WORDS: usize = 3;

/// The description of input `c` of a line whose hashed features are `hashed`.
fn describe_input(
    model: &model::Model,
    c: &Contribution,
    hashed: &[(u32, f32, Hashed)],
    around: &Around,
) -> String {
    match c.name {
        HIDDEN_BIAS => describe::HIDDEN_BIAS.to_string(),
        SEQUENCE => describe::SEQUENCE.to_string(),
        name => {
            let phrase = describe::describe(name, c.value, around);
            let Some(label) = name
                .strip_prefix("s1.self.")
                .and_then(|l| l.parse::<Label>().ok())
            else {
                return phrase;
            };
            // Stage 1 reads the words: say which of them made it judge the line so.
            let looked_like = stack::own_probability(c.value) >= 0.5;
            let words = stage1_words(&model.stage1, hashed, label, looked_like, around);
            if words.is_empty() {
                phrase
            } else {
                format!("{phrase}, chiefly for {}", words.join(", "))
            }
        }
    }
}

/// The hashed features of a line that raised (`raised`) or lowered stage 1's score of
/// `label` the most, described, at most [`STAGE1_WORDS`] of them.
fn stage1_words(
    stage1: &Linear,
    hashed: &[(u32, f32, Hashed)],
    label: Label,
    raised: bool,
    around: &Around,
) -> Vec<String> {
    let k = label.index();
    let mut effects: Vec<(f32, Hashed)> = hashed
        .iter()
        .filter_map(|&(b, v, what)| {
            let w = stage1
                .hashed
                .get(b as usize * N_LABELS..(b as usize + 1) * N_LABELS)?;
            let effect = v * centred(w)[k];
            (if raised { effect > 0.0 } else { effect < 0.0 }).then_some((effect, what))
        })
        .collect();
    effects.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
    let mut words: Vec<String> = Vec::new();
    for (_, what) in effects {
        let d = describe::hashed(what, around);
        if !words.contains(&d) {
            words.push(d);
        }
        if words.len() == STAGE1_WORDS {
            break;
        }
    }
    words
}

/// Families of stage-1 inputs whose `#k` is a label index, one input per label.
const LABEL_FAMILIES: [&str; 4] = ["s1.self", "s1.at", "s1.win", "s1.doc"];

/// Names of the final stage's inputs, in order: the dense features, then the stage-1
/// inputs, with the label of the label-valued ones spelt out (`s1.doc#3` is `s1.doc.bio`).
fn input_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let spell = |name: String| {
            let Some((base, k)) = name.rsplit_once('#') else {
                return name;
            };
            let family =
                base.trim_end_matches(|c: char| c.is_ascii_digit() || c == '+' || c == '-');
            match k.parse::<usize>() {
                Ok(k) if k < N_LABELS && LABEL_FAMILIES.contains(&family) => {
                    format!("{base}.{}", Label::from_index(k).name())
                }
                _ => name,
            }
        };
        features::dense_names()
            .iter()
            .cloned()
            .chain(stack::names().into_iter().map(spell))
            .collect()
    })
}

/// The final stage's inputs of each line of a document, rebuilt as
/// [`model::Predictor::predict`] builds them, and the sequence layer's scores from them.
struct Stage2Inputs {
    /// Every line's inputs, written out.
    rows: Vec<f32>,
    /// The sequence layer's scores of each line.
    sequence: Vec<Scores>,
}

impl Stage2Inputs {
    fn new(model: &model::Model, features: &DocFeatures) -> Stage2Inputs {
        let mut p1 = Vec::new();
        model::stage1_probs(&model.stage1, features, &mut p1);
        let rows = stack::rows(features, &p1);
        let mut sequence = vec![[0.0; N_LABELS]; features.len()];
        model
            .stage2_seq
            .forward(&rows, &mut GruScratch::default(), &mut sequence);
        Stage2Inputs { rows, sequence }
    }

    /// The inputs of line `i`.
    fn row(&self, i: usize) -> &[f32] {
        let w = features::dense_len() + stack::len();
        &self.rows[i * w..][..w]
    }
}

/// Name of the pseudo-input that stands for the biases of the active hidden units.
const HIDDEN_BIAS: &str = "hidden.bias";
/// Name of the pseudo-input that stands for the sequence layer's scores.
const SEQUENCE: &str = "sequence";

/// `w` minus its mean over the labels.
fn centred(w: &[f32]) -> Scores {
    let mean = w.iter().sum::<f32>() / N_LABELS as f32;
    std::array::from_fn(|k| w[k] - mean)
}

/// The effects on `label` of the final stage's inputs `x`, the `top` largest in
/// magnitude first, not yet described.
fn strongest(
    model: &model::Model,
    x: &[f32],
    sequence: &Scores,
    label: Label,
    top: usize,
) -> Vec<Contribution> {
    let mut all = effects(&model.stage2, &model.stage2_hidden, x, label);
    let effect = centred(sequence)[label.index()];
    if effect != 0.0 {
        all.push(Contribution {
            name: SEQUENCE,
            description: String::new(),
            value: 1.0,
            effect,
        });
    }
    // Stable: equal effects keep the inputs' order, so the output is repeatable.
    all.sort_by(|a, b| b.effect.abs().total_cmp(&a.effect.abs()));
    all.truncate(top);
    all
}

/// The non-zero effect on `label` of every input `x` of a linear layer plus hidden
/// units, in input order, then that of the active units' biases.
fn effects(linear: &Linear, hidden: &Hidden, x: &[f32], label: Label) -> Vec<Contribution> {
    let k = label.index();
    let mut act = [0.0; hidden::UNITS];
    hidden.forward(x, &mut act, &mut [0.0; N_LABELS]);
    // Centred output weights of the units that are active for this line.
    let active: Vec<(usize, Scores)> = (0..hidden::UNITS)
        .filter(|&u| act[u] > 0.0)
        .map(|u| (u, centred(&hidden.w2[u * N_LABELS..(u + 1) * N_LABELS])))
        .collect();
    let mut all: Vec<Contribution> = x
        .iter()
        .zip(linear.dense.chunks_exact(N_LABELS))
        .zip(input_names())
        .enumerate()
        .filter(|(_, ((x, _), _))| **x != 0.0)
        .map(|(d, ((&value, w), name))| {
            let through_units: f32 = active
                .iter()
                .map(|(u, w2)| hidden.w1[d * hidden::UNITS + u] * w2[k])
                .sum();
            Contribution {
                name: name.as_str(),
                description: String::new(),
                value,
                effect: value * (centred(w)[k] + through_units),
            }
        })
        .collect();
    all.push(Contribution {
        name: HIDDEN_BIAS,
        description: String::new(),
        value: 1.0,
        effect: active.iter().map(|(u, w2)| hidden.b1[*u] * w2[k]).sum(),
    });
    all.retain(|c| c.effect != 0.0);
    all
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::model::{softmax, Model};

    const PAGE: &str = "Home | World | Sport | Business\n\
        \n\
        Council backs four new bus routes\n\
        By Natasha Kumar\n\
        \n\
        The council voted on Tuesday to expand the city's bus network, adding four routes \
        that will serve the northern suburbs from March.\n\
        \n\
        Officials said the plan would cost less than expected, because the buses are \
        already owned by the city and only need new drivers.\n\
        \n\
        Advertisement\n\
        Subscribe to our newsletter\n\
        © 2024 The City Paper. All rights reserved.";

    #[test]
    fn labels_as_the_cleaner_does() {
        let cleaner = Cleaner::default();
        let explained = explain(&cleaner, PAGE, 5);
        let classified = cleaner.classify(PAGE);
        assert_eq!(explained.len(), classified.len());
        for (e, c) in explained.iter().zip(&classified) {
            assert_eq!(e.line, c.line);
            assert_eq!(e.span, c.span);
            assert_eq!(e.label, c.label);
            assert_eq!(e.probs, c.probs);
            assert_eq!(e.confidence(), c.confidence());
        }
    }

    #[test]
    fn rebuilt_inputs_reproduce_the_model_and_effects_add_up() {
        let cleaner = Cleaner::default();
        let model = cleaner.model();
        let mut spans = Vec::new();
        split_lines(PAGE, &mut spans);
        let mut f = DocFeatures::default();
        Extractor::default().extract(PAGE, &spans, None, &mut f);
        let mut probs = Vec::new();
        model::Predictor::new(std::sync::Arc::new(model.clone())).predict(
            &f,
            &mut model::Scratch::default(),
            &mut probs,
        );
        let inputs = Stage2Inputs::new(model, &f);
        assert!(!f.is_empty());
        for i in 0..f.len() {
            let x = inputs.row(i);
            let mut logits = model.stage2.score(x, &[]);
            model
                .stage2_hidden
                .forward(x, &mut [0.0; hidden::UNITS], &mut logits);
            for k in 0..N_LABELS {
                logits[k] += inputs.sequence[i][k];
            }
            let mut p = logits;
            softmax(&mut p);
            for k in 0..N_LABELS {
                assert!(
                    (p[k] - probs[i][k]).abs() < 1e-5,
                    "line {i}: {p:?} {:?}",
                    probs[i]
                );
            }
            let mean = logits.iter().sum::<f32>() / N_LABELS as f32;
            for label in Label::ALL {
                let total: f32 = strongest(model, x, &inputs.sequence[i], label, usize::MAX)
                    .iter()
                    .map(|c| c.effect)
                    .sum();
                let want = logits[label.index()] - mean;
                assert!(
                    (total - want).abs() <= 1e-3 * want.abs().max(1.0),
                    "line {i}, {label}: effects add to {total}, centred score is {want}"
                );
            }
        }
    }

    #[test]
    fn strongest_come_first_and_top_limits_them() {
        let cleaner = Cleaner::default();
        for l in explain(&cleaner, PAGE, 4) {
            assert!(!l.strongest.is_empty(), "line {} has no effect", l.line);
            assert!(l.strongest.len() <= 4);
            for pair in l.strongest.windows(2) {
                assert!(pair[0].effect.abs() >= pair[1].effect.abs());
            }
            assert!(l
                .strongest
                .iter()
                .all(|c| c.value != 0.0 && c.effect != 0.0));
        }
        assert!(explain(&cleaner, PAGE, 0)
            .iter()
            .all(|l| l.strongest.is_empty()));
    }

    #[test]
    fn a_single_weight_explains_everything() {
        // Only the bias input weighs, and only for bio: every line is bio because of it,
        // by 2 - mean(2, 0, 0, 0) = 1.5.
        let mut m = Model::zeros();
        let bias = features::dense_names()
            .iter()
            .position(|n| n == "bias")
            .expect("a bias feature");
        m.stage2.dense[bias * N_LABELS + Label::Bio.index()] = 2.0;
        let cleaner = Cleaner::with_model(Arc::new(m));
        let lines = explain(&cleaner, "One\n\nTwo lines\nThree", 3);
        assert_eq!(
            lines.iter().map(|l| l.line).collect::<Vec<_>>(),
            vec![0, 2, 3]
        );
        for l in lines {
            assert_eq!(l.label, Label::Bio);
            assert_eq!(
                l.strongest,
                vec![Contribution {
                    name: "bias",
                    description: "the model's baseline, the same for every line".into(),
                    value: 1.0,
                    effect: 1.5
                }]
            );
        }
    }

    #[test]
    fn hidden_units_count_while_active() {
        // Unit 0 is active on every line (bias input 1, weight 1, bias 0.5) and votes bio
        // by 2: the bias input's effect is 1·1·(2 − 0.5) = 1.5 and the unit's bias adds
        // 0.5·1.5 = 0.75. Unit 1 would vote content but is never active (weight −1).
        let mut m = Model::zeros();
        let units = hidden::UNITS;
        let bias = features::dense_names()
            .iter()
            .position(|n| n == "bias")
            .expect("a bias feature");
        let h = &mut m.stage2_hidden;
        h.w1[bias * units] = 1.0;
        h.b1[0] = 0.5;
        h.w2[Label::Bio.index()] = 2.0;
        h.w1[bias * units + 1] = -1.0;
        h.w2[N_LABELS + Label::Content.index()] = 9.0;
        let cleaner = Cleaner::with_model(Arc::new(m));
        let lines = explain(&cleaner, "One\nTwo", 5);
        assert_eq!(lines.len(), 2);
        for l in lines {
            assert_eq!(l.label, Label::Bio);
            assert_eq!(
                l.strongest,
                vec![
                    Contribution {
                        name: "bias",
                        description: "the model's baseline, the same for every line".into(),
                        value: 1.0,
                        effect: 1.5
                    },
                    Contribution {
                        name: HIDDEN_BIAS,
                        description: "the model's hidden units (interactions)".into(),
                        value: 1.0,
                        effect: 0.75
                    },
                ]
            );
        }
    }

    #[test]
    fn every_input_has_a_name() {
        let names = input_names();
        assert_eq!(names.len(), features::dense_len() + stack::len());
        assert!(names.iter().all(|n| !n.is_empty()));
        for want in [
            "s1.self.content",
            "s1.doc.bio",
            "s1.at-1",
            "s1.at+1.navigation",
            "s1.win5.advertisement",
        ] {
            assert!(names.iter().any(|n| n == want), "no input named {want}");
        }
        // Only label-valued families are spelt out: other numbered inputs keep `#n`.
        for n in names.iter().filter(|n| n.starts_with("s1.")) {
            let spelt = Label::ALL.iter().any(|l| n.ends_with(&format!(".{l}")));
            assert!(
                spelt
                    || !LABEL_FAMILIES
                        .iter()
                        .any(|f| n.starts_with(f) && n.contains('#')),
                "{n} is label-valued but not spelt out"
            );
        }
    }

    #[test]
    fn every_input_is_described_in_words() {
        let line = Around {
            line: "Prepared by: Sergey Daga",
            prev: None,
            next: None,
        };
        for name in input_names() {
            for value in [1.0, 0.5, -0.2] {
                let d = describe::describe(name, value, &line);
                assert!(
                    !d.is_empty() && !d.contains('#') && !d.contains("s1.") && !d.contains(" = "),
                    "{name} is described as {d:?}"
                );
            }
        }
    }

    /// Whether `text` names an input by an id: `cue#10`, `s1.self.bio`.
    fn has_an_id(text: &str) -> bool {
        text.contains("s1.")
            || text
                .split('#')
                .skip(1)
                .any(|after| after.starts_with(|c: char| c.is_ascii_digit()))
    }

    #[test]
    fn explanations_speak_the_words_of_the_page() {
        let cleaner = Cleaner::default();
        let page = format!("{PAGE}\nPrepared by: Sergey Daga\nLeave a reply");
        let lines = explain(&cleaner, &page, usize::MAX);
        for l in &lines {
            for c in &l.strongest {
                assert!(!has_an_id(&c.description), "{:?}", c.description);
            }
        }
        let of = |text: &str| {
            let l = lines
                .iter()
                .find(|l| &page[l.span.clone()] == text)
                .expect("the line");
            l.strongest
                .iter()
                .map(|c| c.description.as_str())
                .collect::<Vec<_>>()
        };
        let prepared = of("Prepared by: Sergey Daga");
        assert!(
            prepared.contains(&"cue \"prepared by\" (byline phrase)"),
            "{prepared:#?}"
        );
        let ad = of("Advertisement");
        assert!(
            ad.iter()
                .any(|d| d.starts_with("the line on its own") && d.contains("\"advertisement\"")),
            "{ad:#?}"
        );
        let reply = of("Leave a reply");
        assert!(reply.iter().any(|d| d.contains("\"reply\"")), "{reply:#?}");
        assert!(
            reply
                .iter()
                .filter(|d| d.contains("whole previous line"))
                .all(|d| d.contains("the whole previous line \"Prepared by: Sergey Daga\"")),
            "{reply:#?}"
        );
    }

    #[test]
    fn blank_text_has_nothing_to_explain() {
        let cleaner = Cleaner::default();
        assert!(explain(&cleaner, "", 3).is_empty());
        assert!(explain(&cleaner, "\n  \n\t\n", 3).is_empty());
    }
}
