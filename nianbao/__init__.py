"""nianbao: the Python API and command line over a DATA directory.

    from nianbao import DataDir
    data = DataDir("data")
    data.crawl("portals.yml")    # crawl -> archive -> extract -> reports.db
    ds = data.datasette()        # the site, as a Datasette instance

Data flows one way: portal → crawler → archive → extractors → loader → website;
this package sits on top and drives them (``DataDir``), with a click CLI over it
(``nianbao.cli``) and the bundled sample portal for the demo (``nianbao.demo``).
"""

from importlib.metadata import PackageNotFoundError, version

from .datadir import CrawlResult, DataDir, DataError, ServeError
from .extract import extract_files
from .lock import LockedError
from .verify import VerifyResult

try:
    __version__ = version("nianbao")
except PackageNotFoundError:  # a checkout that was never installed
    __version__ = "0+unknown"

__all__ = ["CrawlResult", "DataDir", "DataError", "LockedError", "ServeError", "VerifyResult", "__version__", "extract_files"]
