"""Speed and memory of `vinerfacts evaluate` on CoNLL files against seqeval and nervaluate.

    .venv/bin/python scripts/bench_scorer.py                 # 1,000,000 tokens, best of 3
    .venv/bin/python scripts/bench_scorer.py --generic       # and the generic per-sentence path (before)
    .venv/bin/python scripts/bench_scorer.py --tokens 200000 --runs 1 --keep /tmp/bench

Writes a seeded synthetic IOB2 corpus (gold.conll, pred.conll: about 20 tokens a sentence, types PER,
LOC, ORG, MISC; the predictions have type, boundary, type-and-boundary, missed and spurious errors and
some sequences that break IOB2) to a temporary folder, then times each tool as a whole process (wall
clock, including interpreter start, imports and reading the files; best of --runs after a warm-up
run, every tool with its bytecode cached) and measures its peak resident memory (ru_maxrss of that
child, from os.wait4). It checks that the numbers agree:
strict micro and per-type P/R/F1 of vinerfacts (strict decoding) against seqeval's strict mode, and
nervaluate's strict scores against vinerfacts' lenient decoding (nervaluate decodes IOB the conlleval
way; its exact/partial/type counts use greedy matching, so they are shown next to ours, not required
to be equal). Prints a Markdown table and the agreement check; exits 1 if the numbers disagree.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TYPES = ("PER", "LOC", "ORG", "MISC")
SYLLABLES = (
    "Hà Nội thành phố Việt Nam Nguyễn Văn Anh công ty cổ phần ngân hàng Sài Gòn tỉnh Quảng Ninh "
    "ông bà chủ tịch nước Bộ Y tế đã và đang sẽ có không được người dân năm tháng ngày của cho với "
    "Trần Lê Phạm Hoàng Đà Nẵng Huế Cần Thơ Vingroup FPT Viettel World Cup SEA Games , . : ( )"
).split()


# ------------------------------------------------------------------ the synthetic corpus


def _tags_of(n: int, spans) -> list[str]:
    tags = ["O"] * n
    for a, b, t in spans:
        tags[a] = f"B-{t}"
        for i in range(a + 1, b):
            tags[i] = f"I-{t}"
    return tags


def _free(spans, a: int, b: int, n: int) -> bool:
    return 0 <= a < b <= n and all(b <= s or e <= a for s, e, _ in spans)


def generate(folder: Path, tokens: int = 1_000_000, seed: int = 2024) -> dict:
    """gold.conll and pred.conll in `folder`; returns counts of what was generated."""
    rng = random.Random(seed)
    stats = dict.fromkeys(("sentences", "tokens", "gold", "correct", "type", "boundary", "both", "missed", "spurious", "split", "merged", "invalid"), 0)
    gold_lines: list[str] = []
    pred_lines: list[str] = []
    n_tok = 0
    while n_tok < tokens:
        n = min(max(3, int(rng.gauss(20, 8))), tokens - n_tok) if tokens - n_tok >= 3 else tokens - n_tok
        words = [rng.choice(SYLLABLES) for _ in range(n)]
        # gold: non-overlapping entities of 1-4 tokens, about one per 8 tokens
        gold = []
        for _ in range(n // 6):
            if rng.random() < 0.75:
                length = rng.choice((1, 2, 2, 2, 3, 3, 4))
                a = rng.randrange(0, n)
                if _free(gold, a, a + length, n):
                    gold.append((a, a + length, rng.choice(TYPES)))
        gold.sort()
        cand = []
        for a, b, t in gold:
            r = rng.random()
            if r < 0.78:
                cand.append((a, b, t, "correct"))
            elif r < 0.84:
                cand.append((a, b, rng.choice([x for x in TYPES if x != t]), "type"))
            elif r < 0.94:
                na, nb = a + rng.choice((-1, 0, 1)), b + rng.choice((-1, 0, 1, 2))
                if (na, nb) == (a, b):
                    nb = b + 1
                na, nb = max(0, na), min(n, nb)
                if na < nb and (na, nb) != (a, b):
                    both = r >= 0.91
                    cand.append((na, nb, rng.choice([x for x in TYPES if x != t]) if both else t, "both" if both else "boundary"))
                else:
                    cand.append((a, b, t, "correct"))
            elif r < 0.96 and b - a >= 2:
                m = rng.randrange(a + 1, b)  # one gold entity predicted as two: a tangle
                cand += [(a, m, t, "split"), (m, b, t, None)]
            else:
                stats["missed"] += 1
        # merged: two adjacent gold entities predicted as one (a tangle on the gold side)
        for (a1, b1, t1), (a2, b2, t2) in zip(gold, gold[1:]):
            if b1 == a2 and rng.random() < 0.3:
                cand = [c for c in cand if c[1] <= a1 or c[0] >= b2] + [(a1, b2, t1, "merged")]
        for _ in range(n // 25):
            if rng.random() < 0.5:
                length = rng.choice((1, 1, 2, 3))
                a = rng.randrange(0, n)
                if _free(gold, a, a + length, n):
                    cand.append((a, a + length, rng.choice(TYPES), "spurious"))
        pred = []  # flat: drop a candidate that overlaps one kept before it
        for a, b, t, kind in sorted(cand):
            if not pred or pred[-1][1] <= a:
                pred.append((a, b, t))
                if kind:
                    stats[kind] += 1
        gold_tags, pred_tags = _tags_of(n, gold), _tags_of(n, pred)
        # sequences that break IOB2: an entity opened with I-, a type change inside an entity
        for k, (a, b, t) in enumerate(pred):
            r = rng.random()
            if r < 0.02:
                pred_tags[a] = f"I-{t}"
                stats["invalid"] += 1
            elif r < 0.03 and b - a >= 2:
                pred_tags[b - 1] = f"I-{rng.choice([x for x in TYPES if x != t])}"
                stats["invalid"] += 1
        if gold and rng.random() < 0.002:
            a, b, t = gold[0]
            gold_tags[a] = f"I-{t}"  # a rare annotation slip in the gold as well
            stats["invalid"] += 1
        gold_lines += [f"{w}\t{g}\n" for w, g in zip(words, gold_tags)]
        pred_lines += [f"{w}\t{p}\n" for w, p in zip(words, pred_tags)]
        gold_lines.append("\n")
        pred_lines.append("\n")
        n_tok += n
        stats["sentences"] += 1
        stats["gold"] += len(gold)
    stats["tokens"] = n_tok
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "gold.conll").write_text("".join(gold_lines), encoding="utf-8")
    (folder / "pred.conll").write_text("".join(pred_lines), encoding="utf-8")
    return stats


# ------------------------------------------------------------------ the competitors (each a whole process)

READ = r'''
import sys, json
def read(path):
    sents, cur = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if not parts:
                if cur:
                    sents.append(cur); cur = []
                continue
            cur.append(parts[-1])
    if cur:
        sents.append(cur)
    return sents
gold, pred = read(sys.argv[1]), read(sys.argv[2])
'''

SEQEVAL = READ + r'''
from seqeval.metrics import classification_report
from seqeval.scheme import IOB2
report = classification_report(gold, pred, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)
json.dump({k: {m: float(v) for m, v in d.items()} for k, d in report.items()}, open(sys.argv[3], "w"))
'''

NERVALUATE = READ + r'''
from nervaluate import Evaluator
types = sorted({t[2:] for s in gold for t in s if t != "O"})
res = Evaluator(gold, pred, tags=types, loader="list").evaluate()
def row(r):
    return {k: getattr(r, k) for k in ("correct", "incorrect", "partial", "missed", "spurious", "precision", "recall", "f1", "actual", "possible")}
out = {"overall": {s: row(r) for s, r in res["overall"].items()},
       "entities": {t: {s: row(r) for s, r in d.items()} for t, d in res["entities"].items()}}
json.dump(out, open(sys.argv[3], "w"))
'''


def run(cmd: list[str], cwd: Path, env: dict) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n{err}")
    return seconds, usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)  # bytes on macOS, KiB on Linux


def child_env(folder: Path) -> dict:
    """Every tool runs with compiled bytecode cached (in the bench folder, not in the repository): the
    warm-up run writes it, even where PYTHONDONTWRITEBYTECODE is set."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    return env


def evaluate_args(decode: str = "strict", out: str = "vinerfacts.json") -> list[str]:
    return ["evaluate", "--gold", "gold.conll", "--pred", "pred.conll", "--labels", "gold", "--decode", decode,
            "--bootstrap", "0", "--no-errors", "--json", out]


def vinerfacts_command(decode: str = "strict", out: str = "vinerfacts.json") -> list[str]:
    exe = Path(sys.executable).with_name("vinerfacts")  # the console script, as a user runs it
    prefix = [str(exe)] if exe.exists() else [sys.executable, "-m", "vinerfacts.cli"]
    return prefix + evaluate_args(decode, out)


GENERIC = (
    "import sys; from vinerfacts.scoring import fast; fast.ENABLED = False; from vinerfacts.cli import main; "
    "sys.exit(main(sys.argv[1:]))"
)


def tools(folder: Path, generic: bool) -> dict[str, list[str]]:
    (folder / "seqeval_run.py").write_text(SEQEVAL)
    (folder / "nervaluate_run.py").write_text(NERVALUATE)
    out = {
        "vinerfacts evaluate (4 schemes, per type)": vinerfacts_command(),
        "seqeval strict": [sys.executable, "seqeval_run.py", "gold.conll", "pred.conll", "seqeval.json"],
        "nervaluate": [sys.executable, "nervaluate_run.py", "gold.conll", "pred.conll", "nervaluate.json"],
    }
    if generic:
        out["vinerfacts evaluate, generic per-sentence path (before)"] = [sys.executable, "-c", GENERIC] + evaluate_args(out="generic.json")
    return out


# ------------------------------------------------------------------ agreement


def _none0(x):
    return 0.0 if x is None else x


def agreement(folder: Path) -> tuple[list[str], bool]:
    ours = json.loads((folder / "vinerfacts.json").read_text())
    seq = json.loads((folder / "seqeval.json").read_text())
    ner = json.loads((folder / "nervaluate.json").read_text())
    lines, ok = [], True

    def check(name, a, b):
        nonlocal ok
        same = a == b
        ok &= same
        lines.append(f"| {name} | {a!r} | {b!r} | {'yes' if same else '**NO**'} |")

    lines += ["| quantity | vinerfacts | other | equal |", "|---|---|---|---|"]
    strict = ours["schemes"]["strict"]
    for key, ref in (("micro", "micro avg"),) + tuple((t, t) for t in strict["per_type"]):
        mine = strict["micro"] if key == "micro" else strict["per_type"][key]
        for m, sm in (("precision", "precision"), ("recall", "recall"), ("f1", "f1-score")):
            check(f"strict {key} {m} vs seqeval", _none0(mine[m]), seq[ref][sm])
        check(f"strict {key} gold vs seqeval support", mine["gold"], int(seq[ref]["support"]))
    # nervaluate decodes IOB2 the conlleval way: compare with our lenient decoding
    subprocess.run(vinerfacts_command("lenient", "vinerfacts_lenient.json"), cwd=folder, check=True, stdout=subprocess.DEVNULL)
    lenient = json.loads((folder / "vinerfacts_lenient.json").read_text())["schemes"]
    ov = ner["overall"]["strict"]
    mine = lenient["strict"]["micro"]
    for m in ("precision", "recall", "f1"):
        check(f"strict micro {m} (lenient decoding) vs nervaluate", _none0(mine[m]), ov[m])
    for t, d in sorted(ner["entities"].items()):
        mine = lenient["strict"]["per_type"][t]
        for m in ("precision", "recall", "f1"):
            check(f"strict {t} {m} (lenient decoding) vs nervaluate", _none0(mine[m]), d["strict"][m])
    lines += ["", "Greedy (nervaluate) vs optimal one-to-one (vinerfacts) matching, lenient decoding, micro:", "",
              "| scheme | nervaluate P | vinerfacts P | nervaluate R | vinerfacts R | nervaluate COR/INC/PAR/MIS/SPU |", "|---|---|---|---|---|---|"]
    for ours_name, their in (("exact", "exact"), ("partial", "partial"), ("type", "ent_type")):
        o, t = lenient[ours_name]["micro"], ner["overall"][their]
        counts = "/".join(str(t[k]) for k in ("correct", "incorrect", "partial", "missed", "spurious"))
        lines.append(f"| {ours_name} | {t['precision']:.6f} | {_none0(o['precision']):.6f} | {t['recall']:.6f} | {_none0(o['recall']):.6f} | {counts} |")
    return lines, ok


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tokens", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--runs", type=int, default=3, help="best of N timed runs per tool, after one warm-up run (default 3)")
    ap.add_argument("--keep", type=Path, help="write the corpus and outputs here instead of a temporary folder")
    ap.add_argument("--only", help="comma-separated subset: vinerfacts,seqeval,nervaluate")
    ap.add_argument("--generic", action="store_true", help="also time the generic per-sentence path (what evaluate did before)")
    ap.add_argument("--generate-into", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.generate_into:
        print(json.dumps(generate(args.generate_into, args.tokens, args.seed)))
        return 0
    with tempfile.TemporaryDirectory(prefix="bench_scorer_") as tmp:
        folder = args.keep or Path(tmp)
        t0 = time.perf_counter()
        # In a child process: Linux carries a process's peak RSS over fork + exec, so this process must
        # stay small for the children's ru_maxrss to be their own.
        out = subprocess.run([sys.executable, __file__, "--generate-into", str(folder), "--tokens", str(args.tokens), "--seed", str(args.seed)],
                             check=True, capture_output=True, text=True).stdout
        stats = json.loads(out)
        print(f"corpus: {stats['tokens']:,} tokens, {stats['sentences']:,} sentences, {stats['gold']:,} gold entities; "
              f"predictions: {', '.join(f'{k} {stats[k]:,}' for k in ('correct', 'type', 'boundary', 'both', 'split', 'merged', 'missed', 'spurious', 'invalid'))} "
              f"(seed {args.seed}, generated in {time.perf_counter() - t0:.1f} s)")
        print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; wall clock of whole processes "
              f"(start, imports, reading both files, scoring, writing), best of {args.runs} after a warm-up run\n")
        results = {}
        chosen = tools(folder, args.generic)
        if args.only:
            keep = args.only.split(",")
            chosen = {k: v for k, v in chosen.items() if any(k.startswith(x) for x in keep)}
        env = child_env(folder)
        for name, cmd in chosen.items():
            run(cmd, folder, env)  # warm-up: bytecode, page cache
            best_s, peak = float("inf"), 0.0
            for _ in range(args.runs):
                s, mb = run(cmd, folder, env)
                best_s, peak = min(best_s, s), max(peak, mb)
            results[name] = (best_s, peak)
        base = next((v for k, v in results.items() if k.startswith("seqeval")), None)
        print(f"| tool | seconds (best of {args.runs}) | peak MB | time vs seqeval strict |")
        print("|---|---:|---:|---:|")
        for name, (s, mb) in results.items():
            ratio = f"{s / base[0]:.3f} ({base[0] / s:.1f}x faster)" if base and not name.startswith("seqeval") else "1.000"
            print(f"| {name} | {s:.2f} | {mb:.0f} | {ratio} |")
        if not all(any(k.startswith(x) for k in results) for x in ("vinerfacts", "seqeval", "nervaluate")):
            return 0
        print()
        lines, ok = agreement(folder)
        print("\n".join(lines))
        if args.generic:
            same = json.loads((folder / "generic.json").read_text()) == json.loads((folder / "vinerfacts.json").read_text())
            ok &= same
            print(f"\nfast path report == generic path report: {'yes' if same else '**NO**'}")
        print(f"\nagreement: {'all equal' if ok else 'DIFFERENCES (see above)'}")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
