"""Executes a notebook headless under a Jupyter kernel and prints each cell's outputs as JSON.

Usage: run-notebook.py NOTEBOOK KERNEL_NAME WORKING_DIR
Cells run one by one (errors allowed, so every cell runs and reports); after a cell that failed the
runner pauses a second, because tslab cancels requests that arrive within ~200 ms of a failed cell.
Prints one JSON object: {"cells": [{"source", "status", "outputs": [...]}, ...], "shutdown_seconds": float}.
"""
import json
import sys
import time

import nbformat
from nbclient import NotebookClient

notebook_path, kernel_name, working_dir = sys.argv[1:4]
nb = nbformat.read(notebook_path, as_version=4)
client = NotebookClient(nb, timeout=120, kernel_name=kernel_name, allow_errors=True,
                        resources={"metadata": {"path": working_dir}})
replies = {}


def record_reply(cell, cell_index, execute_reply):
    replies[cell_index] = execute_reply["content"].get("status")


client.on_cell_executed = record_reply
cells = []
with client.setup_kernel():
    for index, cell in enumerate(nb.cells):
        client.execute_cell(cell, index)
        outputs = []
        for output in cell.get("outputs", []):
            kind = output["output_type"]
            if kind == "stream":
                outputs.append({"type": "stream", "name": output["name"], "text": output["text"]})
            elif kind in ("execute_result", "display_data"):
                outputs.append({"type": kind, "text": output.get("data", {}).get("text/plain", "")})
            elif kind == "error":
                outputs.append({"type": "error", "ename": output["ename"], "evalue": output["evalue"]})
        status = replies.get(index, "unknown")
        cells.append({"source": cell.source, "status": status, "outputs": outputs})
        if status != "ok":
            time.sleep(1)
    started = time.monotonic()
# Leaving setup_kernel() shuts the kernel down (a kernel kept alive by open handles is terminated after ~3 s).
shutdown_seconds = time.monotonic() - started
print(json.dumps({"cells": cells, "shutdown_seconds": shutdown_seconds}))
