"""The notifier's domain: which channels get a price alert, what they read, when, and how.

Pure functions, no AWS: `alert` reads the notification contract the notifier receives,
`channels` the channel configuration and its filters, `templates` the messages people read,
`hygiene` quiet hours and daily caps, `send` one delivery with Apprise (imported lazily, so
importing `delivery` never needs it).
"""
