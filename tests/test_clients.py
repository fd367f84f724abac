"""ClientSettings from DATEV's JSON shapes, the per-client cache and offline overrides."""

from __future__ import annotations

import json
from datetime import date

import pytest

from workbench.clients import ClientSettings, DocumentType, cache_path, load_client_settings
from workbench.errors import ConfigError

CLIENT_BASICS = {  # GET /clients/{id} of accounting-dxso-jobs / accounting-documents
    "client_number": 2,
    "consultant_number": 455148,
    "id": "455148-2",
    "name": "Grün & Söhne Gärtnerei KG",
    "is_document_management_available": True,
    "basic_accounting_information": [
        {
            "fiscal_year_start": "2024-07-01",
            "fiscal_year_end": "2025-06-30",
            "account_length": 5,
            "datev_chart_of_accounts": 4,
            "ledgers": {
                "is_accounts_payable_ledger_available": True,
                "is_accounts_receivable_ledger_available": True,
                "is_cash_ledger_available": False,
            },
        },
        {"fiscal_year_start": "2025-07-01", "fiscal_year_end": "2026-06-30", "account_length": 5},
    ],
}
DOCUMENT_TYPES = [  # GET /clients/{id}/document-types
    {
        "name": "Rechnungseingang",
        "category": "invoices_received",
        "debit_credit_identifier": "debit",
    },
    {
        "name": "Rechnungsausgang",
        "category": "outgoing_invoices",
        "debit_credit_identifier": "credit",
    },
]


def test_from_client_basics_and_document_types():
    settings = ClientSettings.from_dict(CLIENT_BASICS, document_types=DOCUMENT_TYPES)
    assert settings.client_id == "455148-2"
    assert settings.account_length == 5 and settings.personal_account_length == 6
    assert settings.fiscal_years == (
        (date(2024, 7, 1), date(2025, 6, 30)),
        (date(2025, 7, 1), date(2026, 6, 30)),
    )
    # DATEV's document-types answer names no folders: unknown, not missing
    assert settings.document_types_without_folder == []
    assert settings.document_types_with_unknown_folder == ["Rechnungseingang", "Rechnungsausgang"]
    assert settings.fiscal_year_of(date(2026, 1, 1)) == (date(2025, 7, 1), date(2026, 6, 30))


def test_folders_known_from_transfers_and_favourites():
    settings = ClientSettings.from_dict(CLIENT_BASICS, document_types=DOCUMENT_TYPES)
    known = settings.with_folders({"Rechnungseingang": ["Eingang 2026", "Eingang alt"],
                                   "Rechnungsausgang": []})  # fmt: skip
    assert known.document_type("Rechnungseingang").folder == "Eingang 2026"
    assert known.document_types_without_folder == ["Rechnungsausgang"]
    assert known.document_types_with_unknown_folder == []
    favourite = known.with_overrides({"folders": {"Rechnungseingang": "Eingang alt"}})
    assert favourite.document_type("Rechnungseingang").folder == "Eingang alt"
    assert favourite.document_types_without_folder == ["Rechnungsausgang"]
    stale = known.with_overrides({"folders": {"Rechnungseingang": "Gibt es nicht"}})
    assert stale.document_types_without_folder == ["Rechnungseingang", "Rechnungsausgang"]
    chosen = settings.with_overrides({"folders": {"Rechnungseingang": "Eingang"}})
    assert chosen.document_types_with_unknown_folder == ["Rechnungsausgang"]


def test_transfers_fill_the_folder_cache(tmp_path):
    from workbench.clients import known_folders, remember_folders

    remember_folders("455148-2", "Rechnungsausgang", [], month="2026-01", home=tmp_path)
    assert known_folders("455148-2", home=tmp_path) == {}  # fiscal years unknown: no conclusion
    load_client_settings("455148-2", fetch=lambda cid: {**CLIENT_BASICS,
                         "document_types": DOCUMENT_TYPES}, home=tmp_path)  # fmt: skip
    remember_folders("455148-2", "Rechnungsausgang", [], month="2027-01", home=tmp_path)
    assert known_folders("455148-2", home=tmp_path) == {}  # no fiscal year 2027: DATEV's reason
    remember_folders("455148-2", "Rechnungsausgang", [], month="2026-01", home=tmp_path)
    remember_folders("455148-2", "Rechnungseingang", ["Eingang"], month="2026-01", home=tmp_path)
    assert known_folders("455148-2", home=tmp_path) == {
        "Rechnungsausgang": [],
        "Rechnungseingang": ["Eingang"],
    }
    offline = load_client_settings("455148-2", home=tmp_path)
    assert offline.document_types_without_folder == ["Rechnungsausgang"]
    assert offline.document_type("Rechnungseingang").folder == "Eingang"


def test_from_sandbox_seed_shape():
    settings = ClientSettings.from_dict(_seed_client("455148-1"))
    # the sandbox seed of 455148-1 (conftest): cash book names give Kasse its folder
    assert settings.account_length == 4
    assert settings.document_type("Kasse").folder == "Hauptkasse"
    assert settings.document_type("Kasse").folders == ("Hauptkasse", "Filiale Fürth")
    assert settings.document_types_without_folder == ["Sonstige"]
    assert "Rechnungsdatenservice 1.0" in settings.services
    assert settings.chart_of_accounts == "SKR03"


def test_chart_of_accounts_from_datev_and_the_users_cash_account():
    """The Buchungsstapel books Kasse items on the chart's cash account unless the user names
    another (``cash_account``)."""
    settings = ClientSettings.from_dict(CLIENT_BASICS)
    assert (settings.chart_of_accounts, settings.cash_account) == ("SKR04", None)
    own = ClientSettings.from_dict(CLIENT_BASICS, overrides={"cash_account": 1610})
    assert own.cash_account == "1610"


def test_roundtrip_and_overrides():
    settings = ClientSettings.from_dict(
        CLIENT_BASICS,
        document_types=DOCUMENT_TYPES,
        overrides={
            "account_length": 4,
            "wj_begin": "0701",
            "last_transferred_cash_month": "2026-01",
        },
    )
    assert settings.configured_account_length == 4 and settings.account_length == 5
    assert settings.configured_wj_begin == "0701"
    assert ClientSettings.from_dict(json.loads(json.dumps(settings.to_dict()))) == settings


def test_fetch_writes_cache_and_offline_uses_it(tmp_path):
    calls = []

    def fetch(client_id):
        calls.append(client_id)
        return {**CLIENT_BASICS, "document_types": DOCUMENT_TYPES}

    online = load_client_settings("455148-2", fetch=fetch, home=tmp_path)
    assert calls == ["455148-2"]
    assert cache_path("455148-2", home=tmp_path).exists()
    offline = load_client_settings("455148-2", home=tmp_path, overrides={"account_length": 5})
    assert offline.account_length == online.account_length == 5
    assert offline.fiscal_years == online.fiscal_years
    assert offline.document_types == online.document_types
    assert offline.configured_account_length == 5


def test_cache_under_workbench_home(_isolated_home):
    load_client_settings("455148-2", fetch=lambda cid: CLIENT_BASICS)
    assert (_isolated_home / "cache" / "clients" / "455148-2.json").exists()


def test_offline_without_cache_needs_overrides(tmp_path):
    with pytest.raises(ConfigError, match="keine DATEV-Stammdaten"):
        load_client_settings("1-1", home=tmp_path)
    settings = load_client_settings(
        "1-1",
        home=tmp_path,
        overrides={"datev_account_length": 6, "fiscal_years": [["2025-01-01", "2025-12-31"]]},
    )
    assert settings.account_length == 6 and settings.fiscal_years[0][0] == date(2025, 1, 1)


def test_broken_cache(tmp_path):
    path = cache_path("1-1", home=tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("{", encoding="utf-8")
    with pytest.raises(ConfigError, match="beschädigt"):
        load_client_settings("1-1", home=tmp_path)


def test_ade_dates_and_errors():
    settings = ClientSettings.from_dict({"id": "1-1", "fiscal_years": [[20250101, 20251231]]})
    assert settings.fiscal_years == ((date(2025, 1, 1), date(2025, 12, 31)),)
    with pytest.raises(ConfigError, match="Mandanten-ID"):
        ClientSettings.from_dict({"account_length": 4})
    with pytest.raises(ConfigError, match="ungültig"):
        ClientSettings.from_dict({"id": "1-1", "fiscal_years": [["2025-13-01", "2025-12-31"]]})


def test_document_type_overrides():
    settings = ClientSettings("1-1").with_overrides(
        {
            "document_types": [
                {"name": "Kasse", "folder": "Hauptkasse"},
                {"name": "Sonstige", "activated": False},
            ]
        }
    )
    assert settings.document_types == (
        DocumentType("Kasse", folder="Hauptkasse"),
        DocumentType("Sonstige", activated=False),
    )
    assert settings.activated_document_types == ["Kasse"]


def _seed_client(client_id: str) -> dict:
    import json
    from pathlib import Path

    seed = Path(__file__).resolve().parents[1] / "data" / "sandbox" / "default.json"
    clients = json.loads(seed.read_text(encoding="utf-8"))["accounting_clients"]
    return next(client for client in clients if client["id"] == client_id)


def test_booking_accounts_from_the_clients_settings():
    """``[clients."ID".default_accounts]`` (Sachkonto per invoice kind) and
    ``[clients."ID".party_accounts]`` (Debitor/Kreditor per USt-IdNr. or name) for bookings."""
    settings = ClientSettings("455148-1").with_overrides(
        {
            "default_accounts": {"Eingangsrechnung": 3400},
            "party_accounts": {"DE249305520": 70001, "Mühle Völker GmbH": "70002"},
        }
    )
    assert settings.default_accounts == {"Eingangsrechnung": "3400"}
    assert settings.party_accounts == {"DE249305520": "70001", "Mühle Völker GmbH": "70002"}
    with pytest.raises(ConfigError, match=r"default_accounts: die Rechnungsart 'Eingang' gibt"):
        ClientSettings("455148-1").with_overrides({"default_accounts": {"Eingang": "3400"}})
    with pytest.raises(ConfigError, match=r"party_accounts: das Konto 'K-1' für 'ACME'"):
        ClientSettings("455148-1").with_overrides({"party_accounts": {"ACME": "K-1"}})
