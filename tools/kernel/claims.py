"""Claims recorded instead of raised, run inside a tour's kernel by ``controls`` and
``seed_sweep``.

``install(ip)`` adds an AST transformer to IPython shell ``ip``: every ``assert test, "claim: …"``
becomes a call that records ``(message, bool(test))``, so every claim of a cell is evaluated even
after one fails; sanity checks and other asserts are left as they are. ``report()`` prints the
record after ``MARK`` as one JSON line.
"""

from __future__ import annotations

import ast
import json

MARK = "__AITOURS_CONTROLS__"
_CLAIMS: list[tuple[str, bool]] = []


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


def install(ip) -> None:
    """Record, not raise, the claims of every later cell of IPython shell ``ip``."""
    ip.user_ns["_record_claim"] = record_claim
    ip.ast_transformers.append(ClaimRecorder())


def report() -> None:
    print(MARK + json.dumps(_CLAIMS))
