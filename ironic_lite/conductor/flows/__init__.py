"""Provisioning flows, one module per flow. Each reads top to bottom as its story:

``start(task, ...)`` runs in the RPC call with the node locked: it checks the request, fires the
first event and returns the body to run on a worker; ``run``/``resume`` are that body.
"""
