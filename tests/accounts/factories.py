import factory
from django.contrib.auth.models import Group

from jaki.accounts.models import Organisation, Role, User


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"Kelurahan Contoh {n}")
    kind = Organisation.Kind.KELURAHAN


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("phone",)

    phone = factory.Sequence(lambda n: f"+628123{n:07d}")
    name = factory.Faker("name", locale="id_ID")


class StaffFactory(UserFactory):
    class Meta:
        skip_postgeneration_save = True  # the role hook only adds a group: nothing to save

    is_staff = True
    organisation = factory.SubFactory(OrganisationFactory)

    @factory.post_generation
    def role(user, create, extracted: Role | None, **kwargs):
        if create and extracted:
            user.groups.add(Group.objects.get(name=extracted.value))
