"""Any external program: documents as JSONL on stdin, predictions as JSONL spans on stdout."""
from __future__ import annotations

import hashlib
import json
import shlex
import subprocess

from ..errors import VinerfactsError
from .base import Prediction, SystemInfo


class CommandSystem:
    info = SystemInfo("command", "an external program reading {id, text} JSONL on stdin and writing the harness's JSONL spans on stdout", offline=True)

    def __init__(self, command: str, *, name: str | None = None, timeout: float = 600, label_map: dict | None = None, version: str | None = None):
        if not command:
            raise VinerfactsError("the command system needs a command, e.g. --command 'python my_ner.py'")
        self.command = command
        self.name = name or "command"
        self.timeout = timeout
        self.label_map = dict(label_map or {})
        self._version = version

    def version(self) -> str:
        return self._version or "cmd-" + hashlib.sha256(self.command.encode()).hexdigest()[:12]

    def settings(self) -> dict:
        return {"command": self.command, "timeout": self.timeout, "label_map": self.label_map}

    def predict(self, documents: list[dict]) -> list[Prediction]:
        payload = "".join(json.dumps({"id": d["id"], "text": d["text"]}, ensure_ascii=False) + "\n" for d in documents)
        try:
            proc = subprocess.run(shlex.split(self.command), input=payload, capture_output=True, text=True, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            raise VinerfactsError(f"command {self.command!r} timed out after {self.timeout} s") from None
        except FileNotFoundError as e:
            raise VinerfactsError(f"command {self.command!r} cannot be started: {e}") from None
        if proc.returncode != 0:
            raise VinerfactsError(f"command {self.command!r} exited with {proc.returncode}: {proc.stderr.strip()[-500:]}")
        by_id = {}
        for number, line in enumerate(proc.stdout.splitlines(), 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as e:
                raise VinerfactsError(f"command {self.command!r}: stdout line {number}: not valid JSON: {e.msg}") from None
            if not isinstance(data, dict) or "id" not in data or not isinstance(data.get("entities"), list):
                raise VinerfactsError(f"command {self.command!r}: stdout line {number}: expected {{\"id\", \"entities\": [...]}}")
            by_id[data["id"]] = data
        out = []
        for d in documents:
            if d["id"] not in by_id:
                raise VinerfactsError(f"command {self.command!r} wrote no line for document {d['id']!r}")
            data = by_id[d["id"]]
            entities = []
            for e in data["entities"]:
                label = self.label_map.get(e.get("label"), e.get("label"))
                if label is None:
                    continue
                entities.append({"start": e["start"], "end": e["end"], "label": label, **({"text": e["text"]} if "text" in e else {})})
            out.append(Prediction(d["id"], entities, data.get("unaligned", [])))
        return out
