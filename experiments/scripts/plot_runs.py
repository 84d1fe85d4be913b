#!/usr/bin/python3
"""Plots for `liandan report`: loss vs step, loss vs wall time and lr vs step, one line per run,
coloured by group.  Usage: plot_runs.py OUT_DIR LABEL RUN_DIR [LABEL RUN_DIR ...]
Reads RUN_DIR/metrics.jsonl (one JSON object per logged step); writes OUT_DIR/*.png.
Needs Debian's python3-matplotlib (run with /usr/bin/python3)."""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read_metrics(run):
    with open(os.path.join(run, "metrics.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def main(argv):
    if len(argv) < 3 or len(argv) % 2 != 1:
        sys.exit(__doc__)
    out = argv[0]
    runs = list(zip(argv[1::2], argv[2::2]))
    labels = list(dict.fromkeys(label for label, _ in runs))
    colours = {label: f"C{i % 10}" for i, label in enumerate(labels)}
    figures = {
        "loss_vs_step": ("step", "training loss"),
        "loss_vs_time": ("wall time (s)", "training loss"),
        "lr": ("step", "learning rate"),
    }
    axes = {}
    for name, (xlabel, ylabel) in figures.items():
        fig, ax = plt.subplots(figsize=(7, 4.5))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        axes[name] = (fig, ax)
    seen = set()
    for label, run in runs:
        lines = read_metrics(run)
        steps = [m["step"] for m in lines]
        kw = dict(color=colours[label], alpha=0.8, linewidth=1.2)
        kw["label"] = label if label not in seen else None
        seen.add(label)
        axes["loss_vs_step"][1].plot(steps, [m["loss"] for m in lines], **kw)
        axes["loss_vs_time"][1].plot([m["wall_time"] for m in lines], [m["loss"] for m in lines], **kw)
        for group in lines[0]["lr"] if lines else []:
            axes["lr"][1].plot(steps, [m["lr"][group] for m in lines],
                               **dict(kw, label=f"{label} ({group})" if kw["label"] else None))
    for name, (fig, ax) in axes.items():
        if name != "lr":
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(os.path.join(out, f"{name}.png"), dpi=110)
        plt.close(fig)


if __name__ == "__main__":
    main(sys.argv[1:])
