"""Tests of the engine (the autograd package)."""
