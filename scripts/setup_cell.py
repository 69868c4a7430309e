"""The set-up cell every notebook starts with, rendered from `_config.yml`.

The repository's address is written once, in `_config.yml`; this script renders
the set-up cell from it and writes it into each notebook (`make notebooks` runs
it first), and the hygiene tests check every stored notebook carries it.

In Colab the cell installs gan_lib at the commit the notebook's outputs were
made with (this repository's HEAD when the script runs), not the moving
branch: a student who opens a stored lab runs the code that made its numbers.
So the script refuses to run while gan_lib/ or pyproject.toml has uncommitted
changes.

    python scripts/setup_cell.py notebooks/*.ipynb
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
MARKER = "# Set-up:"
# The library's files: a pinned commit must hold them as they are.
LIBRARY_PATHS = ("gan_lib", "pyproject.toml")
COMMIT = re.compile(r"\"@([0-9a-f]{40})\"")


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def head_commit() -> str:
    """This repository's HEAD commit."""
    return _git("rev-parse", "HEAD")


def library_commit() -> str:
    """HEAD's commit, if gan_lib/ and pyproject.toml are committed as they
    are; else SystemExit saying what to do."""
    if _git("status", "--porcelain", "--", *LIBRARY_PATHS):
        raise SystemExit(
            "gan_lib/ or pyproject.toml has uncommitted changes: commit them "
            "first, so that the set-up cell can pin the commit the notebook's "
            "outputs are made with."
        )
    return head_commit()


def pinned_commit(source: str) -> str | None:
    """The commit a rendered set-up cell installs, or None."""
    found = COMMIT.search(source)
    return found.group(1) if found else None


def repository_url(
    config_path: Path = ROOT / "_config.yml", ref: str | None = None
) -> str:
    """`git+` install address of the book's repository at ``ref`` (default:
    its configured branch)."""
    repository = yaml.safe_load(config_path.read_text())["repository"]
    ref = ref or repository.get("branch", "main")
    return f"git+{repository['url']}@{ref}"


def render(
    config_path: Path = ROOT / "_config.yml", ref: str | None = None
) -> str:
    """Source of the set-up cell: installs gan_lib in Colab (keeping Colab's
    torch), reports device and profile.

    Every line fits the book's code column (79 characters): the install
    address is written in two pieces, the repository and the commit.
    """
    address, ref = repository_url(config_path, ref).rsplit("@", 1)
    return "\n".join(
        [
            f"{MARKER} in Colab, install gan_lib as it was when this notebook "
            "was run",
            "# (Colab's own torch is kept);"
            " everywhere, seed the generators and report the",
            "# device and the run profile.",
            "import sys",
            "",
            'if "google.colab" in sys.modules:',
            # Two string pieces, so that every line fits the book's code
            # column; IPython expands {gan_lib_source} in the magic's line.
            "    gan_lib_source = (",
            f'        "{address}"',
            f'        "@{ref}"',
            "    )",
            '    %pip install -q "gan-lib @ {gan_lib_source}"',
            "",
            "from gan_lib import runtime",
            "",
            "device, profile = runtime.setup(seed=0)",
        ]
    )


def first_code_cell(
    notebook: nbformat.NotebookNode,
) -> nbformat.NotebookNode | None:
    return next(
        (cell for cell in notebook.cells if cell.cell_type == "code"), None
    )


def sync(path: Path, source: str) -> bool:
    """Make the notebook's first code cell the set-up cell; True if the file
    changed."""
    notebook = nbformat.read(path, as_version=4)
    cell = first_code_cell(notebook)
    if cell is not None and cell.source == source:
        return False
    if cell is not None and cell.source.startswith(MARKER):
        cell.source = source
    else:
        # No set-up cell yet: insert one before the first code cell (or at
        # the end of a notebook without code).
        index = (
            notebook.cells.index(cell)
            if cell is not None
            else len(notebook.cells)
        )
        notebook.cells.insert(index, nbformat.v4.new_code_cell(source))
    tmp = path.with_suffix(".ipynb.tmp")
    nbformat.write(notebook, tmp)
    tmp.replace(path)
    return True


def main(paths: list[str]) -> None:
    source = render(ref=library_commit())
    for path in map(Path, paths):
        if sync(path, source):
            print(f"set-up cell updated: {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
