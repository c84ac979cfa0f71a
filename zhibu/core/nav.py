"""Navigation by 看·学·练·干·督 and 一规·一表·一册: each area registers what it offers when it lands."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

SECTIONS = [
    ("orgs", _("组织")),
    ("exhibition", _("看")),
    ("library", _("学")),
    ("training", _("练")),
    ("targets", _("干")),
    ("supervision", _("督")),
    ("rules", _("一规")),
    ("schedule", _("一表")),
    ("records", _("一册")),
]


@dataclass
class Entry:
    section: str
    label: str
    url_name: str
    capability: str | None = None
    order: int = 50


@dataclass
class Registry:
    entries: list[Entry] = field(default_factory=list)
    todo_providers: list = field(default_factory=list)

    def add(self, section: str, label, url_name: str, capability: str | None = None, order: int = 50) -> None:
        self.entries.append(Entry(section, label, url_name, capability, order))

    def todos(self, provider):
        """Register a function(user) -> list of to-do items shown on the home page."""
        self.todo_providers.append(provider)
        return provider


registry = Registry()
