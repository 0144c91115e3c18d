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
    from .agreement import corpus_agreement, corpus_fact_agreement, format_agreement, format_fact_agreement
    from .corpus import load_corpus

    corpus = load_corpus(args.annotations)
    print("Entities\n")
    print(format_agreement(corpus_agreement(corpus)))
    print("Facts\n")
    print(format_fact_agreement(corpus_fact_agreement(corpus)), end="")
    return EXIT_OK


def _add_eval_options(p, gold_default="dataset") -> None:
    p.add_argument("--gold", type=Path, default=Path(gold_default), help="dataset folder or CoNLL file (default: ./dataset)")
    p.add_argument("--view", default="outermost", help="outermost | innermost | all (default: outermost)")
    p.add_argument("--labels", default="coarse", help="coarse | fine | gold (default: coarse)")
    p.add_argument("--tag-scheme", default="IOB2", help="IOB2 | IOB1 | IOE1 | IOE2 | IOBES | BILOU, for CoNLL inputs (default: IOB2)")
    p.add_argument("--decode", default="strict", help="strict | lenient, for CoNLL inputs (default: strict)")
    p.add_argument("--label-map", type=Path, help="JSON object mapping predicted labels to the label set (null drops a label)")
    p.add_argument("--gold-format", help="force the gold format: dataset | conll")
    p.add_argument("--pred-format", help="force the prediction format: jsonl | conll")
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples over sentences (default: 1000; 0 = none)")
    p.add_argument("--seed", type=int, default=12345, help="random seed of the bootstrap and the tests (default: 12345)")


def _eval_kwargs(args) -> dict:
    return dict(
        view=args.view, labels=args.labels, tag_scheme=args.tag_scheme, decode=args.decode, label_map=args.label_map,
        gold_format=args.gold_format, pred_format=args.pred_format, resamples=args.bootstrap, seed=args.seed,
    )


def _cmd_evaluate(args) -> int:
    import json

    from .evaluate import evaluate

    report = evaluate(args.gold, args.pred, errors=not args.no_errors, **_eval_kwargs(args))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(report.format_conlleval() if args.format == "conlleval" else report.format_text(), end="")
    return EXIT_OK


def _cmd_compare(args) -> int:
    from .compare import compare_systems, format_comparison

    result = compare_systems(args.gold, args.pred_a, args.pred_b, **_eval_kwargs(args))
    print(format_comparison(result), end="")
    return EXIT_OK


def _cmd_systems(args) -> int:
    from .systems.registry import SYSTEMS, default_systems, missing_modules

    defaults = set(default_systems())
    print(f"{'system':13} {'default':8} {'status':24} description")
    for entry in SYSTEMS.values():
        missing = missing_modules(entry)
        if missing:
            status = "needs " + ", ".join(missing)
        elif entry.options:
            status = "needs --" + ", --".join(entry.options)
        else:
            status = "ready"
        print(f"{entry.name:13} {'yes' if entry.name in defaults else 'no':8} {status:24} {entry.description}")
    return EXIT_OK


def _cmd_benchmark(args) -> int:

    from .benchmark import benchmark, leaderboard_markdown

    options = {}
    if args.model:
        options["transformers"] = {"model": args.model}
    if args.label_map_transformers:
        from .evaluate import load_label_map

        options.setdefault("transformers", {})["label_map"] = load_label_map(args.label_map_transformers)
    if args.command_line:
        options["command"] = {"command": args.command_line}
    systems = args.systems.split(",") if args.systems else None
    result = benchmark(
        dataset=args.dataset, annotations=args.annotations, results=args.results, systems=systems, options=options,
        resamples=args.bootstrap, seed=args.seed, force=args.force, progress=not args.no_progress,
    )
    board = result["leaderboard"]
    print(leaderboard_markdown(board), end="")
    for row in board["rows"]:
        if row["status"] == "ok":
            print(f"{row['system']}: {row['signature']}")
    print("\nstages:")
    for stage in result["stages"]:
        print(f"  {stage.seconds:7.2f} s  {stage.name}")
    print(f"  {result['total_seconds']:7.2f} s  total")
    print(f"\nwrote {args.results}/leaderboard.json, {args.results}/leaderboard.md, {args.results}/report.html")
    failed = [r for r in board["rows"] if r["status"] != "ok"]
    return EXIT_PROBLEMS if failed and len(failed) == len(board["rows"]) else EXIT_OK


def _cmd_migrate(args) -> int:
    from .migrations import CURRENT_SCHEMA_VERSION, migrate_tree

    changed = migrate_tree(args.annotations)
    for path, steps in changed:
        print(f"migrated {path}: {', '.join(steps)}")
    print(f"migrate: {len(changed)} files rewritten to schema_version {CURRENT_SCHEMA_VERSION}")
    return EXIT_OK


def _cmd_add(args) -> int:
    from .workflow import add_document

    result = add_document(args.annotations, args.file, args.id, title=args.title, source=args.source, date=args.date, license=args.license, rights=args.rights)
    for change in result.changes:
        print(f"normalized: {change}")
    print(f"added {result.document_id}: {result.text_path}, {result.json_path} (status unreviewed; sentences and zones are suggestions: check them)")
    return EXIT_OK


def _cmd_preannotate(args) -> int:
    from .workflow import preannotate

    options = {"model": args.model} if args.model else {}
    if args.command_line:
        options = {"command": args.command_line}
    added, skipped = preannotate(args.annotations, args.id, args.system, options)
    print(f"{args.id}: {added} candidate entities from {args.system} (marked unreviewed), {skipped} skipped (duplicates, crossing spans, across sentences or unaligned)")
    return EXIT_OK


def _cmd_review(args) -> int:
    from .workflow import review

    r = review(args.annotations, args.id)
    print(f"{r['document']}: marked gold ({r['entities']} entities, {r['accepted_candidates']} candidates accepted)")
    return EXIT_OK


def _cmd_export(args) -> int:
    from .workflow import export

    ids = args.ids.split(",") if args.ids else None
    for path in export(args.annotations, args.format, args.out, ids, tokens=args.tokens, labels=args.labels, as_predictions=args.as_predictions):
        print(f"wrote {path}")
    return EXIT_OK


def _cmd_import(args) -> int:
    from .workflow import import_annotations

    result = import_annotations(args.annotations, args.format, args.source, dry_run=args.dry_run)
    for report in result.reports:
        print("\n".join(report.lines()))
    verb = "would write" if args.dry_run else "wrote"
    print(f"import: {verb} {len(result.written) if not args.dry_run else sum(not r.empty for r in result.reports)} files")
    return EXIT_OK


def _cmd_release(args) -> int:
    from .workflow import release

    info = release(args.annotations, args.version, args.note)
    print(f"dataset version {info['version']}; now run `vinerfacts build` and commit")
    return EXIT_OK


def _cmd_publish(args) -> int:
    from .workflow import publish

    files = publish(args.annotations, args.dataset, args.card, args.repo_id, dry_run=args.dry_run)
    for f in files:
        print(f"{f['sha256'][:12]}  {f['bytes']:>9}  {f['path']}")
    total = sum(f["bytes"] for f in files)
    print(f"{'would upload' if args.dry_run else 'uploaded'} {len(files)} files ({total} bytes) to datasets/{args.repo_id}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(prog="vinerfacts", description="vinerfacts: a gold-annotated Vietnamese news dataset (entities, facts) and its evaluation harness")
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
    p = sub.add_parser("evaluate", help="score predictions against the gold", description="score predictions (JSONL spans or CoNLL) against the gold")
    p.add_argument("pred_pos", nargs="?", type=Path, metavar="PRED", help="predictions (.jsonl spans or .conll)")
    p.add_argument("--pred", type=Path, help="predictions (same as the positional argument)")
    _add_eval_options(p)
    p.add_argument("--json", type=Path, help="write the JSON report here")
    p.add_argument("--format", default="text", choices=("text", "conlleval"), help="terminal layout (default: text)")
    p.add_argument("--no-errors", action="store_true", help="skip the error listing (faster on large inputs)")
    p.set_defaults(func=_cmd_evaluate)
    p = sub.add_parser("compare", help="paired bootstrap and approximate randomization between two systems")
    p.add_argument("pred_a", type=Path, metavar="A")
    p.add_argument("pred_b", type=Path, metavar="B")
    _add_eval_options(p)
    p.set_defaults(func=_cmd_compare)
    p = sub.add_parser("systems", help="list the systems of the registry")
    p.set_defaults(func=_cmd_systems)
    p = add("benchmark", _cmd_benchmark, "run the systems on the dataset and print the leaderboard (the main job)")
    p.add_argument("--dataset", type=Path, default=Path("dataset"), help="dataset folder (default: ./dataset)")
    p.add_argument("--results", type=Path, default=Path("results"), help="results folder (default: ./results)")
    p.add_argument("--systems", help="comma-separated systems (default: every offline system that is installed)")
    p.add_argument("--model", help="model directory or hub id for the transformers system")
    p.add_argument("--label-map-transformers", type=Path, help="label map JSON for the transformers system")
    p.add_argument("--command", dest="command_line", help="program for the command system (reads JSONL documents, writes JSONL spans)")
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples (default: 1000)")
    p.add_argument("--seed", type=int, default=12345)
    p.add_argument("--force", action="store_true", help="rerun systems even when cached predictions are current")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p = add("add", _cmd_add, "add a new document (UTF-8 text) to annotations/, with suggested sentences and zones")
    p.add_argument("file", type=Path)
    p.add_argument("--id", required=True, help="document id (letters, digits, _ . -)")
    p.add_argument("--title")
    p.add_argument("--source", help="URL or other source of the text")
    p.add_argument("--date", help="publication date, ISO 8601")
    p.add_argument("--license", default="CC-BY-4.0", help="license of the annotations (default: CC-BY-4.0)")
    p.add_argument("--rights", help="who holds the rights to the text")
    p = add("preannotate", _cmd_preannotate, "add a system's spans to a document as unreviewed candidates")
    p.add_argument("id")
    p.add_argument("--system", required=True)
    p.add_argument("--model", help="model for the transformers system")
    p.add_argument("--command", dest="command_line", help="program for the command system")
    p = add("review", _cmd_review, "mark a corrected document as reviewed gold (it must validate)")
    p.add_argument("id")
    p = add("export", _cmd_export, "export documents for an annotation tool")
    p.add_argument("--format", required=True, help="label-studio | brat | conll | vlsp")
    p.add_argument("--ids", help="comma-separated document ids (default: all)")
    p.add_argument("--tokens", default="syllable", help="conll: syllable | word tokens")
    p.add_argument("--labels", default="fine", help="vlsp: fine (exact round trip) | coarse (VLSP classes only)")
    p.add_argument("--as-predictions", action="store_true", help="label-studio: export as pre-annotations")
    p.add_argument("out", type=Path, help="output folder")
    p = add("import", _cmd_import, "merge annotations back from a tool (all or nothing, with a report)")
    p.add_argument("--format", required=True, help="label-studio | brat | vlsp")
    p.add_argument("--dry-run", action="store_true", help="report the changes without writing")
    p.add_argument("source", type=Path, help="Label Studio JSON export, brat folder or VLSP folder/file")
    p = add("release", _cmd_release, "set a new dataset version (semantic versioning) with a changelog note")
    p.add_argument("version")
    p.add_argument("--note", required=True)
    p = add("publish", _cmd_publish, "upload dataset/ to the Hugging Face Hub (refuses stale or unreviewed data)")
    p.add_argument("--repo-id", required=True, help="ORG/NAME")
    p.add_argument("--dataset", type=Path, default=Path("dataset"))
    p.add_argument("--card", type=Path, default=Path("DATASET_CARD.md"))
    p.add_argument("--dry-run", action="store_true", help="list exactly what would be uploaded; needs no network")
    add("migrate", _cmd_migrate, "rewrite annotation files of an older schema_version to the current one")
    add("agreement", _cmd_agreement, "inter-annotator agreement of the raw annotations (before adjudication) and of each with the gold")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "evaluate":
        if (args.pred_pos is None) == (args.pred is None):
            parser.error("evaluate: give the predictions once, as PRED or --pred")
        args.pred = args.pred or args.pred_pos
    try:
        return args.func(args)
    except VinerfactsError as e:
        print(f"vinerfacts {args.command}: error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
