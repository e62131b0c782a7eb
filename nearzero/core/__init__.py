"""Pure domain science and rules for nearzero.

Nothing under ``nearzero.core`` imports Django (``tests/test_core_purity.py`` enforces it),
so the package can be used as a plain Python library: functions take plain values, arrays
or DataFrames and return dataclasses or DataFrames.
"""
