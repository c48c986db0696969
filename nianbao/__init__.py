"""nianbao: the command line, the loader into SQLite and the Datasette plugin.

Data flows one way: portal → crawler → archive → extractors → loader → Datasette.
"""

__version__ = "0.1.0"
