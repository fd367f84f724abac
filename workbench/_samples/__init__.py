"""Private helpers of :mod:`workbench.samples`: party pools, clean frames, defects, file writers.

``parties`` holds the DATEV-valid building blocks (IBANs, VAT ids, German names and places),
``frames`` the vectorised clean generators, ``defects`` the seeded defects and their manifest,
``writers`` the per-profile file formats and ``catalog`` the committed sample files.
"""
