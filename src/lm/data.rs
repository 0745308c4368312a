//! Batching: random training windows drawn by a seedable [`Rng`] whose state is checkpointed, and a fixed set of
//! evenly spaced validation windows. Each window is `seq + 1` tokens: inputs and the targets one step ahead. The
//! LSTM starts each window from a zero state (truncated BPTT over `seq` steps). It must not know about models.

use candle_core::{Device, Tensor};

use super::error::{LmError, Result};
use super::rng::Rng;

/// Splits a plain text as nanoGPT does: the first 90% (by bytes, moved to a character boundary) for training, the
/// rest for validation.
pub fn split_text(text: &str) -> (&str, &str) {
    let mut at = text.len() / 10 * 9;
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    text.split_at(at)
}

pub struct Batcher {
    tokens: Vec<u32>,
    batch: usize,
    seq: usize,
    pub rng: Rng,
}

/// Fails with [`LmError::TextTooShort`] unless `tokens` holds one window of `seq + 1`.
fn check_len(what: &'static str, tokens: &[u32], seq: usize) -> Result<()> {
    if tokens.is_empty() {
        return Err(LmError::EmptyCorpus { what });
    }
    if tokens.len() < seq + 1 {
        return Err(LmError::TextTooShort { what, len: tokens.len(), need: seq + 1 });
    }
    Ok(())
}

fn to_tensors(windows: &[&[u32]], seq: usize, dev: &Device) -> Result<(Tensor, Tensor)> {
    let b = windows.len();
    let xs: Vec<u32> = windows.iter().flat_map(|w| w[..seq].iter().copied()).collect();
    let ys: Vec<u32> = windows.iter().flat_map(|w| w[1..=seq].iter().copied()).collect();
    Ok((Tensor::from_vec(xs, (b, seq), dev)?, Tensor::from_vec(ys, (b, seq), dev)?))
}

impl Batcher {
    pub fn new(tokens: Vec<u32>, batch: usize, seq: usize, rng: Rng) -> Result<Batcher> {
        check_len("training", &tokens, seq)?;
        Ok(Batcher { tokens, batch, seq, rng })
    }

    /// The next `(inputs, targets)`, each `(batch, seq)` u32.
    pub fn next_batch(&mut self, dev: &Device) -> Result<(Tensor, Tensor)> {
        let starts = self.tokens.len() - self.seq;
        let windows: Vec<&[u32]> = (0..self.batch)
            .map(|_| {
                let s = self.rng.below(starts);
                &self.tokens[s..s + self.seq + 1]
            })
            .collect();
        to_tensors(&windows, self.seq, dev)
    }
}

/// `count` validation batches at fixed, evenly spaced offsets (the same every evaluation and every run).
pub fn fixed_batches(
    tokens: &[u32],
    batch: usize,
    seq: usize,
    count: usize,
    dev: &Device,
) -> Result<Vec<(Tensor, Tensor)>> {
    check_len("validation", tokens, seq)?;
    let starts = tokens.len() - seq;
    let n = (batch * count).max(1);
    let windows: Vec<&[u32]> = (0..n)
        .map(|i| {
            let s = i * starts / n;
            &tokens[s..s + seq + 1]
        })
        .collect();
    windows.chunks(batch.max(1)).map(|chunk| to_tensors(chunk, seq, dev)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lm::device;

    #[test]
    fn targets_are_inputs_shifted_by_one() {
        let tokens: Vec<u32> = (0..50).collect();
        let mut b = Batcher::new(tokens.clone(), 4, 8, Rng::new(1)).unwrap();
        let (x, y) = b.next_batch(&device()).unwrap();
        assert_eq!(x.dims(), &[4, 8]);
        for (xr, yr) in x.to_vec2::<u32>().unwrap().iter().zip(y.to_vec2::<u32>().unwrap()) {
            assert!(xr.iter().zip(&yr).all(|(a, b)| a + 1 == *b), "{xr:?} {yr:?}");
        }
        let val = fixed_batches(&tokens, 4, 8, 3, &device()).unwrap();
        assert_eq!(val.len(), 3);
        let again = fixed_batches(&tokens, 4, 8, 3, &device()).unwrap();
        assert_eq!(val[2].0.to_vec2::<u32>().unwrap(), again[2].0.to_vec2::<u32>().unwrap());
    }

    #[test]
    fn same_rng_state_same_batches() {
        let tokens: Vec<u32> = (0..500).map(|i| i % 13).collect();
        let mut a = Batcher::new(tokens.clone(), 2, 5, Rng::new(4)).unwrap();
        a.next_batch(&device()).unwrap();
        let mut b = Batcher::new(tokens, 2, 5, a.rng).unwrap();
        assert_eq!(
            a.next_batch(&device()).unwrap().0.to_vec2::<u32>().unwrap(),
            b.next_batch(&device()).unwrap().0.to_vec2::<u32>().unwrap()
        );
    }

    #[test]
    fn plain_text_splits_nine_to_one_on_a_char_boundary() {
        let (train, val) = split_text("abcdefghij");
        assert_eq!((train, val), ("abcdefghi", "j"));
        let text = "é".repeat(10);
        let (train, val) = split_text(&text);
        assert_eq!(format!("{train}{val}"), text);
        assert_eq!(train.chars().count(), 9);
    }

    #[test]
    fn short_text_is_an_error() {
        let err = Batcher::new(vec![1, 2, 3], 1, 8, Rng::new(0)).err().unwrap();
        assert!(matches!(err, LmError::TextTooShort { len: 3, need: 9, .. }), "{err}");
        assert!(matches!(fixed_batches(&[], 1, 8, 1, &device()), Err(LmError::EmptyCorpus { .. })));
    }
}
