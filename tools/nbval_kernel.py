"""pytest plugin, loaded by the Makefile's nbval runs (``-p tools.nbval_kernel``): nbval's
kernels on IPC transport, as the executor's (:func:`tools.executor.use_ipc`).

nbval starts each notebook's kernel on loopback TCP ports that jupyter_client finds free in
the pytest worker; the kernel binds them a moment later, in its own process. With two xdist
workers starting kernels while the other runs a tour, a port taken in between kills the new
kernel before it answers: CI on 2026-12-05 lost all 25 cells of tour 12 (now 13) to "Kernel
died before replying to kernel_info". Over IPC each kernel's sockets are files in a
directory of its own, so there is no port to race for. Nothing else changes: nbval still
starts, drives and stops the kernel itself; this only hands it a kernel manager whose
transport is IPC.
"""

from __future__ import annotations

import shutil

import nbval.kernel
from jupyter_client.manager import KernelManager

from tools.executor import use_ipc

_IPC_DIRS: list[str] = []


class IPCKernelManager(KernelManager):
    """jupyter_client's ``KernelManager`` whose kernel talks over IPC in a private directory."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        _IPC_DIRS.append(use_ipc(self))


def pytest_configure(config) -> None:
    # nbval.kernel.start_new_kernel builds its manager as ``KernelManager(...)``, looked up in
    # nbval.kernel's namespace: fail loudly if a new nbval stops doing so.
    if nbval.kernel.KernelManager is not KernelManager:
        raise RuntimeError("tools.nbval_kernel: nbval.kernel.KernelManager is not jupyter_client's"
                           " KernelManager; this nbval builds its kernels another way")
    nbval.kernel.KernelManager = IPCKernelManager


def pytest_unconfigure(config) -> None:
    nbval.kernel.KernelManager = KernelManager
    while _IPC_DIRS:
        shutil.rmtree(_IPC_DIRS.pop(), ignore_errors=True)
