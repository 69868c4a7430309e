"""The course assignments grade as they should (``assignments/``).

For every master notebook, built once into a temporary folder by
``assignments/build.py``:

- its solution key scores full points under ``otter run`` (every public and
  hidden test);
- the untouched student notebook runs top to bottom and scores 0 on every
  question;
- a submission with exactly one question solved scores exactly that
  question's points;
- the student notebook opened the way Colab opens it, alone, without its
  ``tests/`` folder, runs top to bottom under nbclient and reports each
  question's result through ``grader.check``.

Each grading starts a kernel, so the runs go two at a time (the machine's two
cores) in subprocesses, all at once in one module-scoped fixture.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "assignments"))

import build  # noqa: E402  (assignments/ is not a package)

MASTERS = build.masters()
NAMES = [path.stem for path in MASTERS]
# otter tags the answer cells: in the student notebook, and in the key.
ANSWER_TAGS = ("otter_answer_cell", "otter_assign_solution_cell")
WORKERS = 2
# Answers that hand the work to gan_lib under other names (an alias, a
# partial, a lookup table): the hidden tests must give them nothing.
LIBRARY_ANSWERS = {
    # q3's hidden tests include one that expects a ValueError: the library
    # raises it too, so the guard must catch calls that end in an exception.
    "ch01_likelihood": [
        "from gan_lib.theory import likelihood\n"
        "average_log_likelihood = likelihood.average_log_likelihood",
        "def ascent_step(x, mu, log_sigma, lr):\n"
        "    raise NotImplementedError",
        "from gan_lib.theory import likelihood\n"
        "def fit_gaussian(x, lr=0.1, tol=1e-10, max_steps=20_000):\n"
        "    return likelihood.fit_gaussian_by_gradient_ascent(\n"
        "        x, lr=lr, max_steps=max_steps\n"
        "    )",
    ],
    "ch07_costs": [
        "from gan_lib.training import losses as L\n"
        "minimax_cost = L.minimax_cost",
        "import functools\n"
        "from gan_lib.training.losses import non_saturating_cost as f\n"
        "non_saturating_cost = functools.partial(f)",
        "from gan_lib.training import losses\n"
        "def maximum_likelihood_cost(a):\n"
        '    return losses.GENERATOR_COSTS["maximum_likelihood"](a)',
    ],
}
TIMEOUT = 600


def question_points(master: Path) -> dict[str, float]:
    """Question name → points, read from the master's BEGIN QUESTION cells."""
    points = {}
    for cell in nbformat.read(master, as_version=4).cells:
        source = cell.source.strip()
        if cell.cell_type == "raw" and source.startswith("# BEGIN QUESTION"):
            name = re.search(r"^name:\s*(\S+)", source, re.M).group(1)
            value = re.search(r"^points:\s*(\S+)", source, re.M).group(1)
            points[name] = float(value)
    return points


def answer_cells(notebook: nbformat.NotebookNode) -> list[int]:
    return [
        i
        for i, cell in enumerate(notebook.cells)
        if set(ANSWER_TAGS) & set(cell.metadata.get("tags", []))
    ]


def independent_question(solution: Path) -> int:
    """The last question whose answer uses no other question's answer.

    Solving it alone must earn its points: its answer stands on its own.
    """
    key = nbformat.read(solution, as_version=4)
    trees = [ast.parse(key.cells[i].source) for i in answer_cells(key)]
    defined = [
        {
            node.name
            for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))
        }
        for tree in trees
    ]
    for question in reversed(range(len(trees))):
        used = {
            node.id
            for node in ast.walk(trees[question])
            if isinstance(node, ast.Name)
        }
        others = set().union(*defined[:question], *defined[question + 1 :])
        if not used & others:
            return question
    raise AssertionError(f"every answer of {solution.name} uses another")


def one_question_solved(
    student: Path, solution: Path, question: int, target: Path
) -> Path:
    """The student notebook with only question ``question``'s answer."""
    submission = nbformat.read(student, as_version=4)
    key = nbformat.read(solution, as_version=4)
    ours, theirs = answer_cells(submission), answer_cells(key)
    assert len(ours) == len(theirs), "student and key differ in answers"
    submission.cells[ours[question]].source = key.cells[
        theirs[question]
    ].source
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(submission, target)
    return target


def with_answers(student: Path, answers: list[str], target: Path) -> Path:
    """The student notebook with its answer cells replaced by ``answers``."""
    submission = nbformat.read(student, as_version=4)
    cells = answer_cells(submission)
    assert len(cells) == len(answers)
    for index, source in zip(cells, answers, strict=True):
        submission.cells[index].source = source
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(submission, target)
    return target


def otter_run(submission: Path, autograder: Path, output: Path) -> dict:
    """Grade ``submission`` with ``otter run``; question → score."""
    output.mkdir(parents=True, exist_ok=True)
    command = [
        str(Path(sys.executable).parent / "otter"),
        "run",
        "--no-logo",
        "-a",
        str(autograder),
        "-o",
        str(output),
        str(submission),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=TIMEOUT
    )
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((output / "results.json").read_text())
    return {
        test["name"]: test["score"]
        for test in results["tests"]
        if test["name"] != "Public Tests"
    }


def colab_run(student: Path, folder: Path) -> nbformat.NotebookNode:
    """Run the student notebook alone, top to bottom, as Colab would."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / student.name
    shutil.copy(student, path)  # without its tests/ folder
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook,
        timeout=TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
    ).execute()
    return notebook


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Build every assignment, then every grading run, two at a time."""
    out = tmp_path_factory.mktemp("assignments")
    build.main(["--out", str(out), "--no-run-tests"])
    jobs, solved_question = {}, {}
    for name in NAMES:
        student = out / "student" / name / f"{name}.ipynb"
        solution = out / "autograder" / name / f"{name}.ipynb"
        zip_path = out / "autograder" / name / f"{name}-autograder.zip"
        solved = independent_question(solution)
        partial = one_question_solved(
            student, solution, solved, out / "partial" / name / student.name
        )
        runs_dir = out / "runs" / name
        jobs[name, "solution"] = (
            otter_run,
            solution,
            zip_path,
            runs_dir / "a",
        )
        jobs[name, "student"] = (otter_run, student, zip_path, runs_dir / "b")
        jobs[name, "partial"] = (otter_run, partial, zip_path, runs_dir / "c")
        solved_question[name] = solved
        if name in LIBRARY_ANSWERS:
            cheat = with_answers(
                student, LIBRARY_ANSWERS[name], out / "cheat" / student.name
            )
            jobs[name, "cheat"] = (otter_run, cheat, zip_path, runs_dir / "d")
        jobs[name, "colab"] = (colab_run, student, out / "colab" / name)
    env_threads = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = "1"  # two kernels share two cores
    try:
        with ThreadPoolExecutor(WORKERS) as pool:
            futures = {
                key: pool.submit(job[0], *job[1:]) for key, job in jobs.items()
            }
            results = {}
            for key, future in futures.items():
                try:
                    results[key] = future.result()
                except (
                    Exception
                ) as error:  # reported by the test that reads it
                    results[key] = error
            results |= {
                (name, "solved"): q for name, q in solved_question.items()
            }
    finally:
        if env_threads is None:
            os.environ.pop("OMP_NUM_THREADS")
        else:
            os.environ["OMP_NUM_THREADS"] = env_threads
    return results


def result(runs, name: str, kind: str):
    value = runs[name, kind]
    if isinstance(value, Exception):
        raise value
    return value


@pytest.mark.parametrize("name", NAMES)
def test_solution_key_scores_full_points(runs, name):
    points = question_points(build.HERE / f"{name}.ipynb")
    assert result(runs, name, "solution") == points


@pytest.mark.parametrize("name", NAMES)
def test_untouched_student_notebook_scores_zero(runs, name):
    points = question_points(build.HERE / f"{name}.ipynb")
    assert result(runs, name, "student") == dict.fromkeys(points, 0)


@pytest.mark.parametrize("name", NAMES)
def test_one_question_solved_scores_its_points(runs, name):
    points = question_points(build.HERE / f"{name}.ipynb")
    solved = list(points)[result(runs, name, "solved")]
    expected = {q: (p if q == solved else 0) for q, p in points.items()}
    assert result(runs, name, "partial") == expected


@pytest.mark.parametrize("name", NAMES)
def test_student_notebook_checks_every_question_in_colab(runs, name):
    notebook = result(runs, name, "colab")
    questions = list(question_points(build.HERE / f"{name}.ipynb"))
    checked = []
    for cell in notebook.cells:
        match = re.fullmatch(r'grader\.check\("(\w+)"\)', cell.source.strip())
        if cell.cell_type != "code" or not match:
            continue
        checked.append(match.group(1))
        text = "".join(
            output.get("data", {}).get("text/plain", "")
            + output.get("text", "")
            for output in cell.outputs
        )
        # The placeholders fail: the check reports the question's results.
        assert f"{match.group(1)} results:" in text, text
        assert "Test case failed" in text, text
    assert checked == questions


def test_every_assignment_has_three_to_five_questions():
    assert len(MASTERS) >= 8
    for master in MASTERS:
        assert 3 <= len(question_points(master)) <= 5, master.name


def test_instructors_page_lists_every_question_and_its_points():
    page = (ROOT / "book" / "teaching" / "instructors.md").read_text()
    for master in MASTERS:
        for question, points in question_points(master).items():
            # | `name` | q1 | what the student writes | points |
            row = (
                rf"\|\s*`{master.stem}`\s*\|\s*{question}\s*\|[^|\n]*\|"
                rf"\s*{points:g}\s*\|"
            )
            assert re.search(row, page), (master.stem, question, points)


@pytest.mark.parametrize("name", sorted(LIBRARY_ANSWERS))
def test_answers_that_call_gan_lib_score_zero(runs, name):
    points = question_points(build.HERE / f"{name}.ipynb")
    assert result(runs, name, "cheat") == dict.fromkeys(points, 0)
