"""A Dask worker preload for tests: the worker claims another version of the app.

It is what a worker installed from another release looks like to a job
(:func:`app.sweeps.jobs.run_job` compares the versions): every job it gets
fails with ``VersionMismatchError``.
"""

import app.sweeps.jobs

app.sweeps.jobs.__version__ = "0.0.0-other"
