"""The one generic, config-driven spider (crawler.spiders.portal)."""
