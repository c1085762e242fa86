"""JAX's persistent compilation cache is on after ``import aitours``, in the documented place,
and off with ``AITOURS_JAX_CACHE=0``; a re-run loads compiled programs from it. Each case runs in
a fresh interpreter (the cache is process-wide JAX configuration)."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = """
import jax, jax.numpy as jnp
import aitours
print(jax.config.jax_compilation_cache_dir)
jax.jit(lambda x: jnp.tanh(x) @ x.T)(jnp.ones((8, 8))).block_until_ready()
"""


def probe(env_extra: dict) -> str:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AITOURS_JAX_CACHE", "JAX_COMPILATION_CACHE"))}
    run = subprocess.run([sys.executable, "-c", PROBE], env={**env, **env_extra},
                         capture_output=True, text=True, check=True)
    return run.stdout.strip().splitlines()[-1]


def test_cache_is_on_and_filled(tmp_path):
    where = tmp_path / "cache"
    assert probe({"AITOURS_JAX_CACHE_DIR": str(where)}) == str(where)
    assert any(where.iterdir()), "the compiled program was written to the cache"


def test_default_place_is_per_user(tmp_path):
    assert probe({"XDG_CACHE_HOME": str(tmp_path)}) == str(tmp_path / "aitours" / "jax")


def test_opt_out(tmp_path):
    assert probe({"AITOURS_JAX_CACHE": "0", "XDG_CACHE_HOME": str(tmp_path)}) == "None"
    assert not (tmp_path / "aitours").exists()


def test_users_own_setting_is_kept(tmp_path):
    mine = tmp_path / "mine"
    assert probe({"JAX_COMPILATION_CACHE_DIR": str(mine),
                  "AITOURS_JAX_CACHE_DIR": str(tmp_path / "other")}) == str(mine)
