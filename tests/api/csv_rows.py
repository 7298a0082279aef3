"""One valid client CSV row (and its header) for the API and CLI tests that upload files."""

from db.client_import import REQUIRED

HEADER = list(REQUIRED)  # the columns the importer requires, in its order
GOOD = [
    "n1",
    "b1",
    "Ana",
    "Diaz",
    "(212) 555-0142",
    "ana@example.com",
    "America/New_York",
    "NY",
    "1950-04-01",
]
