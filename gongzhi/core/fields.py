"""Model fields shared by the apps."""
from __future__ import annotations

from django.core.exceptions import EmptyResultSet, FieldError
from django.db import models
from django.db.models import lookups

from . import crypto


class CodeField(models.CharField):
    """Text that is a code, not language (tracking numbers, other systems' ids, phone numbers):
    compared and sorted byte by byte on PostgreSQL (COLLATE "C"). Its indexes build and search
    without the locale's collation rules (about a third faster for a million tracking numbers), and a
    prefix LIKE can use them. Other databases keep their default, which for SQLite is already binary."""

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql" and not self.db_collation:
            params["collation"] = "C"
        return params


class SealedCodeField(CodeField):
    """A phone or ID number, encrypted at rest (gongzhi.core.crypto): the model reads and writes the
    plain number, the column holds it sealed. It is compared for equality only (exact, in, isnull),
    which finds it under every configured key; a substring search would need the plain text and is
    refused with an error rather than silently finding nothing."""

    ALLOWED_LOOKUPS = {"exact", "in", "isnull"}

    def db_type_parameters(self, connection):
        params = dict(super().db_type_parameters(connection).items())
        params["max_length"] = crypto.stored_length(self.max_length or 32)
        return params

    def from_db_value(self, value, expression, connection):
        return crypto.unseal(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return crypto.seal(value) if isinstance(value, str) else value

    def get_lookup(self, lookup_name):
        if lookup_name not in self.ALLOWED_LOOKUPS:
            raise FieldError(f"{self.name} is encrypted at rest: it is compared for equality only "
                             f"(not '{lookup_name}')")
        return super().get_lookup(lookup_name)


class _SealedLookup:
    """Compares the column with every stored form of the value (core.crypto.candidates)."""

    prepare_rhs = False

    def _forms(self):
        values = self.rhs if self.lookup_name == "in" else [self.rhs]
        forms = []
        for value in values:
            forms.extend(crypto.candidates(str(value)) if value is not None else [])
        return list(dict.fromkeys(forms))

    def as_sql(self, compiler, connection):
        if hasattr(self.rhs, "as_sql") or hasattr(self.rhs, "resolve_expression"):
            return super().as_sql(compiler, connection)  # another column or a subquery: as stored
        lhs, lhs_params = self.process_lhs(compiler, connection)
        forms = self._forms()
        if not forms:
            raise EmptyResultSet
        return f"{lhs} IN ({', '.join(['%s'] * len(forms))})", (*lhs_params, *forms)


@SealedCodeField.register_lookup
class SealedExact(_SealedLookup, lookups.Exact):
    pass


@SealedCodeField.register_lookup
class SealedIn(_SealedLookup, lookups.In):
    def get_prep_lookup(self):
        if hasattr(self.rhs, "resolve_expression"):
            return super().get_prep_lookup()
        return [v for v in self.rhs if v is not None]
