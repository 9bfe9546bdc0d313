"""The ``redfish`` hardware type's interfaces, built on sushy.

client.py holds what every interface shares (driver_info, the connection cache, the
translation of sushy's errors); each other module is one interface.
"""
