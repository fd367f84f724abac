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

from importlib import resources
from pathlib import Path

from workbench.errors import ConfigError

__all__ = ["resource_path"]


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
