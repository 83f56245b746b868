"""The service's runtime domain: dispatching, scraping, recording and detecting changes."""
