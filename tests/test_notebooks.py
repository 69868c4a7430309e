"""Notebook hygiene: the stored labs are what the book shows, so they must be
clean.

Each is executed top to bottom from a fresh kernel (`make notebooks`) at the
`cpu` profile, error-free, with outputs, small, in the table of contents beside
its chapter, and starts with the set-up cell rendered from `_config.yml`.
Strict nbval (`make verify`) then checks that a rerun reproduces every stored
output; here we check the markers it relies on: timings and live explorers are
ignored or sanitized.
"""

import re
import subprocess
from pathlib import Path

import nbformat
import pytest
import yaml
from nbval.plugin import get_sanitize_patterns
from setup_cell import first_code_cell, pinned_commit, render

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MAX_BYTES = 5 * 1024 * 1024
SANITIZE = ROOT / "notebooks" / "nbval_sanitize.cfg"
IGNORE = "# NBVAL_IGNORE_OUTPUT"
# A measured duration left once the sanitize file has masked "147 s" and
# "0.9 it/s": a number without its unit, under a word that says it is a time
# ("second" alone is also an ordinal: "the second half").
TIMING_WORDS = re.compile(
    r"\b(seconds|wall[- ]?(clock|time)|elapsed|per second)\b", re.IGNORECASE
)
# Glued timings: a bare number, so only the name can tell ("lab_seconds",
# "k2_time_ratio", "speedup"; not "saturation_s", where s is a separation).
TIMING_GLUE = re.compile(r"(^|_)(seconds|time|wall|elapsed|speedup)(_|$)|_ms$")


def toc_files() -> list[str]:
    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                yield entry["file"]
            yield from walk(entry.get("sections"))
            yield from walk(entry.get("chapters"))

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [toc["root"], *walk(toc.get("parts"))]


def code_cells(path: Path):
    notebook = nbformat.read(path, as_version=4)
    return [
        cell
        for cell in notebook.cells
        if cell.cell_type == "code" and cell.source.strip()
    ]


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found in notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_executed_in_order_from_a_fresh_kernel(path):
    counts = [cell.execution_count for cell in code_cells(path)]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: run `make notebooks` (counts {counts})"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_errors_and_outputs_present(path):
    cells = code_cells(path)
    outputs = [output for cell in cells for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"], (
        f"{path.name} is stored with an error"
    )
    shown = [
        o
        for o in outputs
        if o.output_type in ("display_data", "execute_result")
    ]
    assert len(shown) >= 1
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert figures, f"{path.name} has no figure output"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_at_the_cpu_profile(path):
    setup_output = "".join(
        o.get("text", "") for o in code_cells(path)[0].outputs
    )
    assert "profile: cpu" in setup_output, (
        f"{path.name} was not stored at the cpu profile: run `make notebooks`"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_size_budget(path):
    assert path.stat().st_size < MAX_BYTES, (
        f"{path.name} is over 5 MiB: lower figure dpi or show fewer frames"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_is_the_setup_cell(path):
    notebook = nbformat.read(path, as_version=4)
    source = first_code_cell(notebook).source
    commit = pinned_commit(source)
    hint = "run `python scripts/setup_cell.py notebooks/*.ipynb`"
    assert commit is not None, (
        f"{path.name}: the set-up cell installs no pinned commit; {hint}"
    )
    assert source == render(ref=commit), (
        f"{path.name}: the set-up cell differs from the one rendered from "
        f"_config.yml; {hint}"
    )
    # Every line fits the book's code column (the browser test measures it).
    assert max(map(len, source.splitlines())) <= 79, (
        f"{path.name}: a set-up cell line is wider than 79 characters"
    )
    # The pin names a commit of this repository's history (a clone has it).
    known = subprocess.run(
        ["git", "cat-file", "-e", f"{commit}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
    )
    assert known.returncode == 0, (
        f"{path.name} pins {commit}, which is not in this repository"
    )
    first = notebook.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), (
        "a notebook opens with its title"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_paired_with_a_chapter_in_the_toc(path):
    files = toc_files()
    stem = f"notebooks/{path.stem}"
    assert stem in files, f"{path.name} is not in _toc.yml"
    chapter = ROOT / "book" / f"{path.stem}.md"
    assert chapter.exists(), (
        f"{path.name} has no chapter page book/{path.stem}.md"
    )
    assert f"book/{path.stem}" in files
    assert f"notebooks/{path.stem}" in chapter.read_text(), (
        f"book/{path.stem}.md does not link to its lab"
    )
    title = nbformat.read(path, as_version=4).cells[0].source
    assert f"../book/{path.stem}.md" in title, (
        f"{path.name} does not link back to its chapter"
    )


def test_plain_tqdm_does_not_flood_the_stored_notebooks():
    for path in NOTEBOOKS:
        for cell in code_cells(path):
            for output in cell.outputs:
                if output.output_type == "stream":
                    assert output.text.count("\r") < 50, (
                        f"{path.name}: use tqdm.auto, not plain tqdm"
                    )


def test_mathjax_is_served_with_the_book():
    book_config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config = book_config["sphinx"]["config"]
    (extra,) = config["html_extra_path"]
    # Sphinx puts it under _static/.
    script = config["mathjax_path"].removeprefix("../")
    assert (ROOT / extra / script).is_file(), (
        "the local MathJax file named in _config.yml is missing"
    )


def sanitized(text: str) -> str:
    """`text` as strict nbval compares it: with the sanitize file applied."""
    for regex, replace in get_sanitize_patterns(SANITIZE.read_text()):
        text = re.sub(regex, replace, text)
    return text


def timing_outputs(cell) -> list[str]:
    """The outputs of `cell` that look like a measured time after sanitizing:
    glued numbers named as timings, and printed text with a timing word."""
    found = []
    for output in cell.outputs:
        name = output.get("metadata", {}).get("scrapbook", {}).get("name")
        if name and TIMING_GLUE.search(name):
            found.append(f"glue {name!r}")
        text = output.get("text", "")
        if not name:
            text += output.get("data", {}).get("text/plain", "")
        found += [
            line.strip()
            for line in sanitized(text).splitlines()
            if TIMING_WORDS.search(line)
        ]
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_timings_and_explorers_are_ignored_by_strict_nbval(path):
    """A rerun cannot reproduce a timing or a live explorer's output, so strict
    nbval must not compare them: such a cell starts with the ignore marker."""
    problems = []
    for index, cell in enumerate(code_cells(path)):
        if IGNORE in cell.source:
            if not cell.source.startswith(IGNORE):
                problems.append(f"cell {index}: put {IGNORE} on line 1")
            continue
        # interact's output lives in its widget; nbval sees a bare print.
        explorer = any(
            output.get("data", {})
            .get("text/plain", "")
            .startswith("interactive(")
            for output in cell.outputs
        )
        if explorer:
            problems.append(f"cell {index}: an ipywidgets explorer")
        problems += [f"cell {index}: {t}" for t in timing_outputs(cell)]
    assert not problems, (
        f"{path.name}: start these cells with {IGNORE} (or keep the timing "
        "in a line that notebooks/nbval_sanitize.cfg masks):\n"
        + "\n".join(problems)
    )
