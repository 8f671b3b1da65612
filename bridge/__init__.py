"""Device bridges: processes that turn hardware input (clerk keypads) into queue-server actions.

They talk to the server only through `hallapi.client.HallClient`, so a bridge may run on
another box than the server.
"""
