"""Pages other apps add to: the home page and the student profile show panels registered by
each capability (attendance, tutoring, risk cases …) without the base apps importing them.

A panel function takes (request, obj) and returns (template name, context) or None to show nothing.
Apps register their panels in AppConfig.ready().
"""

from collections.abc import Callable
from dataclasses import dataclass

PanelFn = Callable[..., tuple[str, dict] | None]

_REGISTRY: dict[str, list[tuple[int, PanelFn]]] = {"home": [], "student": []}


def register(page: str, order: int = 100) -> Callable[[PanelFn], PanelFn]:
    def decorator(fn: PanelFn) -> PanelFn:
        if all(existing is not fn for _, existing in _REGISTRY[page]):
            _REGISTRY[page].append((order, fn))
            _REGISTRY[page].sort(key=lambda item: item[0])
        return fn

    return decorator


@dataclass
class Panel:
    template: str
    context: dict


def render_panels(page: str, request, obj=None) -> list[Panel]:
    panels = []
    for _, fn in _REGISTRY[page]:
        result = fn(request, obj)
        if result is not None:
            template, context = result
            panels.append(Panel(template, context))
    return panels
