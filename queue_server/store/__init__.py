"""The hall's database: the event log and what lives beside it. All SQL is in this package."""

from .core import (  # noqa: F401  (the package's interface)
    DB_NAME,
    LOCK,
    MIGRATIONS,
    MARKER,
    RESTORE,
    Store,
    StoreProblem,
    Transaction,
    problem_of,
)
