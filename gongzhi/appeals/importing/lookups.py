"""Names to ids: categories and departments by name, created on first sight by the main process
(Lookups), or, in a worker process, only those the main process has resolved so far (_KnownLookups);
and the grid an imported coordinate falls in (GridIndex)."""
from __future__ import annotations

import hashlib

from gongzhi.core.models import Department, Grid

from ..models import Category


def _code(prefix: str, *names: str) -> str:
    digest = hashlib.sha1("/".join(names).encode()).hexdigest()[:12].upper()
    return f"{prefix}-{digest}"[:32]


class Lookups:
    """Category and department ids by name, created on first sight (cached for the whole run)."""

    def __init__(self, source_system: str, dry_run: bool = False):
        self.source_system = source_system
        self.dry_run = dry_run
        self.categories: dict[tuple[str, ...], int | None] = {}
        self.departments: dict[str, int | None] = {dept.name: dept.pk for dept in Department.objects.all()}
        self.created = {"categories": 0, "departments": 0}

    def category(self, path: tuple[str, ...]) -> int | None:
        if not path:
            return None
        found = self.categories.get(path, -1)
        if found != -1:
            return found
        parent_id = self.category(path[:-1]) if len(path) > 1 else None
        name = path[-1][:100]
        category = Category.objects.filter(name=name, parent_id=parent_id).first()
        if category is None and not self.dry_run:
            category, made = Category.objects.get_or_create(
                code=_code("IMP", self.source_system, *path), defaults={"name": name, "parent_id": parent_id})
            self.created["categories"] += made
        self.categories[path] = category.pk if category else None
        return self.categories[path]

    def department(self, name: str) -> int | None:
        if not name:
            return None
        name = name[:100]
        if name in self.departments:
            return self.departments[name]
        dept = None
        if not self.dry_run:
            dept, made = Department.objects.get_or_create(name=name, defaults={"code": _code("IMP", name)})
            self.created["departments"] += made
        self.departments[name] = dept.pk if dept else None
        return self.departments[name]


class GridIndex:
    """Point-in-grid for imported coordinates without a query per row (grids are few)."""

    def __init__(self):
        from shapely.geometry import Polygon

        self.grids = [(g.min_lat, g.max_lat, g.min_lon, g.max_lon, Polygon(g.polygon), g.pk, g.community_id)
                      for g in Grid.objects.all() if len(g.polygon) >= 3]

    def find(self, lat: float, lon: float) -> tuple[int | None, int | None]:
        if not self.grids:
            return None, None
        from shapely.geometry import Point

        point = None
        for min_lat, max_lat, min_lon, max_lon, polygon, grid_id, community_id in self.grids:
            if min_lat <= lat <= max_lat and min_lon <= lon <= max_lon:
                point = point or Point(lon, lat)
                if polygon.covers(point):
                    return grid_id, community_id
        return None, None


class _KnownLookups:
    """A worker's lookups: the names the main process has resolved so far. Another name is noted and
    the chunk goes back to the main process, which alone writes to the database."""

    def __init__(self):
        self.categories: dict[tuple[str, ...], int | None] = {}
        self.departments: dict[str, int | None] = {}
        self.missing_categories: set[tuple[str, ...]] = set()
        self.missing_departments: set[str] = set()

    def category(self, path: tuple[str, ...]) -> int | None:
        if not path:
            return None
        found = self.categories.get(path, -1)
        if found == -1:
            self.missing_categories.add(path)
            return None
        return found

    def department(self, name: str) -> int | None:
        if not name:
            return None
        found = self.departments.get(name[:100], -1)
        if found == -1:
            self.missing_departments.add(name[:100])
            return None
        return found
