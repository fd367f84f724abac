"""Source kinds: what a user loads, and everything the stages need to know about each kind.

This is the one registry of source kinds (ARCHITECTURE §4.1 ``KIND``, §4.3 canonical frames).
It is pure data at the bottom of the package, so every layer may read it: the CLI takes its
choices from it, the loaders their item-id column, the checks their date column, the reports
their period column, the app its German labels. The functions that serve a kind (its loader
and its mapper) live in higher layers; ``workbench/pipeline/registry.py`` wires them to the
kinds listed here, and ``tests/test_kinds.py`` fails while a kind lacks one of them.

How to add a kind (say ``bank``):

1. add a member to :class:`SourceKind` and its :class:`KindSpec` to :data:`KINDS` below;
2. give it canonical columns in ``workbench/sources/schema.py``, a loader in
   ``workbench/sources/``, a suite in ``expectations/`` and a profile section where a profile
   reads it;
3. write its mapper (canonical frame → DATEV records with lineage) in ``workbench/mapping/``;
4. wire the loader and the mapper in ``workbench/pipeline/registry.py``.

Nothing else branches on a kind's name: a place that needs to know something about a kind
reads it from its :class:`KindSpec` (add a field here rather than a ``kind == "…"`` test).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from workbench.errors import ConfigError

__all__ = [
    "ITEM_ID_COLUMNS",
    "KINDS",
    "MATCH_FRAMES",
    "KindSpec",
    "SourceKind",
    "Target",
    "kind_spec",
]


class SourceKind(StrEnum):
    """A kind of source data; its value is the name on the command line (``workbench check
    receipts …``) and in every file, ledger entry and report."""

    CALLS = "calls"
    INVOICES = "invoices"
    RECEIPTS = "receipts"
    POS = "pos"


class Target(StrEnum):
    """What mapped data becomes (``workbench map --to``)."""

    XML = "xml"  # document.xml + LedgerImport (Rechnungsdatenservice 1.0, dxso-jobs)
    EXTF = "extf"  # EXTF Buchungsstapel (Buchungsdatenservice, extf-files)
    EXPENSE_POSTINGS = "expense-postings"  # DATEVconnect order management


@dataclass(frozen=True)
class KindSpec:
    """What the stages need to know about one source kind."""

    kind: SourceKind
    #: German name shown to users.
    label: str
    #: The column that identifies a row to the user (the findings' and the ledger's ``item_id``).
    item_id_column: str
    #: The column whose month says which period a row belongs to (reports, ``--period``).
    period_column: str
    #: The date a row is booked on (fiscal-year rules); None: the kind is not booked by date.
    date_column: str | None
    default_target: Target
    #: Targets ``workbench map`` / ``transfer`` accept for this kind, default first.
    targets: tuple[Target, ...]
    #: Rows are billed per Mandant (calls): the check stage resolves them against DATEV's master
    #: data and bills them, the map stage plans expense postings, and ``--client`` is optional.
    billed: bool = False
    #: An item books once per day (a POS category): its ledger id carries the business day.
    daily_items: bool = False
    #: Mapped through an account mapping (seed 003's Accounting-Mapping, ``--pos-mapping``),
    #: which also fixes the report period ("Bericht ausführen bis") and the day close.
    account_mapping: bool = False
    #: Further frames loaded together with this kind, with their item-id column.
    part_frames: tuple[tuple[str, str], ...] = ()

    @property
    def needs_client(self) -> bool:
        """Every kind needs ``--client`` except billed ones: calls find their Mandanten."""
        return not self.billed


KINDS: dict[SourceKind, KindSpec] = {
    SourceKind.CALLS: KindSpec(
        kind=SourceKind.CALLS,
        label="Anrufliste",
        item_id_column="call_id",
        period_column="started_at",
        date_column=None,
        default_target=Target.EXPENSE_POSTINGS,
        targets=(Target.EXPENSE_POSTINGS,),
        billed=True,
    ),
    SourceKind.INVOICES: KindSpec(
        kind=SourceKind.INVOICES,
        label="Rechnungen",
        item_id_column="invoice_id",
        period_column="date",
        date_column="date",
        default_target=Target.XML,
        targets=(Target.XML, Target.EXTF),
        part_frames=(("positions", "invoice_id"),),
    ),
    SourceKind.RECEIPTS: KindSpec(
        kind=SourceKind.RECEIPTS,
        label="Belegpositionen",
        item_id_column="item_id",
        period_column="accounting_month",
        date_column="date",
        default_target=Target.XML,
        # EXTF: Buchungsstapel for the Buchungsdatenservice (workbench.mapping.receipts_bds)
        targets=(Target.XML, Target.EXTF),
    ),
    SourceKind.POS: KindSpec(
        kind=SourceKind.POS,
        label="Kassenumsätze (POS)",
        item_id_column="category",
        period_column="business_date",
        date_column="business_date",
        default_target=Target.EXTF,
        targets=(Target.EXTF,),
        daily_items=True,
        account_mapping=True,
    ),
}

#: Frames loaded for matching only, with their item-id column: bank statement lines
#: (``workbench bank match``, Mandantentalk) are neither checked nor sent to DATEV, so they are
#: no :class:`SourceKind`.
MATCH_FRAMES: tuple[tuple[str, str], ...] = (("bank", "line_id"),)

#: Item-id column of every canonical frame (kinds, the frames loaded with them, match frames).
ITEM_ID_COLUMNS: dict[str, str] = {
    name: column
    for spec in KINDS.values()
    for name, column in ((spec.kind.value, spec.item_id_column), *spec.part_frames)
} | dict(MATCH_FRAMES)


def kind_spec(kind: str | SourceKind) -> KindSpec:
    """The :class:`KindSpec` of ``kind`` (a :class:`SourceKind` or its name).

    >>> kind_spec("receipts").label
    'Belegpositionen'
    """
    try:
        return KINDS[SourceKind(kind)]
    except ValueError:
        raise ConfigError(
            f"Die Quellart '{kind}' ist unbekannt; erlaubt sind "
            f"{', '.join(member.value for member in SourceKind)}.",
            value=kind,
        ) from None
