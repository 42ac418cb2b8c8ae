#!/usr/bin/python3
"""Moved to tests/lib/fake_smtp.py; this name and its options still work."""
import os, sys  # noqa: E401
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
import fake_smtp  # noqa: E402
fake_smtp.main()
