"""gan_lib's layout: imports point only down the roles; each role maps its
modules.

The order, lowest first: ``runtime``; then ``theory``, ``nn``, ``data`` and
``book``, which import nothing of gan_lib but ``runtime``; ``training`` (may
use ``nn`` and ``theory``); ``evaluation`` (may use everything below it); and
``experiments`` (may use everything). A module may always import from its own
subpackage.
"""

import ast
import importlib
from pathlib import Path

import pytest

import gan_lib

PACKAGE = Path(gan_lib.__file__).parent

ALLOWED = {
    "runtime": set(),
    "theory": {"runtime"},
    "nn": {"runtime"},
    "data": {"runtime"},
    "book": {"runtime"},
    "training": {"runtime", "theory", "nn"},
    "evaluation": {"runtime", "theory", "nn", "data", "training"},
    "experiments": {
        "runtime",
        "theory",
        "nn",
        "data",
        "book",
        "training",
        "evaluation",
    },
}
SUBPACKAGES = sorted(role for role in ALLOWED if role != "runtime")
# book/ is the notebooks' glue: besides runtime it may use only plotting,
# widgets and the book tool's glue (myst_nb, IPython).
BOOK_THIRD_PARTY = {"matplotlib", "ipywidgets", "numpy", "myst_nb", "IPython"}


def modules() -> list[Path]:
    return sorted(
        p for p in PACKAGE.rglob("*.py") if "checkpoints" not in p.parts
    )


def role_of(path: Path) -> str | None:
    """The role a module belongs to, or None for gan_lib/__init__.py."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if parts == ("__init__",):
        return None
    return parts[0]


def gan_lib_imports(path: Path) -> list[tuple[int, str]]:
    """(line, role) for every import of gan_lib in the module, at any depth
    (imports inside functions count too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            pytest.fail(f"{path}:{node.lineno}: use absolute gan_lib imports")
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
            if node.module == "gan_lib":
                names = [f"gan_lib.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "gan_lib" and len(parts) > 1:
                found.append((node.lineno, parts[1]))
    return found


def third_party_imports(path: Path) -> set[str]:
    tops = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            tops |= {alias.name.split(".")[0] for alias in node.names}
        elif (
            isinstance(node, ast.ImportFrom) and node.module and not node.level
        ):
            tops.add(node.module.split(".")[0])
    return tops


@pytest.mark.parametrize(
    "path", modules(), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_imports_point_only_down(path):
    role = role_of(path)
    if role is None:
        assert gan_lib_imports(path) == [], "gan_lib/__init__ imports nothing"
        return
    assert role in ALLOWED, f"{role} is not a role of the layout"
    wrong = [
        f"line {line}: {role} imports {target}"
        for line, target in gan_lib_imports(path)
        if target != role and target not in ALLOWED[role]
    ]
    assert not wrong, f"{path.name} imports up or sideways: {wrong}"


@pytest.mark.parametrize(
    "path", modules(), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_no_import_the_checker_cannot_see(path):
    """``import gan_lib`` then ``gan_lib.x.y``, or importlib, would hide an
    import from the test above: neither is used inside the library."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
            assert "gan_lib" not in names, f"{path}:{node.lineno}"
            assert "importlib" not in names, f"{path}:{node.lineno}"
        if isinstance(node, ast.ImportFrom) and node.module == "importlib":
            pytest.fail(f"{path}:{node.lineno}: importlib hides an import")
        if isinstance(node, ast.Name) and node.id == "__import__":
            pytest.fail(f"{path}:{node.lineno}: __import__ hides an import")


def test_book_glue_uses_only_plotting_and_widgets():
    import sys

    stdlib = set(sys.stdlib_module_names)
    for path in (PACKAGE / "book").glob("*.py"):
        extra = third_party_imports(path) - stdlib - BOOK_THIRD_PARTY
        assert extra <= {"gan_lib", "__future__"}, f"{path.name}: {extra}"


def test_the_checker_catches_an_upward_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from gan_lib.training import Trainer\n"
        "def f():\n    from gan_lib import experiments\n"
    )
    assert gan_lib_imports(bad) == [(1, "training"), (3, "experiments")]


@pytest.mark.parametrize("role", SUBPACKAGES)
def test_each_role_maps_and_exports_its_modules(role):
    package = importlib.import_module(f"gan_lib.{role}")
    module_names = sorted(
        p.stem for p in (PACKAGE / role).glob("*.py") if p.stem != "__init__"
    )
    for name in module_names:
        assert f"``{name}``" in package.__doc__, f"{role}'s map lacks {name}"
        module = importlib.import_module(f"gan_lib.{role}.{name}")
        assert hasattr(module, "__all__"), f"{role}.{name} has no __all__"
        for public in module.__all__:
            assert hasattr(module, public), f"{role}.{name}.{public}"
    for public in package.__all__:
        assert hasattr(package, public), f"gan_lib.{role}.{public}"


def test_package_level_imports_read_naturally():
    from gan_lib.theory import divergences
    from gan_lib.training import Trainer

    assert divergences.kl_gaussians(0.0, 1.0, 0.0, 1.0) == 0.0
    assert Trainer.__module__ == "gan_lib.training.trainer"
