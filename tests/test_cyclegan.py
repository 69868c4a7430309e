"""Chapter 14's CycleGAN: the domains, the wiring, the losses, the measures.

Each loss term is checked against a hand-computed example; the wiring
(which fake goes to which discriminator, where the extra cost's gradient
goes) through the one trainer; and a small deterministic run checks the
cycle term's effect that the chapter measures at scale.
"""

import copy
import math

import pytest
import torch
from torch import nn

from gan_lib.data.images import ImageData
from gan_lib.evaluation.latent import rotated_bar
from gan_lib.experiments.cyclegan import (
    CycleCost,
    CycleDiscriminator,
    CycleGenerator,
    DomainPairs,
    chance_agreement,
    class_agreement_rate,
    cycle_loss,
    dilate,
    erode,
    identity_loss,
    ks_distance,
    l1,
    make_players,
    make_trainer,
    measure_map,
    measure_translation,
    thin_thick_domains,
    translate,
)
from gan_lib.nn.patchgan import PatchDiscriminator
from gan_lib.training.losses import discriminator_loss, non_saturating_cost


class Shift(nn.Module):
    """x ↦ x + c: a toy generator whose losses are easy to compute."""

    def __init__(self, c: float) -> None:
        super().__init__()
        self.c = nn.Parameter(torch.tensor(float(c)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.c


class Scale(nn.Module):
    """x ↦ s·x."""

    def __init__(self, s: float) -> None:
        super().__init__()
        self.s = nn.Parameter(torch.tensor(float(s)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.s * x


class ByColumn(nn.Module):
    """A classifier stub: the class is the column of the brightest pixel
    in the first row (images 1 × 10 wide)."""

    def __init__(self) -> None:
        super().__init__()
        self.unused = nn.Parameter(torch.zeros(()))  # gives it a device

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, 0, 0, :]


def images(*rows: list[float]) -> torch.Tensor:
    """One 1 × w image per row, shape (n, 1, 1, w)."""
    return torch.tensor(rows)[:, None, None, :]


A = images([0.5, -1.0], [1.0, 0.0])  # two 1 × 2 images
B = images([-0.5, 0.25], [0.0, 1.0])


# ------------------------------------------------------------ the losses
def test_the_cycle_loss_is_exactly_zero_for_an_identity_pair():
    identity = nn.Identity()
    a, b = torch.randn(5, 1, 28, 28), torch.randn(5, 1, 28, 28)
    assert cycle_loss(identity, identity, a, b).item() == 0.0
    assert identity_loss(identity, identity, a, b).item() == 0.0
    generator = CycleGenerator(identity, identity)
    z = torch.cat([a, b], dim=1)
    cost = CycleCost(weight_cycle=10, weight_identity=5)
    assert cost(generator, z, generator(z)).item() == 0.0


def test_the_cycle_loss_of_a_map_and_its_inverse_is_zero():
    # G(x) = 2x, F(x) = x/2: F∘G = G∘F = id, though neither is the identity
    g, f = Scale(2.0), Scale(0.5)
    assert cycle_loss(g, f, A, B).item() == 0.0
    # ... while the identity loss sees that G and F move their inputs:
    # ‖2b − b‖₁ + ‖a/2 − a‖₁ = mean|b| + mean|a|/2
    expected = B.abs().mean() + A.abs().mean() / 2
    torch.testing.assert_close(identity_loss(g, f, A, B), expected)


def test_the_losses_against_hand_computed_values():
    # G(x) = x + 0.5, F(x) = 2x, on the 1 × 2 images A and B above.
    g, f = Shift(0.5), Scale(2.0)
    # F(G(a)) − a = 2(a + 0.5) − a = a + 1: |1.5|, |0|, |2|, |1| → 4.5/4
    # G(F(b)) − b = 2b + 0.5 − b = b + 0.5: |0|, |0.75|, |0.5|, |1.5| → 2.75/4
    assert cycle_loss(g, f, A, B).item() == pytest.approx((4.5 + 2.75) / 4)
    # G(b) − b = 0.5 everywhere → 0.5; F(a) − a = a: 0.5, 1, 1, 0 → 2.5/4
    assert identity_loss(g, f, A, B).item() == pytest.approx(0.5 + 2.5 / 4)
    assert l1(A, B).item() == pytest.approx((1 + 1.25 + 1 + 1) / 4)


def test_the_extra_cost_is_half_the_weighted_sum_and_reuses_the_fakes():
    g, f = Shift(0.5), Scale(2.0)
    generator = CycleGenerator(g, f)
    z = torch.cat([A, B], dim=1)
    cost = CycleCost(weight_cycle=10, weight_identity=3)
    expected = (10 * (4.5 + 2.75) / 4 + 3 * (0.5 + 2.5 / 4)) / 2
    assert cost(generator, z, generator(z)).item() == pytest.approx(expected)
    # The cycle reads the fakes it is given (the ones D judged): with other
    # fakes, another value. Here fake = (0, 0): L_cyc = ‖F(0) − a‖₁ +
    # ‖G(0) − b‖₁ = mean|a| + mean|0.5 − b|.
    cycle_only = CycleCost(weight_cycle=1)
    zeros = torch.zeros_like(z)
    by_hand = A.abs().mean() + (0.5 - B).abs().mean()
    torch.testing.assert_close(cycle_only(generator, z, zeros), by_hand / 2)


def test_the_extra_costs_gradient_reaches_both_generators():
    g, f = Shift(0.5), Scale(2.0)
    generator = CycleGenerator(g, f)
    z = torch.cat([A, B], dim=1)
    CycleCost()(generator, z, generator(z)).backward()
    assert g.c.grad.abs() > 0 and f.s.grad.abs() > 0


def test_bad_weights_and_shapes_are_refused():
    with pytest.raises(ValueError, match="weight_cycle"):
        CycleCost(weight_cycle=-1)
    with pytest.raises(ValueError, match="one shape"):
        l1(A, B[:1])
    with pytest.raises(ValueError, match="odd"):
        dilate(A, 2)
    with pytest.raises(ValueError, match="one shape"):
        DomainPairs(torch.zeros(3, 1, 4, 4), torch.zeros(3, 1, 5, 5))


# ------------------------------------------------------------ the domains
def test_dilation_turns_a_dot_into_a_square_and_keeps_the_background():
    dot = -torch.ones(1, 1, 7, 7)
    dot[0, 0, 3, 3] = 0.8
    thick = dilate(dot)
    expected = -torch.ones(1, 1, 7, 7)
    expected[0, 0, 2:5, 2:5] = 0.8
    assert torch.equal(thick, expected)
    # at the border the padding adds no ink (max-pool pads with −∞)
    corner = -torch.ones(1, 1, 4, 4)
    corner[0, 0, 0, 0] = 1.0
    assert dilate(corner).sum().item() == 4 * 1.0 + 12 * -1.0


def test_erosion_is_dilations_adjoint():
    torch.manual_seed(0)
    x = torch.rand(8, 1, 9, 9) * 2 - 1
    # ε(δ(x)) ≥ x: a closing only adds ink ...
    closed = erode(dilate(x))
    assert (closed >= x).all() and (closed > x).any()
    # ... and δ ε δ = δ exactly: the true map G = δ, F = ε has no
    # backward cycle error on dilated digits, G(F(b)) = b
    assert torch.equal(dilate(erode(dilate(x))), dilate(x))
    # adjunction on a dot: ε undoes δ exactly when nothing merged
    dot = -torch.ones(1, 1, 7, 7)
    dot[0, 0, 3, 3] = 0.8
    assert torch.equal(erode(dilate(dot)), dot)


def test_the_domains_are_disjoint_halves_and_b_is_dilated():
    data = ImageData(torch.randn(10, 1, 6, 6).clamp(-1, 1), torch.arange(10))
    domains = thin_thick_domains(data)
    assert domains.a.labels.tolist() == [0, 2, 4, 6, 8]
    assert domains.b.labels.tolist() == [1, 3, 5, 7, 9]
    assert torch.equal(domains.a.images, data.images[0::2])
    assert torch.equal(domains.b.images, dilate(data.images[1::2]))


def test_domain_pairs_draw_a_from_a_and_b_from_b_independently():
    a = torch.arange(4.0).reshape(4, 1, 1, 1)  # values 0..3 in A
    b = 10 + torch.arange(4.0).reshape(4, 1, 1, 1)  # values 10..13 in B
    pairs = DomainPairs(a, b)
    draw = pairs(200, torch.Generator().manual_seed(0))
    assert draw.shape == (200, 2, 1, 1)
    assert set(draw[:, 0].flatten().tolist()) == {0.0, 1.0, 2.0, 3.0}
    assert set(draw[:, 1].flatten().tolist()) == {10.0, 11.0, 12.0, 13.0}
    # independent indices: the pairs are not (i, 10 + i)
    assert (draw[:, 1] - draw[:, 0] != 10).any()
    again = pairs(200, torch.Generator().manual_seed(0))
    assert torch.equal(draw, again)


# ------------------------------------------------------------ the wiring
def test_the_generator_maps_a_pair_to_the_fakes_a_first():
    generator = CycleGenerator(Shift(1.0), Scale(-1.0))  # G = +1, F = −·
    a, b = torch.rand(3, 1, 4, 4), torch.rand(3, 1, 4, 4)
    fake = generator(torch.cat([a, b], dim=1))
    assert torch.equal(fake[:, :1], -b)  # F(b): a fake of domain A
    assert torch.equal(fake[:, 1:], a + 1)  # G(a): a fake of domain B


def test_the_discriminator_judges_each_domain_with_its_own_d():
    a, b = torch.randn(4, 1, 28, 28), torch.randn(4, 1, 28, 28)
    _, whole = make_players()  # the default: D reads the whole image
    assert whole(torch.cat([a, b], dim=1)).shape == (4, 2, 1, 1)
    _, discriminator = make_players(patch="patch")
    logits = discriminator(torch.cat([a, b], dim=1))
    assert logits.shape == (4, 2, 14, 14)  # [D_A(a); D_B(b)], 14² patches
    discriminator.eval()
    logits = discriminator(torch.cat([a, b], dim=1))
    torch.testing.assert_close(logits[:, :1], discriminator.d_a(a))
    torch.testing.assert_close(logits[:, 1:], discriminator.d_b(b))
    # the trainer's mean over every logit gives each D half the weight
    real, fake = torch.randn(4, 2, 14, 14), torch.randn(4, 2, 14, 14)
    halves = [
        discriminator_loss(real[:, i : i + 1], fake[:, i : i + 1])
        for i in range(2)
    ]
    torch.testing.assert_close(
        discriminator_loss(real, fake), (halves[0] + halves[1]) / 2
    )


def test_the_discriminators_must_give_maps_of_one_shape():
    pair = CycleDiscriminator(
        PatchDiscriminator(1, 4, "patch"), PatchDiscriminator(1, 4, "image")
    )
    with pytest.raises(ValueError, match="build them alike"):
        pair(torch.randn(2, 2, 28, 28))


def small_domains(n: int = 64) -> ImageData:
    torch.manual_seed(0)
    data = torch.rand(n, 1, 28, 28) * 2 - 1
    return thin_thick_domains(ImageData(data, torch.arange(n) % 10))


def test_one_generator_step_descends_the_adversarial_cost_plus_the_cycle():
    run = make_trainer(small_domains(), batch_size=4, generator_width=2)
    assert run.latent_shape == (2, 28, 28)  # G's input is a pair (a, b)
    generator = copy.deepcopy(run.generator)  # the players before the step
    discriminator = copy.deepcopy(run.discriminator)
    stream = torch.Generator().manual_seed(0)
    stream.set_state(run.rng.get_state())
    stats = run.generator_step(record=True)
    # by hand, from the same z (the trainer's next draw) and the same players
    z = run.noise(4, stream)
    fake = generator(z)
    extra = CycleCost()(generator, z, fake)
    adversarial = non_saturating_cost(discriminator(fake))
    torch.testing.assert_close(stats["g_extra"], extra.detach())
    torch.testing.assert_close(stats["g_loss"], (adversarial + extra).detach())
    # the cycle term's gradient reaches every weight of both U-Nets
    extra.backward()
    for net in (generator.g, generator.f):
        assert all(p.grad.abs().sum() > 0 for p in net.parameters())


def test_without_weights_there_is_no_extra_cost():
    run = make_trainer(
        small_domains(), weight_cycle=0, batch_size=4, generator_width=2
    )
    assert run.extra_cost is None
    run.train(2, progress=False)
    with pytest.raises(KeyError, match="g_extra"):
        run.history["g_extra"]


def bars(n: int, seed: int, size: int = 12) -> torch.Tensor:
    """n anti-aliased bars of random width, angle and position."""
    stream = torch.Generator().manual_seed(seed)
    widths = 1 + 2 * torch.rand(n, generator=stream)
    angles = 180 * torch.rand(n, generator=stream)
    offsets = 4 * (torch.rand(n, 2, generator=stream) - 0.5)
    return torch.cat(
        [
            rotated_bar(w.item(), 8, a.item(), size, 4, tuple(o.tolist()))
            for w, a, o in zip(widths, angles, offsets, strict=True)
        ]
    )


def test_training_with_the_cycle_term_reconstructs_and_without_does_not():
    """The chapter's third measure at small scale, on 12 × 12 bars: after
    60 iterations ‖F(G(a)) − a‖₁ on held-out bars is smaller with the
    cycle term than without (measured: 0.20 against 0.36; over seeds 0–3
    the ratio was 0.47 to 0.63)."""
    torch.set_num_threads(1)  # the thread count changes float sums
    train = bars(128, seed=0)
    domains = thin_thick_domains(ImageData(train, torch.zeros(128).long()))
    held_out = bars(32, seed=1)
    errors = {}
    for weight in (10.0, 0.0):
        run = make_trainer(
            domains,
            weight_cycle=weight,
            batch_size=16,
            patch="patch",  # the "image" preset needs 28 × 28
            lr=2e-3,  # a larger step, so that 60 iterations suffice
        )
        run.train(60, progress=False)
        g, f = run.generator.g, run.generator.f
        errors[weight] = l1(translate(f, translate(g, held_out)), held_out)
    assert errors[10.0] < 0.75 * errors[0.0], errors


# ------------------------------------------------------------ measuring
def test_chance_agreement_is_the_product_of_the_class_histograms():
    labels = torch.tensor([0, 0, 1, 1])
    assert chance_agreement(torch.tensor([0, 0, 0, 0]), labels) == 0.5
    # p̂(label) = (½, ½), p̂(pred) = (¾, ¼): ½·¾ + ½·¼ = ½
    assert chance_agreement(torch.tensor([0, 0, 0, 1]), labels) == 0.5
    # uniform over 10 classes: 1/10
    uniform = torch.arange(100) % 10
    assert chance_agreement(uniform, uniform.flip(0)) == pytest.approx(0.1)


def test_ks_distance_is_the_largest_gap_of_the_distribution_functions():
    assert ks_distance(torch.tensor([0.0, 1.0]), torch.tensor([0.0, 1.0])) == 0
    assert ks_distance(torch.tensor([0.0, 1.0]), torch.tensor([2.0, 3.0])) == 1
    # F̂_x jumps to ½ at 0, F̂_y is 0 until 0.5: the gap is ½
    x, y = torch.tensor([0.0, 1.0]), torch.tensor([0.5, 1.0])
    assert ks_distance(x, y) == pytest.approx(0.5)


def test_class_agreement_and_the_report_of_a_map():
    classifier = ByColumn()
    # 1 × 10 images, bright in column c: classifier class c
    inputs = -torch.ones(10, 1, 1, 10)
    inputs[torch.arange(10), 0, 0, torch.arange(10)] = 1.0
    labels = torch.arange(10)
    assert class_agreement_rate(classifier, inputs, labels) == 1.0
    assert class_agreement_rate(classifier, inputs, labels.roll(1)) == 0.0
    report = measure_map(inputs, labels, classifier, inputs)
    assert report.agreement == 1.0 and report.chance == pytest.approx(0.1)
    assert report.thickness_ks == 0.0 and math.isnan(report.cycle_error)
    with pytest.raises(ValueError, match="one label per image"):
        class_agreement_rate(classifier, inputs, labels[:3])


def test_the_report_of_an_identity_pair_has_no_cycle_error():
    generator = CycleGenerator(nn.Identity(), nn.Identity())
    torch.manual_seed(0)
    a = torch.rand(6, 1, 1, 10) * 2 - 1
    report = measure_translation(
        generator.g, generator.f, a, torch.arange(6), ByColumn(), a
    )
    assert report.cycle_error == 0.0 and report.thickness_ks == 0.0
