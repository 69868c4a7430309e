"""The lab time budget's counters and arithmetic, on hand-checked examples.

The budget itself (benchmarks/lab_budget.py) is recorded in
benchmarks/RESULTS.md, never asserted here.
"""

import importlib.util
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "lab_budget.py"


@pytest.fixture(scope="module")
def budget():
    spec = importlib.util.spec_from_file_location("lab_budget", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_linear_forward_is_one_kernel_and_one_view(budget):
    # F.linear on a 2D input: t(W) (a view, no kernel), then addmm(b, x, Wᵀ)
    layer, x = nn.Linear(3, 4), torch.randn(2, 3)
    with torch.no_grad(), budget.OpCounter() as counter:
        layer(x)
    assert (counter.ops, counter.kernels) == (2, 1)
    # addmm reads b (4), x (2·3), Wᵀ (3·4) and writes y (2·4): 30 floats
    assert counter.bytes == 4 * (4 + 6 + 12 + 8)


def test_flops_of_a_linear_layer_are_2_m_in_out(budget):
    m, n_in, n_out = 5, 7, 3
    layer, x = nn.Linear(n_in, n_out), torch.randn(m, n_in)

    def step():
        with torch.no_grad():
            layer(x)

    counts = budget.measure(step, iterations=4)
    assert counts.flops == 2 * m * n_in * n_out
    assert (counts.ops, counts.kernels) == (2, 1)


def test_seconds_per_iteration_by_hand(budget):
    card = budget.Card(fp32=1e12, half=4e12, bandwidth=1e11)
    counts = budget.Counts(
        ops=150, kernels=100, flops=1e9, bytes=6e7, cpu_seconds=0.5
    )
    launch, device = budget.seconds_on(card, counts, 10.0, half=False)
    assert launch == pytest.approx(100 * 10e-6)
    fp32 = 1e9 / (budget.FP32_EFFICIENCY * 1e12)
    memory = 6e7 / (budget.BANDWIDTH_EFFICIENCY * 1e11)
    assert device == pytest.approx(fp32 + memory)
    _, device_half = budget.seconds_on(card, counts, 10.0, half=True)
    half = 1e9 / (budget.TENSOR_CORE_EFFICIENCY * 4e12)
    assert device_half == pytest.approx(half + memory)


def test_lab_estimate_by_hand(budget, monkeypatch):
    card = budget.Card(fp32=1e12, half=1e12, bandwidth=1e12)
    zero = dict(flops=0.0, bytes=0.0, cpu_seconds=0.0)
    vmapped = "2D GAN k=1, 10 seeds vmapped"
    counts = {
        "2D GAN k=1": budget.Counts(ops=200, kernels=100, **zero),
        vmapped: budget.Counts(ops=300, kernels=150, **zero),
        "fit_discriminator (CPU)": budget.Counts(
            ops=1, kernels=1, flops=0.0, bytes=0.0, cpu_seconds=0.002
        ),
        "classifier, 1,000 images": budget.Counts(ops=20, kernels=10, **zero),
        "G minibatch of 16": budget.Counts(ops=30, kernels=20, **zero),
    }
    lab = budget.Lab(
        work=(
            budget.Work("2D GAN k=1", 4, 1_000),
            budget.Work(vmapped, 2, 1_000, seeds=10),
            budget.Work("fit_discriminator (CPU)", 1, 500),
        ),
        classifier_images=1_500,  # two chunks of in_batches
        coupling_batches=3,
        other_seconds=5.0,
    )
    monkeypatch.setattr(budget, "VMAP_HOST_FACTOR", [2.0, 0.0, 0.0])
    result = budget.estimate(lab, counts, card, launch_us=10.0)
    plain_launch = 4 * 1_000 * 100 * 10e-6  # 4 s
    # two ensembles of ten seeds: their ops, each at twice the host cost
    vmapped_launch = 2 * 1_000 * 150 * 10e-6 * 2.0  # 6 s
    eval_launch = (2 * 10 + 3 * 20) * 10e-6
    assert result.launch == pytest.approx(
        plain_launch + vmapped_launch + eval_launch
    )
    assert result.device == 0.0
    assert result.cpu == pytest.approx(5.0 + 500 * 0.002)
    assert result.dominant() == "launch"  # 10.0008 s against 6 s


def test_verdict(budget):
    assert budget.verdict(3.0, 4.0, 5.0) == "yes"
    assert budget.verdict(6.0, 9.0, 5.0) == "no"
    assert budget.verdict(4.0, 9.0, 5.0) == "only at 8 µs"
