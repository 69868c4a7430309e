"""The players' costs, written on the discriminator's logits a = σ⁻¹(D).

Both players minimise. With D(x) = σ(a), log D = logsigmoid(a) and
log(1 − D) = logsigmoid(−a), so no cost ever takes log(0) or divides by 0,
even for logits of ±100 in float32.

Following Goodfellow (2016), with the tutorial's ½ factors dropped so that the
discriminator's cost is exactly −V(G, D):

- discriminator: J⁽ᴰ⁾ = −E_x log D(x) − E_z log(1 − D(G(z))); with
  one-sided label smoothing the real target is α < 1, and the real term
  becomes −E_x [α log D(x) + (1 − α) log(1 − D(x))]; smoothing the fake
  target too (β > 0) replaces the fake term by
  −E_z [β log D + (1 − β) log(1 − D)];
- minimax generator: J⁽ᴳ⁾ = E_z log(1 − D(G(z)))
  (= −J⁽ᴰ⁾ up to a G-free term);
- non-saturating generator: J⁽ᴳ⁾ = −E_z log D(G(z));
- maximum-likelihood generator: J⁽ᴳ⁾ = −E_z exp(σ⁻¹(D(G(z)))) = −E_z exp(a).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from gan_lib.theory.smoothing import check_labels

__all__ = [
    "GeneratorCost",
    "discriminator_loss",
    "minimax_cost",
    "non_saturating_cost",
    "maximum_likelihood_cost",
    "GENERATOR_COSTS",
    "generator_cost",
]

GeneratorCost = Callable[[torch.Tensor], torch.Tensor]


def discriminator_loss(
    real_logits: torch.Tensor,
    fake_logits: torch.Tensor,
    real_label: float = 1.0,
    fake_label: float = 0.0,
) -> torch.Tensor:
    """J⁽ᴰ⁾ = BCE(a_real, α) + BCE(a_fake, β), each a mean over its batch.

    α = ``real_label``: 1 for no smoothing, 0.9 for one-sided smoothing.
    β = ``fake_label`` is 0 by default; β > 0 smooths the fake side too
    (two-sided smoothing), which Goodfellow (2016, §4.2) warns against: see
    ``gan_lib.theory.smoothing``.
    """
    check_labels(real_label, fake_label)
    real_loss = F.binary_cross_entropy_with_logits(
        real_logits, torch.full_like(real_logits, real_label)
    )
    fake_loss = F.binary_cross_entropy_with_logits(
        fake_logits, torch.full_like(fake_logits, fake_label)
    )
    return real_loss + fake_loss


def minimax_cost(fake_logits: torch.Tensor) -> torch.Tensor:
    """J⁽ᴳ⁾ = E_z log(1 − D(G(z))) = E logsigmoid(−a).

    Saturates (its gradient vanishes) when D confidently rejects samples.
    """
    return F.logsigmoid(-fake_logits).mean()


def non_saturating_cost(fake_logits: torch.Tensor) -> torch.Tensor:
    """J⁽ᴳ⁾ = −E_z log D(G(z)) = E softplus(−a).

    Its gradient is strong exactly when D rejects samples.
    """
    return F.softplus(-fake_logits).mean()


def maximum_likelihood_cost(fake_logits: torch.Tensor) -> torch.Tensor:
    """J⁽ᴳ⁾ = −E_z exp(σ⁻¹(D(G(z)))) = −E exp(a).

    With D = D*, exp(a) = p_data/p_g (Goodfellow 2014b).
    """
    return -fake_logits.exp().mean()


GENERATOR_COSTS: dict[str, GeneratorCost] = {
    "minimax": minimax_cost,
    "non_saturating": non_saturating_cost,
    "maximum_likelihood": maximum_likelihood_cost,
}


def generator_cost(name: str) -> GeneratorCost:
    """The generator cost called ``name``.

    One of ``minimax``, ``non_saturating``, ``maximum_likelihood``.
    """
    try:
        return GENERATOR_COSTS[name]
    except KeyError:
        raise ValueError(
            f"Unknown generator cost {name!r}. "
            f"Valid names: {', '.join(GENERATOR_COSTS)}."
        ) from None
