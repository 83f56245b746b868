"""How each declared resource reaches moto: the Pulumi mocks that `provision()` runs the
program under (local_stack/provision.py), split by AWS service.

Each service's module holds, side by side, the code that creates its resource types in moto
and the table of what that code applies (`EMULATIONS`: type token -> creator and the inputs
it applies). Keeping the table next to its creator is the point of the split: a new input
is accepted in the same place, and only in the place, where it is applied, and the mocks
refuse any input no creator applies. The modules:

- `mocks`: `MotoMocks`, which dispatches a declared resource to its service's emulation,
  records it (`recorded`) or refuses it, and answers the program's invokes.
- `emulation`: what an emulation is (`Emulation`), the inputs every resource may carry,
  and the conversions from the engine's camelCase inputs to the APIs' requests.
- `moto_account`: the boto3 session provisioning uses (fake credentials, the stack's
  region) and the account's id, partition and ARNs.
- `dynamodb`, `cloudwatch`, `sqs`, `sns`, `kms`, `s3`, `scheduler`: the emulated types.
- `recorded`: the types recorded with their inputs only, each with the reason
  (`RECORDED_ONLY`), and the ids and ARNs AWS would give them.
- `function_package`: the functions' package, answered from the source tree.

Import each name from its module; this package re-exports nothing.
"""
