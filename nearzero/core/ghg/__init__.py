"""Greenhouse-gas accounting for communities (GPC v1.1), pure Python + NumPy."""
