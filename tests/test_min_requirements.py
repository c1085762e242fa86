"""requirements-min.txt pins exactly the lower bounds pyproject.toml declares (make test-min)."""

import pytest

from tools import min_requirements


def test_constraints_file_is_in_step_with_pyproject():
    assert min_requirements.main(["--check"]) == 0, "run `python -m tools.min_requirements`"


def test_every_runtime_dependency_is_pinned_at_its_lower_bound():
    text = min_requirements.render()
    for name, version in min_requirements.lower_bounds().items():
        assert f"\n{name}=={version}\n" in text
    assert "jaxlib==" + min_requirements.lower_bounds()["jax"] in text


def test_a_requirement_without_lower_bound_is_refused(monkeypatch, tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\ndependencies = ["numpy"]\n[project.optional-dependencies]\numap = []\n')
    monkeypatch.setattr(min_requirements, "ROOT", tmp_path)
    with pytest.raises(ValueError, match="'numpy' has no plain `>=` lower bound"):
        min_requirements.lower_bounds()


def test_binder_files_are_in_step_with_the_lock():
    from tools import binder

    assert binder.main(["--check"]) == 0, "run `python -m tools.binder`"
    text = (binder.ROOT / "binder" / "postBuild").read_text()
    assert "pip install --no-deps -e ." in text and "aitours.umap_cache" in text
    assert (binder.ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"
