"""DATEV reconciliation workbench."""
