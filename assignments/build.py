"""Build the course assignments: master notebooks → student and autograder.

    python assignments/build.py [--out _build/assignments] [--no-run-tests]
                                [NAME ...]

For each master notebook ``assignments/NAME.ipynb`` (otter-grader's format:
an ASSIGNMENT CONFIG raw cell, questions with solutions and public and
hidden tests), this writes

- ``OUT/student/NAME/``: what an instructor hands out, the notebook with
  its solutions replaced by ``...`` and the public tests in ``tests/``;
- ``OUT/autograder/NAME/``: the solution key (the notebook with its
  solutions), every test, public and hidden, and ``NAME-autograder.zip``,
  the zip Gradescope takes and ``otter run`` grades with.

Before ``otter assign`` runs, two cells are put after the master's title:
the set-up cell (in Colab it installs gan_lib from the repository named in
``_config.yml``, as the labs' set-up cell does, and the pinned otter-grader
of ``requirements.txt``) and the grader cell, which starts otter's
``grader``. Afterwards the grader cell of both notebooks gets the public
tests, which it writes to ``tests/`` when the notebook arrives without them
(in Colab a notebook is opened alone). Unless ``--no-run-tests``, otter
grades each solution key with every test and stops on anything less than
full marks.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "scripts"))

import setup_cell  # noqa: E402  (scripts/ is not a package)

GRADING_HELPER = HERE / "gan_book_grading.py"
GRADER_MARKER = "# The grader:"
PUBLIC_TESTS_PLACEHOLDER = "PUBLIC_TESTS = {}"


def masters(names: list[str] | None = None) -> list[Path]:
    """The master notebooks, ``assignments/ch*.ipynb``, or those named."""
    found = sorted(HERE.glob("ch*.ipynb"))
    if names:
        wanted = {name.removesuffix(".ipynb") for name in names}
        unknown = wanted - {path.stem for path in found}
        if unknown:
            raise SystemExit(
                f"no master notebook for {', '.join(sorted(unknown))}; "
                f"known: {', '.join(path.stem for path in found)}"
            )
        found = [path for path in found if path.stem in wanted]
    return found


def otter_requirement(requirements: Path = ROOT / "requirements.txt") -> str:
    """The ``otter-grader==X`` pin of requirements.txt (one place for it)."""
    for line in requirements.read_text().splitlines():
        if re.match(r"otter-grader==", line.strip()):
            return line.strip()
    raise SystemExit("requirements.txt has no otter-grader==... pin")


def gan_lib_requirement() -> str:
    """``gan-lib @ git+URL@commit``: the repository of ``_config.yml`` at the
    commit the assignments are built from, so that a student's Colab and the
    Gradescope autograder install the gan_lib the keys were graded with (not
    the moving branch)."""
    return (
        f"gan-lib @ {setup_cell.repository_url(ref=setup_cell.head_commit())}"
    )


def render_setup_cell() -> str:
    """The set-up cell: the labs' install line, plus otter-grader."""
    return "\n".join(
        [
            f"{setup_cell.MARKER} in Colab, install gan_lib and otter-grader"
            " (Colab's own torch",
            "# is kept); everywhere, seed the generators and report the"
            " device.",
            "import sys",
            "",
            'if "google.colab" in sys.modules:',
            f"    %pip install -q {otter_requirement()}"
            f' "{gan_lib_requirement()}"',
            "",
            "from gan_lib import runtime",
            "",
            "device, profile = runtime.setup(seed=0)",
        ]
    )


def render_grader_cell(public_tests: dict[str, str] | None = None) -> str:
    """The grader cell, with ``public_tests`` (name → test file) inlined."""
    lines = [
        f'{GRADER_MARKER} `grader.check("q1")` runs question q1\'s public',
        "# tests, kept in tests/ beside this notebook. In Colab the notebook",
        "# arrives alone, so this cell writes tests/ first. (Written by",
        "# `make assignments`; do not edit.)",
        "from pathlib import Path",
        "",
        "import otter",
        "",
    ]
    if public_tests is None:
        lines.append(PUBLIC_TESTS_PLACEHOLDER)
    else:
        lines.append("PUBLIC_TESTS = {")
        for name, source in public_tests.items():
            lines.append(f'    "{name}": {_string_literal(source)},')
        lines.append("}")
    lines += [
        'if not Path("tests").is_dir():',
        '    Path("tests").mkdir()',
        "    for name, source in PUBLIC_TESTS.items():",
        '        Path("tests", f"{name}.py").write_text(source)',
        'grader = otter.Notebook(tests_dir="tests")',
    ]
    return "\n".join(lines)


def _string_literal(source: str) -> str:
    """A readable literal for a test file: triple-quoted where it can be."""
    if '"""' in source or "\\" in source:
        return repr(source)
    return '"""\\\n' + source + '"""'


def stage(master: Path, staging: Path) -> Path:
    """Copy ``master`` into ``staging/NAME/`` with the two cells added.

    The grading helper and the autograder's requirements go beside it.
    """
    folder = staging / master.stem
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    notebook = nbformat.read(master, as_version=4)
    # After the title: the first markdown cell.
    title = next(
        i for i, c in enumerate(notebook.cells) if c.cell_type == "markdown"
    )
    notebook.cells[title + 1 : title + 1] = [
        nbformat.v4.new_code_cell(render_setup_cell()),
        nbformat.v4.new_code_cell(render_grader_cell()),
    ]
    staged = folder / master.name
    nbformat.write(notebook, staged)
    shutil.copy(GRADING_HELPER, folder / GRADING_HELPER.name)
    # What Gradescope's image installs besides otter-grader.
    (folder / "requirements.txt").write_text(gan_lib_requirement() + "\n")
    return staged


def read_tests(folder: Path) -> dict[str, str]:
    """The test files of ``folder/tests``, by question name, in order."""
    paths = sorted(
        (folder / "tests").glob("*.py"),
        key=lambda p: [
            int(t) if t.isdigit() else t for t in re.split(r"(\d+)", p.stem)
        ],
    )
    return {path.stem: path.read_text() for path in paths}


def inline_public_tests(notebook_path: Path, public: dict[str, str]) -> None:
    """Put the public tests into the notebook's grader cell."""
    notebook = nbformat.read(notebook_path, as_version=4)
    cell = next(
        c
        for c in notebook.cells
        if c.cell_type == "code" and c.source.startswith(GRADER_MARKER)
    )
    cell.source = render_grader_cell(public)
    nbformat.write(notebook, notebook_path)


def build_one(master: Path, out: Path, run_tests: bool) -> None:
    from otter.assign import main as otter_assign

    staged = stage(master, out / ".staging")
    result = out / ".otter" / master.stem
    shutil.rmtree(result, ignore_errors=True)
    otter_assign(str(staged), str(result), no_run_tests=not run_tests)

    public = read_tests(result / "student")
    for side in ("student", "autograder"):
        target = out / side / master.stem
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(result / side, target)
        inline_public_tests(target / master.name, public)
    # A stable name for the zip (otter stamps it with the build time).
    autograder = out / "autograder" / master.stem
    (zip_path,) = autograder.glob(f"{master.stem}-autograder_*.zip")
    zip_path.rename(autograder / f"{master.stem}-autograder.zip")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help="masters to build (all)")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "_build" / "assignments"
    )
    parser.add_argument(
        "--no-run-tests",
        action="store_true",
        help="skip grading each solution key with every test",
    )
    args = parser.parse_args(argv)
    out = args.out.resolve()
    for master in masters(args.names):
        print(f"assignment {master.stem}", flush=True)
        build_one(master, out, run_tests=not args.no_run_tests)
    shutil.rmtree(out / ".staging", ignore_errors=True)
    shutil.rmtree(out / ".otter", ignore_errors=True)
    print(f"student notebooks: {out / 'student'}")
    print(f"solution keys and autograder zips: {out / 'autograder'}")


if __name__ == "__main__":
    main()
