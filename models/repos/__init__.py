"""Repositories: every query lives here, one module per aggregate."""
