"""Extraction systems behind one interface and one registry (`vinerfacts systems` lists them)."""
