"""Family 2: a dashboard's share links in the envelope, snake_case (docs/sharing.md).

The same rules as family 1 (`dashboards.services.shares`, `selectors.share_*`); a revoke
answers 200 with the envelope, as every v1 delete does. The anonymous read is one route for
both families: `/api/shared/{token}` and the `/s/{token}` page.
"""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from dashboards import selectors, services
from dashboards.api.base import share_url
from dashboards.api.fields import names_field, origins_field, variables_field
from dashboards.api.v1 import serializers as s
from dashboards.api.v1.history import dashboard_from_path
from dashboards.api.v1.views import V1View, success
from dashboards.limits import SHARE_TOKEN_LENGTH, SHARE_TOKEN_SHOWN_CHARS
from dashboards.models import DashboardShare
from idempotency.decorators import idempotent


class ShareCreateSerializer(serializers.Serializer):
    expires_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="In the future; absent or null: never."
    )
    variables = variables_field(required=False, help_text="Locked variable values (name -> value).")
    allow_variables = names_field(
        required=False, help_text="Variables viewers may set with `var-NAME=value`."
    )
    frame_ancestors = origins_field(
        required=False, help_text="Origins that may embed the page; empty: the site default."
    )

    class Meta:
        ref_name = "V1ShareInput"


class ShareSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    token_last4 = serializers.CharField(
        min_length=SHARE_TOKEN_SHOWN_CHARS, max_length=SHARE_TOKEN_SHOWN_CHARS
    )
    created_at = serializers.DateTimeField()
    created_by = serializers.IntegerField(allow_null=True, help_text="null: a deleted user.")
    expires_at = serializers.DateTimeField(allow_null=True)
    expired = serializers.BooleanField()
    variables = variables_field()
    allow_variables = names_field()
    frame_ancestors = origins_field()

    class Meta:
        ref_name = "V1Share"


class ShareCreatedSerializer(ShareSerializer):
    token = serializers.CharField(
        allow_null=True,
        min_length=SHARE_TOKEN_LENGTH,
        max_length=SHARE_TOKEN_LENGTH,
        help_text="Shown this once; null when an Idempotency-Key replays the answer.",
    )
    url = serializers.URLField(allow_null=True, help_text="The page: /s/{token}.")

    class Meta:
        ref_name = "V1ShareCreated"


def share_row(share: DashboardShare) -> dict[str, Any]:
    return {
        "id": share.pk,
        "token_last4": share.token_last4,
        "created_at": share.created_at,
        "created_by": share.created_by_id,
        "expires_at": share.expires_at,
        "expired": share.expires_at is not None and share.expires_at <= timezone.now(),
        "variables": share.variables,
        "allow_variables": share.allow_variables,
        "frame_ancestors": share.frame_ancestors,
    }


def without_token(body: Any) -> Any:
    """What an Idempotency-Key keeps of the answer: everything but the token."""
    return {**body, "data": {**body["data"], "token": None, "url": None}}


class DashboardShareListView(V1View):
    serializer_class = ShareCreateSerializer

    @extend_schema(
        operation_id="v1_dashboard_shares_list",
        parameters=[s.SCOPE_PARAMETER],
        responses=s.envelope("ShareList", ShareSerializer(many=True)),
    )
    def get(self, request: Request, project_id: str, dashboard_id: str) -> Response:
        """The dashboard's links that are not revoked, newest first (editors only)."""
        dashboard = dashboard_from_path(request, project_id, dashboard_id, with_widgets=False)
        shares = selectors.share_list(user=request.user, dashboard=dashboard)
        return success([share_row(share) for share in shares], "Share links listed successfully")

    @extend_schema(
        operation_id="v1_dashboard_shares_create",
        parameters=[s.SCOPE_PARAMETER],
        request=ShareCreateSerializer,
        responses={201: s.envelope("ShareCreated", ShareCreatedSerializer())},
    )
    @idempotent(redact=without_token)
    def post(self, request: Request, project_id: str, dashboard_id: str) -> Response:
        """Make a read-only link that works without login; the answer shows its token once."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        dashboard = dashboard_from_path(request, project_id, dashboard_id, with_widgets=False)
        share, token = services.share_create(
            actor=request.user,
            dashboard=dashboard,
            expires_at=data.get("expires_at"),
            variables=data.get("variables"),
            allow_variables=data.get("allow_variables"),
            frame_ancestors=data.get("frame_ancestors"),
        )
        body = {**share_row(share), "token": token, "url": share_url(request, token)}
        return success(
            body,
            f"Share link '{share.pk}' created successfully",
            status=201,
            headers={"Cache-Control": "no-store"},
        )


class DashboardShareDetailView(V1View):
    serializer_class = ShareSerializer

    @extend_schema(
        operation_id="v1_dashboard_shares_revoke",
        parameters=[s.SCOPE_PARAMETER],
        request=None,
        responses={200: s.saved_envelope("ShareRevoked")},
    )
    def delete(
        self, request: Request, project_id: str, dashboard_id: str, share_id: str
    ) -> Response:
        """Revoke a link at once: it answers 404 from now."""
        share_pk = s.parse_path_uuid(share_id, "share_id")
        dashboard = dashboard_from_path(request, project_id, dashboard_id, with_widgets=False)
        share = selectors.share_get(user=request.user, dashboard=dashboard, share_id=share_pk)
        services.share_revoke(actor=request.user, share=share)
        return success({"id": share.pk}, f"Share link '{share.pk}' revoked successfully")
