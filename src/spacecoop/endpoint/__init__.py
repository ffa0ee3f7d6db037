"""spacecoop serve: the read-only SPARQL 1.1 endpoint and its query page.

One module per job, dependencies pointing one way: config, guard, negotiate, cache, description,
dataset, worker, pool, webpages, http, and server (:func:`~spacecoop.endpoint.server.serve`, the
entry). The docstring of :mod:`spacecoop.endpoint.server` says what each does; ARCHITECTURE.md
says how the parts fit."""
