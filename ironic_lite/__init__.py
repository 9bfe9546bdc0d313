"""ironic-lite: bare-metal provisioning that speaks OpenStack Ironic's v1 API."""

__version__ = "0.1.0"

import warnings

# futurist (pulled in by tooz and oslo.messaging) imports eventlet when it is installed, which
# warns on import; ironic-lite uses plain threads and never eventlet.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
