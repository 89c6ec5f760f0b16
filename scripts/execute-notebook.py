"""Execute one notebook with nbclient and save the executed copy, even when a cell fails.

Usage: execute-notebook.py NOTEBOOK OUTPUT [TIMEOUT_SECONDS]
Exit 0 when every cell ran, 1 on the first error cell. tslab puts an error's message and stack on
stderr rather than in the error reply (which nbconvert shows as an empty "<Error>:"), so on failure
this prints the failing cell's source and everything it wrote.
"""
import os
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError


def output_text(output):
    """The readable text of one cell output."""
    if output.get("output_type") == "stream":
        return output.get("text", "")
    if output.get("output_type") == "error":
        return "\n".join(output.get("traceback", [])) or f"{output.get('ename')}: {output.get('evalue')}"
    return output.get("data", {}).get("text/plain", "")


def failing_cell(nb):
    """Cells run in order, so the failing one is the last code cell that got an execution count."""
    executed = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.get("execution_count")]
    return executed[-1] if executed else (None, None)


def main(src, out, timeout):
    nb = nbformat.read(src, as_version=4)
    kernel = nb.metadata.get("kernelspec", {}).get("name", "tslab")
    # The kernel starts in the notebook's folder, as Jupyter Lab would start it.
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(src))}})
    try:
        client.execute()
        return 0
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
        index, cell = failing_cell(nb)
        print(f"\n{src}: cell {'?' if index is None else index + 1} failed ({type(err).__name__})", file=sys.stderr)
        if cell is not None:
            print("---- cell source ----\n" + cell.source, file=sys.stderr)
            print("---- cell output ----\n" + "".join(output_text(o) for o in cell.get("outputs", [])).rstrip(), file=sys.stderr)
        if not isinstance(err, CellExecutionError):
            print(str(err), file=sys.stderr)
        return 1
    finally:
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        nbformat.write(nb, out)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 600))
