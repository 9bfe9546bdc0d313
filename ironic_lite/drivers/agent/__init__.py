"""The conductor's side of the in-ramdisk agent (``ironic-lite-agent``).

- ``client``: HTTP calls to the agent's API, under one retry policy and typed errors;
- ``session``: what the node remembers of its agent (token, URL, last heart-beat, the command
  it waits for) and what a heart-beat or an inventory does to a waiting flow;
- ``deploy``: the ``direct`` deploy interface (deploy and clean steps that run on the agent);
- ``inspect``: the ``agent`` inspect interface (boot the ramdisk, wait for its inventory);
- ``logs``: fetching the agent's system logs into a per-node archive.
"""
