"""The project's one notebook executor: ``make tours``, ``make controls``, the exercise checks and
the Colab-like e2e run all execute notebooks through :func:`execute`.

It is nbclient's ``NotebookClient`` with one fix and two guards.

**The fix: no lost wake-up after a widget cell.** A cell that displays an ``Output`` widget
(``interact`` does) makes nbclient's front-end mimic, ``nbclient.output_widget.OutputWidget``,
answer every output it captures with a ``comm_msg`` sent to the kernel on the *shell* channel.
It sends through ``jupyter_client.Session.send``, which replaces the asyncio socket by a blocking
shadow of it (``zmq.Socket.shadow(socket.underlying)``) and sends there. Meanwhile the cell's
other task, ``_async_poll_for_reply``, awaits ``shell_channel.get_msg(timeout)`` on the same
socket, i.e. an asyncio poll that wakes when the socket's ``ZMQ_FD`` turns readable. That FD is
edge-triggered: any operation on the socket processes ZeroMQ's pending commands, and when the
``execute_reply`` arrives during the blocking send, the send consumes the edge that announced
it. pyzmq's asyncio socket re-checks ``ZMQ_EVENTS`` after its own sends
(``_schedule_remaining_events``), but the shadow send bypasses it, so nothing wakes the poll:
it sleeps until its deadline, the per-cell timeout. At the deadline pyzmq's poller calls
``poll(0)``, finds the reply waiting and returns it as if it were on time, so nbclient raises no
timeout error: the run continues after a silent stall of exactly the cell timeout. The window is
short, so it shows under CPU load (measured here with two busy processes on the 2 cores: 12
stalls in 240 widget cells; none in 320 with the fix). nbval drives the kernel with its own
blocking client and no widget mimic, so it never sends on the shell socket mid-cell.

The fix, :class:`_OutputWidget`, sends the same ``comm_msg`` through the asyncio socket itself
(``socket.send_multipart``), which re-arms the poll; the kernel still receives every update.

**A clean start and end.** The kernel talks to the executor over IPC (Unix sockets in a private
temporary directory), not TCP on loopback: nothing else on the machine can connect to it, and
ipykernel has no cause to warn that it "is running over TCP without encryption". At the end, the
executor asks the kernel to shut down (a ``shutdown_request``) and waits for it to exit before
nbclient's own cleanup: jupyter_client's ``shutdown_kernel`` starts with a SIGINT, which a
kernel still busy with a message logs as ``ERROR | KeyboardInterrupt caught in kernel``.

**The guards.** Every cell records nbclient's timing metadata (``record_timing``); the gap
between a cell's ``execute_reply`` and the next cell's ``execute_input`` is measured
(:func:`cell_gaps`) so that a stall can never pass unnoticed again; a per-cell timeout that fires
is reported with the cell it stopped.

This file imports only nbformat and nbclient, so that a clean environment (the Colab-like e2e
venv) can run it by path: ``python -m tools.executor NOTEBOOK [--timeout S]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import sys
import tempfile
import time
from datetime import datetime
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbclient.jsonutil import json_clean
from nbclient.output_widget import OutputWidget

STALL_SECONDS = 10.0  # a gap between two cells above this is a stall, and fails the run


class _OutputWidget(OutputWidget):
    """nbclient's Output-widget mimic, sending its comm messages through the asyncio socket."""

    def _publish_msg(self, msg_type: str, data: dict | None = None,
                     metadata: dict | None = None, buffers: list | None = None,
                     **keys: Any) -> None:
        session = self.kernel_client.session
        content = json_clean(dict(data=data or {}, comm_id=self.comm_id, **keys))
        msg = session.msg(msg_type, content=content, parent=self.parent_header,
                          metadata=metadata or {})
        frames = session.serialize(msg) + list(buffers or [])
        # an asyncio socket: a send through it re-checks ZMQ_EVENTS, so no reply is missed
        self.kernel_client.shell_channel.socket.send_multipart(frames)


def use_ipc(km) -> str:
    """Put jupyter_client kernel manager ``km`` (not started yet) on IPC transport: its sockets
    become files in a fresh private temporary directory, whose path is returned for the caller
    to remove once the kernel is gone. Over TCP, the free ports jupyter_client picks in this
    process may be taken by another one before the kernel binds them; a socket file cannot.
    A Unix socket's path holds at most 107 bytes: under a long TMPDIR the directory goes to
    /tmp instead."""
    base = tempfile.gettempdir()
    if len(base) > 60 and os.path.isdir("/tmp"):  # a socket's path must fit in 107 bytes
        base = "/tmp"
    ipc_dir = tempfile.mkdtemp(prefix="aitours-kernel-", dir=base)
    km.transport = "ipc"
    km.ip = os.path.join(ipc_dir, "kernel")
    return ipc_dir


class TourClient(NotebookClient):
    """``NotebookClient`` with the Output-widget fix, cell timing on, and a 120 s cell timeout."""

    def __init__(self, nb, **kwargs: Any) -> None:
        kwargs.setdefault("timeout", 120)
        kwargs.setdefault("kernel_name", "python3")
        kwargs.setdefault("record_timing", True)
        super().__init__(nb, **kwargs)
        self.widget_registry = {"@jupyter-widgets/output": {"OutputModel": _OutputWidget}}

    def create_kernel_manager(self):
        """nbclient's kernel manager, on IPC transport in a private temporary directory."""
        km = super().create_kernel_manager()
        self._ipc_dir = use_ipc(km)
        return km

    async def _async_cleanup_kernel(self) -> None:
        """Shut the kernel down by request, wait (up to 10 s) for it to exit, then nbclient's
        cleanup, which finds it gone and sends no SIGINT."""
        try:
            if getattr(self, "kc", None) is not None and await self.km.is_alive():
                self.kc.shutdown()
                for _ in range(100):
                    if not await self.km.is_alive():
                        break
                    await asyncio.sleep(0.1)
            await super()._async_cleanup_kernel()
        finally:
            shutil.rmtree(getattr(self, "_ipc_dir", ""), ignore_errors=True)


def _stamp(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def cell_gaps(nb) -> list[tuple[int, float]]:
    """``[(i, seconds)]``: for each executed code cell ``i`` after the first, the time from the
    previous executed cell's ``shell.execute_reply`` to its own ``iopub.execute_input`` (both
    stamped by the kernel, in nbclient's ``record_timing`` metadata)."""
    gaps, previous = [], None
    for i, cell in enumerate(nb.cells):
        timing = cell.get("metadata", {}).get("execution", {})
        if cell.cell_type != "code" or "iopub.execute_input" not in timing:
            continue
        if previous is not None:
            gaps.append((i, _stamp(timing["iopub.execute_input"]) - previous))
        previous = _stamp(timing["shell.execute_reply"]) if "shell.execute_reply" in timing \
            else None
    return gaps


def execute(nb, *, cwd: str = ".", timeout: int = 120, allow_errors: bool = False,
            client_class: type[NotebookClient] = TourClient) -> dict:
    """Execute notebook ``nb`` (modified in place: outputs, timing metadata) in a fresh kernel
    whose working directory is ``cwd``.

    Returns ``{"status", "error", "seconds", "max_gap", "max_gap_cell"}``: status is ``"ok"``,
    ``"FAILED"`` (a cell raised; ``error`` names the cell and the exception), ``"TIMEOUT"`` (a
    cell ran past ``timeout`` seconds) or ``"STALLED"`` (all cells ran, but some cell started
    more than ``STALL_SECONDS`` after the previous one replied: the executor, not the tour, was
    waiting). With ``allow_errors`` every cell runs and errors stay in the cells' outputs.
    """
    if timeout <= 0:
        raise ValueError(f"`timeout` must be positive seconds, got {timeout}")
    client = client_class(nb, timeout=timeout, allow_errors=allow_errors,
                          resources={"metadata": {"path": str(cwd)}})
    status, error = "ok", None
    t0 = time.perf_counter()
    try:
        client.execute()
    except CellTimeoutError as exc:
        status = "TIMEOUT"
        error = f"cell {_running_cell(nb)} ran past the {timeout} s cell timeout: {exc}"[:400]
    except (CellExecutionError, DeadKernelError) as exc:
        status = "FAILED"
        text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))  # the traceback's ANSI colours
        lines = [ln for ln in text.strip().splitlines() if ln.strip()]
        error = f"cell {_running_cell(nb)}: {lines[-1] if lines else exc}"[:400]
    seconds = time.perf_counter() - t0
    gaps = cell_gaps(nb)
    cell, gap = max(gaps, key=lambda g: g[1]) if gaps else (None, 0.0)
    if status == "ok" and gap > STALL_SECONDS:
        status = "STALLED"
        error = f"cell {cell} started {gap:.1f} s after the previous cell replied"
    return {"status": status, "error": error, "seconds": round(seconds, 2),
            "max_gap": round(gap, 3), "max_gap_cell": cell}


def _running_cell(nb) -> int | None:
    """Index of the last code cell that started executing (the one an error stopped)."""
    started = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
               and "iopub.execute_input" in c.get("metadata", {}).get("execution", {})]
    return started[-1] if started else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Execute one notebook with the project's "
                                                 "executor; exit 1 unless its status is ok.")
    parser.add_argument("notebook")
    parser.add_argument("--timeout", type=int, default=120, help="per-cell timeout, seconds")
    args = parser.parse_args(argv)
    nb = nbformat.read(args.notebook, as_version=4)
    result = execute(nb, cwd=".", timeout=args.timeout)
    print(f"{args.notebook}: {result['status']} in {result['seconds']:.1f} s, "
          f"largest gap between cells {result['max_gap']:.2f} s")
    if result["error"]:
        print("   ", result["error"])
    return 0 if result["status"] == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
