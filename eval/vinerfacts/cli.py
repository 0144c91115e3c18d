"""Command line: argument parsing and exit codes only. Heavy libraries are imported inside subcommands."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import VinerfactsError

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_ERROR = 0, 1, 2, 3


def _cmd_validate(args) -> int:
    from .validate import ERROR, validate

    problems = validate(args.annotations)
    errors = [p for p in problems if p.severity == ERROR]
    for p in problems:
        print(p, file=sys.stderr if p.severity == ERROR else sys.stdout)
    warnings = len(problems) - len(errors)
    print(f"validate: {len(errors)} errors, {warnings} warnings in {args.annotations}")
    return EXIT_PROBLEMS if errors else EXIT_OK


def _cmd_build(args) -> int:
    from .build import build_dataset

    summary = build_dataset(args.annotations, args.out, card_path=args.card)
    print(summary)
    return EXIT_OK


def _cmd_stats(args) -> int:
    from .stats import corpus_stats, format_stats

    from .corpus import load_corpus
    from .validate import validate, errors_only
    from .errors import ValidationFailed

    errors = errors_only(validate(args.annotations))
    if errors:
        raise ValidationFailed(errors)
    print(format_stats(corpus_stats(load_corpus(args.annotations))))
    return EXIT_OK


def _cmd_agreement(args) -> int:
    from .agreement import corpus_agreement, format_agreement
    from .corpus import load_corpus

    print(format_agreement(corpus_agreement(load_corpus(args.annotations))))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(prog="vinerfacts", description=__doc__)
    parser.add_argument("--version", action="version", version=f"vinerfacts {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name, func, help):
        p = sub.add_parser(name, help=help, description=help)
        p.add_argument("--annotations", type=Path, default=Path("annotations"), help="annotations folder (default: ./annotations)")
        p.set_defaults(func=func)
        return p

    add("validate", _cmd_validate, "check annotations/; exit 1 with one line per problem")
    p = add("build", _cmd_build, "build the Hugging Face dataset folder from annotations/ (atomic, deterministic)")
    p.add_argument("--out", type=Path, default=Path("dataset"), help="dataset folder (default: ./dataset)")
    p.add_argument("--card", type=Path, default=Path("DATASET_CARD.md"), help="card source (default: ./DATASET_CARD.md)")
    add("stats", _cmd_stats, "counts per label, zone and view")
    add("agreement", _cmd_agreement, "inter-annotator agreement of the raw annotations (before adjudication) and of each with the gold")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except VinerfactsError as e:
        print(f"vinerfacts {args.command}: error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
