"""Every public function (and class) of every ``aitours`` module is exercised by a property test.

The public names are enumerated from the package (``__all__`` where a module has one, else the
functions, classes and ``custom_jvp`` functions defined in the module without a leading
underscore); the property tests' uses are read from their source (names imported from
``aitours`` and used in a test, or ``module.name`` attributes), so a new helper without a
property test fails here.
"""

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import jax

import aitours

TESTS = Path(__file__).parent


def public_names() -> set[str]:
    names = {f"aitours.{n}" for n in aitours.__all__ if callable(getattr(aitours, n))}
    for info in pkgutil.iter_modules(aitours.__path__):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"aitours.{info.name}")
        for name, obj in vars(mod).items():
            if name.startswith("_"):
                continue
            if hasattr(mod, "__all__") and name not in mod.__all__:
                continue
            fn = obj.fun if isinstance(obj, jax.custom_jvp) else obj
            if (inspect.isfunction(fn) or inspect.isclass(fn)) and fn.__module__ == mod.__name__:
                names.add(f"{mod.__name__}.{name}")
    return names


def used_names() -> set[str]:
    used = set()
    for path in TESTS.glob("test_properties_*.py"):
        tree = ast.parse(path.read_text())
        local = {}   # local name -> "aitours.module.name" (a function) or "aitours.module"
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("aitours"):
                for alias in node.names:
                    local[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        tests = [n for n in tree.body if isinstance(n, ast.FunctionDef)
                 and n.name.startswith("test_")]
        helpers = [n for n in tree.body if isinstance(n, ast.FunctionDef)
                   and not n.name.startswith("test_")]
        for fn in tests + helpers:
            for node in ast.walk(fn):
                if isinstance(node, ast.Name) and node.id in local:
                    used.add(local[node.id])
                elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                      and node.value.id in local):
                    used.add(f"{local[node.value.id]}.{node.attr}")
    return used


def test_every_public_function_has_a_property_test():
    public = public_names()
    assert len(public) > 80                                  # the enumeration found the package
    missing = sorted(public - used_names())
    assert not missing, f"public aitours functions without a property test: {missing}"
