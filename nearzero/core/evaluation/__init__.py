"""Evaluation against near-zero-carbon standards: standards as data, indicator scoring."""

from .score import Evaluation, IndicatorResult, Value, evaluate
from .standard import Indicator, Standard, StandardError, Text, parse

__all__ = [
    "Evaluation",
    "Indicator",
    "IndicatorResult",
    "Standard",
    "StandardError",
    "Text",
    "Value",
    "evaluate",
    "parse",
]
