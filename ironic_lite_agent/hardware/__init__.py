"""Hardware backends: ``real`` and ``simulated:<dir>`` (see base.py for the contract)."""

from ironic_lite_agent.hardware.base import Backend, BlockTarget, Completed, Disk, subprocess_runner

__all__ = ["Backend", "BlockTarget", "Completed", "Disk", "load_backend", "subprocess_runner"]


def load_backend(spec: str, **options) -> Backend:
    """The backend named by ``spec``: ``real`` or ``simulated:/path/to/machine``."""
    kind, _, arg = spec.partition(":")
    if kind == "simulated":
        from ironic_lite_agent.hardware.simulated import SimulatedBackend

        if not arg:
            raise ValueError("simulated hardware needs a directory: simulated:/path/to/machine")
        return SimulatedBackend(arg)
    if kind == "real":
        from ironic_lite_agent.hardware.real import RealBackend

        return RealBackend(**options)
    raise ValueError(f"unknown hardware {spec!r}: use 'real' or 'simulated:/path/to/dir'")
