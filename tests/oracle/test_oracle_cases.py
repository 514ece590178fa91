"""One test per real-Flink oracle case in ``../shared/oracle/cases`` (run via ``run_oracle.py``)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ORACLE = Path(__file__).resolve().parents[2] / ".." / "shared" / "oracle"
CASES = sorted(p.stem for p in (ORACLE / "cases").glob("*.json")) if (ORACLE / "cases").is_dir() else []


@pytest.mark.skipif(not CASES, reason=f"oracle folder {ORACLE} not found (needs ../shared/oracle beside the repo)")
@pytest.mark.parametrize("name", CASES or ["none"])
def test_oracle_case(name: str) -> None:
    """flowlab reproduces what real Flink emitted for this case."""
    r = subprocess.run([sys.executable, str(ORACLE / "run_oracle.py"), str(ORACLE / "cases"),
                        str(ORACLE / "programs"), name], capture_output=True, text=True, timeout=300,
                       cwd=Path(__file__).resolve().parents[2])
    assert f"ok   {name}" in r.stdout, r.stdout + r.stderr
