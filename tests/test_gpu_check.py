"""scripts/gpu_check.sh: its plan, and that without a GPU it measures
nothing and says so."""

import subprocess

import pytest
import torch
from conftest import ROOT

SCRIPT = ROOT / "scripts" / "gpu_check.sh"


def run(*args: str, tmp_path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(SCRIPT), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "OUT": str(tmp_path)},
        timeout=120,
    )


def test_quick_dry_run_lists_the_cuda_tests_benchmarks_and_lab_rates(
    tmp_path,
):
    done = run("quick", "--dry-run", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    plan = done.stdout
    assert "pytest -q -m cuda tests" in plan
    assert plan.count("dcgan_speed.py --device cuda") == 4
    assert "--compile" in plan and "--channels-last" in plan
    assert "lab_budget.py --measure cuda" in plan


def test_full_dry_run_executes_every_lab_at_the_gpu_profile(tmp_path):
    plan = run("full", "--dry-run", tmp_path=tmp_path).stdout.splitlines()
    labs = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*"))
    assert len(plan) == len(labs) + 1
    for lab, line in zip(labs, plan[1:], strict=True):
        assert "GAN_BOOK_PROFILE=gpu" in line and line.endswith(lab)
        # executed into a scratch folder: the stored notebooks stay
        assert "--output-dir _build/gpu_check_labs" in line


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_without_a_gpu_it_measures_nothing_and_says_so(tmp_path):
    done = run("quick", tmp_path=tmp_path)
    assert done.returncode == 2
    assert "no CUDA device" in done.stderr
    report = (tmp_path / "gpu_check_quick.md").read_text()
    assert "nothing was measured" in report


def test_an_unknown_mode_is_a_usage_error(tmp_path):
    done = run("fast", tmp_path=tmp_path)
    assert done.returncode == 64 and "usage" in done.stderr
