"""Errors every stage and step shares: a cancel, and a step that cannot run (bilingual)."""

from __future__ import annotations


class Canceled(Exception):
    """The user cancelled; nothing was written."""


class PipelineError(ValueError):
    """A step cannot run on this database (e.g. not scored yet); bilingual message."""

    def __init__(self, en: str, zh: str):
        self.en, self.zh = en, zh
        super().__init__(f"{en} / {zh}")
