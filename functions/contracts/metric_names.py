"""Names of the custom metrics the functions emit (as EMF log lines) and alarms watch.

Imported by the Pulumi program as `contracts.metric_names`, so it stays
self-contained. Powertools adds the dimension `service` (POWERTOOLS_SERVICE_NAME).
"""

SERVICE = "price-monitor"


def namespace(environment_suffix: str) -> str:
    """One metrics namespace per stack, so dev and prod in one account do not mix."""
    return f"PriceMonitor/{environment_suffix}"


PRODUCTS_DISPATCHED = "ProductsDispatched"  # jobs sent by the dispatcher
PRODUCTS_SCRAPED = "ProductsScraped"  # observations recorded
PRODUCTS_FAILED = "ProductsFailed"  # permanent failures recorded on the catalog item
PRODUCTS_RETRIED = "ProductsRetried"  # transient failures sent back to the queue
PRODUCTS_BLOCKED = "ProductsBlocked"  # captcha / bot wall
PRODUCTS_FAILING_REPEATEDLY = "ProductsFailingRepeatedly"  # reached the repeated threshold
PRODUCTS_FORWARDED = "ProductsForwardedToRenderer"  # jobs the scraper sent to the render queue
FETCH_LATENCY = "FetchLatency"  # milliseconds per page
NOTIFICATIONS_PUBLISHED = "NotificationsPublished"
# The notifier's: sends to channels (each channel counts), and those given up on.
CHANNEL_DELIVERIES = "ChannelDeliveries"
CHANNEL_DEAD_LETTERS = "ChannelDeadLetters"
DELIVERY_LATENCY = "DeliveryLatency"  # seconds from the observation to the channel
# Emitted only by stacks with alert channels (the notifier exists only there).
NOTIFIER_METRICS = (CHANNEL_DELIVERIES, CHANNEL_DEAD_LETTERS, DELIVERY_LATENCY)
