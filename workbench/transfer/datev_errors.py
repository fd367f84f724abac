"""DATEV's error bodies turned into German sentences that say what to do.

DATEV answers in two shapes: the dxso/documents APIs send
``{"error": "#DCO01xxx", "error_description": "restapi.<Name>", "request_id": …}``, the v2/v3
APIs send RFC 7807 ProblemDetails ``{"type", "title", "detail", "status", "request_id"}``
(``status`` as int or string). Texts per code follow DATEV's documentation (FACTS.md §3, §5).
"""

from __future__ import annotations

import json

from workbench.datev.limits import MAX_ATTACHMENT_BYTES, MAX_FILE_NAME_LENGTH, megabytes

__all__ = ["describe_error"]

_TOO_LARGE = (
    f"Die Datei ist größer als {megabytes(MAX_ATTACHMENT_BYTES)} MB. Verkleinern Sie die Datei."
)
_DCO_MESSAGES = {
    "#DCO01001": "Die Datenübertragung kann in ihrem Zustand nicht mehr geändert werden.",
    "#DCO01002": "Der Mandant ist für diese Art der Übertragung in DATEV nicht eingerichtet "
    "(Beleg-Art, Wirtschaftsjahr oder Rechnungsdatenservice fehlen).",
    "#DCO01003": "Die Datenübertragung (Job-ID) ist bei DATEV unbekannt.",
    "#DCO01004": "Der Datei-Upload war fehlerhaft: genau eine Datei je Anfrage im Feld 'files'.",
    "#DCO01005": "Der Zugriffsschlüssel hat nicht die nötige Berechtigung (Scope).",
    "#DCO01006": "Die Mandanten-ID ist ungültig (Form Beraternummer-Mandantennummer).",
    "#DCO01007": "Die Datenübertragung ist bereits abgeschlossen und kann nicht mehr geändert "
    "werden.",
    "#DCO01008": "Der Inhalt der Anfrage ist ungültig.",
    "#DCO01009": "Die Stammdaten des Mandanten in DATEV sind widersprüchlich.",
    "#DCO01010": "Die Beleg-Art ist für den Mandanten in DATEV nicht vorhanden.",
    "#DCO01012": "Diese Beleg-ID wurde bereits verwendet.",
    "#DCO01013": "Die Anmeldeart wird für diese Schnittstelle nicht unterstützt.",
    "#DCO01015": "Dieser Dateityp wird von DATEV nicht angenommen (keine ZIP-Dateien).",
    "#DCO01016": _TOO_LARGE,
    "#DCO01017": "Ein Pflichtparameter fehlt.",
    "#DCO01018": "Ein Pflicht-Header fehlt (Authorization oder X-DATEV-Client-Id).",
    "#DCO01215": "Dieser Dateityp wird nicht angenommen (erlaubt: GIF, JPEG, JPG, PNG, TIF, TIFF, "
    "XML, PDF).",
    "#DCO01216": _TOO_LARGE,
    "#DCO01219": "Der Content-Type passt nicht zur Dateiendung.",
    "#DCO01222": f"Der Dateiname ist länger als {MAX_FILE_NAME_LENGTH} Zeichen.",
    "#DCO01232": "Es dürfen höchstens 10 Dateien zusammengeheftet werden.",
    "#DCO01243": "In der Datei wurde ein Virus gefunden.",
    "#DCO01253": "Diese Datei wurde bereits hochgeladen (Duplikat).",
    "#DCO01300": "DATEV Unternehmen online ist wegen Wartung nicht erreichbar.",
    "#DCO01301": "Der Rechnungsdatenservice 1.0 wird von der neuen Belegverwaltung nicht "
    "unterstützt.",
}

_RIGHTS_HINT = (
    "Prüfen Sie Berater- und Mandantennummer und die Rechte in DATEV: Rechteverwaltung online > "
    "Benutzer > Cloud Services Rechnungswesen > Rechnungsdatenservice 1.0 > Globale "
    "Datenfreigaben > Beraternummer und Mandantennummer."
)

_STATUS_MESSAGES = {
    400: "DATEV hat die Anfrage als ungültig abgelehnt.",
    401: "Die Anmeldung bei DATEV ist abgelaufen oder ungültig. Melden Sie sich erneut an.",
    403: "Keine Berechtigung für diesen Mandanten oder diese Funktion. " + _RIGHTS_HINT,
    404: "Bei DATEV nicht (mehr) vorhanden. Status und Protokolle löscht DATEV nach etwa zwei "
    "Monaten; der zuletzt abgerufene Stand bleibt im Übertragungsprotokoll erhalten.",
    409: "Diese ID wurde bei DATEV bereits verwendet.",
    413: "Die Datei ist zu groß für DATEV (höchstens 50 MB je EXTF-Datei).",
    415: "DATEV unterstützt dieses Dateiformat nicht.",
    429: "DATEV meldet zu viele Anfragen. Bitte später erneut versuchen.",
    500: "Interner Fehler bei DATEV. Bitte später erneut versuchen.",
    503: "DATEV ist vorübergehend nicht erreichbar (Wartung). Bitte später erneut versuchen.",
}


def describe_error(status: int, body: bytes, *, what: str) -> tuple[str, str | None, str | None]:
    """Return ``(German message, DATEV code, request id)`` for an error response.

    ``what`` names the action in German (``"Datenübertragung anlegen"``).
    """
    data: dict = {}
    try:
        parsed = json.loads(body) if body else {}
        data = parsed if isinstance(parsed, dict) else {}
    except (ValueError, UnicodeDecodeError):
        data = {}
    request_id = data.get("request_id") or data.get("requestId")
    code = data.get("error") if isinstance(data.get("error"), str) else None
    parts = [f"{what}: HTTP {status}"]
    if code and code.startswith("#DCO"):
        parts.append(f"{code} {_DCO_MESSAGES.get(code, data.get('error_description', ''))}".strip())
    elif data.get("title") or data.get("detail"):
        problem = " – ".join(str(data[key]) for key in ("title", "detail") if data.get(key))
        code = str(data.get("type", "")).rsplit("/", 1)[-1] or None
        parts.append(problem)
    elif code:
        parts.append(f"{code}: {data.get('error_description', '')}".rstrip(": "))
    details = [  # DATEVconnect says why in additional_messages (order management: postings)
        str(message["description"])
        for message in data.get("additional_messages") or []
        if isinstance(message, dict) and message.get("description")
    ]
    if details:
        parts.append("; ".join(details))
    # 401/403/404 and the transient ones (DATEV's title is English there): what it means
    if status in _STATUS_MESSAGES and (status in (401, 403, 404, 429, 500, 503) or len(parts) == 1):
        parts.append(_STATUS_MESSAGES[status])
    if request_id:
        parts.append(f"Request-Id: {request_id}")
    return ". ".join(part.rstrip(".") for part in parts) + ".", code, request_id
