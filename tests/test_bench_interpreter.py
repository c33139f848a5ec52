"""The line a bench prints about the Python that ran it."""

from __future__ import annotations

import sys

from bench.interpreter import describe


def test_an_optimised_build_is_named_so() -> None:
    args = "'--build=x86_64-linux-gnu' '--enable-optimizations' '--enable-shared' '--with-lto'"
    line = describe(args, "/usr/local/bin/python3.11")
    assert line.startswith("/usr/local/bin/python3.11 (CPython ")
    assert line.endswith("configured with --enable-optimizations --with-lto --enable-shared)")


def test_a_build_without_the_optimisations_says_which_it_lacks() -> None:
    args = "'--prefix=/root/.pyenv/versions/3.11.7' '--enable-shared'"
    line = describe(args, "/root/.pyenv/versions/3.11.7/bin/python3.11")
    assert line.endswith("configured with --enable-shared, not --enable-optimizations --with-lto)")


def test_a_build_naming_none_says_so_without_claiming_it_is_unoptimised() -> None:
    line = describe("", "/usr/bin/python3")
    assert line.endswith(
        "configure options name none of --enable-optimizations --with-lto --enable-shared)"
    )
    assert "not optimised" not in line


def test_this_interpreter_by_default() -> None:
    version = ".".join(str(part) for part in sys.version_info[:3])
    assert f" {version};" in describe()
