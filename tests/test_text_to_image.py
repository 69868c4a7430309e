"""Chapter 16's text-to-image set-up: captions from measured attributes, the
bag-of-words encoder, the caption-conditional players on the unchanged
trainer, GAN-CLS's mismatched pairs, and the match measures."""

import copy
import math

import numpy as np
import pytest
import torch
from torch import nn

from gan_lib.data.images import ImageData
from gan_lib.evaluation.latent import rotated_bar
from gan_lib.experiments import text_to_image as t
from gan_lib.experiments.recipes import Recipe, make_trainer
from gan_lib.training.losses import discriminator_loss, non_saturating_cost


def bars(widths, angles) -> torch.Tensor:
    """Anti-aliased bars, one per (width, angle), (n, 1, 28, 28)."""
    return torch.cat(
        [rotated_bar(w, 16.0, a) for w, a in zip(widths, angles, strict=True)]
    )


def captioned(n: int = 90, seed: int = 0) -> t.CaptionedDigits:
    """Bars whose width and angle follow the thickness and slant bins, with
    every (digit, thickness, slant) caption at least once."""
    g = torch.Generator().manual_seed(seed)
    digits = torch.arange(n) % 10
    thickness = (torch.arange(n) // 10) % 3
    leaning = (torch.arange(n) // 30) % 3
    widths = 1.5 + 2.0 * thickness + 0.3 * torch.rand(n, generator=g)
    angles = -25.0 + 25.0 * leaning + 2 * torch.rand(n, generator=g)
    images = bars(widths.tolist(), angles.tolist())
    return t.CaptionedDigits(
        images,
        digits,
        thickness,
        leaning,
        t.caption_tokens(digits, thickness, leaning),
    )


# ---------------------------------------------------------------- captions
def test_tercile_bins_by_hand():
    values = torch.arange(9.0)
    low, high = t.tercile_edges(values)
    assert low == pytest.approx(8 / 3) and high == pytest.approx(16 / 3)
    assert (
        t.to_bins(values, (low, high)).tolist() == [0] * 3 + [1] * 3 + [2] * 3
    )
    # a value on an edge belongs to the bin above it
    assert t.to_bins(torch.tensor([2.0, 5.0]), (2.0, 5.0)).tolist() == [1, 2]
    with pytest.raises(ValueError, match="ordered"):
        t.to_bins(values, (3.0, 1.0))


def test_bins_fitted_on_bars_order_them_by_width_and_angle():
    widths = [1.5, 2.0, 2.5, 4.0, 4.5, 5.0, 6.5, 7.0, 7.5]
    upright = bars(widths, [0.0] * 9)
    bins = t.AttributeBins.fit(upright)
    thickness, _ = bins.assign(upright)
    assert thickness.tolist() == [0] * 3 + [1] * 3 + [2] * 3
    # slant: leaning left (top to the left, negative), upright, right
    angles = [-20.0, -18.0, -16.0, -1.0, 0.0, 1.0, 16.0, 18.0, 20.0]
    leaning = bars([3.0] * 9, angles)
    _, slant_bins = t.AttributeBins.fit(leaning).assign(leaning)
    assert slant_bins.tolist() == [0] * 3 + [1] * 3 + [2] * 3


def test_captions_in_words_and_tokens():
    assert t.caption_text(7, 2, 1) == "a thick, upright seven"
    assert t.caption_text(2, 0, 0) == "a thin two, leaning left"
    assert t.caption_text(9, 1, 2) == "a medium nine, leaning right"
    v = t.VOCABULARY.index
    assert t.tokenize("a thick, upright seven") == [
        v("thick"), v("upright"), v("seven"), t.PAD,
    ]  # fmt: skip
    assert t.tokenize("A thin two, leaning left") == [
        v("thin"), v("two"), v("leaning"), v("left"),
    ]  # fmt: skip
    with pytest.raises(ValueError, match="unknown words"):
        t.tokenize("a bold seven")
    with pytest.raises(ValueError, match="at most 4"):
        t.tokenize("thin thick seven leaning left")
    with pytest.raises(ValueError, match="digit in 0..9"):
        t.caption_text(10, 0, 0)


def test_the_caption_table_agrees_with_the_words_and_every_bag_differs():
    digits, thickness, leaning = torch.meshgrid(
        torch.arange(10), torch.arange(3), torch.arange(3), indexing="ij"
    )
    tokens = t.caption_tokens(
        digits.flatten(), thickness.flatten(), leaning.flatten()
    )
    for row, d, w, s in zip(
        tokens,
        digits.flatten(),
        thickness.flatten(),
        leaning.flatten(),
        strict=True,
    ):
        assert row.tolist() == t.tokenize(t.caption_text(int(d), w, s))
    # A bag of words (order ignored) still tells all 90 captions apart.
    bags = {tuple(sorted(row.tolist())) for row in tokens}
    assert len(bags) == 90


# ------------------------------------------------------------ the encoder
def test_the_encoder_averages_the_words_and_ignores_padding():
    torch.manual_seed(0)
    encoder = t.BagOfWordsEncoder(dim=5)
    e = encoder.embedding.weight.detach()
    tokens = torch.tensor([t.tokenize("a thick, upright seven")])
    v = t.VOCABULARY.index
    by_hand = (e[v("thick")] + e[v("upright")] + e[v("seven")]) / 3
    torch.testing.assert_close(encoder(tokens)[0], by_hand)
    # word order does not matter; an all-padding caption maps to 0
    shuffled = tokens[:, [2, 0, 1, 3]]
    torch.testing.assert_close(encoder(shuffled), encoder(tokens))
    empty = torch.zeros(1, t.CAPTION_LENGTH, dtype=torch.long)
    assert torch.equal(encoder(empty), torch.zeros(1, 5))
    # the gradient reaches the three words used, and no other row
    encoder(tokens).sum().backward()
    touched = encoder.embedding.weight.grad.abs().sum(1) > 0
    assert touched.nonzero().flatten().tolist() == sorted(
        [v("thick"), v("upright"), v("seven")]
    )
    with pytest.raises(ValueError, match="torch.long"):
        encoder(tokens.float())


def test_pack_and_unpack_a_caption():
    images = torch.rand(3, 1, 28, 28) * 2 - 1
    tokens = torch.tensor([[1, 2, 3, 0], [4, 5, 6, 7], [8, 9, 0, 0]])
    packed = t.pack_caption(images, tokens)
    assert packed.shape == (3, 1 + t.CAPTION_LENGTH, 28, 28)
    back, back_tokens = t.unpack_caption(packed)
    assert torch.equal(back, images) and torch.equal(back_tokens, tokens)
    with pytest.raises(ValueError, match="token channels"):
        t.unpack_caption(images)


# ------------------------------------------------------------- the players
def test_the_players_read_the_caption():
    torch.manual_seed(0)
    generator = t.CaptionGenerator(width=4)
    discriminator = t.CaptionDiscriminator(width=4)
    data = captioned(4)
    z = torch.randn(4, t.LATENT_DIM)
    packed = generator(torch.cat([z, data.tokens.float()], 1))
    assert packed.shape == (4, 1 + t.CAPTION_LENGTH, 28, 28)
    images, tokens = t.unpack_caption(packed)
    assert torch.equal(tokens, data.tokens)  # G passes its captions on
    assert images.abs().max() <= 1
    # G's image and D's logit both change with the caption alone
    other = data.tokens.roll(1, 0)
    moved = generator(torch.cat([z, other.float()], 1))
    assert not torch.allclose(t.unpack_caption(moved)[0], images)
    discriminator.eval()  # batch norm on running averages: one logit each
    logits = discriminator(t.pack_caption(images, data.tokens))
    assert logits.shape == (4,)
    swapped = discriminator(t.pack_caption(images, other))
    assert not torch.allclose(logits, swapped)
    with pytest.raises(ValueError, match="z' = \\[z; t\\]"):
        generator(z)
    with pytest.raises(ValueError, match="pack_caption"):
        discriminator(images)


def test_each_encoder_is_in_its_players_optimizer_and_trains():
    data = captioned()
    trainer = t.make_caption_trainer(data, width=4, batch_size=8, seed=0)
    trainer.check_optimizers()  # raises if a parameter is missing
    g_words = trainer.generator.encoder.embedding.weight.detach().clone()
    d_words = trainer.discriminator.encoder.embedding.weight.detach().clone()
    trainer.discriminator_step()
    # D's step moves D's encoder and leaves G's alone
    assert not torch.equal(
        trainer.discriminator.encoder.embedding.weight, d_words
    )
    assert torch.equal(trainer.generator.encoder.embedding.weight, g_words)
    trainer.generator_step()
    assert not torch.equal(trainer.generator.encoder.embedding.weight, g_words)
    # an encoder swapped in after the optimizers were built is caught
    trainer.generator.encoder = t.BagOfWordsEncoder()
    with pytest.raises(ValueError, match="not in its optimizer"):
        trainer.check_optimizers()


def test_the_sampler_draws_real_pairs_and_captions_of_the_data():
    data = captioned()
    sampler = t.CaptionSampler(data, latent_dim=6, mismatch=True)
    stream = torch.Generator().manual_seed(0)
    images, tokens = t.unpack_caption(sampler.real_pairs(16, stream))
    for image, row in zip(images, tokens, strict=True):
        i = (data.images == image).flatten(1).all(1).nonzero().flatten()
        assert torch.equal(data.tokens[i[0]], row)  # each image its caption
    inputs = sampler.inputs(16, stream)
    assert inputs.shape == (16, 6 + t.CAPTION_LENGTH + 1)
    caption_rows = inputs[:, 6:-1].long()
    known = {tuple(r) for r in data.tokens.tolist()}
    assert all(tuple(r) in known for r in caption_rows.tolist())
    assert inputs[:, -1].min() >= 0 and inputs[:, -1].max() < len(data)


# ------------------------------------------------------------------ GAN-CLS
def test_matching_aware_loss_by_hand():
    zero = torch.zeros(4)
    # D = ½ everywhere: log 2 + ½ log 2 + ½ log 2
    assert t.matching_aware_discriminator_loss(
        zero, zero, zero
    ).item() == pytest.approx(2 * math.log(2))
    real, wrong, fake = (torch.tensor(v) for v in (2.0, -1.0, 0.5))
    sigmoid = torch.sigmoid
    by_hand = -(
        torch.log(sigmoid(real))
        + 0.5 * torch.log(1 - sigmoid(wrong))
        + 0.5 * torch.log(1 - sigmoid(fake))
    )
    torch.testing.assert_close(
        t.matching_aware_discriminator_loss(real, wrong, fake), by_hand
    )


def test_the_matching_aware_optimum_maximises_l_d_pointwise():
    grid = np.linspace(1e-4, 1 - 1e-4, 200_001)
    for p, w, q in [(0.3, 0.1, 0.2), (0.05, 0.2, 0.0), (1.0, 1.0, 1.0)]:
        objective = p * np.log(grid) + 0.5 * (w + q) * np.log(1 - grid)
        best = grid[np.argmax(objective)]
        assert t.matching_aware_optimum(p, w, q) == pytest.approx(
            best, abs=1e-4
        )
    # at p_g = p_data the mismatches keep D* away from ½: 2p / (3p + w)
    assert t.matching_aware_optimum(0.4, 0.1, 0.4) == pytest.approx(0.8 / 1.3)


def test_the_feeder_swaps_in_wrong_captions_only_in_ds_step():
    data = captioned()
    torch.manual_seed(0)
    feeder = t.MismatchFeeder(t.CaptionGenerator(width=4), data.images)
    sampler = t.CaptionSampler(data, mismatch=True)
    inputs = sampler.inputs(6, torch.Generator().manual_seed(1))
    with torch.no_grad():  # training mode, no gradient: D's step
        fed = feeder(inputs)
    images, tokens = t.unpack_caption(fed)
    assert torch.equal(tokens, inputs[:, 100:-1].long())
    index = inputs[3:, -1].long()
    assert torch.equal(images[3:], data.images[index])  # the last ⌊m/2⌋
    generated = t.unpack_caption(feeder.generator(inputs[:, :-1]))[0]
    torch.testing.assert_close(images[:3], generated[:3])
    # G's step (with gradients) and eval mode: G(z, t) in every row
    assert not torch.allclose(feeder(inputs)[3:, :1], images[3:])
    feeder.eval()
    with torch.no_grad():
        assert not torch.allclose(feeder(inputs)[3:, :1], images[3:])


def test_the_trainers_d_cost_is_reeds_l_d_under_gan_cls():
    data = captioned()
    trainer = t.make_caption_trainer(
        data, width=4, batch_size=8, seed=3, matching_aware=True, log_every=1
    )
    generator = copy.deepcopy(trainer.generator)
    discriminator = copy.deepcopy(trainer.discriminator)
    stream = torch.Generator().manual_seed(0)
    stream.set_state(trainer.rng.get_state())
    stats = trainer.discriminator_step(record=True)
    # the same batches by hand, from the same stream
    sampler = t.CaptionSampler(data, mismatch=True)
    real = sampler.real_pairs(8, stream)
    with torch.no_grad():
        fake = generator(sampler.inputs(8, stream))
    real_logits, fake_logits = discriminator(real), discriminator(fake)
    reed = t.matching_aware_discriminator_loss(
        real_logits, fake_logits[4:], fake_logits[:4]
    )
    torch.testing.assert_close(stats["d_loss"], reed.detach())
    torch.testing.assert_close(
        discriminator_loss(real_logits, fake_logits).detach(), reed.detach()
    )


def test_under_gan_cls_gs_cost_sees_only_gs_samples():
    data = captioned()
    trainer = t.make_caption_trainer(
        data, width=4, batch_size=8, seed=5, matching_aware=True, log_every=1
    )
    generator = copy.deepcopy(trainer.generator)
    discriminator = copy.deepcopy(trainer.discriminator)
    stream = torch.Generator().manual_seed(0)
    stream.set_state(trainer.rng.get_state())
    stats = trainer.generator_step(record=True)
    inputs = t.CaptionSampler(data, mismatch=True).inputs(8, stream)
    fake = generator(inputs)  # with gradients: G(z, t) in all 8 rows
    by_hand = non_saturating_cost(discriminator(fake))
    torch.testing.assert_close(stats["g_loss"], by_hand.detach())
    # and none of its rows is a training image
    images = t.unpack_caption(fake)[0].detach()
    assert not (images[:, None] == data.images[None]).flatten(2).all(2).any()


# ---------------------------------------------------------------- measuring
class FixedClass(nn.Module):
    """A stand-in classifier that calls every image a 3."""

    def __init__(self):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(10))
        with torch.no_grad():
            self.bias[3] = 1.0

    def forward(self, x):
        return self.bias.expand(x.shape[0], 10)


def test_caption_match_on_images_that_fit_their_captions():
    data = captioned()
    some = data.select(torch.tensor([4, 0]))
    assert torch.equal(some.tokens, data.tokens[[4, 0]])
    assert some.text(0) == data.text(4) == "a thin four, leaning left"
    bins = t.AttributeBins.fit(data.images)
    own = t.caption_digits(ImageData(data.images, data.digits), bins)
    match = t.caption_match(FixedClass(), own.images, own, bins)
    assert match.thickness == 1.0 and match.slant == 1.0  # by construction
    assert match.digit == pytest.approx(
        float((own.digits == 3).double().mean())
    )
    assert match.all == pytest.approx(match.digit)
    with pytest.raises(ValueError, match="one caption per image"):
        t.caption_match(FixedClass(), own.images[:3], own, bins)


def test_blind_rates_and_accidental_matches_by_hand():
    n = 90
    digits = torch.arange(n) % 10
    tied = digits % 3  # thickness fixed by the digit
    free = (torch.arange(n) // 10) % 3  # slant independent of it
    data = t.CaptionedDigits(
        torch.zeros(n, 1, 28, 28),
        digits,
        tied,
        free,
        t.caption_tokens(digits, tied, free),
    )
    rates = t.blind_match_rates(data)
    p = torch.bincount(tied, minlength=3).double() / n  # (4, 3, 3) / 10
    assert rates["thickness, text-blind"] == pytest.approx(float((p**2).sum()))
    assert rates["thickness, class-only"] == pytest.approx(1.0)
    assert rates["slant, text-blind"] == pytest.approx(1 / 3)
    assert rates["slant, class-only"] == pytest.approx(1 / 3)
    # 30 distinct captions (thickness follows the digit), 3 of each:
    # Σ p(c)² = 30 · (1/30)²
    assert t.accidental_match_rate(data) == pytest.approx(1 / 30)
    # captions are compared as they read: without the slant words, the 30
    # captions "a <thickness> <digit>" of the full set hold 3 digits each
    full = captioned(90)
    slant_words = torch.tensor(
        [
            t.VOCABULARY.index(w)
            for w in ("upright", "leaning", "left", "right")
        ]
    )
    short = full.tokens.masked_fill(
        torch.isin(full.tokens, slant_words), t.PAD
    )
    stripped = t.CaptionedDigits(*list(vars(full).values())[:4], short)
    assert t.accidental_match_rate(full) == pytest.approx(1 / 90)
    assert t.accidental_match_rate(stripped) == pytest.approx(1 / 30)
    # and it is the rate at which two random examples share a caption
    g = torch.Generator().manual_seed(0)
    skewed = captioned(90)
    keep = torch.cat([torch.arange(90), torch.zeros(30, dtype=torch.long)])
    skewed = t.CaptionedDigits(*(f[keep] for f in vars(skewed).values()))
    i = torch.randint(120, (200_000,), generator=g)
    j = torch.randint(120, (200_000,), generator=g)
    same = (skewed.tokens[i] == skewed.tokens[j]).all(1).double().mean()
    assert t.accidental_match_rate(skewed) == pytest.approx(
        float(same), abs=0.002
    )


def test_caption_and_class_samples_share_z_and_leave_the_run_alone():
    data = captioned()
    trainer = t.make_caption_trainer(data, width=4, seed=0)
    state = trainer.rng.get_state()
    first = t.caption_samples(trainer, data.tokens[:5], seed=2)
    assert first.shape == (5, 1, 28, 28)
    assert torch.equal(first, t.caption_samples(trainer, data.tokens[:5], 2))
    assert torch.equal(trainer.rng.get_state(), state)
    one_hot = make_trainer(
        Recipe(conditional=True, width=4),
        ImageData(data.images, data.digits),
        "cpu",
    )
    images = t.class_samples(one_hot, data.digits[:5], seed=2)
    assert images.shape == (5, 1, 28, 28)
    # the seed's z, passed by hand, gives the same samples in both models
    z = torch.randn(
        5, t.LATENT_DIM, generator=torch.Generator().manual_seed(2)
    )
    assert torch.equal(t.caption_samples(trainer, data.tokens[:5], z=z), first)
    assert torch.equal(t.class_samples(one_hot, data.digits[:5], z=z), images)
    with pytest.raises(ValueError, match="one row per caption"):
        t.caption_samples(trainer, data.tokens[:5], z=z[:4])
    with pytest.raises(TypeError, match="Recipe\\(conditional=True\\)"):
        t.class_samples(trainer, data.digits[:5])
    with pytest.raises(TypeError, match="make_caption_trainer"):
        t.caption_samples(one_hot, data.tokens[:5])


def test_gan_cls_refuses_the_simultaneous_protocol():
    """The feeder finds D's step by no_grad, which only the alternating
    protocol has: GAN-CLS must not silently become the plain game."""
    with pytest.raises(ValueError, match="alternating"):
        t.make_caption_trainer(
            captioned(),
            width=4,
            batch_size=8,
            matching_aware=True,
            protocol="simultaneous",
        )
