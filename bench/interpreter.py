"""Which Python ran a bench, and how it was built: the same code ran 10-50% faster on another
build of the same Python version on one machine (docs/performance-history.md, eighth round),
so a figure means little without its interpreter.

CPython's build options `--enable-optimizations` (profile-guided optimisation) and `--with-lto`
(link-time optimisation) are what its configure script was given, as `sysconfig` keeps them
(CONFIG_ARGS). A build may still be optimised by other means (a distribution's own build rules),
so "not named" is what the line says, not "not optimised".
"""

from __future__ import annotations

import os
import platform
import sys
import sysconfig

OPTIONS = ("--enable-optimizations", "--with-lto", "--enable-shared")


def describe(config_args: str | None = None, executable: str | None = None) -> str:
    """One line: the executable (a virtual environment's base interpreter), its implementation
    and version, and which of OPTIONS its configure script was given (`config_args`,
    `executable`: this interpreter's by default)."""
    args = sysconfig.get_config_var("CONFIG_ARGS") if config_args is None else config_args
    words = [word.strip("'\"") for word in (args or "").split()]
    named = [option for option in OPTIONS if any(w.startswith(option) for w in words)]
    unnamed = " ".join(option for option in OPTIONS if option not in named)
    if not named:
        built = f"configure options name none of {unnamed}"
    else:
        built = f"configured with {' '.join(named)}" + (f", not {unnamed}" if unnamed else "")
    where = executable or os.path.realpath(sys.executable)  # a venv's python is a link
    return f"{where} ({platform.python_implementation()} {platform.python_version()}; {built})"
