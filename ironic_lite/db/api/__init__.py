"""Every database query of ironic-lite. Callers get plain dicts, never a session.

Resource modules live next to this file; their public functions are re-exported here so that
callers write ``from ironic_lite.db import api as dbapi`` and ``dbapi.get_node(...)``. A
resource module builds its get/list/create/update/delete from ``crud.Crud`` (insert and
read-back, unique violations as the resource's 409) and adds only what is its own.
"""

from ironic_lite.db.api._common import is_uuid, new_uuid  # noqa: F401
from ironic_lite.db.api.allocations import *  # noqa: F401,F403
from ironic_lite.db.api.bios import *  # noqa: F401,F403
from ironic_lite.db.api.chassis import *  # noqa: F401,F403
from ironic_lite.db.api.conductors import *  # noqa: F401,F403
from ironic_lite.db.api.firmware import *  # noqa: F401,F403
from ironic_lite.db.api.history import *  # noqa: F401,F403
from ironic_lite.db.api.inspection_rules import *  # noqa: F401,F403
from ironic_lite.db.api.inventory import *  # noqa: F401,F403
from ironic_lite.db.api.nodes import *  # noqa: F401,F403
from ironic_lite.db.api.ports import *  # noqa: F401,F403
from ironic_lite.db.api.step_lists import *  # noqa: F401,F403
from ironic_lite.db.api.takeover import *  # noqa: F401,F403
from ironic_lite.db.api.volumes import *  # noqa: F401,F403
