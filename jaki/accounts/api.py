"""Accounts API: OTP login, token refresh and logout, the resident's own profile."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.views import TokenRefreshView

from jaki.accounts import services
from jaki.accounts.models import User
from jaki.accounts.phones import normalise_phone, require_code_recipient
from jaki.api import (
    OTPRequestThrottle,
    TokenRequestThrottle,
    client_address,
    error_responses,
    request_language,
)


class PhoneField(serializers.CharField):
    """Accepts any spelling of a valid number and yields its E.164 form."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault(
            "help_text",
            "A valid phone number, Indonesian unless it starts with a country code: "
            "'0812-3456-7890', '62812…' or '+62 812…'. Any other number is a 400.",
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            return normalise_phone(super().to_internal_value(data))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class CodeRecipientField(PhoneField):
    """A phone that may be texted a login code: an Indonesian mobile number."""

    def to_internal_value(self, data):
        phone = super().to_internal_value(data)
        try:
            require_code_recipient(phone)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return phone


class OrganisationOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()


class UserOutput(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    phone = serializers.CharField()
    name = serializers.CharField()
    language = serializers.ChoiceField(choices=User.Language.choices)
    is_staff = serializers.BooleanField()
    roles = serializers.SerializerMethodField()
    organisation = OrganisationOutput(allow_null=True)
    date_joined = serializers.DateTimeField()

    def get_roles(self, user: User) -> list[str]:
        if getattr(user, "has_roles", True) is False:  # known from the sign-in query
            return []
        return sorted(group.name for group in user.groups.all())


class OTPRequestView(APIView):
    """Text a 6-digit login code to a phone number."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [OTPRequestThrottle]

    class Input(serializers.Serializer):
        phone = CodeRecipientField()

    class Output(serializers.Serializer):
        detail = serializers.CharField()
        expires_in = serializers.IntegerField(help_text="Seconds until the code expires.")

    @extend_schema(
        request=Input,
        responses={202: Output, **error_responses(400, 401, 429, 503)},
        parameters=[
            OpenApiParameter(
                "X-Firebase-AppCheck",
                str,
                OpenApiParameter.HEADER,
                description="Firebase App Check token; required when the server says so (401).",
            )
        ],
        auth=[],
        summary="Request a login code by SMS",
    )
    def post(self, request):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        otp = services.otp_request(
            phone=data.validated_data["phone"],
            client=client_address(request),
            language=request_language(),
            app_check_token=request.headers.get("X-Firebase-AppCheck"),
        )
        expires_in = int((otp.expires_at - otp.created_at).total_seconds())
        return Response(
            {"detail": _("A code has been sent by SMS."), "expires_in": expires_in},
            status=status.HTTP_202_ACCEPTED,
        )


class TokenObtainView(APIView):
    """Exchange the SMS code for tokens; the resident is created on first login."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenRequestThrottle]

    class Input(serializers.Serializer):
        phone = PhoneField()
        code = serializers.RegexField(
            r"^\d{6}$", error_messages={"invalid": gettext_lazy("The code has 6 digits.")}
        )

    class Output(serializers.Serializer):
        access = serializers.CharField()
        refresh = serializers.CharField()
        user = UserOutput()

    @extend_schema(
        request=Input,
        responses={200: Output, **error_responses(400, 403, 429)},
        auth=[],
        summary="Log in with the SMS code",
    )
    def post(self, request):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.otp_verify(
            **data.validated_data, client=client_address(request), language=request_language()
        )
        tokens = services.tokens_issue(user=user)
        return Response({**tokens, "user": UserOutput(user).data})


class TokenRotateSerializer(TokenRefreshSerializer):
    refresh = serializers.CharField()
    access = serializers.CharField(read_only=True)

    def validate(self, attrs):
        return services.tokens_rotate(refresh=attrs["refresh"])


class TokenRotateOutput(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


@extend_schema_view(
    post=extend_schema(
        responses={200: TokenRotateOutput, **error_responses(400, 401, 429)},
        auth=[],
        summary="Swap a refresh token for new tokens",
        description="401 for a refresh token that is not valid, expired or already used.",
    )
)
class TokenRotateView(TokenRefreshView):
    """Swap a refresh token for a new access and refresh pair; the old refresh stops working,
    and presenting it again ends the whole session (every token of that login)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenRequestThrottle]
    serializer_class = TokenRotateSerializer


class LogoutView(APIView):
    """End this login: its tokens stop working and this phone (`device`, its push token) gets no
    more pushes. `everywhere` ends every login and stops every phone of the user."""

    permission_classes = [IsAuthenticated]

    class Input(serializers.Serializer):
        refresh = serializers.CharField()
        device = serializers.CharField(
            required=False, max_length=512, help_text="This phone's push token."
        )
        everywhere = serializers.BooleanField(required=False, default=False)

    @extend_schema(
        request=Input, responses={204: None, **error_responses(400, 401)}, summary="Log out"
    )
    def post(self, request):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        services.tokens_revoke(user=request.user, **data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """The signed-in person's own account."""

    permission_classes = [IsAuthenticated]

    class Input(serializers.Serializer):
        name = serializers.CharField(max_length=150, required=False, allow_blank=True)
        language = serializers.ChoiceField(choices=User.Language.choices, required=False)

    @extend_schema(responses={200: UserOutput, **error_responses(401)}, summary="My account")
    def get(self, request):
        return Response(UserOutput(request.user).data)

    @extend_schema(
        request=Input,
        responses={200: UserOutput, **error_responses(400, 401)},
        summary="Change my name or language",
    )
    def patch(self, request):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.account_update(user=request.user, **data.validated_data)
        return Response(UserOutput(user).data)

    @extend_schema(
        responses={204: None, **error_responses(401)},
        summary="Delete my account and erase my personal data",
    )
    def delete(self, request):
        services.account_erase(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("auth/otp/", OTPRequestView.as_view(), name="auth-otp"),
    path("auth/token/", TokenObtainView.as_view(), name="auth-token"),
    path("auth/token/refresh/", TokenRotateView.as_view(), name="auth-token-refresh"),
    path("auth/logout/", LogoutView.as_view(), name="auth-logout"),
    path("me/", MeView.as_view(), name="me"),
]
