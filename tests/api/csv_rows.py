"""One valid client CSV row (and its header) for the API and CLI tests that upload files."""

HEADER = [
    "id",
    "broker_id",
    "first_name",
    "last_name",
    "phone",
    "email",
    "timezone",
    "state",
    "date_of_birth",
]
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
