"""Seeds trained as one batched model give the separate runs' numbers.

``StackedModule`` runs S copies of a network as one; ``stack_trainers``
trains S seeds of one configuration together. Both are checked against the
S separate models and runs, to float rounding.
"""

import numpy as np
import pytest
import torch
from torch import nn

from gan_lib.experiments.mode_collapse import (
    EVAL_SAMPLES,
    EVAL_SEED,
    METHODS,
    build_trainer,
)
from gan_lib.experiments.recipes import Recipe, make_trainer
from gan_lib.nn import MLPDiscriminator, MLPGenerator, StackedModule
from gan_lib.theory import IsotropicMixture2D
from gan_lib.training import SeedEnsemble, stack_trainers
from gan_lib.training.trainer import Trainer, adam

RING = IsotropicMixture2D.ring()
# Float rounding only: a batched matmul sums in another order than S
# separate ones. Measured on the ring: 3e-8 after one step; after 50
# iterations 7e-8 (k = 1) and 2.3e-6 (k = 3, 150 D steps). GAN dynamics
# amplify rounding over long runs, as any change of summation order does.
ATOL = 1e-5


def generators(seeds=(0, 1, 2)):
    models = []
    for seed in seeds:
        torch.manual_seed(seed)
        models.append(MLPGenerator(latent_dim=4, data_dim=2, hidden=16))
    return models


def test_stacked_module_runs_each_copy_on_its_own_batch():
    models = generators()
    stacked = StackedModule(models)
    z = torch.randn(3, 5, 4, generator=torch.Generator().manual_seed(0))
    out = stacked(z)
    assert out.shape == (3, 5, 2)
    for s, model in enumerate(models):
        torch.testing.assert_close(out[s], model(z[s]))
    shared = stacked.shared(z[0])
    for s, model in enumerate(models):
        torch.testing.assert_close(shared[s], model(z[0]))


def test_stacked_module_holds_one_parameter_per_tensor_of_the_copies():
    models = generators()
    stacked = StackedModule(models)
    single = sum(p.numel() for p in models[0].parameters())
    assert sum(p.numel() for p in stacked.parameters()) == 3 * single
    assert stacked.latent_dim == 4
    # the stacked parameters are copies: the models are left alone
    before = [p.clone() for p in models[0].parameters()]
    with torch.no_grad():
        for p in stacked.parameters():
            p.zero_()
    for p, b in zip(models[0].parameters(), before, strict=True):
        assert torch.equal(p, b)


def test_stacked_module_gradient_of_seed_s_is_its_own():
    models = generators()
    stacked = StackedModule(models)
    z = torch.randn(3, 5, 4, generator=torch.Generator().manual_seed(1))
    stacked(z).square().sum().backward()
    for s, model in enumerate(models):
        model(z[s]).square().sum().backward()
        for name, p in model.named_parameters():
            grad = getattr(stacked, name.replace(".", "__")).grad[s]
            torch.testing.assert_close(grad, p.grad)


def test_stacked_module_refuses_wrong_shapes_and_mixed_architectures():
    stacked = StackedModule(generators())
    with pytest.raises(ValueError, match="stacks 3 copies"):
        stacked(torch.randn(2, 5, 4))
    with pytest.raises(ValueError, match="one architecture"):
        StackedModule([MLPGenerator(4, 2, hidden=16), MLPGenerator(4, 2)])
    with pytest.raises(ValueError, match="at least one"):
        StackedModule([])


def test_stacked_batch_norm_keeps_each_copys_running_averages():
    from gan_lib.nn import DCGANGenerator

    models = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        models.append(DCGANGenerator(image_size=28, latent_dim=8, width=8))
    stacked = StackedModule(models)
    z = torch.randn(2, 4, 8, generator=torch.Generator().manual_seed(2))
    out = stacked(z)  # train mode: batch statistics, running stats move
    for s, model in enumerate(models):
        torch.testing.assert_close(out[s], model(z[s]))
        for name, buffer in model.named_buffers():
            stacked_buffer = getattr(stacked, name.replace(".", "__"))[s]
            torch.testing.assert_close(stacked_buffer, buffer)
    stacked.eval()
    for model in models:
        model.eval()
    out = stacked(z)  # eval mode: the running averages
    for s, model in enumerate(models):
        torch.testing.assert_close(out[s], model(z[s]))


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.name)
def test_ensemble_trains_each_seed_as_its_own_run(method):
    seeds = (0, 1, 2)
    ensemble = stack_trainers(
        [build_trainer(RING, method, seed) for seed in seeds]
    )
    ensemble.train(50, progress=False)
    samples = ensemble.sample(EVAL_SAMPLES, seed=EVAL_SEED)
    d_losses = []
    for s, seed in enumerate(seeds):
        alone = build_trainer(RING, method, seed)
        alone.train(50, progress=False)
        for name, p in alone.generator.named_parameters():
            stacked = getattr(ensemble.generator, name.replace(".", "__"))
            torch.testing.assert_close(stacked[s], p, atol=ATOL, rtol=0)
        for name, p in alone.discriminator.named_parameters():
            stacked = getattr(ensemble.discriminator, name.replace(".", "__"))
            torch.testing.assert_close(stacked[s], p, atol=ATOL, rtol=0)
        torch.testing.assert_close(
            samples[s],
            alone.sample(EVAL_SAMPLES, seed=EVAL_SEED),
            atol=ATOL,
            rtol=1e-5,
        )
        d_losses.append(alone.history["d_loss"])
    # the history is the mean over seeds
    expected = torch.tensor(np.array(d_losses)).mean(0)
    torch.testing.assert_close(
        torch.tensor(ensemble.history["d_loss"]), expected, atol=1e-5, rtol=0
    )
    assert ensemble.iteration == 50
    assert ensemble.history["iteration"].tolist() == [50]


def test_ensemble_of_dcgans_with_batch_norm_matches_separate_runs():
    from gan_lib.data.images import ImageData

    stream = torch.Generator().manual_seed(0)
    data = ImageData(
        torch.rand(64, 1, 28, 28, generator=stream) * 2 - 1,
        torch.randint(0, 10, (64,), generator=stream),
    )

    def build(seed):
        torch.manual_seed(seed)
        recipe = Recipe(width=8, batch_size=8, seed=seed)
        return make_trainer(recipe, data, "cpu", log_every=5)

    ensemble = stack_trainers([build(0), build(1)])
    ensemble.train(5, progress=False)
    alone = build(1)
    alone.train(5, progress=False)
    stacked = ensemble.generator.state_dict()
    for name, value in alone.generator.state_dict().items():
        torch.testing.assert_close(
            stacked[name.replace(".", "__")][1].float(),
            value.float(),
            atol=1e-4,
            rtol=0,
        )
    torch.testing.assert_close(
        ensemble.sample(8, seed=3)[1],
        alone.sample(8, seed=3),
        atol=1e-4,
        rtol=0,
    )


def small_trainer(seed, **changes):
    torch.manual_seed(seed)
    settings = (
        dict(
            batch_size=8,
            g_optimizer=adam(1e-3),
            d_optimizer=adam(1e-3),
            device="cpu",
            seed=seed,
        )
        | changes
    )
    return Trainer(
        MLPGenerator(2, 1, hidden=8),
        MLPDiscriminator(1, hidden=8),
        torch.randn(32, 1),
        **settings,
    )


def test_stack_trainers_refuses_what_it_cannot_stack():
    with pytest.raises(ValueError, match="at least one"):
        stack_trainers([])
    trained = small_trainer(1)
    trained.train(1, progress=False)
    with pytest.raises(ValueError, match="fresh"):
        stack_trainers([small_trainer(0), trained])
    with pytest.raises(ValueError, match="differ only in their seed"):
        stack_trainers([small_trainer(0), small_trainer(1, d_steps=2)])
    with pytest.raises(ValueError, match="same settings"):
        stack_trainers(
            [small_trainer(0), small_trainer(1, g_optimizer=adam(1e-2))]
        )


def test_ensemble_refuses_checkpoints_with_a_way_out(tmp_path):
    ensemble = stack_trainers([small_trainer(0), small_trainer(1)])
    assert isinstance(ensemble, SeedEnsemble)
    with pytest.raises(NotImplementedError, match="state_dict"):
        ensemble.train(2, progress=False, checkpoint_path=tmp_path / "x.pt")
    assert not (tmp_path / "x.pt").exists()


def test_stacked_module_keeps_each_layers_mode_through_measuring():
    from gan_lib.nn import evaluating

    models = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU())
        model[1].eval()  # a frozen batch norm in a model that trains
        models.append(model)
    stacked = StackedModule(models)
    assert stacked.training and not stacked.template[1].training
    with evaluating(stacked):
        assert not stacked.template[0].training
    # back as it was: the frozen layer stays frozen, the rest trains
    assert stacked.template[0].training and not stacked.template[1].training
    x = torch.randn(2, 5, 3, generator=torch.Generator().manual_seed(4))
    out = stacked(x)
    for s, model in enumerate(models):
        torch.testing.assert_close(out[s], model(x[s]))
    evaluated = StackedModule([m.eval() for m in models])
    assert not evaluated.training and not evaluated.template[0].training


def test_stacked_module_refuses_other_layers_of_the_same_shapes():
    relu = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
    tanh = nn.Sequential(nn.Linear(3, 4), nn.Tanh())
    with pytest.raises(ValueError, match="one architecture"):
        StackedModule([relu, tanh])


def test_stack_trainers_copies_the_streams_and_refuses_shared_scalers():
    from gan_lib.training import precision

    trainers = [small_trainer(0), small_trainer(1)]
    state = trainers[0].rng.get_state()
    stack_trainers(trainers).train(3, progress=False)
    assert torch.equal(trainers[0].rng.get_state(), state)
    scaled = small_trainer(2)
    scaled.amp_dtype = torch.float16  # as on a T4, where a scaler is built
    with pytest.raises(ValueError, match="one by one"):
        stack_trainers([small_trainer(0), scaled])
    assert precision  # the module that picks float16 and its scaler


def test_stack_trainers_takes_an_optimisers_current_settings():
    def adamw(parameters):
        return torch.optim.AdamW(parameters, lr=1e-3, weight_decay=0.1)

    trainers = [small_trainer(s, g_optimizer=adamw) for s in (0, 1)]
    ensemble = stack_trainers(trainers)
    group = ensemble.g_optimizer.param_groups[0]
    assert isinstance(ensemble.g_optimizer, torch.optim.AdamW)
    assert group["lr"] == 1e-3 and group["weight_decay"] == 0.1

    def two_groups(parameters):
        first, *rest = list(parameters)
        return torch.optim.SGD([{"params": [first]}, {"params": rest}], lr=0.1)

    with pytest.raises(ValueError, match="one parameter group"):
        stack_trainers(
            [small_trainer(s, g_optimizer=two_groups) for s in (0, 1)]
        )
