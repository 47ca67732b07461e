import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jaki.accounts.phones import mask_phone


class Role(models.TextChoices):
    """Staff roles; each is a Django group of the same name, made by a data migration."""

    COMPLAINT_TRIAGE = "complaint_triage", _("Complaint triage")
    AGENCY_OFFICER = "agency_officer", _("Agency officer")
    ALERT_AUTHOR = "alert_author", _("Alert author")
    ALERT_APPROVER = "alert_approver", _("Alert approver")
    CCTV_OPERATOR = "cctv_operator", _("CCTV operator")
    AUDITOR = "auditor", _("Auditor")


class Language(models.TextChoices):
    """The languages JAKI speaks: of accounts, devices and every human text."""

    INDONESIAN = "id", _("Indonesian")
    ENGLISH = "en", _("English")


class Organisation(models.Model):
    """A government unit staff belong to: a kelurahan office up to a dinas or BPBD."""

    class Kind(models.TextChoices):
        KELURAHAN = "kelurahan", _("Kelurahan office")
        KECAMATAN = "kecamatan", _("Kecamatan office")
        KOTA = "kota", _("City administration")
        DINAS = "dinas", _("Provincial agency (dinas)")
        SUKU_DINAS = "suku_dinas", _("Agency branch (suku dinas)")
        BPBD = "bpbd", _("Disaster management agency (BPBD)")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, phone: str, password: str | None = None, **fields) -> "User":
        user = self.model(phone=phone, **fields)
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, phone: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(phone, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A resident or a staff member, known by an E.164 phone number.

    Erasure (`account_erase`) clears `phone` and `name` and keeps the row, so records that point
    at the user (complaints, audit rows) stay, anonymised.
    """

    Language = Language

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    phone = models.CharField(_("phone number"), max_length=20, unique=True, null=True, blank=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.INDONESIAN
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.masked_phone or str(self.public_id)

    def get_short_name(self) -> str:
        """What the admin greets staff with: their name, not their phone number."""
        return self.name or self.masked_phone

    def get_full_name(self) -> str:
        return self.name

    @property
    def masked_phone(self) -> str:
        """+62812****5678 (`mask_phone`), for lists and logs."""
        return mask_phone(self.phone or "")


class OTPCode(models.Model):
    """A one-time login code; only its HMAC is stored, and only an HMAC of the client address
    that asked for it (limits count per phone and address, no address is kept)."""

    phone = models.CharField(max_length=20)
    code_hash = models.CharField(max_length=64)
    client = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    # Set once the SMS backend took the message: only a sent code replaces the previous one.
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("login code")
        verbose_name_plural = _("login codes")
        indexes = [models.Index(fields=["phone", "-created_at"], name="otp_phone_created_idx")]

    def __str__(self) -> str:
        return f"OTP {self.pk}"


class Session(models.Model):
    """One login: the refresh token issued then, every token rotated from it, and the access
    tokens minted from those, all carrying this row's `public_id` as their `sid` claim.

    `refresh_jti` is the one refresh token of the session that may still be rotated; presenting
    an older one is reuse (a stolen token racing its owner), which ends the session.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    refresh_jti = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=32, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return f"Session {self.pk}"
