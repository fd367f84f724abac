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
