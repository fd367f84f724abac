"""What each stage hands to the next: one immutable result per stage, each holding the one before.

``LoadedRun`` → ``CheckedRun`` → ``MappedRun`` → ``PackagedRun`` → ``SentRun``. Later results
answer for the earlier ones (``mapped.findings`` are the check's findings plus the map stage's,
``sent.kind`` the loaded kind), so a caller keeps only the last result it got.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from workbench.errors import ConfigError
from workbench.findings import FINDINGS_SCHEMA, concat_findings, exit_code
from workbench.kinds import KINDS, KindSpec, SourceKind, Target

if TYPE_CHECKING:  # imported where the stages run: importing the package stays light
    from workbench.calls import CallBilling, PhoneDirectory, PostingPlan
    from workbench.clients import ClientSettings
    from workbench.mapping import Mapped
    from workbench.sources import LoadResult
    from workbench.transfer.jobs import Upload
    from workbench.transfer.ledger import Transfer

__all__ = ["CheckedRun", "LoadedRun", "MappedRun", "PackagedRun", "SentRun"]


@dataclass(frozen=True)
class LoadedRun:
    """The load stage's result: one kind's files as a canonical frame (``result.frame``)."""

    kind: SourceKind
    files: tuple[Path, ...]
    profile: str
    result: LoadResult

    @property
    def spec(self) -> KindSpec:
        return KINDS[self.kind]

    @property
    def frame(self) -> pl.DataFrame:
        return self.result.frame


@dataclass(frozen=True)
class CheckedRun:
    """The check stage's result: findings for the loaded rows, and the client's settings.

    Calls also carry their billing and the DATEV phone directory they were resolved against.
    """

    loaded: LoadedRun
    client: str | None
    target: Target
    settings: ClientSettings | None
    findings: pl.DataFrame
    billing: CallBilling | None = None
    directory: PhoneDirectory | None = None
    #: The selected Zeitraum (``YYYY-MM`` or a pair): ``loaded`` holds its rows only, and per
    #: file the rows of other months are counted here (never findings).
    period: str | tuple[str, str] | None = None
    other_months: dict[str, int] = field(default_factory=dict)
    #: Safe fixes recorded earlier and applied on loading (``file, row, column, rule, old, new``).
    applied_fixes: pl.DataFrame = field(default_factory=pl.DataFrame)

    @property
    def kind(self) -> SourceKind:
        return self.loaded.kind

    @property
    def spec(self) -> KindSpec:
        return self.loaded.spec

    @property
    def files(self) -> tuple[Path, ...]:
        return self.loaded.files

    @property
    def profile(self) -> str:
        return self.loaded.profile

    @property
    def exit_code(self) -> int:
        """0 clean, 1 warnings only, 2 errors found (ARCHITECTURE §4.1)."""
        return exit_code(self.findings)

    def call_billing(self) -> tuple[CallBilling, PhoneDirectory]:
        """The billed call log and the phone directory it was billed against (kind calls)."""
        if self.billing is None or self.directory is None:
            raise ConfigError("Nur eine abgerechnete Anrufliste (calls) hat eine Abrechnung.")
        return self.billing, self.directory


@dataclass(frozen=True)
class MappedRun:
    """The map stage's result: DATEV records with lineage (``mapping``), or for calls the
    planned expense postings (``plan``)."""

    checked: CheckedRun
    target: Target
    mapping: Mapped | None = None
    plan: PostingPlan | None = None

    @property
    def kind(self) -> SourceKind:
        return self.checked.kind

    @property
    def client(self) -> str | None:
        return self.checked.client

    @cached_property
    def findings(self) -> pl.DataFrame:
        """The check's findings and what the map stage adds: rows the mapping blocked itself
        (an invoice without a booking account, a value DATEV's format refuses) and, for calls,
        billed calls that cannot be posted (no open order, no employee). Left out, so they
        count like every other finding."""
        added = [self.plan.findings] if self.plan is not None else []
        if self.mapping is not None:  # the mapping's findings repeat the check's first
            added.append(
                self.mapping.findings.join(
                    self.checked.findings, on=FINDINGS_SCHEMA.names(), how="anti", nulls_equal=True
                )
            )
        if not any(frame.height for frame in added):
            return self.checked.findings
        return concat_findings([self.checked.findings, *added])

    @property
    def exit_code(self) -> int:
        return exit_code(self.findings)


@dataclass(frozen=True)
class PackagedRun:
    """The package stage's result: the files written to ``out_dir`` and what goes to DATEV.

    ``uploads`` are the transfers the send stage makes (XML packages, EXTF files); ``written``
    lists every file or package folder written, uploads and companions alike (the
    Debitoren/Kreditoren file of the Buchungsdatenservice, the expense postings as JSON).
    ``sent_before`` are the items left out because they were transferred before.
    """

    mapped: MappedRun
    out_dir: Path
    uploads: tuple[Upload, ...]
    written: tuple[Path, ...]
    #: Items not packaged because a live transfer of their Beleg-Art and month already carries
    #: them (``transfer.groups.SENT_SCHEMA``); None when packaged without the ledger.
    sent_before: pl.DataFrame | None = None

    @property
    def kind(self) -> SourceKind:
        return self.mapped.kind

    @property
    def client(self) -> str | None:
        return self.mapped.client

    @property
    def exit_code(self) -> int:
        return self.mapped.exit_code


@dataclass(frozen=True)
class SentRun:
    """The send stage's result: the transfers recorded in the ledger (and for calls, one row
    per expense posting with its ``status``)."""

    packaged: PackagedRun
    transfers: tuple[Transfer, ...]
    postings: pl.DataFrame | None = None

    @property
    def failed(self) -> bool:
        """A transfer failed, or an expense posting was refused."""
        if any(transfer.local_status == "Fehlgeschlagen" for transfer in self.transfers):
            return True
        return self.postings is not None and bool(
            self.postings.filter(pl.col("status") == "failed").height
        )
