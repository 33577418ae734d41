"""Tests of the presence model (``reference_impl.model``): purity, clause tables and properties."""
