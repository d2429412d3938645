"""Camunda 7 / Operaton external tasks served by the hub's connectors (docs/camunda7-worker.md).

`client` (the external task REST API), `variables` (typed variables in and out), `tasks` (one
task in, one command out), `worker` (the supervised worker) and `hub` (the hub's environment
and the worker built from the settings; the only module that needs Django).
"""
