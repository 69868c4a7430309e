"""Mixed precision that fits the card: bfloat16, or float16 with loss scaling.

Autocast runs the matrix products and convolutions in a 16-bit type. Which
one depends on the hardware:

- **bfloat16** keeps float32's 8 exponent bits, so gradients do not
  underflow and no loss scaling is needed. NVIDIA cards compute it natively
  from compute capability 8.0 (Ampere: A100, RTX 30xx) on.
- **float16** has 5 exponent bits: small gradients underflow to 0. A
  ``torch.amp.GradScaler`` multiplies the loss by a scale S before the
  backward pass and divides the gradients by S before the step,

  .. math:: g = \\frac{1}{S}\\, \\nabla_\\theta (S \\cdot J),

  skips any step whose gradients hold an inf or NaN and halves S then (and
  doubles S after a run of good steps). Turing cards (compute capability
  7.5: the T4 of Colab's free tier) run float16 on their tensor cores.

``torch.cuda.is_bf16_supported()`` is not the test to use: it answers True
on a T4, where bfloat16 is emulated and slow. The capability is.
"""

from __future__ import annotations

import warnings

import torch

__all__ = [
    "BF16_MIN_CAPABILITY",
    "autocast_dtype",
    "grad_scaler",
]

# Ampere, the first NVIDIA architecture with native bfloat16 tensor cores.
BF16_MIN_CAPABILITY = (8, 0)


def autocast_dtype(
    device: torch.device | str,
    mixed_precision: bool,
    capability: tuple[int, int] | None = None,
) -> torch.dtype | None:
    """The autocast type for ``device``, or None for full precision.

    On CUDA: bfloat16 from compute capability 8.0 on, float16 below it.
    ``capability`` defaults to the device's own (tests pass one). Elsewhere
    mixed precision is not used: it warns and trains in full precision.
    """
    if not mixed_precision:
        return None
    device = torch.device(device)
    if device.type != "cuda":
        warnings.warn(
            "mixed precision is for CUDA devices; training in full "
            f"precision on {device}.",
            stacklevel=3,
        )
        return None
    if capability is None:
        capability = torch.cuda.get_device_capability(device)
    if tuple(capability) >= BF16_MIN_CAPABILITY:
        return torch.bfloat16
    return torch.float16


def grad_scaler(
    device: torch.device | str, dtype: torch.dtype | None
) -> torch.amp.GradScaler | None:
    """A loss scaler for float16 autocast, None for any other type.

    Each player needs its own: a skipped D step must not lower G's scale.
    """
    if dtype != torch.float16:
        return None
    return torch.amp.GradScaler(torch.device(device).type)
