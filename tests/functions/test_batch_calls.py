"""Batch calls sent again with exactly what they left unprocessed, with a pause between."""

from contracts.batch_calls import until_processed


class Throttled:
    """A batch API processing one key per call."""

    def __init__(self):
        self.requests = []

    def __call__(self, request):
        self.requests.append(request)
        keys = request["t"]["Keys"]
        left = {"t": {"Keys": keys[1:]}} if len(keys) > 1 else {}
        return {"Responses": {"t": keys[:1]}, "UnprocessedKeys": left}


def test_the_leftovers_are_sent_again_until_nothing_is_left():
    send, pauses = Throttled(), []

    responses = list(
        until_processed(
            send,
            {"t": {"Keys": ["a", "b", "c"]}},
            "UnprocessedKeys",
            attempts=5,
            pause=lambda attempt: attempt / 10,
            sleep=pauses.append,
        )
    )

    assert [r["Responses"]["t"] for r in responses] == [["a"], ["b"], ["c"]]
    assert send.requests[1] == {"t": {"Keys": ["b", "c"]}}
    assert pauses == [0.1, 0.2]


def test_at_most_attempts_calls_and_no_pause_after_the_last():
    send, pauses = Throttled(), []

    responses = list(
        until_processed(
            send,
            {"t": {"Keys": list("abcdef")}},
            "UnprocessedKeys",
            attempts=3,
            pause=lambda attempt: 1.0,
            sleep=pauses.append,
        )
    )

    assert len(send.requests) == 3
    assert pauses == [1.0, 1.0]
    assert responses[-1]["UnprocessedKeys"] == {"t": {"Keys": ["d", "e", "f"]}}
