"""Small modules with one job: no product file over 500 lines (migrations excepted), so no file
grows back into a 2,000-line one unnoticed."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 500
SKIP = {".venv", "tests", "build", ".git", "node_modules"}


def product_files() -> list[Path]:
    files = []
    for path in ROOT.rglob("*.py"):
        parts = set(path.relative_to(ROOT).parts)
        if parts & SKIP or "migrations" in path.relative_to(ROOT).parts:
            continue
        files.append(path)
    return files


def test_there_are_product_files_to_check():
    assert len(product_files()) > 100


def test_no_product_file_is_over_500_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for path in product_files()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > LIMIT
    }
    assert long == {}, f"split these files (over {LIMIT} lines): {long}"
