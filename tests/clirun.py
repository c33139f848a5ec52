"""Run `python -m bot …` as a newcomer would, in a folder of the test's, with only the given env."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
