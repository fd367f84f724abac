import workbench


def test_public_api_is_pinned_and_sorted():
    assert workbench.__all__ == [
        "CheckedRun",
        "ConfigError",
        "DatevApiError",
        "DatevFormatError",
        "FINDINGS_SCHEMA",
        "LoadResult",
        "LoadedRun",
        "MappedRun",
        "PackagedRun",
        "ProfileError",
        "Reconciliation",
        "SentRun",
        "Settings",
        "SourceError",
        "SourceKind",
        "Target",
        "TransferError",
        "WorkbenchError",
        "available_profiles",
        "check_run",
        "load_calls",
        "load_invoices",
        "load_pos",
        "load_profile",
        "load_receipts",
        "load_run",
        "load_settings",
        "map_run",
        "package_run",
        "reconcile_run",
        "send_run",
        "status_run",
    ]
    assert workbench.__all__ == sorted(workbench.__all__)
    for name in workbench.__all__:
        assert hasattr(workbench, name), name
