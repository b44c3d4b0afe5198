"""Replications, parameter sweeps and what-if comparisons (Qt-free).

A sweep is a list of *points* (each a set of overrides on the design), each
run as N independent *replications*. Every replication is one picklable
:class:`~app.sweeps.jobs.Job`, run by :func:`~app.sweeps.jobs.run_job` with
the engine's one unit of work (:func:`app.engine.replication.run_replication`)
in whichever executor the user chose: this process, a local process pool on
every core, or a ``dask.distributed`` cluster. Replication ``k`` of a design
with seed ``s`` always uses the seed :func:`~app.sweeps.seeds.replication_seed`
``(s, k)``, so the numbers do not depend on the executor, the order of
completion or the number of workers.

Modules:

* :mod:`.seeds` -- replication seeds (``SeedSequence(seed, spawn_key=(k,))``).
* :mod:`.jobs` -- the unit of work and its version check.
* :mod:`.headline` -- the headline figures read from one run's summary.
* :mod:`.estimates` -- means and 95 % confidence intervals across replications.
* :mod:`.axes` -- ``--set key=a:b:step`` axes and the grid of points.
* :mod:`.executors` -- serial, local pool and Dask executors.
* :mod:`.sweep` -- running a sweep or replications, with progress and cancel.
* :mod:`.table` -- the tidy (long) result table, CSV and Parquet.
* :mod:`.compare` -- what-if: two sets of replications side by side.
"""
