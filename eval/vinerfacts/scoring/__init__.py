"""Scoring: pure functions from (gold spans, predicted spans) to counts, and from summed counts to scores."""
