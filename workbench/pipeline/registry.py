"""The functions that serve each source kind: its loader, its mapper, and the document
formats its loader reads besides tables.

``workbench/kinds.py`` says what a kind is (data, at the bottom); this module wires the functions
of the higher layers to it, so the stages dispatch through one table instead of branching on
kind names. ``tests/test_kinds.py`` checks that every kind is wired. See ``workbench/kinds.py``
for how to add a kind.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.errors import ConfigError
from workbench.kinds import SourceKind, Target
from workbench.pipeline.results import CheckedRun, MappedRun
from workbench.sources import LoadResult, load_calls, load_invoices, load_pos, load_receipts
from workbench.sources.einvoice import is_einvoice

if TYPE_CHECKING:
    from workbench.mapping import PosMapping

__all__ = ["REGISTRY", "KindFunctions", "load_pos_mapping", "plan_calls"]

Loader = Callable[..., LoadResult]
#: ``mapper(checked, target, pos_mapping)``: DATEV records with lineage, or planned postings.
Mapper = Callable[[CheckedRun, Target, "Path | None"], MappedRun]
#: ``recognises(path)``: the file is a document of a format (say, an e-invoice).
Recogniser = Callable[[Path], bool]


@dataclass(frozen=True)
class KindFunctions:
    """The loader (``load(files, profile=…)``) and the mapper of one kind.

    ``documents``: profile formats (``format = "…"`` in a profile) the loader reads besides
    tables, each with the test that recognises a file of that format, so ``--profile auto``
    picks a profile of that format for such a file.
    """

    load: Loader
    map: Mapper
    documents: Mapping[str, Recogniser] = field(default_factory=dict)


def _account_length(checked: CheckedRun) -> int:
    settings = checked.settings
    return (settings.account_length if settings is not None else None) or 4


def _map_receipts(checked: CheckedRun, target: Target, pos_mapping: Path | None) -> MappedRun:
    from workbench.mapping import map_receipts
    from workbench.mapping.receipts_bds import map_receipts_bds

    if target is Target.EXTF:
        mapping = map_receipts_bds(
            checked.loaded.result,
            findings=checked.findings,
            client=checked.client,
            account_length=_account_length(checked),
            cash_account=cash_account_of(checked),
        )
    else:
        mapping = map_receipts(
            checked.loaded.result, findings=checked.findings, client=checked.client
        )
    return MappedRun(checked=checked, target=target, mapping=mapping)


def cash_account_of(checked: CheckedRun) -> str | None:
    """The Kasse's account for Buchungsstapel: the setting, else the chart's standard one."""
    from workbench.mapping.receipts_bds import CASH_ACCOUNTS

    settings = checked.settings
    if settings is None:
        return None
    return settings.cash_account or CASH_ACCOUNTS.get(settings.chart_of_accounts or "")


def _map_invoices(checked: CheckedRun, target: Target, pos_mapping: Path | None) -> MappedRun:
    from workbench.mapping import map_invoices

    settings = checked.settings
    mapping = map_invoices(
        checked.loaded.result,
        mode="bds" if target is Target.EXTF else "rds",
        findings=checked.findings,
        client=checked.client,
        account_length=_account_length(checked),
        default_accounts=settings.default_accounts if settings is not None else None,
        party_accounts=settings.party_accounts if settings is not None else None,
    )
    return MappedRun(checked=checked, target=target, mapping=mapping)


def _map_pos(checked: CheckedRun, target: Target, pos_mapping: Path | None) -> MappedRun:
    from workbench.mapping import map_pos

    if pos_mapping is None:
        raise ConfigError(
            "Für Kassenumsätze fehlt die Kontenzuordnung (--pos-mapping "
            "DATEI.toml, Beispiel: data/samples/pos_mapping.toml)."
        )
    mapping = map_pos(
        checked.loaded.result,
        mapping=load_pos_mapping(pos_mapping),
        findings=checked.findings,
        account_length=_account_length(checked),
    )
    return MappedRun(checked=checked, target=target, mapping=mapping)


def plan_calls(
    checked: CheckedRun,
    target: Target,
    pos_mapping: Path | None = None,
    *,
    employee: str | None = None,
) -> MappedRun:
    """Billed calls as planned expense postings; ``employee`` (DATEV employee id or number)
    posts calls whose extension belongs to no employee."""
    from workbench.calls import plan_expense_postings
    from workbench.calls.postings import resolve_employee

    if checked.billing is None or checked.directory is None:
        raise ConfigError("Die Anrufliste ist nicht abgerechnet; prüfen Sie sie zuerst.")
    chosen = resolve_employee(checked.directory, employee) if employee else None
    plan = plan_expense_postings(checked.billing, checked.directory, employee_id=chosen)
    return MappedRun(checked=checked, target=target, plan=plan)


REGISTRY: dict[SourceKind, KindFunctions] = {
    SourceKind.CALLS: KindFunctions(load=load_calls, map=plan_calls),
    SourceKind.INVOICES: KindFunctions(
        load=load_invoices, map=_map_invoices, documents={"einvoice": is_einvoice}
    ),
    SourceKind.RECEIPTS: KindFunctions(load=load_receipts, map=_map_receipts),
    SourceKind.POS: KindFunctions(load=load_pos, map=_map_pos),
}


def load_pos_mapping(path: Path) -> PosMapping:
    """A :class:`~workbench.mapping.PosMapping` from a TOML file (see data/samples)."""
    from workbench.mapping import PosMapping

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(
            f"Die POS-Zuordnung {path} ist nicht lesbar: {error}", file=path.name
        ) from error
    close = data.get("day_close")
    try:
        return PosMapping(
            accounts=dict(data["accounts"]),
            transit_account=str(data["transit_account"]),
            tip_account=str(data["tip_account"]),
            period=data.get("period", "daily"),
            day_close=dt.time.fromisoformat(close) if close else None,
            fixation=bool(data.get("fixation", False)),
            journal_description=str(data.get("journal_description", "")),
        )
    except (KeyError, ValueError) as error:
        raise ConfigError(
            f"Die POS-Zuordnung {path} ist unvollständig oder ungültig: {error}", file=path.name
        ) from error
