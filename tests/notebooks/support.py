"""Run a notebook in memory with nbclient, in a kernel on this interpreter, offline.

Imported only once the tests have checked that nbformat, nbclient and ipykernel are there.
"""

from __future__ import annotations

import html
import json
import os
import re
import sys
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbformat import NotebookNode

# Runs in the kernel before the notebook: any socket leaving this machine fails loudly.
NO_NETWORK = """
import socket as _socket

_LOCAL = ("127.0.0.1", "::1", "localhost")
_connect, _connect_ex = _socket.socket.connect, _socket.socket.connect_ex


def _refuse(address):
    if isinstance(address, tuple) and address[0] not in _LOCAL:
        raise OSError(f"notebook tried to reach {address!r}: no network at run time")


def _guarded_connect(self, address):
    _refuse(address)
    return _connect(self, address)


def _guarded_connect_ex(self, address):
    _refuse(address)
    return _connect_ex(self, address)


_socket.socket.connect, _socket.socket.connect_ex = _guarded_connect, _guarded_connect_ex
del _socket
"""


def inject(nb: NotebookNode, values: dict[str, object]) -> None:
    """Replace each ``NAME = ...`` line of the first code cell (papermill's ``parameters``
    cell); a name it does not assign exactly once is an error, not a silent no-op."""
    cell = next(cell for cell in nb.cells if cell.cell_type == "code")
    source = cell.source
    for name, value in values.items():
        pattern = re.compile(rf"^{re.escape(name)}\s*=.*$", re.MULTILINE)
        assert len(pattern.findall(source)) == 1, f"parameter {name} not in the parameters cell"
        source = pattern.sub(lambda _, n=name, v=value: f"{n} = {v!r}", source)
    cell.source = source


def kernel_manager(tmp_path: Path) -> KernelManager:
    """A kernel running this interpreter (the venv's), whatever kernels Jupyter knows of,
    talking over Unix sockets under ``tmp_path`` rather than a TCP port."""
    spec_dir = tmp_path / "kernels" / "dispatch-venv"
    spec_dir.mkdir(parents=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "dispatch venv", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    specs = KernelSpecManager(kernel_dirs=[str(spec_dir.parent)], ensure_native_kernel=False)
    return KernelManager(kernel_name="dispatch-venv", kernel_spec_manager=specs,
                         connection_file=str(tmp_path / "connection.json"),
                         transport="ipc", ip=str(tmp_path / "kernel-ipc"))


def run_notebook(path: Path, parameters: dict[str, object], timeout: int,
                 tmp_path: Path) -> NotebookNode:
    """The notebook as executed from its own folder; raises on the first failing cell.

    The file itself is read, never written: outputs stay in memory.
    """
    nb = nbformat.read(path, as_version=4)
    inject(nb, parameters)
    nb.cells.insert(0, nbformat.v4.new_code_cell(NO_NETWORK, id="test-no-network"))
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # inline figures
    env["MPLCONFIGDIR"] = str(tmp_path / "matplotlib")
    client = NotebookClient(nb, km=kernel_manager(tmp_path), timeout=timeout,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute(env=env)
    nb.cells.pop(0)
    return nb


def outputs(nb: NotebookNode, cell_id: str | None = None) -> list[tuple[str, str]]:
    """``(kind, text)`` of every output (of the cell ``cell_id`` only, when given), kind
    being its mime type, stream name or "error"; HTML entities are decoded (folium puts
    its map in an ``srcdoc`` attribute)."""
    found = []
    for cell in nb.cells:
        if cell_id is not None and cell.get("id") != cell_id:
            continue
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                found.append((output.name, output.text))
            elif output.output_type == "error":
                found.append(("error", f"{output.ename}: {output.evalue}"))
            else:
                for mime, data in output.get("data", {}).items():
                    text = data if isinstance(data, str) else json.dumps(data)
                    found.append((mime, html.unescape(text)))
    return found
