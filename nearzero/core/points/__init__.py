"""Carbon points (碳积分): the rules of a double-entry points ledger, without Django.

- :mod:`.ledger` — a posting's legs sum to zero; guarded accounts never go below zero.
- :mod:`.rules` — a verified fact → points, capped per rule per resident per day and month.
- :mod:`.expiry` — points expire oldest first, N months after they were credited (FIFO lots).

The method, its invariants and worked examples are in docs/algorithms/points-ledger.md.
"""
