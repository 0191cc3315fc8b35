"""The curl example of docs/api.md works against a real server (only the host:port and the
start-up lines differ)."""

from __future__ import annotations

import re
import subprocess

from optimizer.paths import REPO_ROOT


def test_curl_example_in_docs_works(server):
    page = (REPO_ROOT / "docs" / "api.md").read_text()
    block = re.search(r"<!-- curl-example -->\s*```bash\n(.*?)```", page, re.S)
    assert block, "docs/api.md lost its curl example"
    lines = [line for line in block.group(1).splitlines() if not line.startswith(("dispatch serve", "sleep "))]
    script = "set -euo pipefail\n" + "\n".join(lines).replace("http://127.0.0.1:8000", server.url)
    done = subprocess.run(["bash", "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert len(out) == 2, done.stdout
    assert "'jobs_total': 120" in out[0]
    assert out[1].startswith("succeeded {") and "'jobs_total': 120" in out[1]
