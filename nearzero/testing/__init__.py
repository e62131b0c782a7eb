"""Test harness helpers shipped with the package so every app's tests can share them."""
