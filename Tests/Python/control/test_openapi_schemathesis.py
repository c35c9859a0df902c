"""schemathesis (PyPI) against /openapi.json with every default check: no
5xx, no answer that breaks the schema, no valid request refused, no invalid
one accepted, 405 for methods a path does not have. A fixed seed, so a run
that fails can be repeated exactly."""

import os
import pathlib
import subprocess
import sys

SEED = "20261202"


def test_schemathesis_finds_nothing(control, tmp_path):
    schemathesis = pathlib.Path(sys.executable).parent / "schemathesis"
    result = subprocess.run(
        [str(schemathesis), "run", control.admin + "/openapi.json", "-H", f"Authorization: Bearer {control.token}",
         "--max-examples", os.environ.get("CORRAL_SCHEMATHESIS_EXAMPLES", "100"), "--seed", SEED, "--generation-database", "none"],
        capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
