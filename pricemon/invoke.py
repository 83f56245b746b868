"""A function invoked synchronously (lambda:InvokeFunction, RequestResponse): its answer, or
the error Lambda reports for it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types_boto3_lambda import LambdaClient


@dataclass(frozen=True)
class Answer:
    payload: Any  # the function's response, JSON-decoded
    # "errorType: errorMessage" when the function failed (Lambda's FunctionError), else None
    error: str | None


def invoke(lambda_client: LambdaClient, function_name: str, payload: bytes) -> Answer:
    response = lambda_client.invoke(
        FunctionName=function_name, InvocationType="RequestResponse", Payload=payload
    )
    answer = json.loads(response["Payload"].read() or b"null")
    if not response.get("FunctionError"):
        return Answer(answer, None)
    error = answer if isinstance(answer, dict) else {}
    return Answer(answer, f"{error.get('errorType')}: {error.get('errorMessage')}")
