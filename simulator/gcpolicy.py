"""The garbage-collector policy of simulation runs, shared by the CLI, workers and benchmarks.

A run keeps its whole event log in memory: millions of small container objects that the
cyclic collector would traverse again and again although nothing in a run forms a reference
cycle (events, engine records and SimPy timeouts are freed by reference counting the moment
they are done with). So ``Simulation.run`` runs inside :func:`simulation_gc`:

* ``gc.freeze()`` first moves everything built during setup (modules, the scenario, the
  engine, the Faker pool) to the permanent generation, out of the collector's sight;
* the cyclic collector is off while the simulation runs;
* at the end it is switched back on and ``gc.freeze()`` runs again: the run's objects (the
  event log above all) join the permanent generation. Reference counting still frees them
  when the log is dropped; the cyclic collector just never traverses them, neither in one
  deferred sweep right after the run nor during the summary that follows.

Measured on the benchmark workload (M/M/50+M, 200,000 chats, 2-core machine, CPU time of run
plus policy exit): default collector ~40k chats/s; thresholds raised to (100000, 50, 100)
~70k; collector off then unfreeze ~82k; this policy ~90k. Raised thresholds cannot get there:
every tracked object is still traversed while young, and switching the collector off alone
only defers that traversal to the first collection after the run.
``benchmarks/simulator.py`` measures the simulator under this very policy, exit included.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def simulation_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.freeze()  # setup objects: never traversed again
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.freeze()  # the run's objects too; reference counting still frees them
