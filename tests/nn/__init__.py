"""Tests of the nn package."""
