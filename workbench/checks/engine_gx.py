"""The reference path: the same suite JSON run by Great Expectations (pandas, or Spark).

Great Expectations is imported lazily (it takes seconds) inside :func:`gx_context`, with analytics
and progress bars off. Each run validates the prepared frame (see ``engine_polars.prepare_frame``)
with ``result_format`` COMPLETE and ``unexpected_index_column_names`` so GX reports the failing
row positions, which the caller turns into findings exactly as for the polars engine.

Known GX pitfalls handled here: polars dates are cast to ``Datetime("ns")`` before they reach
pandas, and date bounds are passed as ``datetime`` so they match the column's dtype (otherwise the
expectation fails silently with ``exception_info``, which we turn into an error instead).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from workbench.checks.engine_polars import ROW_INDEX
from workbench.checks.suites import Expectation
from workbench.errors import ConfigError

__all__ = ["gx_context", "to_pandas", "unexpected_rows_gx", "write_docs"]

_CONTEXT: Any = None


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence the deprecation warnings GX 1.24 itself triggers (its imports, its own API)."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            category=DeprecationWarning,
            module=r"(great_expectations|sre_constants|pkg_resources|marshmallow)",
        )
        warnings.filterwarnings(
            "ignore",
            category=DeprecationWarning,
            message=r".*(sre_constants|condition_parser|row_condition).*",
        )
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"great_expectations")
        warnings.filterwarnings("ignore", category=UserWarning, module=r"great_expectations")
        yield


def _import_gx() -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    with _quiet():
        import great_expectations as gx
    return gx


def gx_context() -> Any:
    """A process-wide ephemeral GX context (analytics and progress bars off)."""
    global _CONTEXT
    if _CONTEXT is None:
        gx = _import_gx()
        with _quiet():
            context = gx.get_context(mode="ephemeral")
            context.variables.progress_bars = {"globally": False, "metric_calculations": False}
        _CONTEXT = context
    return _CONTEXT


def to_pandas(frame: pl.DataFrame) -> Any:
    """The frame as pandas without pyarrow: texts as objects, dates as ``datetime64[ns]``."""
    import pandas as pd

    data: dict[str, Any] = {}
    for name, dtype in frame.schema.items():
        series = frame[name]
        if dtype == pl.Date or isinstance(dtype, pl.Datetime):
            data[name] = series.cast(pl.Datetime("ns")).to_numpy()
        elif dtype.is_float():
            data[name] = series.cast(pl.Float64).to_numpy()
        elif dtype.is_integer():
            data[name] = (
                series.to_numpy()
                if series.null_count() == 0
                else pd.array(series.to_list(), dtype="Int64")
            )
        else:
            data[name] = np.array(series.to_list(), dtype=object)
    return pd.DataFrame(data)


def _gx_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Dates become datetimes, to match the ``datetime64[ns]`` columns."""
    out: dict[str, Any] = {}
    for name, value in parameters.items():
        if isinstance(value, date) and not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day)
        out[name] = value
    return out


_DEFINITIONS: dict[str, Any] = {}


def _batch(context: Any, data: Any, engine: str) -> Any:
    """A batch of ``data`` (pandas or Spark) from the context's (once created) dataframe asset."""
    definition = _DEFINITIONS.get(engine)
    if definition is None:
        add = (
            context.data_sources.add_spark if engine == "spark" else context.data_sources.add_pandas
        )
        asset = add(f"workbench_{engine}").add_dataframe_asset("frame")
        definition = _DEFINITIONS[engine] = asset.add_batch_definition_whole_dataframe("whole")
    return definition.get_batch(batch_parameters={"dataframe": data})


@contextmanager
def _data(frame: pl.DataFrame, spark: Any) -> Iterator[Any]:
    """The frame as GX reads it: pandas, or a Spark DataFrame over staged Parquet files."""
    if spark is None:
        yield to_pandas(frame)
        return
    from workbench.checks.spark import spark_frame, staged

    with staged(frame) as folder:
        yield spark_frame(folder, spark)


def _require_spark(spark: Any) -> None:
    if spark is None:
        return
    from workbench.checks.spark import _pyspark

    _pyspark()


def _suite(name: str, expectations: Sequence[Expectation]) -> Any:
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    return ExpectationSuite(
        name=name,
        expectations=[ExpectationConfiguration(**e.to_gx()).to_domain_obj() for e in expectations],
    )


def validate(
    frame: pl.DataFrame,
    expectations: Sequence[Expectation],
    parameters: Mapping[str, Any],
    *,
    name: str = "workbench",
    spark: Any = None,
) -> Any:
    """Run ``expectations`` on ``frame`` in GX; returns GX's ExpectationSuiteValidationResult."""
    _require_spark(spark)
    context = gx_context()
    with _quiet(), _data(frame, spark) as data:
        batch = _batch(context, data, "spark" if spark is not None else "pandas")
        suite = _suite(name, expectations)
        return batch.validate(
            suite,
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": [ROW_INDEX],
                "return_unexpected_index_query": False,
            },
            expectation_parameters=_gx_parameters(parameters),
        )


def unexpected_rows_gx(
    prepared: pl.DataFrame,
    expectations: Sequence[Expectation],
    parameters: Mapping[str, Any],
    *,
    spark: Any = None,
    name: str = "workbench",
) -> dict[int, np.ndarray]:
    """Row positions that fail each expectation in GX, keyed by suite index."""
    if not expectations or prepared.is_empty():
        return {}
    result = validate(prepared, expectations, parameters, name=name, spark=spark)
    return rows_from_result(result)


def rows_from_result(result: Any) -> dict[int, np.ndarray]:
    rows: dict[int, np.ndarray] = {}
    for item in result.results:
        config = item.expectation_config
        index = int(config.meta["workbench_index"])
        info = item.exception_info or {}
        if info.get("raised_exception"):
            raise ConfigError(
                f"Great Expectations konnte die Erwartung {config.type} "
                f"({config.meta.get('rule')}) nicht auswerten: "
                f"{info.get('exception_message')}"
            )
        if item.success:
            continue
        found = [entry[ROW_INDEX] for entry in item.result.get("unexpected_index_list") or ()]
        if found:
            rows[index] = np.array(sorted(int(i) for i in found), dtype=np.int64)
    return rows


def write_docs(result: Any, folder: Path) -> Path:
    """Write GX Data Docs (HTML) for a validation result into ``folder``; returns index.html."""
    _import_gx()
    context = gx_context()
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    site = f"workbench_{abs(hash(str(folder)))}"
    with _quiet():
        sites = context.get_site_names() if hasattr(context, "get_site_names") else []
        if site not in sites:
            context.add_data_docs_site(
                site_name=site,
                site_config={
                    "class_name": "SiteBuilder",
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                    "store_backend": {
                        "class_name": "TupleFilesystemStoreBackend",
                        "base_directory": str(folder),
                    },
                },
            )
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )

        run_id = result.meta.get("run_id")
        if not isinstance(run_id, RunIdentifier):
            run_id = RunIdentifier(run_name="workbench", run_time=datetime.now(UTC))
        identifier = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=result.suite_name),
            run_id=run_id,
            batch_identifier=str(result.batch_id or "frame"),
        )
        context.validation_results_store.set(identifier, result)
        context.build_data_docs(site_names=[site])
    return folder / "index.html"
