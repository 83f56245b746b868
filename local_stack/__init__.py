"""The local stack: the service run offline from the same Pulumi program (DESIGN.md, "The
local stack").

`provision` (provision.py) runs the program (program.py) under Pulumi mocks whose resources
are created in moto and returns a `LocalStack` (stack.py): the functions, event source
mappings, schedule and topics the event loop plays. The loop, the `python -m
local_stack` command, the local retailer site and the demo build on it.
"""
