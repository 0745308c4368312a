//! Sentence embeddings (all-MiniLM-L6-v2 in candle): semantic and numerical checks against the real model files,
//! skipped with a note when `make data` has not put them in reel's cache.

use reel::embed::{DIM, Embedder, cosine};

use crate::common;

fn embedder() -> Option<Embedder> {
    let weights = common::registry_data("minilm/model.safetensors")?;
    Some(Embedder::load(weights.parent().unwrap()).expect("model loads"))
}

#[test]
fn similar_sentences_are_closer() {
    let Some(e) = embedder() else { return };
    let v =
        e.embed(&["A man is eating food.", "A man is eating a piece of bread.", "A man is riding a horse."]).unwrap();
    let (near, far) = (cosine(&v[0], &v[1]), cosine(&v[0], &v[2]));
    assert!(near > far + 0.2, "near {near} far {far}");
}

#[test]
fn padding_and_order_do_not_change_vectors() {
    let Some(e) = embedder() else { return };
    let short = "Run!";
    let alone = e.embed(&[short]).unwrap().remove(0);
    let long = "This is a much longer line of dialogue that forces plenty of padding onto the short one beside it.";
    let batch = e.embed(&[long, short, "", long]).unwrap();
    let diff = alone.iter().zip(&batch[1]).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    assert!(diff < 1e-5, "padded vs alone differ by {diff}");
    assert_eq!(batch[0], batch[3]);
}

#[test]
fn outputs_are_unit_norm_including_empty() {
    let Some(e) = embedder() else { return };
    for v in e.embed(&["", "Hello.", &"word ".repeat(600)]).unwrap() {
        assert_eq!(v.len(), DIM);
        let n: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((n - 1.0).abs() < 1e-5, "norm {n}");
    }
}

#[test]
fn missing_dir_names_file_and_fix() {
    let err = Embedder::load(std::path::Path::new("/nonexistent/minilm")).err().expect("fails");
    let msg = err.to_string();
    assert!(msg.contains("model.safetensors") && msg.contains("make data"), "{msg}");
}
