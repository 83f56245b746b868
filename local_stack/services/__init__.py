"""The AWS services' part of the local stack: what calls the functions, and what they reach.

moto holds the state (tables, stream, queues, topics); the modules here play the services
that act on it by themselves in AWS, one service behaviour per module:

- `sqs_queue`: one SQS queue, through the API for what a client does and through moto's
  own model for the two things the API does not tell (when the next delayed or in-flight
  message becomes visible, so the clock can skip to it; what rests in a queue, read
  without receiving it, like the console's "view" of a DLQ).
- `sqs_event_source`: Lambda's SQS event source mapping (batch, window, partial batch
  response); the queue's redrive to its DLQ is moto's own, as in SQS.
- `stream_event_source`: Lambda's DynamoDB stream event source mapping (filters, batches,
  retries, bisection, record age, the on-failure destination).
- `batch_item_failures`: the partial batch response both mappings read.
- `sns_inbox`: a local subscriber of the SNS topics, keeping every delivered message.
- `scheduler`: EventBridge Scheduler firing a rate() schedule, with its declared input,
  retries and dead-letter queue.
- `lambda_invoke`: Lambda's Invoke API (what `pricemon dlq redrive` calls) running the local
  functions, as moto cannot.
- `moto_sqs_patch`: `scalable_queues()`, which keeps moto's SendMessage and ReceiveMessage
  from growing slower with every message waiting in the queue.

Time comes from the `SimulatedClock`, which moto's SQS keeps (`clock.services_follow`).
Import each name from its module; this package re-exports nothing.
"""
