import subprocess
import sys

import pytest

from vinerfacts.cli import main


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "vinerfacts.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_cli_import_does_not_load_heavy_libraries():
    code = "import sys, vinerfacts.cli; print(sorted(m for m in ('datasets','pyarrow','underthesea','transformers','scipy','pandas') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_validate_clean_exits_zero(root, capsys):
    assert main(["validate", "--annotations", str(root / "annotations")]) == 0
    assert "0 errors" in capsys.readouterr().out


def test_validate_broken_exits_one_with_a_line_per_problem(annotations_copy, gold_doc, capsys):
    gold_doc.entity("e003").update(end=99999)
    gold_doc.entity("e002").update(label="PERSON")
    gold_doc.save()
    assert main(["validate", "--annotations", str(annotations_copy)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2
    assert all("000_d08f880c9ee73c57.json" in line and "error:" in line for line in err)


def test_stats_prints_counts_per_label_zone_and_view(root, capsys):
    assert main(["stats", "--annotations", str(root / "annotations")]) == 0
    out = capsys.readouterr().out
    for needle in ("label set `coarse`", "label set `fine`", "`outermost`", "`innermost`", "`all`", "| caption |", "| furniture |", "| TITLE |"):
        assert needle in out


def test_library_errors_become_exit_codes_not_tracebacks(tmp_path):
    proc = run("build", "--annotations", str(tmp_path / "missing"), "--out", str(tmp_path / "ds"))
    assert proc.returncode == 3
    assert "Traceback" not in proc.stderr
    assert "label schema file not found" in proc.stderr


def test_agreement_command(root, capsys):
    assert main(["agreement", "--annotations", str(root / "annotations")]) == 0
    out = capsys.readouterr().out
    assert "A vs B (before adjudication)" in out and "gold vs B (after adjudication)" in out


def test_unknown_subcommand_is_a_usage_error():
    with pytest.raises(SystemExit) as e:
        main(["valdate"])
    assert e.value.code == 2
