"""Great Expectations on Spark, for data beyond one machine (``pip install
'datev-workbench[spark]'``, Java 17).

The suite runs in GX's Spark datasource exactly as on pandas; only the way the data reaches
Spark differs. The prepared frame goes through Parquet files in a staging folder, never
through the driver's memory as Python objects: Spark's executors read the files in parallel,
and columns keep their types (``createDataFrame`` from pandas cannot even type an all-null
column). On a real cluster the staging folder must be storage every executor reads
(``WORKBENCH_SPARK_STAGING``, e.g. a shared mount); for ``local[N]`` a temporary folder does.

>>> spark = spark_session("local[2]")  # doctest: +SKIP
>>> check(frame, "receipts", settings=settings, engine="gx", spark=spark)  # doctest: +SKIP
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl

from workbench.errors import WorkbenchError

__all__ = ["spark_frame", "spark_session", "staged"]

#: Spark master when none is given: every core of this machine.
DEFAULT_MASTER = "local[*]"
_ROWS_PER_FILE = 250_000


def _pyspark() -> Any:
    try:
        import pyspark.sql
    except ImportError:
        raise WorkbenchError(
            "Für die Prüfung mit Great Expectations auf Spark wird pyspark benötigt, es ist "
            "aber nicht installiert: pip install 'datev-workbench[spark]' (dazu Java 17, "
            "z. B. apt-get install openjdk-17-jre-headless)."
        ) from None
    return pyspark.sql


def spark_session(master: str | None = None, *, app_name: str = "datev-workbench") -> Any:
    """A Spark session on ``master`` (``local[2]``, ``spark://host:7077``; default
    ``$WORKBENCH_SPARK_MASTER`` or every local core). No web UI, few shuffle partitions: the
    checks are scans, not joins."""
    sql = _pyspark()
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise WorkbenchError(
            "Spark braucht Java 17, es wurde aber keins gefunden: installieren Sie es "
            "(z. B. apt-get install openjdk-17-jre-headless) oder setzen Sie JAVA_HOME."
        )
    chosen = master or os.environ.get("WORKBENCH_SPARK_MASTER") or DEFAULT_MASTER
    return (
        sql.SparkSession.builder.master(chosen)
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "Europe/Berlin")
        .getOrCreate()
    )


def _spark_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Types Parquet and Spark agree on: dates as timestamps (GX compares them with the
    ``datetime`` bounds, as on pandas), an all-null column as text."""
    casts = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Date or isinstance(dtype, pl.Datetime):
            casts.append(pl.col(name).cast(pl.Datetime("us")))
        elif dtype == pl.Null:
            casts.append(pl.col(name).cast(pl.String))
    return frame.with_columns(casts) if casts else frame


@contextmanager
def staged(frame: pl.DataFrame) -> Iterator[Path]:
    """``frame`` as a Parquet folder in the staging area, removed again afterwards."""
    base = os.environ.get("WORKBENCH_SPARK_STAGING")
    root = Path(base) if base else Path(tempfile.gettempdir())
    folder = root / f"workbench-spark-{uuid.uuid4().hex}"
    folder.mkdir(parents=True)
    try:
        # Several files for large frames, so the executors read in parallel; one for small ones,
        # since every file is a task in each of the many scans GX makes.
        rows = max(_ROWS_PER_FILE, frame.height // 8 + 1)
        for number, start in enumerate(range(0, max(frame.height, 1), rows)):
            part = _spark_ready(frame.slice(start, rows))
            part.write_parquet(folder / f"part-{number:05d}.parquet")
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def spark_frame(folder: Path, spark: Any) -> Any:
    """The staged Parquet folder as a Spark DataFrame."""
    return spark.read.parquet(str(folder)).cache()
