"""Files the workbench needs at run time, shipped inside the package.

The editable sources stay where the design puts them (``expectations/``, ``notebooks/``,
``data/profiles``, ``data/samples``, ``data/sandbox`` at the top of the repository); this package
links to them, so a checkout and an installed wheel read the same files, through
:mod:`importlib.resources`, never by walking up from a source file::

    expectations/  the Great Expectations suites (one JSON per source kind)
    notebooks/     the widget app, report and investigation notebooks (papermill)
    profiles/      the built-in column-mapping profiles (TOML)
    samples/       the sample data ``workbench demo`` runs on
    sandbox/       the sandbox's seed (``default.json``) and a larger one for benchmarks
    xsd/           DATEV's official XSDs of the XML interface v6.0
"""

from __future__ import annotations

import contextlib
from importlib import resources
from pathlib import Path

from workbench.errors import ConfigError

__all__ = ["resolve_source_path", "resource_path"]


def resource_path(*parts: str) -> Path:
    """The file or folder ``parts`` below the shipped resources, as a real path.

    >>> resource_path("xsd", "Document_v060.xsd").name
    'Document_v060.xsd'
    """
    found = resources.files(__name__).joinpath(*parts)
    # Installed from a wheel or a checkout, the package is a folder: its resources are files
    # that papermill, lxml and polars can open by path (zip imports are not supported).
    if not isinstance(found, Path):
        raise ConfigError(
            f"Die Datei {'/'.join(parts)} des Workbench-Pakets ist nicht als Datei erreichbar; "
            "installieren Sie das Paket in einen Ordner (pip install), nicht als ZIP."
        )
    if not found.exists():
        raise ConfigError(
            f"Die Datei {'/'.join(parts)} fehlt im Workbench-Paket ({found}); "
            "installieren Sie das Paket neu (pip install --force-reinstall datev-workbench)."
        )
    return found


def resolve_source_path(text: str | Path, *, base: Path | None = None) -> Path:
    """A path as the README writes it, found from where the notebook runs.

    Absolute paths stay. A relative one is looked up in the working folder, then (JupyterLab
    and voila start the kernel in the notebook's folder: ``notebooks/``, ``notebooks/reports/``)
    in the project folder above ``notebooks``, then among the sample files shipped with the
    package (``data/samples/…``). Not found anywhere: the working folder's path, so the error
    names it.
    """
    path = Path(text).expanduser()
    if path.is_absolute():
        return path
    base = base or Path.cwd()
    candidates = [base / path]
    parts = base.absolute().parts
    if "notebooks" in parts:  # the project folder: above the last "notebooks"
        candidates.append(Path(*parts[: len(parts) - parts[::-1].index("notebooks") - 1]) / path)
    if path.parts[:2] == ("data", "samples") and len(path.parts) > 2:
        with contextlib.suppress(ConfigError):  # not shipped: the working folder's path stays
            candidates.append(resource_path("samples", *path.parts[2:]))
    return next((candidate for candidate in candidates if candidate.exists()), candidates[0])
