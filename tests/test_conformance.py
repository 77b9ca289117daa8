"""The shared conformance cases, run exactly as `../shared/conformance/check` runs them."""

import subprocess
import sys

import pytest

from tests.conftest import ROOT, SHARED

CHECK = SHARED / "conformance" / "check"


@pytest.mark.skipif(not CHECK.exists(), reason="../shared/conformance is not beside the project")
def test_conformance_cases_all_pass():
    run = subprocess.run([sys.executable, str(CHECK)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    last = run.stdout.strip().splitlines()[-1]
    assert run.returncode == 0, run.stdout
    assert last.endswith(" 0 failed"), run.stdout
