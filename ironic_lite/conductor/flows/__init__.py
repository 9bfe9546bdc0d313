"""Provisioning flows, one module per flow. Each reads top to bottom as its story and ends in
its ``Flow`` declaration (``declaration.py``), listed once in ``registry.py``:

``begin(task, event, ...)`` runs in the RPC call with the node locked: it checks the request
and fires the first event; ``run`` goes on on a worker, ``resume`` continues from the step
saved on the node. ``control`` steers flows under way (abort, unhold, resume, takeover);
``runner`` is what their worker bodies share; ``allocation`` is no provisioning flow (it
moves allocations, not nodes).
"""
