"""What ``advisor kb validate`` reports: one problem per broken statement."""

from __future__ import annotations

from dataclasses import dataclass

from advisor.errors import KnowledgeBaseInvalid

__all__ = ["KnowledgeBaseInvalid", "Problem"]


@dataclass(frozen=True)
class Problem:
    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.message}" if self.path else (
            f"{self.file}: {self.message}")

