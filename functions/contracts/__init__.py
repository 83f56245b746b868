"""The data contracts shared by the functions, the Pulumi program, pricemon and the local stack.

Each module is self-contained (standard library only, and other contracts), so the Pulumi
library can import it without the Lambda code."""
