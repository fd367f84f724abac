import workbench.calls


def test_public_api_is_pinned_and_sorted():
    assert workbench.calls.__all__ == [
        "CallAssignment",
        "CallBilling",
        "CallSettings",
        "PhoneDirectory",
        "PostingPlan",
        "bill_calls",
        "check_calls",
        "export_address_book",
        "fetch_directory",
        "normalize_numbers",
        "plan_expense_postings",
        "resolve_calls",
        "transfer_expense_postings",
    ]
    for name in workbench.calls.__all__:
        assert getattr(workbench.calls, name).__doc__, name
