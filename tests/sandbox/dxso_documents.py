"""The ``document.xml`` of a dxso package, for the sandbox tests (DATEV's BEDI schema v6.0)."""

from __future__ import annotations


def document_xml(*docs):
    """docs: (kind, datafile, period, folder, [image names])."""
    body = []
    for kind, datafile, period, folder, images in docs:
        ext = (
            f'<extension xsi:type="{kind}" datafile="{datafile}">'
            f'<property key="1" value="{period}"/><property key="3" value="{folder}"/>'
            "</extension>"
        )
        ext += "".join(f'<extension xsi:type="File" name="{n}"/>' for n in images)
        body.append(f"<document>{ext}</document>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?><archive '
        'xmlns="http://xml.datev.de/bedi/tps/document/v06.0" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" version="6.0" '
        'generatingSystem="Workbench"><header><date>2026-03-01T10:00:00</date></header>'
        f"<content>{''.join(body)}</content></archive>"
    ).encode()
