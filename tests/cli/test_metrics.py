"""The ``cloudorg metrics`` command (its round trip on a campaign:
tests/metrics/test_campaign.py)."""

from __future__ import annotations

import subprocess
import sys


def test_command_module_starts_without_the_kernels():
    code = "import sys, cloudorg.cli.metrics; print('numba' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)  # fmt: skip
    assert result.stdout.strip() == "False"
