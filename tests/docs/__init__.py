"""Tests that the documentation, notebooks, demo and annotations hold."""
