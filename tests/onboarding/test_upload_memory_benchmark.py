"""CI runs benchmarks/upload_memory.py: a 10 MB upload raises the real server's peak RSS by < 3 MB."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc for VmHWM")
def test_ten_megabyte_upload_keeps_server_peak_memory_flat():
    result = subprocess.run(
        [sys.executable, "benchmarks/upload_memory.py"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(limit 3 MB): pass" in result.stdout
