"""DATEV file formats: EXTF (DATEV-Format CSV), XML interface v6.0 and expense postings.

Each format lives in its own module with a read/write pair; field tables are data
(``extf_fields.py``) and field types are small classes (``fields.py``).
"""
