"""The package's own exceptions. Library code raises these; only the CLI turns them into exit codes."""
from __future__ import annotations


class VinerfactsError(Exception):
    """Base class of every error the package raises on purpose."""


class SchemaError(VinerfactsError):
    """The label schema file is missing, malformed or of an unknown version."""


class AnnotationError(VinerfactsError):
    """An annotation file cannot be read at all (not JSON, wrong structure, missing text).

    Sound-but-wrong annotations are reported as `Problem`s by `validate`, not raised.
    """


class ValidationFailed(VinerfactsError):
    """Raised by commands that need valid annotations (build) when validation finds errors."""

    def __init__(self, problems):
        self.problems = list(problems)
        lines = "\n".join(str(p) for p in self.problems[:20])
        more = f"\n... and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__(f"annotations are not valid ({len(self.problems)} errors):\n{lines}{more}")


class TagSequenceError(VinerfactsError):
    """A tag sequence breaks its tagging scheme and strict decoding was asked for."""


class AlignmentError(VinerfactsError):
    """Tokens or words could not be aligned back to character offsets of the text."""


class BuildError(VinerfactsError):
    """The dataset could not be built; the previous dataset folder is left untouched."""


class NormalizationError(VinerfactsError):
    """A quantity or time expression could not be normalized (see `vinerfacts.numbers`).

    `text` is the input in NFC, `offset` the character offset in it where parsing stopped,
    `expected` what would have been accepted there and `found` what is there instead.
    """

    def __init__(self, text: str, offset: int, expected: str, found: str | None = None):
        self.text, self.offset, self.expected = text, offset, expected
        self.found = text[offset : offset + 20] if found is None else found
        where = f"found {self.found!r}" if self.found else "found end of input"
        super().__init__(f"cannot normalize {text!r}: parsing stopped at offset {offset} ({where}); expected {expected}")
