"""Reverse-mode automatic differentiation on scalars, in a few lines: a *tape*.

Each operation on a :class:`Var` appends one record to its :class:`Tape`: the indices of its
inputs and the local partial derivatives ∂(output)/∂(input), evaluated right away. The gradient
is one pass over the tape in reverse order accumulating adjoints, ``adj[input] += partial ×
adj[output]``: one multiply-add per recorded edge, so it costs a small constant times the
forward pass, whatever the number of inputs. Backpropagation is this bookkeeping.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence


class Tape:
    """The record of a computation: node k has a ``value``, ``parents`` and ``partials``."""

    def __init__(self):
        self.values, self.parents, self.partials = [], [], []

    def push(self, value: float, parents=(), partials=()) -> Var:
        """Record a node computed from ``parents`` (indices) with local derivatives ``partials``."""
        self.values.append(float(value))
        self.parents.append(tuple(parents))
        self.partials.append(tuple(partials))
        return Var(self, len(self.values) - 1)

    def backward(self, output: Var) -> list[float]:
        """Adjoints ∂output/∂(node k) for every node k, by one reverse sweep of the tape."""
        if not isinstance(output, Var) or output.tape is not self:
            raise ValueError("`output` must be a Var recorded on this tape")
        adj = [0.0] * len(self.values)
        adj[output.index] = 1.0
        for k in range(output.index, -1, -1):
            for p, dp in zip(self.parents[k], self.partials[k], strict=True):
                adj[p] += dp * adj[k]
        return adj

    @property
    def n_ops(self) -> int:
        """Operations recorded (inputs excluded): the forward pass's work."""
        return sum(1 for p in self.parents if p)

    @property
    def n_edges(self) -> int:
        """Multiply-adds of the reverse sweep: one per (node, input) edge."""
        return sum(len(p) for p in self.parents)


class Var:
    """A scalar on a tape. Supports + - * / ** (constant exponent), tanh, exp, log."""

    __slots__ = ("tape", "index")

    def __init__(self, tape: Tape, index: int):
        self.tape, self.index = tape, index

    @property
    def value(self) -> float:
        return self.tape.values[self.index]

    def _op(self, other, f, d_self, d_other):
        if isinstance(other, Var):
            if other.tape is not self.tape:
                raise ValueError("cannot combine Vars recorded on different tapes")
            a, b = self.value, other.value
            return self.tape.push(f(a, b), (self.index, other.index), (d_self(a, b), d_other(a, b)))
        if not isinstance(other, numbers.Real):
            raise TypeError(f"a Var combines with a Var or a number, got "
                            f"{type(other).__name__} {other!r}")
        a, c = self.value, float(other)  # a constant: one input edge only
        return self.tape.push(f(a, c), (self.index,), (d_self(a, c),))

    def __add__(self, o):
        return self._op(o, lambda a, b: a + b, lambda a, b: 1.0, lambda a, b: 1.0)

    def __sub__(self, o):
        return self._op(o, lambda a, b: a - b, lambda a, b: 1.0, lambda a, b: -1.0)

    def __mul__(self, o):
        return self._op(o, lambda a, b: a * b, lambda a, b: b, lambda a, b: a)

    def __truediv__(self, o):
        return self._op(o, lambda a, b: a / b, lambda a, b: 1 / b, lambda a, b: -a / b**2)

    def __pow__(self, c: float):
        if isinstance(c, Var):
            raise TypeError("only constant exponents are supported: x ** c with c a number")
        c = float(c)
        return self._unary(self.value**c, c * self.value ** (c - 1))

    __radd__, __rmul__ = __add__, __mul__

    def __rsub__(self, o):  # c − x: one node, ∂/∂x = −1
        return self._unary(float(o) - self.value, -1.0)

    def __rtruediv__(self, o):  # c / x: one node, ∂/∂x = −c/x²
        c = float(o)
        return self._unary(c / self.value, -c / self.value**2)

    def __neg__(self):  # −x: one node, ∂/∂x = −1
        return self._unary(-self.value, -1.0)

    def _unary(self, value: float, derivative: float) -> Var:
        return self.tape.push(value, (self.index,), (derivative,))

    def tanh(self):
        t = math.tanh(self.value)
        return self._unary(t, 1 - t * t)

    def exp(self):
        e = math.exp(self.value)
        return self._unary(e, e)

    def log(self):
        return self._unary(math.log(self.value), 1 / self.value)


def value_and_grad(f: Callable[[list[Var]], Var], x: Sequence[float]) -> tuple[float, list[float],
                                                                              Tape]:
    """Evaluate ``f`` on the scalars ``x`` (a flat sequence of floats) while recording a tape,
    then backpropagate. Returns ``(f(x), [∂f/∂x_i], tape)``; the tape holds the op counts."""
    if not callable(f):
        raise TypeError(f"`f` must be callable, got {type(f).__name__}")
    try:
        x = [float(v) for v in x]
    except (TypeError, ValueError):
        raise TypeError(f"`x` must be a flat sequence of numbers, got {x!r}") from None
    if not x or not all(math.isfinite(v) for v in x):
        raise ValueError("`x` must be a non-empty sequence of finite numbers")
    tape = Tape()
    inputs = [tape.push(v) for v in x]
    out = f(inputs)
    if not isinstance(out, Var):
        raise TypeError(f"`f` must return a Var (a scalar on the tape), got {type(out).__name__}")
    adj = tape.backward(out)
    return out.value, [adj[v.index] for v in inputs], tape
