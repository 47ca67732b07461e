from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class CctvConfig(AppConfig):
    name = "cctv"
    label = "cctv"
    verbose_name = _("CCTV")

    def ready(self) -> None:
        from cctv import checks  # noqa: F401  (registers the system checks)
        from cctv.services import cctv_forget_user
        from jaki import lifecycle

        lifecycle.user_erased.register(cctv_forget_user)
        # As accounts does for its roles: operators get the camera screens after every migrate.
        post_migrate.connect(_grant_operators, sender=self)
        camera = self.get_model("Camera")
        post_save.connect(_camera_changed, sender=camera)
        post_delete.connect(_camera_changed, sender=camera)


def _camera_changed(update_fields=None, **kwargs) -> None:
    from cctv.selectors import public_cameras_changed

    public_cameras_changed(update_fields=update_fields)


# What the `cctv_operator` role may do in the admin (rows limited to its organisation's subtree).
OPERATOR_PERMISSIONS = [
    "view_camera",
    "add_camera",
    "change_camera",
    "view_offlinecamera",
    "view_cameragroup",
    "add_cameragroup",
    "change_cameragroup",
    "view_statuschange",
]


def _grant_operators(**kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    from jaki.accounts.models import Role

    using = kwargs.get("using", "default")
    group, _created = Group.objects.using(using).get_or_create(name=Role.CCTV_OPERATOR)
    permissions = Permission.objects.using(using).filter(
        content_type__app_label="cctv", codename__in=OPERATOR_PERMISSIONS
    )
    group.permissions.add(*permissions)
