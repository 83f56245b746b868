"""Lambda's Invoke API for the local functions, which moto cannot run.

`pricemon dlq redrive` replays a failed stream batch by invoking the detector; while
`lambda_invocations` is open that call runs the local function in the event loop's runtime.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.awslambda.models import LambdaBackend

from local_stack.lambda_runtime import LambdaRuntime


@contextmanager
def lambda_invocations(runtime: LambdaRuntime, lock: threading.RLock) -> Iterator[None]:
    """While open, Lambda's Invoke of a local function (by name or ARN) runs it in `runtime`.

    The stack's functions are recorded, not created, in moto (provisioning/recorded.py), and
    moto would run a created one in Docker; here the call gets what Lambda answers a
    synchronous invoke: the function's response as the payload, or its error (`errorType`,
    `errorMessage`) with the `X-Amz-Function-Error: Unhandled` header. `lock` is held for
    the invocation, so an Invoke that arrives through moto's server waits for the event
    loop's own invocation to end (functions run one at a time). Other functions are moto's.
    """
    original = LambdaBackend.invoke

    def invoke(
        self: LambdaBackend,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,
        response_headers: Any,
    ) -> str | bytes | None:
        name = function_name.split(":")[6] if function_name.startswith("arn:") else function_name
        if name not in runtime.functions:
            return original(self, function_name, qualifier, body, headers, response_headers)
        response_headers["x-amz-executed-version"] = "$LATEST"
        if headers.get("X-Amz-Invocation-Type") == "DryRun":
            return ""
        with lock:
            invocation = runtime.invoke(name, json.loads(body or "{}"))
        if invocation.error is not None:
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(
                {
                    "errorType": invocation.error.error_type,
                    "errorMessage": invocation.error.message,
                }
            )
        return json.dumps(invocation.response)

    LambdaBackend.invoke = invoke  # type: ignore[method-assign]
    try:
        yield
    finally:
        LambdaBackend.invoke = original  # type: ignore[method-assign]
