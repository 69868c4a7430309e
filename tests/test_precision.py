"""Mixed precision that fits the card: the choice by compute capability
(mocked), and the float16 loss scaler's skipped step on an injected inf."""

import pytest
import torch
from torch import nn

from gan_lib.training.precision import autocast_dtype, grad_scaler


@pytest.mark.parametrize(
    "capability, expected",
    [
        ((7, 0), torch.float16),  # V100
        ((7, 5), torch.float16),  # T4: bfloat16 only emulated
        ((8, 0), torch.bfloat16),  # A100
        ((8, 6), torch.bfloat16),  # RTX 30xx
        ((9, 0), torch.bfloat16),  # H100
    ],
)
def test_the_card_decides_the_type(capability, expected):
    assert autocast_dtype("cuda", True, capability=capability) == expected


def test_full_precision_is_the_default_and_the_cpu_fallback():
    assert autocast_dtype("cuda", False, capability=(9, 0)) is None
    with pytest.warns(UserWarning, match="full precision on cpu"):
        assert autocast_dtype("cpu", True) is None


def test_only_float16_gets_a_scaler():
    assert grad_scaler("cpu", None) is None
    assert grad_scaler("cpu", torch.bfloat16) is None
    assert isinstance(grad_scaler("cpu", torch.float16), torch.amp.GradScaler)


def test_a_float16_step_with_an_inf_is_skipped_and_the_scale_lowered():
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = grad_scaler("cpu", torch.float16)
    before = [p.detach().clone() for p in model.parameters()]
    scale = scaler.get_scale()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = model(torch.randn(4, 3)).float().mean()
    scaler.scale(loss).backward()
    model.weight.grad[0, 0] = float("inf")  # an overflowed gradient
    scaler.step(optimizer)
    scaler.update()
    assert scaler.get_scale() == scale / 2
    for p, q in zip(model.parameters(), before, strict=True):
        assert torch.equal(p, q), "nothing may be written to the weights"
    # A clean step then moves the weights, by the unscaled gradient.
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = model(torch.ones(1, 3)).float().sum()
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    assert torch.allclose(
        model.weight.detach(), before[0] - 0.1 * torch.ones(1, 3), atol=1e-3
    )
