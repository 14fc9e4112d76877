"""What an operation changed, so screens reload only what they show."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Changes:
    feedback: bool = False
    topics: bool = False
    actions: bool = False
    alerts: bool = False
    sources: bool = False

    def __or__(self, other: "Changes") -> "Changes":
        return Changes(*(a or b for a, b in zip(self.astuple(), other.astuple())))

    def astuple(self) -> tuple[bool, ...]:
        return (self.feedback, self.topics, self.actions, self.alerts, self.sources)

    def any(self) -> bool:
        return any(self.astuple())


ALL = Changes(True, True, True, True, True)
NOTHING = Changes()
