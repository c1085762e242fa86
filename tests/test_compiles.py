"""tools/compiles.py names the programs a script compiles more than once, and why."""

import subprocess
import sys
from pathlib import Path

import pytest

from tools.compiles import parse, report

# JAX's compile-log wording: a performance tool's test, out of `make test` (make test-perf)
pytestmark = pytest.mark.perf

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = '''
import jax, jax.numpy as jnp

@jax.jit
def twice(x):
    return jnp.sin(x) * 2

twice(jnp.full(3, 0.5))   # weakly typed
twice(jnp.ones(3))        # strongly typed: compiled again
'''


def test_a_weak_type_recompilation_is_reported_with_its_reason(tmp_path):
    script = tmp_path / "weak.py"
    script.write_text(SCRIPT)
    out = subprocess.run([sys.executable, "-m", "tools.compiles", str(script),
                          "--min-seconds", "0"], capture_output=True, text=True, check=True,
                         cwd=ROOT).stdout
    assert "jit(twice): 2 times" in out
    assert ("called at weak.py:9: at x, now f32[3]{weak_type=False} and before "
            "f32[3]{weak_type=True}") in out


def test_parse_and_report_on_a_log():
    log = "\n".join([
        "Finished XLA compilation of jit(f) in 0.5 sec",
        "TRACING CACHE MISS at t.py:3 (<module>):",
        "  for f defined at t.py:1",
        "  all previously seen cache keys differ. For the closest previous key:",
        "  * at x, now f32[4] and before f32[3]https://docs.jax.dev/x",
        "Finished XLA compilation of jit(f) in 0.25 sec",
        "Finished XLA compilation of jit(g) in 0.125 sec",
    ])
    times, reasons = parse(log)
    assert times == {"jit(f)": [0.5, 0.25], "jit(g)": [0.125]}
    assert reasons == {"f": ["called at t.py:3: at x, now f32[4] and before f32[3]"]}
    text = report(times, reasons, top=5)
    assert text.startswith("0.9 s of XLA compilation, 3 programs compiled")
    assert "jit(f): 2 times, 0.75 s" in text and "jit(g): 1" not in text
