#!/usr/bin/env python3
"""Check that the committed dataset/ folder loads with exact features in older `datasets` releases.

What
    For each `datasets` version (default: 2.14.7, 2.21.0, 3.0.2, 3.6.0 and the project's current
    one), create or reuse a virtual environment pinned to that version, and in it run a small child
    program that loads every config (ner, ner_words, documents, facts, raw_annotations) of a fresh copy of
    dataset/ offline and checks:
      * the row count equals dataset/vinerfacts.json ["configs"][config]["rows"];
      * `ds.features` equals the features that same `datasets` version parses from the README YAML
        (`Features._from_yaml_list` of the config's `dataset_info` features);
      * `ner_tags` (and `ner_tags_inner`) is a sequence of ClassLabel with the 9 BIO names
        (`Sequence(ClassLabel)` before datasets 4, `List(ClassLabel)` from 4 on);
      * in `documents`, every entity's text equals text[start:end];
      * and, to keep the card's convention honest, no list of plain values loads as a bare Python
        list (`list:` in the YAML), no struct as a `Sequence`, and the loaded arrow schema equals the
        parquet file's (same types, nothing cast).
    It prints a table (version, status, the `ner_tags` feature as that version prints it, with the
    label names elided) and exits non-zero if any version fails.

Why
    dataset/README.md writes `sequence:` (not `list:`) for lists of plain values and ClassLabels so
    that datasets 2.14-3.x load the exact features; lists of structs stay `list:`. The parquet files
    themselves carry datasets>=4 metadata (`"_type": "List"`), which old versions cannot parse
    ("Feature type 'List' not found"), so the YAML is what keeps old loaders exact. This script guards that promise: run it after changing
    how `vinerfacts build` writes the card or the parquet files.

How
    python3 scripts/check_datasets_compat.py                       # all default versions
    python3 scripts/check_datasets_compat.py --versions 2.14.7,3.6.0
    python3 scripts/check_datasets_compat.py --dataset path/to/dataset --venv-root /tmp/compat

    Venvs live in ~/.cache/vinerfacts-compat/datasets-<version> (`--venv-root` to move them) and are
    reused while their requirements are unchanged; the first run downloads and installs each version
    (a minute or so each). Needs the package index, nothing else: loading is offline. The pins below
    were chosen for Python 3.11 (`--python` picks the interpreter the venvs are made from).
    The parent process uses the standard library only; it never touches the project's .venv except to
    ask it which `datasets` version the project uses.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONFIGS = ["ner", "ner_words", "documents", "facts", "raw_annotations"]
DEFAULT_VERSIONS = ["2.14.7", "2.21.0", "3.0.2", "3.6.0"]  # plus the project's current version

# Per-version pins installed next to `datasets==<version>` (found by trying, on Python 3.11).
# Unpinned, each default version does install, import and even load dataset/ here, but only because
# pip pairs it with today's numpy 2.4, pyarrow 26, pandas 3 and huggingface-hub 2.x (0.36 for 2.14.x,
# which caps hub <1.0 itself): combinations that release never met and that its users never had.
# One visibly breaks: datasets < 2.21 calls np.array(..., copy=False), which raises ValueError under
# NumPy 2 (e.g. `ds.with_format("numpy")[0]`); 2.21.0 is the first release that handles NumPy 2.
# So each default version gets its core dependencies as they were when it was current, which is
# the environment its users really had and stays the same however PyPI moves on:
#   * numpy, pyarrow, pandas, huggingface-hub: the newest release at that date (all have cp311
#     wheels; numpy < 2 for 2.14.7 as said above; hub < 1.0, whose switch from requests to httpx
#     in late 2025 no 2.x/3.x release was made for).
#   * fsspec: the newest that release allows (it caps fsspec: <=2023.10.0, <=2024.6.1, <=2024.9.0,
#     <=2025.3.0).
#   * dill/multiprocess: the release allows dill <0.3.8 (2.14) or <0.3.9 (later); multiprocess is
#     the release built for that dill (0.70.15 with dill 0.3.7, 0.70.16 with dill 0.3.8).
PINS: dict[str, list[str]] = {
    # released 2023-11 (pyarrow 14.0.1 fixes CVE-2023-47248, which 2.14.7 also patches over
    # through pyarrow-hotfix for older pyarrow).
    "2.14.7": ["numpy==1.26.2", "pyarrow==14.0.1", "pandas==2.1.3", "fsspec==2023.10.0",
               "huggingface-hub==0.19.4", "dill==0.3.7", "multiprocess==0.70.15"],
    # released 2024-08; the first release that supports NumPy 2.
    "2.21.0": ["numpy==2.0.1", "pyarrow==17.0.0", "pandas==2.2.2", "fsspec==2024.6.1",
               "huggingface-hub==0.24.5", "dill==0.3.8", "multiprocess==0.70.16"],
    # released 2024-10.
    "3.0.2": ["numpy==2.1.2", "pyarrow==17.0.0", "pandas==2.2.3", "fsspec==2024.9.0",
              "huggingface-hub==0.26.1", "dill==0.3.8", "multiprocess==0.70.16"],
    # released 2025-05; the last 3.x release.
    "3.6.0": ["numpy==2.2.5", "pyarrow==20.0.0", "pandas==2.2.3", "fsspec==2025.3.0",
              "huggingface-hub==0.31.1", "dill==0.3.8", "multiprocess==0.70.16"],
}
# For a version given with --versions that has no entry above (first matching "below" wins):
# numpy < 2 where required, with a pyarrow still built for NumPy 1 (today's pyarrow raises
# "pyarrow requires NumPy 2.0 or newer" on import), and no hub 1.x or pandas 3 (2025-26) for
# releases older than them.
FALLBACK_PINS: list[tuple[tuple[int, ...], list[str]]] = [
    ((2, 21), ["numpy<2", "pyarrow<17", "huggingface-hub<1.0", "pandas<2.3"]),  # below 2.21
    ((4,), ["huggingface-hub<1.0", "pandas<3"]),  # below 4.0
]
# The project's current version is installed with the project's constraints.txt (when that file pins
# the same datasets version), so its venv matches what `scripts/setup.sh` installs.

# The child program, run by each venv's Python: copies the dataset folder into an empty temporary
# directory, loads every config offline with a temporary cache and prints one JSON line of results.
CHILD = r'''
import json, os, re, shutil, sys, tempfile, traceback

NAMES = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MISC", "I-MISC"]


def first_line(exc):
    """The exception's first line, and its root cause's (datasets wraps arrow errors)."""
    def line(e):
        return ("%s: %s" % (type(e).__name__, e)).strip().splitlines()[0]
    root = exc
    while root.__cause__ is not None or root.__context__ is not None:
        root = root.__cause__ or root.__context__
    return line(exc) if root is exc else "%s; caused by %s" % (line(exc), line(root))


def yaml_header(readme):
    import yaml
    with open(readme, encoding="utf-8") as f:
        m = re.match(r"---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(\r?\n|$)", f.read(), re.S)
    if not m:
        raise ValueError("README.md has no YAML header")
    return yaml.safe_load(m.group(1))


def check_tags(name, feature, errors):
    from datasets import ClassLabel
    if isinstance(feature, list):
        return  # already reported as a Python list
    kind = type(feature).__name__
    inner = getattr(feature, "feature", None)
    if kind not in ("Sequence", "List") or getattr(feature, "length", -1) != -1:
        errors.append("%s is %s, not a variable-length sequence" % (name, kind))
    elif not isinstance(inner, ClassLabel):
        errors.append("%s is a sequence of %s, not of ClassLabel" % (name, type(inner).__name__))
    elif list(inner.names) != NAMES:
        errors.append("%s names are %s" % (name, inner.names))


def check_config(load_dataset, Features, path, config, info, rows, parquet, out):
    import pyarrow.parquet as pq
    errors = out["errors"]
    expected = Features._from_yaml_list(info["features"])
    ds = load_dataset(path, config, split="test")
    out["rows"] = ds.num_rows
    if ds.num_rows != rows:
        errors.append("%d rows, vinerfacts.json says %d" % (ds.num_rows, rows))
    if ds.features != expected:
        for col in list(expected) + [c for c in ds.features if c not in expected]:
            got, want = ds.features.get(col), expected.get(col)
            if got != want:
                errors.append("features differ at %r: loaded %r, README YAML %r" % (col, got, want))
                break
    # The card's convention: plain values and ClassLabels in `sequence:`, structs in `list:`.
    for col, feature in ds.features.items():
        if isinstance(feature, list) and not isinstance(feature[0], dict):
            errors.append("%s is a Python list of %r: write it as sequence:" % (col, feature[0]))
        elif type(feature).__name__ == "Sequence" and isinstance(feature.feature, dict):
            errors.append("%s is a Sequence of a struct (a struct of lists in arrow): write it as list:"
                          % col)
    stored = pq.read_schema(parquet).remove_metadata()
    if ds.data.schema.remove_metadata() != stored:
        errors.append("arrow schema differs from the parquet file's: %s" % ds.data.schema.remove_metadata())
    for col in ("ner_tags", "ner_tags_inner"):
        if col in ds.features:
            check_tags(col, ds.features[col], errors)
    if "ner_tags" in ds.features:
        out["ner_tags"] = repr(ds.features["ner_tags"])
    if config == "documents":
        for row in ds:
            for ent in row["entities"]:
                if row["text"][ent["start"]:ent["end"]] != ent["text"]:
                    errors.append("%s entity %s: text[%d:%d] is %r, not %r" % (
                        row["id"], ent["id"], ent["start"], ent["end"],
                        row["text"][ent["start"]:ent["end"]], ent["text"]))
                    break


def main():
    src, configs = sys.argv[1], json.loads(sys.argv[2])
    result = {"ok": False, "errors": [], "configs": {}}
    with tempfile.TemporaryDirectory(prefix="vinerfacts-compat-") as tmp:
        # Set before `datasets` is imported: it reads these at import time.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["HF_DATASETS_OFFLINE"] = "1"
        os.environ["HF_DATASETS_CACHE"] = os.path.join(tmp, "cache")
        os.environ["HF_HOME"] = os.path.join(tmp, "hf-home")
        try:
            from importlib.metadata import version
            import datasets
            from datasets import Features, load_dataset
            result["datasets"] = datasets.__version__
            result["python"] = sys.version.split()[0]
            result["packages"] = {p: version(p) for p in (
                "pyarrow", "numpy", "pandas", "fsspec", "huggingface-hub", "dill", "multiprocess")}
            datasets.logging.set_verbosity_error()
            for name in ("disable_progress_bars", "disable_progress_bar"):
                if hasattr(datasets, name):
                    getattr(datasets, name)()
                    break
            copy = os.path.join(tmp, "dataset")
            shutil.copytree(src, copy)
            with open(os.path.join(copy, "vinerfacts.json"), encoding="utf-8") as f:
                meta = json.load(f)
            infos = yaml_header(os.path.join(copy, "README.md"))["dataset_info"]
            infos = {i["config_name"]: i for i in (infos if isinstance(infos, list) else [infos])}
        except Exception as exc:
            result["errors"].append("setup: " + first_line(exc))
            result["traceback"] = traceback.format_exc()
            print(json.dumps(result))
            return
        for config in configs:
            out = result["configs"][config] = {"errors": []}
            try:
                check_config(load_dataset, Features, copy, config, infos[config],
                             meta["configs"][config]["rows"],
                             os.path.join(copy, meta["configs"][config]["path"]), out)
            except Exception as exc:
                out["errors"].append(first_line(exc))
                out["traceback"] = traceback.format_exc()
            if "ner_tags" in out and "ner_tags" not in result:
                result["ner_tags"] = out["ner_tags"]
            result["errors"] += ["%s: %s" % (config, e) for e in out["errors"]]
    result["ok"] = not result["errors"]
    print(json.dumps(result))


main()
'''


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", version)[:3])


def pins_for(version: str) -> list[str]:
    if version in PINS:
        return PINS[version]
    for below, pins in FALLBACK_PINS:
        if version_tuple(version) < below:
            return pins
    return []


def current_version() -> str | None:
    """The `datasets` version the project uses: its .venv's, else the pin in constraints.txt."""
    venv_python = REPO / ".venv" / "bin" / "python"
    if venv_python.exists():
        proc = subprocess.run([str(venv_python), "-c", "import datasets; print(datasets.__version__)"],
                              capture_output=True, text=True)
        if proc.returncode == 0 and proc.stdout.strip():
            return proc.stdout.strip()
    return constraints_pin()


def constraints_pin() -> str | None:
    path = REPO / "constraints.txt"
    if path.exists():
        m = re.search(r"^datasets==(\S+)", path.read_text(encoding="utf-8"), re.M)
        if m:
            return m.group(1)
    return None


def first_error(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if line.startswith("ERROR:"):
            return line
    return lines[-1] if lines else "no output"


def ensure_venv(version: str, root: Path, python: str, constraints: Path | None, reinstall: bool) -> Path:
    """Create (or reuse) the venv for one version; return its Python. Raises RuntimeError."""
    venv = root / f"datasets-{version}"
    venv_python = venv / "bin" / "python"
    requirements = [f"datasets=={version}", *pins_for(version)]
    stamp = {
        "python": subprocess.run([python, "-c", "import sys; print(sys.version)"],
                                 capture_output=True, text=True, check=True).stdout.strip(),
        "requirements": requirements,
        "constraints_sha256": hashlib.sha256(constraints.read_bytes()).hexdigest() if constraints else None,
    }
    stamp_path = venv / "vinerfacts-compat.json"
    if not reinstall and venv_python.exists() and stamp_path.exists():
        if json.loads(stamp_path.read_text(encoding="utf-8")) == stamp:
            log(f"[{version}] reusing {venv}")
            return venv_python
    if venv.exists():
        if not (venv / "pyvenv.cfg").exists():
            raise RuntimeError(f"{venv} exists and is not a venv; not touching it")
        shutil.rmtree(venv)
    log(f"[{version}] creating {venv} and installing {' '.join(requirements)}"
        + (f" -c {constraints}" if constraints else ""))
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    cmd = [str(venv_python), "-m", "pip", "install", "--disable-pip-version-check", *requirements]
    if constraints:
        cmd += ["-c", str(constraints)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    (venv / "pip-install.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    if proc.returncode != 0:
        raise RuntimeError(f"pip install: {first_error(proc.stderr)} (log: {venv / 'pip-install.log'})")
    stamp_path.write_text(json.dumps(stamp, indent=1) + "\n", encoding="utf-8")
    return venv_python


def run_child(venv_python: Path, dataset: Path, timeout: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    proc = subprocess.run([str(venv_python), "-I", "-c", CHILD, str(dataset), json.dumps(CONFIGS)],
                          capture_output=True, text=True, env=env, timeout=timeout, cwd="/")
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"child exited {proc.returncode}: {first_error(proc.stderr)}")


def check_version(version: str, args: argparse.Namespace, current: str | None) -> dict:
    constraints = None
    if version == current and constraints_pin() == version:
        constraints = REPO / "constraints.txt"
    started = time.monotonic()
    try:
        venv_python = ensure_venv(version, args.venv_root, args.python, constraints, args.reinstall)
        log(f"[{version}] loading {args.dataset}")
        result = run_child(venv_python, args.dataset, args.timeout)
    except (RuntimeError, ValueError, subprocess.SubprocessError, OSError) as exc:
        result = {"ok": False, "errors": [str(exc).strip().splitlines()[0]]}
    tracebacks = [result.get("traceback")]
    tracebacks += [out.get("traceback") for out in result.get("configs", {}).values()]
    for tb in filter(None, tracebacks):
        log(f"[{version}] {tb.rstrip()}")
    if result.get("datasets", version) != version:
        result["ok"] = False
        result["errors"].insert(0, f"venv imports datasets {result['datasets']}, not {version}")
    log(f"[{version}] {'ok' if result['ok'] else 'FAILED'} ({time.monotonic() - started:.0f}s)")
    return result


def elide(text: str) -> str:
    """Shorten ClassLabel reprs: the names are checked in the child, the table need not repeat them."""
    return re.sub(r"names=\[[^\]]*\]", "names=[...]", text)


def print_table(rows: list[tuple[str, dict]]) -> None:
    table = [("datasets", "status", "ner_tags feature (label names elided)")]
    for version, result in rows:
        status = "ok" if result["ok"] else f"FAILED: {elide(result['errors'][0])}"
        if len(status) > 200:
            status = status[:199] + "…"
        tags = elide(result.get("ner_tags", "-"))
        table.append((version, status, tags))
    widths = [max(len(row[i]) for row in table) for i in range(2)]
    for row in table:
        print(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}".rstrip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--versions", help="comma-separated datasets versions "
                        f"(default: {','.join(DEFAULT_VERSIONS)} and the project's current one)")
    parser.add_argument("--dataset", type=Path, default=REPO / "dataset",
                        help="the dataset folder to check (default: dataset)")
    parser.add_argument("--venv-root", type=Path, default=Path.home() / ".cache" / "vinerfacts-compat",
                        help="where the per-version venvs live (default: ~/.cache/vinerfacts-compat)")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter the venvs are created with (default: this one)")
    parser.add_argument("--reinstall", action="store_true", help="recreate the venvs even if up to date")
    parser.add_argument("--timeout", type=int, default=900, help="seconds allowed per version's load")
    parser.add_argument("--json", action="store_true", help="also print each version's full result")
    args = parser.parse_args(argv)
    args.dataset = args.dataset.resolve()
    args.venv_root = args.venv_root.expanduser().resolve()
    if not (args.dataset / "README.md").exists() or not (args.dataset / "vinerfacts.json").exists():
        parser.error(f"{args.dataset} has no README.md and vinerfacts.json: not a built dataset folder")

    current = current_version()
    if args.versions:
        versions = [v.strip() for v in args.versions.split(",") if v.strip()]
    else:
        versions = list(DEFAULT_VERSIONS)
        if current:
            versions.append(current)
        else:
            log("warning: cannot tell the project's datasets version (no .venv, no constraints.txt pin)")
    versions = list(dict.fromkeys(versions))

    results = [(v, check_version(v, args, current)) for v in versions]
    if args.json:
        for version, result in results:
            result.pop("traceback", None)
            for out in result.get("configs", {}).values():
                out.pop("traceback", None)
            print(json.dumps({"version": version, **result}))
    print_table(results)
    return 0 if all(result["ok"] for _, result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
