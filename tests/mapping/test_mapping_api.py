"""The public API of ``workbench.mapping`` is small and pinned."""

import workbench.mapping


def test_public_api_is_pinned_and_sorted():
    assert workbench.mapping.__all__ == [
        "BU_CODES_SKR03",
        "Mapped",
        "PosMapping",
        "RECEIPT_FIELDS",
        "map_invoices",
        "map_pos",
        "map_receipts",
        "preview",
        "preview_wide",
        "split_periods",
    ]
    assert workbench.mapping.__all__ == sorted(workbench.mapping.__all__)
    for name in workbench.mapping.__all__:
        assert hasattr(workbench.mapping, name), name
