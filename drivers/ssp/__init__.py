"""ITL SSP banknote validators (NV9, NV200 …): codec, driver and emulator."""
