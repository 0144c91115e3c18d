"""vinerfacts: a gold-annotated Vietnamese news dataset (entities, facts) and its evaluation harness."""
from __future__ import annotations

__version__ = "0.1.0"

from .errors import (  # noqa: F401
    AlignmentError,
    AnnotationError,
    BuildError,
    SchemaError,
    TagSequenceError,
    ValidationFailed,
    VinerfactsError,
)
from .spans import Span  # noqa: F401
