"""The players' costs on logits against their formulas in D = σ(a), and
their gradients where D saturates."""

import math

import pytest
import torch

from gan_lib.training.losses import (
    GENERATOR_COSTS,
    discriminator_loss,
    generator_cost,
    maximum_likelihood_cost,
    minimax_cost,
    non_saturating_cost,
)

LOGITS = torch.tensor([-3.0, -0.5, 0.0, 0.7, 2.5], dtype=torch.float64)


def test_discriminator_loss_is_minus_the_value_function():
    real, fake = LOGITS, LOGITS.flip(0)
    d_real, d_fake = torch.sigmoid(real), torch.sigmoid(fake)
    value = torch.log(d_real).mean() + torch.log(1 - d_fake).mean()
    loss = discriminator_loss(real, fake)
    assert loss.item() == pytest.approx(-value.item(), rel=1e-12)


def test_one_sided_label_smoothing_matches_its_formula():
    real, fake, alpha = LOGITS, LOGITS.flip(0), 0.9
    d_real, d_fake = torch.sigmoid(real), torch.sigmoid(fake)
    # Cross-entropy against the target α on real data, 0 on generated data.
    real_term = alpha * torch.log(d_real) + (1 - alpha) * torch.log(1 - d_real)
    expected = -real_term.mean() - torch.log(1 - d_fake).mean()
    loss = discriminator_loss(real, fake, real_label=alpha)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-12)


def test_generator_costs_match_their_formulas():
    d = torch.sigmoid(LOGITS)
    minimax = torch.log(1 - d).mean()
    non_saturating = -torch.log(d).mean()
    ml = -(d / (1 - d)).mean()  # exp(σ⁻¹(D)) = D / (1 − D)
    assert minimax_cost(LOGITS).item() == pytest.approx(
        minimax.item(), rel=1e-12
    )
    assert non_saturating_cost(LOGITS).item() == pytest.approx(
        non_saturating.item(), rel=1e-12
    )
    assert maximum_likelihood_cost(LOGITS).item() == pytest.approx(
        ml.item(), rel=1e-12
    )


@pytest.mark.parametrize("name", ["minimax", "non_saturating"])
def test_costs_and_gradients_finite_at_extreme_logits(name):
    logits = torch.tensor([-100.0, 100.0], requires_grad=True)
    cost = generator_cost(name)(logits)
    (grad,) = torch.autograd.grad(cost, logits)
    assert torch.isfinite(cost)
    assert torch.isfinite(grad).all()
    loss = discriminator_loss(logits, logits.flip(0))
    (grad,) = torch.autograd.grad(loss, logits)
    assert torch.isfinite(loss)
    assert torch.isfinite(grad).all()


def test_maximum_likelihood_cost_finite_where_exp_is():
    # exp overflows float32 above log(3.4e38) ≈ 88.7: the cost grows like e^a
    # by definition.
    logits = torch.tensor([-100.0, 0.0, 88.0])
    assert torch.isfinite(maximum_likelihood_cost(logits))
    assert torch.isinf(maximum_likelihood_cost(torch.tensor([89.0])))


def test_gradient_limits_with_respect_to_the_logit():
    def slope(name, a):
        logit = torch.tensor([a], dtype=torch.float64, requires_grad=True)
        (grad,) = torch.autograd.grad(generator_cost(name)(logit), logit)
        return grad.item()

    # A confident discriminator (D(G(z)) → 0): minimax vanishes,
    # non-saturating does not.
    assert abs(slope("minimax", -20.0)) < 1e-8
    assert slope("non_saturating", -20.0) == pytest.approx(-1.0, abs=1e-8)
    # A fooled discriminator (D(G(z)) → 1): the roles swap.
    assert slope("minimax", 20.0) == pytest.approx(-1.0, abs=1e-8)
    assert abs(slope("non_saturating", 20.0)) < 1e-8
    assert slope("maximum_likelihood", 3.0) == pytest.approx(
        -math.exp(3.0), rel=1e-12
    )


def test_unknown_cost_and_bad_label_are_clear_errors():
    with pytest.raises(
        ValueError, match="minimax, non_saturating, maximum_likelihood"
    ):
        generator_cost("wasserstein")
    with pytest.raises(ValueError, match="real_label"):
        discriminator_loss(LOGITS, LOGITS, real_label=1.5)
    assert set(GENERATOR_COSTS) == {
        "minimax",
        "non_saturating",
        "maximum_likelihood",
    }
