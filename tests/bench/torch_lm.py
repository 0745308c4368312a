#!/usr/bin/env python3
"""Training throughput of the same language models as reel's, in PyTorch on the CPU, for the side-by-side bench.

  python3 tests/bench/torch_lm.py TEXT --arch gpt|lstm --preset tiny|small [--batch 32] [--seq N]
                                  [--steps 10] [--warmup 2] [--threads 2]

Prints one JSON line: {"impl": "pytorch", "arch", "preset", "params", "batch", "seq", "threads", "steps",
"seconds", "tokens_per_s"}.

The models mirror reel's `src/lm` presets layer for layer:
- GPT: token and learned position embeddings, pre-LayerNorm blocks (one fused q/k/v projection with bias, causal
  attention through `F.scaled_dot_product_attention`, output projection, a 4x GELU-tanh MLP), dropout 0.1 on the
  embeddings and both residual branches, a final LayerNorm, the head tied to the token embedding.
- LSTM: embedding, `nn.LSTM` layers, dropout after every layer (`nn.LSTM`'s own between layers, one more after the
  last), a linear head. `nn.LSTM` has two bias vectors per layer where reel has one (2·4·hidden extra parameters).
The training step is reel's: cross-entropy, backward, global-norm clipping at 1.0, AdamW (betas 0.9/0.95, weight
decay 0.1 on matrices). Batches are random windows of the first 90% of TEXT.

The script re-executes itself in a venv ($REEL_BENCH_TORCH_VENV, default $REEL_CACHE/torch-venv), created with the
pinned PyPI wheel on first use (about 5 GB and several minutes) and reused after.
"""
import argparse
import json
import os
import subprocess
import sys
import time

TORCH = "torch==2.15.0"
MARKER = ".reel-bench-pins"
CACHE = os.environ.get("REEL_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "reel")
DEFAULT_VENV = os.environ.get("REEL_BENCH_TORCH_VENV", os.path.join(CACHE, "torch-venv"))

# reel's presets (src/lm/config.rs).
GPT = {"tiny": dict(d=64, layers=2, heads=2, ctx=64, dropout=0.1),
       "small": dict(d=256, layers=4, heads=4, ctx=128, dropout=0.1),
       "base": dict(d=384, layers=6, heads=6, ctx=256, dropout=0.1)}
LSTM = {"tiny": dict(embed=32, hidden=64, layers=1, dropout=0.1),
        "small": dict(embed=64, hidden=256, layers=2, dropout=0.2),
        "base": dict(embed=128, hidden=512, layers=3, dropout=0.3)}


def ensure_venv(venv):
    """Creates the venv with the pinned torch unless it is already there (then this is a no-op)."""
    marker = os.path.join(venv, MARKER)
    python = os.path.join(venv, "bin", "python")
    if os.path.exists(python) and os.path.exists(marker) and open(marker).read() == TORCH + "\n":
        return python
    print(f"setting up {venv} with {TORCH} (once; several minutes) ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", TORCH], check=True)
    with open(marker, "w") as f:
        f.write(TORCH + "\n")
    return python


def build(arch, preset, vocab):
    import torch
    from torch import nn
    from torch.nn import functional as F

    class Block(nn.Module):
        def __init__(self, d, heads, p):
            super().__init__()
            self.heads = heads
            self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
            self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
            self.fc, self.mproj = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
            self.drop = nn.Dropout(p)

        def forward(self, x):
            b, t, d = x.shape
            q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
            q, k, v = (z.view(b, t, self.heads, d // self.heads).transpose(1, 2) for z in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(b, t, d)
            x = x + self.drop(self.proj(y))
            return x + self.drop(self.mproj(F.gelu(self.fc(self.ln2(x)), approximate="tanh")))

    class Gpt(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.wte = nn.Embedding(vocab, c["d"])
            self.wpe = nn.Parameter(torch.randn(c["ctx"], c["d"]) * 0.02)
            self.drop = nn.Dropout(c["dropout"])
            self.blocks = nn.ModuleList(Block(c["d"], c["heads"], c["dropout"]) for _ in range(c["layers"]))
            self.ln_f = nn.LayerNorm(c["d"])

        def forward(self, ids):
            x = self.drop(self.wte(ids) + self.wpe[: ids.shape[1]])
            for block in self.blocks:
                x = block(x)
            return self.ln_f(x) @ self.wte.weight.t()

    class Lstm(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.embed = nn.Embedding(vocab, c["embed"])
            self.lstm = nn.LSTM(c["embed"], c["hidden"], c["layers"], batch_first=True,
                                dropout=c["dropout"] if c["layers"] > 1 else 0.0)
            self.drop = nn.Dropout(c["dropout"])
            self.head = nn.Linear(c["hidden"], vocab)

        def forward(self, ids):
            return self.head(self.drop(self.lstm(self.embed(ids))[0]))

    return Gpt(GPT[preset]) if arch == "gpt" else Lstm(LSTM[preset])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("text")
    p.add_argument("--arch", choices=["gpt", "lstm"], required=True)
    p.add_argument("--preset", choices=["tiny", "small", "base"], required=True)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seq", type=int)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--lr", type=float)
    p.add_argument("--venv", default=DEFAULT_VENV)
    args = p.parse_args()
    if os.path.realpath(sys.prefix) != os.path.realpath(args.venv):
        python = ensure_venv(args.venv)
        os.execv(python, [python, os.path.abspath(__file__), *sys.argv[1:]])

    import torch
    from torch.nn import functional as F
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    text = open(args.text, encoding="utf-8").read()
    train = text[: len(text) // 10 * 9]
    chars = sorted(set(train))
    index = {c: i + 1 for i, c in enumerate(chars)}  # id 0 is <unk>, as in reel
    data = torch.tensor([index[c] for c in train], dtype=torch.long)
    vocab = len(chars) + 1
    seq = args.seq or (GPT[args.preset]["ctx"] if args.arch == "gpt" else 64)
    model = build(args.arch, args.preset, vocab)
    model.train()
    decay = [q for n, q in model.named_parameters() if q.dim() >= 2 and "embed" not in n and "wte" not in n]
    rest = [q for n, q in model.named_parameters() if not (q.dim() >= 2 and "embed" not in n and "wte" not in n)]
    lr = args.lr or (2e-3 if args.arch == "lstm" else 1e-3)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}],
                            lr=lr, betas=(0.9, 0.95), eps=1e-8)

    def step():
        starts = torch.randint(len(data) - seq - 1, (args.batch,))
        xs = torch.stack([data[s: s + seq] for s in starts])
        ys = torch.stack([data[s + 1: s + seq + 1] for s in starts])
        logits = model(xs)
        loss = F.cross_entropy(logits.reshape(-1, vocab), ys.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()

    for _ in range(args.warmup):
        step()
    started = time.perf_counter()
    for _ in range(args.steps):
        step()
    seconds = time.perf_counter() - started
    print(json.dumps({
        "impl": "pytorch", "version": torch.__version__, "arch": args.arch, "preset": args.preset,
        "params": sum(q.numel() for q in model.parameters()), "batch": args.batch, "seq": seq,
        "threads": torch.get_num_threads(), "steps": args.steps, "seconds": seconds,
        "tokens_per_s": args.steps * args.batch * seq / seconds,
    }))


if __name__ == "__main__":
    main()
