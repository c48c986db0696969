"""Find annual reports on government portals and fetch their originals.

One generic, settings-driven Scrapy spider walks every portal of a portals file;
pipelines put each original into the archive and record every fetch and every
failure in the crawl journal (``DATA/journal.db``), which the loader reads.
"""
