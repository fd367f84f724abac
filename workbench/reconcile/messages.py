"""The German sentences of the Abgleich: each difference says what happened and what to do."""

from __future__ import annotations

from typing import Any

from workbench.german import format_number

__all__ = ["describe", "euro"]


def euro(cents: int | None) -> str:
    """``123456`` -> ``1.234,56 €`` (German notation)."""
    return "–" if cents is None else f"{format_number(cents / 100)} €"


def _side(cents: int | None) -> str:
    if cents is None:
        return "–"
    return f"{euro(abs(cents))} {'Soll' if cents >= 0 else 'Haben'}"


def _accounts(booking: dict[str, Any] | None) -> str:
    if not booking:
        return "–"
    debit = booking.get("debit") or "(von DATEV bestimmt)"
    credit = booking.get("credit") or "(von DATEV bestimmt)"
    return f"{debit} an {credit}"


def describe(row: dict[str, Any], *, statuses: dict[str, str]) -> str:
    """The message of one difference row (see :mod:`workbench.reconcile.compare`).

    ``statuses`` names each transfer's DATEV status as the user knows it (``Fertig`` …).
    """
    beleg = f"Beleg {row['belegfeld1']}" if row["belegfeld1"] else "Buchung ohne Belegfeld 1"
    where = f" ({row['source']}, Zeile {row['row']})" if row.get("source") else ""
    kind = row["kind"]
    sent: dict[str, Any] = row.get("expected_booking") or {}
    booked: dict[str, Any] = row.get("booked_booking") or {}
    if kind == "nicht_gebucht":
        transfer = row.get("transfer_id") or ""
        status = statuses.get(transfer, "")
        return (
            f"{beleg}{where}: gesendet ({_accounts(sent)}, {euro(sent['cents'])}, Übertragung "
            f"{transfer}{', DATEV-Status ' + status if status else ''}), bei DATEV aber nicht "
            "gebucht. Prüfen Sie Status und Protokoll (workbench status --refresh); wurde die "
            "Buchung in DATEV gelöscht, klären Sie das mit der Kanzlei."
        )
    if kind == "nicht_gesendet":
        return (
            f"{beleg}{where}: bei DATEV gebucht ({_accounts(booked)}, {euro(booked['cents'])}), "
            "von der Workbench aber nicht gesendet (von Hand oder aus einem anderen System "
            "gebucht). Klären Sie mit der Kanzlei, ob die Buchung gilt."
        )
    if kind == "doppelt":
        return (
            f"{beleg}{where}: bei DATEV mehrfach gebucht ({_accounts(booked)}, "
            f"{euro(booked['cents'])}), gesendet nur einmal. Lassen Sie die doppelte Buchung "
            "in DATEV stornieren."
        )
    if kind == "nur_in_quelle":
        return (
            f"{beleg}{where}: steht in der Quelle ({_accounts(sent)}, {euro(sent['cents'])}), "
            "wurde aber weder so gesendet noch so gebucht. Übertragen Sie ihn oder prüfen Sie, "
            "ob die Quelle nach dem Senden geändert wurde."
        )
    what = "Betrag" if sent["cents"] != booked["cents"] else "Konto"
    return (
        f"{beleg}{where}: {what} weicht ab. Gesendet {_accounts(sent)} {euro(sent['cents'])}, "
        f"gebucht {_accounts(booked)} {euro(booked['cents'])} (Konto {row['account']}: "
        f"{_side(row['sent'])} gesendet, {_side(row['booked'])} gebucht). Klären Sie mit der "
        "Kanzlei, welche Buchung gilt."
    )
