"""``workbench kanzleien``: the tax offices of this installation (seed 000, "mandantenfähig")."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from workbench.cli._app import OutputFormat, _fail, _print_frame, app
from workbench.errors import WorkbenchError


@app.command()
def kanzleien(
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Die Kanzleien dieser Installation: Verzeichnis, DATEV-Verbindung, gewählte Kanzlei."""
    import polars as pl

    from workbench.config import current_kanzlei, list_kanzleien, load_settings

    try:
        chosen = current_kanzlei()
        rows = []
        for name in list_kanzleien():
            settings = load_settings(kanzlei=name)
            rows.append(
                {
                    "name": name,
                    "selected": name == chosen,
                    "home": str(settings.home),
                    "datev": "DATEV" if settings.mode == "production" else "Sandbox",
                    "settings": str(settings.config_file) if settings.config_file else None,
                }
            )
    except WorkbenchError as error:
        raise _fail(error) from error
    if output is OutputFormat.json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = pl.DataFrame(rows).select(
        pl.when(pl.col("selected")).then(pl.lit("*")).otherwise(pl.lit("")).alias(""),
        pl.col("name").alias("Kanzlei"),
        pl.col("datev").alias("Verbindung"),
        pl.col("home").alias("Verzeichnis"),
        pl.col("settings").fill_null("").alias("Einstellungen"),
    )
    _print_frame(table, title="Kanzleien (* = gewählt)")
