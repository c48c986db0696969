"""Find annual reports on government portals and fetch their originals.

One generic, settings-driven Scrapy spider walks every portal of a portals file
(``config``); pipelines put each original into the archive and record every
fetch and every failure in the crawl journal (``journal``, ``DATA/journal.db``),
which the loader reads. ``run`` starts a crawl, or a repair fetch of damaged
originals, in a child process of its own.
"""
