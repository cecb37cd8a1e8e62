"""Run the docs' command examples at their documented budgets and check their output.

tests/test_docs.py runs every example with a small budget; this runs them as written
(the flagship's 1,000 replications and more: several minutes; simulations that show
no output are left out) and prints, for each example that shows output, the shown
lines the real output no longer has, so a change in the numbers is found and the page
can be updated from the real output. Results go to a temporary folder.
Run: `.venv/bin/python bench/docs_examples.py [--page docs/comparing-and-tuning.md]`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.docs_examples import all_blocks, missing, prepare, run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", help="only this page (as README.md or docs/NAME.md)")
    options = parser.parse_args()
    failures = 0
    for block in all_blocks():
        if options.page and block[0].page != options.page:
            continue
        with tempfile.TemporaryDirectory() as folder:
            os.chdir(folder)
            prepare(Path(folder), block, None)
            for example in block:
                if example.simulates and not example.shown:
                    continue  # nothing to compare; tests/test_docs.py runs it
                status, output = run(example, example.argv, Path(folder))
                lacking = missing(example, output) if example.shown else []
                ok = status == example.status and not lacking
                failures += not ok
                print(f"{'ok  ' if ok else 'FAIL'} {example} (exit {status})", flush=True)
                for line in lacking:
                    print(f"     not in the output: {line}")
                if not ok:
                    print("     output:\n" + "\n".join("       " + x for x in output.splitlines()))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
