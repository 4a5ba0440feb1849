"""Errors of the health system."""

from __future__ import annotations

from weir.core.errors import BadInputError


class InvalidConfigError(BadInputError):
    """A pipeline config with problems: every one of them, each with its path.

    Attributes:
        problems: ``"processes[3].checks[0].max_age: invalid duration "2hours""`` lines.
    """

    code = "invalid_config"

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        self.source = source
        listing = "\n".join(f"  {problem}" for problem in problems)
        count = len(problems)
        super().__init__(f"{source}: {count} problem{'s' * (count != 1)}\n{listing}")
