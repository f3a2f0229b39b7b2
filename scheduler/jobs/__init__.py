"""The scheduled jobs; `scheduler/registry.py` lists them all."""
