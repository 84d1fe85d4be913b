"""PyTorch side of the core benchmark: the ops of bench_core.cpp, written as one would for speed
(preallocated inputs and outputs, inference_mode, out= where the op has it), timed the same way
(Note [Bench timing] in bench_core.cpp). Prints one JSON line per measurement, impl "torch-X.Y".

    python3 bench/bench_core_torch.py [--threads N] [--min-time S] [--min-reps N] [--filter TEXT]
                                      [--compile]

--compile (PyTorch 2) also times torch.compile'd versions of the fusible memory-bound ops,
impl "torch-X.Y-compile"; compiling takes seconds per op (less once Inductor's cache is warm).

Runs under any interpreter that imports torch: Debian's /usr/bin/python3 (PyTorch 1.13) and the
python3 on PATH with PyTorch from PyPI. bench/run_core calls both.
"""

import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def time_median(fn, min_time, min_reps):
    """Median wall time of fn() in ms after warm-up (two calls and 0.1 s), and the call count."""
    warm = time.perf_counter()
    i = 0
    while i < 2 or time.perf_counter() - warm < 0.1:
        fn()
        i += 1
    ms, timed = [], 0.0
    while len(ms) < min_reps or timed < min_time:
        t0 = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - t0) * 1e3)
        timed += ms[-1] / 1e3
    return statistics.median(ms), len(ms)


def with_out(op, *args, out):
    """op(*args, out=out) when this PyTorch has the out= overload, else op(*args)."""
    try:
        op(*args, out=out)
        return lambda: op(*args, out=out)
    except (TypeError, RuntimeError):
        return lambda: op(*args)


def gelu_into(x, out):
    # F.gelu has no out=; the native op behind it does (torch._C._nn.gelu).
    native = getattr(torch._C._nn, "gelu", None)
    return with_out(native, x, out=out) if native else lambda: F.gelu(x)


def matmul_cases():
    cases = [(1024, 1024, 1024, False), (2048, 2048, 2048, False)]
    for d in (256, 512, 1024):
        cases += [(2048, d, d, False), (2048, d, 4 * d, False), (2048, d, 4 * d, True)]
    cases.append((2048, 2048, 8192, True))
    return cases


def matmul_name(m, k, n, transposed):
    return f"mm {m}x{k} @ ({n}x{k})^T" if transposed else f"mm {m}x{k} @ {k}x{n}"


def uniform(*shape, low=-1.0, high=1.0):
    return torch.empty(*shape).uniform_(low, high)


def bench_matmul(run):
    for m, k, n, transposed in matmul_cases():
        x = uniform(m, k)
        w = uniform(n, k) if transposed else uniform(k, n)
        rhs = w.t() if transposed else w  # (k, n), a view as F.linear uses
        out = torch.empty(m, n)
        run(matmul_name(m, k, n, transposed), 4 * (m * k + k * n + m * n), 2 * m * k * n,
            lambda: torch.mm(x, rhs, out=out))


def bench_elementwise(run, compiled):
    n = 16 << 20
    a, b, c = uniform(n), uniform(n), torch.empty(n)
    run("add 16M", 12 * n, 0, lambda: torch.add(a, b, out=c))
    run("exp 16M", 8 * n, 0, lambda: torch.exp(a, out=c))
    run("gelu 16M", 8 * n, 0, gelu_into(a, c))

    x = uniform(4096, 4096)
    scale, shift = uniform(4096, low=0.5, high=1.5), uniform(4096)
    t, y = torch.empty_like(x), torch.empty_like(x)
    gelu_t = gelu_into(t, y)

    def chain():
        torch.addcmul(shift, x, scale, out=t)  # x * scale + shift in one pass
        gelu_t()

    run("gelu(x*a+b) 4096x4096", 8 * n, 0, chain)
    if compiled:  # one fused kernel writing into y
        fused = torch.compile(lambda x, a, b, out: out.copy_(F.gelu(x * a + b)))
        run("gelu(x*a+b) 4096x4096", 8 * n, 0, lambda: fused(x, scale, shift, y), compiled)


def bench_rows(run, compiled):
    cols = 1024
    rows = 65536  # 256 MiB: from memory, whatever the cache
    x, row_sums, total = uniform(rows, cols), torch.empty(rows), torch.empty(())
    run("sum(-1) 65536x1024", 4 * (rows * cols + rows), 0,
        lambda: torch.sum(x, dim=-1, out=row_sums))
    run("sum() 65536x1024", 4 * rows * cols, 0, lambda: torch.sum(x, dim=(0, 1), out=total))

    rows = 8192
    x = uniform(rows, cols)
    weight, bias = uniform(cols, low=0.5, high=1.5), uniform(cols)
    row_sums, y = torch.empty(rows), torch.empty_like(x)
    run("sum(-1) 8192x1024", 4 * (rows * cols + rows), 0,
        lambda: torch.sum(x, dim=-1, out=row_sums))
    run("sum() 8192x1024", 4 * rows * cols, 0, lambda: torch.sum(x, dim=(0, 1), out=total))
    run("softmax(-1) 8192x1024", 8 * rows * cols, 0, with_out(torch.softmax, x, -1, out=y))
    run("layer_norm 8192x1024", 8 * rows * cols, 0,
        lambda: F.layer_norm(x, (cols,), weight, bias))
    if compiled:
        softmax = torch.compile(lambda x, out: out.copy_(torch.softmax(x, -1)))
        layer_norm = torch.compile(
            lambda x, w, b, out: out.copy_(F.layer_norm(x, (cols,), w, b)))
        run("softmax(-1) 8192x1024", 8 * rows * cols, 0, lambda: softmax(x, y), compiled)
        run("layer_norm 8192x1024", 8 * rows * cols, 0,
            lambda: layer_norm(x, weight, bias, y), compiled)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--min-time", type=float, default=0.3)
    parser.add_argument("--min-reps", type=int, default=5)
    parser.add_argument("--filter", default="")
    parser.add_argument("--compile", action="store_true")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    major, minor = torch.__version__.split(".")[:2]
    eager = f"torch-{major}.{minor}"
    # The impl name of the torch.compile'd variants, or None when not asked for or not there.
    compiled = f"{eager}-compile" if args.compile and hasattr(torch, "compile") else None

    def run(op, nbytes, flops, fn, impl=eager):
        if args.filter not in op:
            return
        ms, reps = time_median(fn, args.min_time, args.min_reps)
        print(json.dumps({"op": op, "impl": impl, "ms": round(ms, 4), "bytes": nbytes,
                          "flops": flops, "reps": reps, "threads": torch.get_num_threads(),
                          "version": torch.__version__}), flush=True)

    bench_matmul(run)
    bench_elementwise(run, compiled)
    bench_rows(run, compiled)


if __name__ == "__main__":
    if "OMP_NUM_THREADS" not in os.environ:
        print("bench_core_torch: set OMP_NUM_THREADS to the thread count (bench/run_core does)",
              file=sys.stderr)
    with torch.inference_mode():
        main()
