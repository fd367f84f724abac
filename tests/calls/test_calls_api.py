import workbench.calls


def test_public_api_is_pinned_and_sorted():
    assert workbench.calls.__all__ == [
        "AddressBookSettings",
        "CallAssignment",
        "CallBilling",
        "CallSettings",
        "PhoneBook",
        "PhoneDirectory",
        "PostingPlan",
        "bill_calls",
        "build_phone_book",
        "check_calls",
        "consultant_client_ids",
        "fetch_directory",
        "fetch_phone_book",
        "normalize_numbers",
        "plan_expense_postings",
        "resolve_calls",
        "transfer_expense_postings",
        "write_phone_book",
    ]
    for name in workbench.calls.__all__:
        assert getattr(workbench.calls, name).__doc__, name
