"""Bank lines against receipts (DATEV's assignment rules) and questions for lines without one."""

from workbench.bank.match import BUCKETS, MatchResult, match_bank_lines

__all__ = ["BUCKETS", "MatchResult", "match_bank_lines"]
