"""Turning results into files and tables: nothing here computes statistics."""
