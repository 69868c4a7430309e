import numpy as np
import pytest
import torch

from gan_lib import runtime


def test_pick_returns_the_value_of_the_named_profile(monkeypatch):
    for name, expected in [("smoke", 1), ("cpu", 2), ("gpu", 3)]:
        monkeypatch.setenv(runtime.PROFILE_ENV, name)
        assert runtime.pick(smoke=1, cpu=2, gpu=3) == expected
        profile = runtime.current_profile()
        assert profile.pick(smoke=1, cpu=2, gpu=3) == expected


def test_profile_name_is_case_and_space_insensitive(monkeypatch):
    monkeypatch.setenv(runtime.PROFILE_ENV, " Smoke ")
    assert runtime.current_profile().name == "smoke"


def test_default_profile_follows_cuda(monkeypatch):
    monkeypatch.delenv(runtime.PROFILE_ENV, raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert runtime.current_profile().name == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert runtime.current_profile().name == "gpu"


def test_unknown_profile_is_a_clear_error(monkeypatch):
    monkeypatch.setenv(runtime.PROFILE_ENV, "laptop")
    with pytest.raises(ValueError, match="smoke, cpu, gpu") as err:
        runtime.current_profile()
    assert "laptop" in str(err.value)
    assert runtime.PROFILE_ENV in str(err.value)


def test_pick_needs_every_profile():
    with pytest.raises(TypeError):
        runtime.Profile("cpu").pick(smoke=1, cpu=2)  # type: ignore[call-arg]


def test_device_order_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.delenv(runtime.DEVICE_ENV, raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert runtime.default_device().type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(runtime, "_mps_available", lambda: True)
    assert runtime.default_device().type == "mps"
    monkeypatch.setattr(runtime, "_mps_available", lambda: False)
    assert runtime.default_device().type == "cpu"


def test_device_override_and_its_errors(monkeypatch):
    monkeypatch.setenv(runtime.DEVICE_ENV, "cpu")
    assert runtime.default_device() == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv(runtime.DEVICE_ENV, "cuda")
    with pytest.raises(ValueError, match="no CUDA"):
        runtime.default_device()
    monkeypatch.setenv(runtime.DEVICE_ENV, "tpu-ish")
    with pytest.raises(ValueError, match="not a torch device"):
        runtime.default_device()


def test_same_seed_gives_identical_tensors_and_arrays():
    def draw(seed):
        generator = runtime.seed_everything(seed)
        return (
            torch.randn(5),
            np.random.rand(3),
            torch.randn(4, generator=generator),
        )

    first, second, other = draw(7), draw(7), draw(8)
    for a, b in zip(first, second, strict=True):
        assert np.array_equal(np.asarray(a), np.asarray(b))
    assert not torch.equal(first[0], other[0])


def test_seed_must_be_an_integer():
    with pytest.raises(TypeError):
        runtime.seed_everything(1.5)  # type: ignore[arg-type]


def test_setup_reports_device_and_profile(monkeypatch, capsys):
    monkeypatch.setenv(runtime.PROFILE_ENV, "smoke")
    monkeypatch.setenv(runtime.DEVICE_ENV, "cpu")
    device, profile = runtime.setup(seed=3)
    assert device.type == "cpu"
    assert profile.name == "smoke"
    assert "device: cpu" in capsys.readouterr().out


@pytest.mark.parametrize("profile", ["smoke", "cpu"])
def test_setup_runs_the_stored_profiles_on_one_thread(monkeypatch, profile):
    """Stored outputs are made with one thread (a float sum's order depends
    on the thread count), so `pytest --nbval` must reproduce them with one,
    whatever OMP_NUM_THREADS says."""
    monkeypatch.setenv(runtime.PROFILE_ENV, profile)
    monkeypatch.setenv(runtime.DEVICE_ENV, "cpu")
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        runtime.setup(seed=0)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
