"""API tokens, idempotent retries, outbound webhooks, Open311 service attributes."""
from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX = "gz_"


def hash_token(raw: str) -> str:
    # Tokens carry 256 random bits, so a plain SHA-256 is enough: no slow hash is needed to resist guessing,
    # and lookups stay one indexed equality.
    return hashlib.sha256(raw.strip().encode()).hexdigest()


class ApiToken(models.Model):
    """A per-user key for /api/v1 and Open311: it acts as its user, so its scope is the user's roles."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("用途"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user}, {self.name})"

    @classmethod
    def issue(cls, user, name: str, expires_at=None) -> tuple["ApiToken", str]:
        """Create a token; the raw value is returned once and never stored."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name[:100], token_hash=hash_token(raw), prefix=raw[:10],
                                   expires_at=expires_at)
        return token, raw

    @classmethod
    def authenticate(cls, raw: str | None):
        """The active token for a raw value, or None."""
        if not raw or len(raw) > 200:
            return None
        token = cls.objects.select_related("user").filter(token_hash=hash_token(raw)).first()
        if token is None or not token.is_active:
            return None
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None or not self.user.is_active:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


class IdempotencyRecord(models.Model):
    """The first answer to a create carrying an Idempotency-Key, replayed on every retry."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(default=0)
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="unique_idempotency_key")]


class WebhookSubscription(models.Model):
    """An outside system that wants appeal events pushed to it, signed with a shared secret."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=128)
    # Event kinds to send (AppealEvent.kind); empty means every kind.
    events = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("事件推送订阅")
        verbose_name_plural = _("事件推送订阅")

    def __str__(self) -> str:
        return self.url

    def wants(self, kind: str) -> bool:
        return self.active and (not self.events or kind in self.events)

    def clean(self):
        """The receiver must be one the outbound policy allows (checked again before each delivery)."""
        from django.core.exceptions import ValidationError

        from gongzhi.core import outbound

        from .webhooks import check_target

        try:
            check_target(self.url)
        except outbound.Refused as exc:
            raise ValidationError({"url": str(exc)}) from None


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one subscriber: the delivery log."""

    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        DELIVERED = "delivered", _("已送达")
        FAILED = "failed", _("失败")

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.BigIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=32)
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class ServiceAttribute(models.Model):
    """An extra question an Open311 client asks for one category (GeoReport service definition)."""

    class Datatype(models.TextChoices):
        STRING = "string", "string"
        NUMBER = "number", "number"
        DATETIME = "datetime", "datetime"
        TEXT = "text", "text"
        SINGLE = "singlevaluelist", "singlevaluelist"
        MULTI = "multivaluelist", "multivaluelist"

    category = models.ForeignKey("appeals.Category", on_delete=models.CASCADE, related_name="open311_attributes")
    code = models.SlugField(max_length=50)
    description = models.CharField(max_length=300)
    datatype = models.CharField(max_length=16, choices=Datatype.choices, default=Datatype.STRING)
    datatype_description = models.CharField(max_length=300, blank=True)
    required = models.BooleanField(default=False)
    variable = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=1)
    # [{"key": "...", "name": "..."}] for the list types.
    values = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["category", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["category", "code"], name="unique_service_attribute")]
        verbose_name = _("Open311 附加字段")
        verbose_name_plural = _("Open311 附加字段")

    def clean(self):
        """Clients render list attributes as choices: a list needs keys, other types must not have any."""
        from django.core.exceptions import ValidationError

        is_list = self.datatype in (self.Datatype.SINGLE, self.Datatype.MULTI)
        values = self.values if isinstance(self.values, list) else None
        if values is None or any(not isinstance(v, dict) or not str(v.get("key", "")).strip() for v in values):
            raise ValidationError({"values": _('取值须为列表，每项形如 {"key": "1", "name": "名称"}')})
        if is_list and not values:
            raise ValidationError({"values": _("列表类型的字段至少需要一个取值")})
        if not is_list and values:
            raise ValidationError({"values": _("只有列表类型的字段可以有取值")})
        keys = [str(v["key"]).strip() for v in values]
        if len(set(keys)) != len(keys):
            raise ValidationError({"values": _("取值的 key 不能重复")})

    def __str__(self) -> str:
        return f"{self.category.code}:{self.code}"


class Open311Request(models.Model):
    """What an Open311 client sent beyond the appeal itself: its token, media URL, answers, contact e-mail.

    The e-mail is personal data: stored for the staff, never returned by the public GET."""

    appeal = models.OneToOneField("appeals.Appeal", on_delete=models.CASCADE, related_name="open311")
    token = models.CharField(max_length=64, unique=True)
    media_url = models.URLField(max_length=500, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    email = models.EmailField(blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    account_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
