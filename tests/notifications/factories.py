import factory

from jaki.notifications.models import Device
from tests.accounts.factories import UserFactory


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Device

    # Shaped like an FCM registration token: an installation part, a colon, a long tail.
    token = factory.Sequence(lambda n: f"fJ{n:06d}-Ab_c:APA91b{'H' * 100}{n:06d}")
    fid = factory.Sequence(lambda n: f"fJ{n:06d}-Ab_c")
    user = factory.SubFactory(UserFactory)
    platform = Device.Platform.ANDROID
