"""Engagement rules: residents' tokens and phones, quizzes, recyclables → CO2e (pure, no Django)."""
