"""Transfer to DATEV: the HTTP client, authentication, the transfer ledger and jobs."""
