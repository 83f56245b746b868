"""The root of the test suite: loaded before every directory's own conftest.py.

It holds no fixture. pytest puts the directory of a conftest.py outside a package on the
import path, so the helper modules beside this file (table_fixtures.py) import by name from
every test directory, as each directory's own helpers do from it.
"""
