"""Readers and writers of the harness's input formats (JSONL spans, CoNLL)."""
