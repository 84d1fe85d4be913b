"""PyTorch side of the model benchmark: one training step (forward, backward, AdamW) of the
models of bench_models.cpp, written as an expert PyTorch user would (fused QKV projection,
F.scaled_dot_product_attention with is_causal on PyTorch 2, the chunked causal linear attention
that pure-PyTorch libraries use, AdamW with foreach/fused kernels when available). One model per
process so that peak RSS is the model's own. Prints one JSON line.

    python3 bench/bench_models_torch.py MODEL [--threads 2] [--min-time 10] [--min-steps 5]
                                              [--compile]

MODEL is one of MODELS below (the shapes of /work/shared/DESIGN.md "Measured facts"); --compile
wraps the model in torch.compile (PyTorch 2). bench/run_models calls this under every
interpreter that imports torch.
"""

import argparse
import json
import math
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# name: (layers, d_model, heads, seq_len, batch, attention)
MODELS = {
    "gpt_small": (4, 256, 4, 128, 16, "softmax"),
    "gpt_medium": (6, 512, 8, 256, 8, "softmax"),
    "softmax_T2048": (2, 256, 4, 2048, 2, "softmax"),
    "linear_T2048": (2, 256, 4, 2048, 2, "linear"),
    "softmax_T8192": (2, 256, 4, 8192, 1, "softmax"),
    "linear_T8192": (2, 256, 4, 8192, 1, "linear"),
}
VOCAB = 256
CHUNK = 64  # causal linear attention chunk
HAS_SDPA = hasattr(F, "scaled_dot_product_attention")


def softmax_attention(q, k, v):
    if HAS_SDPA:
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    t = q.shape[-2]
    att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(q.shape[-1]))
    mask = torch.ones(t, t, dtype=torch.bool, device=q.device).triu(1)
    return att.masked_fill(mask, float("-inf")).softmax(-1) @ v


def linear_attention(q, k, v, eps=1e-6):
    """Causal linear attention (Katharopoulos et al.), phi = elu + 1, in chunks of CHUNK: exact
    within a chunk, an exclusive prefix sum of k^T v over chunks."""
    q, k = F.elu(q) + 1, F.elu(k) + 1
    b, h, t, d = q.shape
    n = t // CHUNK
    q, k, v = (x.reshape(b, h, n, CHUNK, d) for x in (q, k, v))
    kv = k.transpose(-2, -1) @ v                      # (b, h, n, d, d) per chunk
    state = kv.cumsum(2) - kv                         # sum over earlier chunks
    ksum = k.sum(-2, keepdim=True)                    # (b, h, n, 1, d)
    zstate = ksum.cumsum(2) - ksum
    local = (q @ k.transpose(-2, -1)).tril()          # (b, h, n, C, C)
    num = q @ state + local @ v
    den = (q * zstate).sum(-1, keepdim=True) + local.sum(-1, keepdim=True)
    return (num / (den + eps)).reshape(b, h, t, d)


class Block(nn.Module):
    def __init__(self, d, heads, attention):
        super().__init__()
        self.heads, self.attention = heads, attention
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.fc1, self.fc2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=-1)
        q, k, v = (z.view(b, t, self.heads, d // self.heads).transpose(1, 2) for z in (q, k, v))
        y = softmax_attention(q, k, v) if self.attention == "softmax" else linear_attention(q, k, v)
        x = x + self.proj(y.transpose(1, 2).reshape(b, t, d))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class GPT(nn.Module):
    """Pre-LN decoder: token + learned positions, blocks, final LayerNorm, tied head."""

    def __init__(self, layers, d, heads, seq_len, attention):
        super().__init__()
        self.tok, self.pos = nn.Embedding(VOCAB, d), nn.Embedding(seq_len, d)
        self.blocks = nn.ModuleList(Block(d, heads, attention) for _ in range(layers))
        self.ln = nn.LayerNorm(d)

    def forward(self, idx, targets):
        x = self.tok(idx) + self.pos.weight[: idx.shape[1]]
        for block in self.blocks:
            x = block(x)
        logits = self.ln(x) @ self.tok.weight.t()
        return F.cross_entropy(logits.view(-1, VOCAB), targets.view(-1))


def make_adamw(params):
    for kwargs in ({"fused": True}, {"foreach": True}, {}):
        try:
            opt = torch.optim.AdamW(params, lr=3e-4, weight_decay=0.1, **kwargs)
            return opt, kwargs
        except (TypeError, RuntimeError):
            continue
    raise RuntimeError("no AdamW")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=sorted(MODELS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--min-time", type=float, default=10.0)
    ap.add_argument("--min-steps", type=int, default=5)
    ap.add_argument("--compile", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    layers, d, heads, t, b, attention = MODELS[args.model]
    model = GPT(layers, d, heads, t, attention)
    opt, opt_kind = make_adamw(model.parameters())
    step_model = torch.compile(model) if args.compile else model
    idx = torch.randint(0, VOCAB, (b, t))
    targets = torch.randint(0, VOCAB, (b, t))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = step_model(idx, targets)
        loss.backward()
        opt.step()
        return loss

    for _ in range(2):  # warm-up (and compilation)
        step()
    ms, timed = [], 0.0
    while len(ms) < args.min_steps or timed < args.min_time:
        t0 = time.perf_counter()
        step()
        ms.append((time.perf_counter() - t0) * 1e3)
        timed += ms[-1] / 1e3
    median = statistics.median(ms)
    impl = f"torch-{torch.__version__.split('+')[0]}" + ("-compile" if args.compile else "")
    print(json.dumps({
        "model": args.model, "impl": impl, "ms_per_step": median, "steps": len(ms),
        "tokens_per_s": b * t / (median / 1e3),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "threads": args.threads, "params": sum(p.numel() for p in model.parameters()),
        "adamw": next(iter(opt_kind), "default"), "sdpa": HAS_SDPA,
    }))


if __name__ == "__main__":
    main()
