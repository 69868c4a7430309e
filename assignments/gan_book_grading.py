"""What the hidden tests of the GAN Book's assignments share.

Shipped with every autograder (``autograder_files`` in each master's
ASSIGNMENT CONFIG), never with the students' notebooks.

The one rule it enforces: a student's answer must not run the ``gan_lib``
code it is graded against. :func:`forbid` watches every Python function call
while the student's code runs (``sys.setprofile``) and fails the test if any
of them executes code defined in a forbidden ``gan_lib`` module, also when
the student's code then raises, and in threads it starts. It catches the
usual ways of reaching the library (``import ... as``, a reference kept in a
variable, a subclass, a wrapper, a ``functools.partial``) because it looks at
the code that runs, not at names, and it fails an answer that switches the
watch off. It is a strong deterrent, not a sandbox: code that runs in the
student's own namespace can always find a way around a check in the same
process, which is why the hidden tests also check values the library's
answer would give and instructors read suspicious answers. Other parts of
``gan_lib`` (the densities, the players, the trainer where it is not the
thing graded) stay allowed.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import threading
from collections.abc import Iterator

__all__ = ["LibraryCallError", "forbid"]


class LibraryCallError(AssertionError):
    """The student's code ran the ``gan_lib`` code it is graded against."""


def _module_files(module_names: tuple[str, ...]) -> dict[str, str]:
    files = {}
    for name in module_names:
        module = importlib.import_module(name)
        files[os.path.realpath(module.__file__)] = name
    return files


@contextlib.contextmanager
def forbid(*module_names: str) -> Iterator[list[str]]:
    """Fail if code from ``module_names`` runs inside the block.

    Yields the list of forbidden functions that ran (filled as they run);
    on leaving the block, raises :class:`LibraryCallError` naming them.
    """
    files = _module_files(module_names)
    seen: dict[str, str | None] = {}  # co_filename -> forbidden module
    calls: list[str] = []

    def profile(frame, event, arg):  # noqa: ARG001 (sys.setprofile API)
        if event != "call":
            return
        filename = frame.f_code.co_filename
        if filename not in seen:
            seen[filename] = files.get(os.path.realpath(filename))
        module = seen[filename]
        if module is not None:
            calls.append(f"{module}.{frame.f_code.co_name}")

    previous = sys.getprofile()
    previous_threads = threading.getprofile()
    sys.setprofile(profile)
    # Threads started inside the block are watched too.
    threading.setprofile(profile)
    try:
        yield calls
    except BaseException as error:
        # An answer that wraps the library must not pass a "raises" test.
        if calls:
            raise LibraryCallError(_message(calls)) from error
        raise
    finally:
        switched_off = sys.getprofile() is not profile
        sys.setprofile(previous)
        threading.setprofile(previous_threads)
    if switched_off:
        raise LibraryCallError(
            "your code replaced the grader's call watch (sys.setprofile); "
            "answers must not change the interpreter's profiler"
        )
    if calls:
        raise LibraryCallError(_message(calls))


def _message(calls: list[str]) -> str:
    names = ", ".join(dict.fromkeys(calls))
    return (
        f"your code called the library's own implementation ({names}); "
        "this question asks you to write it yourself"
    )
