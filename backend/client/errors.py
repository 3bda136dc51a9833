"""The errors a test sees. ``TestAbleStepError`` subclasses ``AssertionError`` so pytest
reports a step that could not be done safely as a test *failure*, with the explanation."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backend.client.results import CandidateSummary, StepResult


class TestAbleStepError(AssertionError):
    """A step failed: the element is gone, nothing matched clearly, or the action failed.

    ``explanation`` says why in words a person can act on; ``closest`` lists the
    candidates that came nearest and why each was rejected.
    """

    __test__ = False  # not a test class, whatever pytest's name pattern says

    def __init__(
        self,
        explanation: str,
        *,
        closest: list[CandidateSummary] | None = None,
        result: StepResult | None = None,
    ) -> None:
        self.explanation = explanation
        self.closest = closest or []
        self.result = result
        super().__init__(self._message())

    def _message(self) -> str:
        if not self.closest:
            return self.explanation
        lines = [self.explanation, "closest candidates:"]
        lines += [f"  {i}. {c.describe()}" for i, c in enumerate(self.closest, 1)]
        return "\n".join(lines)


class InstructionError(TestAbleStepError):
    """The instruction could not be understood (or needs a variable that was not given)."""
