"""Claims recorded instead of raised, run inside a tour's kernel by ``controls`` and
``seed_sweep``.

``install(ip)`` adds an AST transformer to IPython shell ``ip``: every ``assert test, "claim: …"``
becomes a call that records ``(message, bool(test))``, so every claim of a cell is evaluated even
after one fails; sanity checks and other asserts are left as they are. ``report()`` prints the
record after ``MARK`` as one JSON line.

``install_values(ip)`` (run by ``make tours``) keeps every assert as it is, raising as before, but
records the operands of each claim's comparison as they are evaluated: in
``assert err < 1e-6, "claim: …"``, the value of ``err`` and of ``1e-6``. ``report_values()``
prints ``{message: [[operand, …], …]}`` (one list per evaluation) after ``VALUES_MARK``.
"""

from __future__ import annotations

import ast
import json

MARK = "__AITOURS_CONTROLS__"
VALUES_MARK = "__AITOURS_CLAIM_VALUES__"
_CLAIMS: list[tuple[str, bool]] = []
_VALUES: dict[str, list[list]] = {}


def record_claim(ok, message: str) -> None:
    _CLAIMS.append((message, bool(ok)))


class ClaimRecorder(ast.NodeTransformer):
    """``assert test, "claim: …"`` → ``_record_claim(test, "claim: …")``."""

    def visit_Assert(self, node: ast.Assert):
        msg = node.msg
        if isinstance(msg, ast.JoinedStr):  # identity: the literal parts, as tourmeta reads it
            msg = ast.Constant("".join(v.value for v in msg.values
                                       if isinstance(v, ast.Constant)))
        if not (isinstance(msg, ast.Constant) and str(msg.value).startswith("claim:")):
            return node
        call = ast.Call(ast.Name("_record_claim", ast.Load()), [node.test, msg], [])
        return ast.copy_location(ast.Expr(call), node)


def _message(node: ast.Assert) -> str | None:
    msg = node.msg
    if isinstance(msg, ast.JoinedStr):
        return "".join(v.value for v in msg.values if isinstance(v, ast.Constant))
    if isinstance(msg, ast.Constant) and str(msg.value).startswith("claim:"):
        return str(msg.value)
    return None


def _plain(value):
    """A JSON-able form of an operand: a number for a scalar, else a short description."""
    if type(value).__name__ in ("bool", "bool_"):
        return bool(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        shape = getattr(value, "shape", None)
        return f"array{tuple(shape)}" if shape is not None else repr(value)[:40]


def record_operand(message: str, slot: int, value):
    """Record ``value`` as operand ``slot`` of the claim ``message``'s comparison; return it."""
    runs = _VALUES.setdefault(message, [])
    if slot == 0 or not runs:
        runs.append([])
    runs[-1].append(_plain(value))
    return value


class OperandRecorder(ast.NodeTransformer):
    """``assert a < b, "claim: …"`` → ``assert _op(m, 0, a) < _op(m, 1, b), "claim: …"``."""

    def visit_Assert(self, node: ast.Assert):
        message = _message(node)
        if message is None or not message.startswith("claim:"):
            return node

        def wrap(slot: int, expr: ast.expr) -> ast.Call:
            return ast.Call(ast.Name("_claim_operand", ast.Load()),
                            [ast.Constant(message), ast.Constant(slot), expr], [])

        test = node.test
        if isinstance(test, ast.Compare):
            test.left = wrap(0, test.left)
            test.comparators = [wrap(i + 1, c) for i, c in enumerate(test.comparators)]
        else:
            node.test = wrap(0, test)
        return ast.fix_missing_locations(node)


def install(ip) -> None:
    """Record, not raise, the claims of every later cell of IPython shell ``ip``."""
    ip.user_ns["_record_claim"] = record_claim
    ip.ast_transformers.append(ClaimRecorder())


def report() -> None:
    print(MARK + json.dumps(_CLAIMS))


def install_values(ip) -> None:
    """Record the operands of the claims of every later cell of IPython shell ``ip``."""
    ip.user_ns["_claim_operand"] = record_operand
    ip.ast_transformers.append(OperandRecorder())


def report_values() -> None:
    print(VALUES_MARK + json.dumps(_VALUES))
