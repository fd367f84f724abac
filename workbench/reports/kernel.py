"""The kernel that runs report notebooks talks over Unix sockets in a private folder, not TCP.

On TCP any local user can subscribe to a kernel's output channel on loopback (its messages are
signed, not encrypted) and read a Mandant's figures; ipykernel warns about that on every start.
Sockets in a folder only this user can open close that door. Windows has no such sockets: there
the kernel stays on TCP.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import default

__all__ = ["private_kernel"]


class _StopWithoutInterrupt(AsyncKernelManager):
    """Asks an idle kernel to stop without the interrupt (SIGINT) jupyter_client sends first: on
    an idle ipykernel that may print "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel"
    on the user's terminal after a report that went well. papermill stops its kernels when the
    notebook is done (idle); one that does not stop is still killed after a second."""

    async def _async_interrupt_kernel(self) -> None:
        if self.shutting_down:
            return
        await super()._async_interrupt_kernel()


@contextmanager
def private_kernel() -> Iterator[type[AsyncKernelManager]]:
    """A kernel manager class for papermill (``kernel_manager_class``) whose kernels listen on
    sockets in a fresh 0700 folder (``.folder``), removed afterwards with its sockets."""
    if sys.platform == "win32":
        yield _StopWithoutInterrupt
        return
    with tempfile.TemporaryDirectory(prefix="workbench-kernel-") as folder:

        class PrivateKernelManager(_StopWithoutInterrupt):
            @default("transport")
            def _private_transport(self) -> str:
                return "ipc"

            @default("ip")
            def _private_sockets(self) -> str:
                return str(Path(folder) / "kernel")  # channels become kernel-1, kernel-2 ...

        PrivateKernelManager.folder = Path(folder)  # type: ignore[attr-defined]
        yield PrivateKernelManager
