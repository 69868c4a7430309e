"""The speed benchmark still runs (its numbers are recorded in
benchmarks/RESULTS.md, never asserted here)."""

import argparse
import importlib.util
import sys
from pathlib import Path

import torch

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "dcgan_speed.py"


def load_benchmark():
    spec = importlib.util.spec_from_file_location("dcgan_speed", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_both_loops_train_the_same_model_and_report_a_ratio():
    bench = load_benchmark()
    tiny = bench.Config(
        "tiny",
        image_size=14,
        channels=1,
        batch_size=8,
        latent_dim=8,
        width=8,
        n_images=64,
    )
    args = argparse.Namespace(
        warmup=1,
        rounds=1,
        iterations=2,
        bf16=False,
        channels_last=False,
        compile=False,
    )
    row = bench.measure(tiny, torch.device("cpu"), args)
    assert row["plain"] > 0
    assert row["trainer"] > 0
    assert row["ratio"] == row["trainer"] / row["plain"]
    report = bench.table([row], torch.device("cpu"), args)
    assert "| tiny |" in report
    assert "trainer / plain" in report
