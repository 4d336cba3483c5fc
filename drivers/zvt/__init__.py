"""ZVT (PA00P015) card payment terminal: codec, transports, driver and emulator.

Import the submodules (``drivers.zvt.terminal``, ``drivers.zvt.bmp`` …) directly: the package
itself imports nothing, so the configuration can check a code page with ``drivers.zvt.bmp``
without loading pyserial and the driver before the first screen is painted.
"""
