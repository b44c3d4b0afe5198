"""One BLAS thread in the engine's processes: imported first by the fork server.

numpy's OpenBLAS starts a pool of threads when numpy is imported, and they
spin for a while before they sleep: ``python -c "import numpy"`` burnt about
0.1 s of extra CPU on this 2-core machine. The fork server that starts engine
processes imports numpy (its preload) while the window opens or, in the #14
stall check, while Run is pressed; those spinning threads took CPU from the
GUI. The engine never multiplies matrices in a run (and the analytic model's
small solves need no pool), so one thread is all it uses. Setting the
variables before numpy is first imported is the only way to size the pool.
"""

from __future__ import annotations

import os

#: The thread-pool variables of the BLAS and OpenMP builds numpy may be linked with.
POOL_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

for _name in POOL_VARIABLES:
    os.environ.setdefault(_name, "1")  # a user's explicit setting wins
