"""Report notebooks run in a kernel on Unix sockets in a private folder, not on TCP ports that
any local user could subscribe to (the kernel's output channel is signed, not encrypted)."""

import os
import stat

import nbformat
import papermill

from workbench.reports.kernel import private_kernel


def test_a_notebook_runs_over_unix_sockets_in_a_folder_only_this_user_opens(tmp_path, capfd):
    notebook = tmp_path / "in.ipynb"
    code = "import os, json\nprint(json.dumps(sorted(os.listdir(os.path.dirname(ip)))))"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]), notebook)
    with private_kernel() as manager:
        folder = manager.folder
        mode = stat.S_IMODE(os.stat(folder).st_mode)
        papermill.execute_notebook(
            str(notebook),
            str(tmp_path / "out.ipynb"),
            parameters={"ip": str(folder / "kernel")},
            progress_bar=False,
            kernel_name="python3",
            language="python",
            kernel_manager_class=manager,
        )
    assert mode == 0o700
    assert not os.path.exists(folder)  # removed with its sockets
    [cell] = [c for c in nbformat.read(tmp_path / "out.ipynb", 4).cells if "listdir" in c.source]
    sockets = cell.outputs[0]["text"]
    assert "kernel-" in sockets  # the kernel's channels are files in that folder
    assert "without encryption" not in capfd.readouterr().err


def test_an_idle_kernel_is_shut_down_without_an_interrupt(monkeypatch):
    """jupyter_client interrupts (SIGINT) every kernel before asking it to shut down; an idle
    ipykernel then may log "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel" on the
    user's terminal after a report that went well. The report's kernels are idle when papermill
    shuts them down: they are asked to stop, and killed only if they do not."""
    import asyncio
    import signal

    sent = []

    async def start_and_stop(manager_class):
        manager = manager_class(kernel_name="python3")
        await manager.start_kernel()
        provisioner = type(manager.provisioner)
        original = provisioner.send_signal

        async def record(self, signum):
            sent.append(signum)
            await original(self, signum)

        monkeypatch.setattr(provisioner, "send_signal", record)
        await manager.shutdown_kernel()
        return manager

    with private_kernel() as manager_class:
        manager = asyncio.run(start_and_stop(manager_class))
    assert signal.SIGINT not in sent
    assert not manager.has_kernel
