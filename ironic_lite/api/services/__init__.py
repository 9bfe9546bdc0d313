"""The API's rules, in plain Python between the views and ``db.api`` / the RPC client.

A view parses and validates the request (``spec``, ``params``, ``body``), calls one service
function and renders what it returns. A service function decides: which changes a node may
take in its state, what a provisioning request may carry, when a node may be deleted. It
takes the caller's ``RequestContext`` first (the policy checks sit here), the negotiated
``Version`` when a rule depends on it, and the RPC client when it calls a conductor; it never
reads ``flask.g`` or the request, so a test calls it directly on a real database.
"""
