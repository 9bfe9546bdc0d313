"""``rescue.finalize_rescue``: the rescue ramdisk's last command before the tenant logs in.

The conductor sends the rescue password already hashed (crypt's ``$5$``/``$6$``, ``hashed:
true``, as Ironic does); the agent leaves it where the ramdisk's rescue unit reads it
(IPA's ``/etc/ipa-rescue-config/ipa-rescue-password``; in simulation the machine's
``rescue/ipa-rescue-password``), answers, and stops: its API must not stay reachable from
the network the tenant now uses. A plain password (``hashed: false``) is refused: this agent
never handles one.
"""

import re

from ironic_lite_agent import errors
from ironic_lite_agent.commands import Extension, command

_CRYPT = re.compile(r"^\$(5|6)\$(rounds=\d+\$)?[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{43,86}$")


class RescueExtension(Extension):
    name = "rescue"

    @command
    def finalize_rescue(self, rescue_password: str = "", hashed: bool = False) -> dict:
        """Set the rescue user's password hash, then end the agent once answered."""
        if not hashed:
            raise errors.InvalidCommandParams(
                name="finalize_rescue",
                err="only a hashed rescue password is accepted (hashed: true)",
            )
        if not isinstance(rescue_password, str) or not _CRYPT.match(rescue_password):
            raise errors.InvalidCommandParams(
                name="finalize_rescue",
                err="rescue_password is not a SHA-256 or SHA-512 crypt(3) hash",
            )
        self.agent.backend.set_rescue_password(rescue_password)
        self.agent.request_exit(lambda: None, "rescue")
        return {"result": "rescue finalized"}
