"""Family 1: a dashboard's share links (make, list, revoke) and the anonymous read through
one (`GET /api/shared/{token}`). Rules: `dashboards.services.shares`, `selectors.share_*`;
decisions: docs/sharing.md.
"""

from typing import Any

from django.utils import timezone
from django.utils.http import parse_etags
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboards import selectors, services
from dashboards.api.analytics.views import AnalyticsView
from dashboards.api.base import share_url
from dashboards.api.fields import names_field, origins_field, variables_field
from dashboards.api.throttling import SHARE_THROTTLES
from dashboards.api.widget_schema import WidgetDataField, WidgetErrorSerializer
from dashboards.limits import (
    SHARE_TOKEN_LENGTH,
    SHARE_TOKEN_SHOWN_CHARS,
    SIZES,
)
from dashboards.models import DashboardShare
from dashboards.shared import shared_dashboard
from dashboards.widgets.registry import RENDER_KINDS
from idempotency.decorators import idempotent


class ShareCreateSerializer(serializers.Serializer):
    expiresAt = serializers.DateTimeField(
        required=False, allow_null=True, help_text="In the future; absent or null: never."
    )
    variables = variables_field(
        required=False,
        help_text="Locked variable values (name -> value) that viewers cannot change; names "
        "of the dashboard's `definition.variables` when it declares any.",
    )
    allowVariables = names_field(
        required=False, help_text="Variables viewers may set with `var-NAME=value`."
    )
    frameAncestors = origins_field(
        required=False,
        help_text="Origins that may embed the page (e.g. https://intranet.example.com); "
        "empty: the site's default (SHARE_FRAME_ANCESTORS).",
    )

    class Meta:
        ref_name = "ShareInput"


class ShareSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    tokenLast4 = serializers.CharField(
        min_length=SHARE_TOKEN_SHOWN_CHARS,
        max_length=SHARE_TOKEN_SHOWN_CHARS,
        help_text="The token's last characters, to tell links apart; the token itself is "
        "shown once, when the link is made.",
    )
    createdAt = serializers.DateTimeField()
    createdBy = serializers.IntegerField(allow_null=True, help_text="null: a deleted user.")
    expiresAt = serializers.DateTimeField(allow_null=True)
    expired = serializers.BooleanField()
    variables = variables_field()
    allowVariables = names_field()
    frameAncestors = origins_field()

    class Meta:
        ref_name = "Share"


class ShareListSerializer(serializers.Serializer):
    value = ShareSerializer(many=True)
    count = serializers.IntegerField()

    class Meta:
        ref_name = "ShareList"


class ShareCreatedSerializer(ShareSerializer):
    token = serializers.CharField(
        allow_null=True,
        min_length=SHARE_TOKEN_LENGTH,
        max_length=SHARE_TOKEN_LENGTH,
        help_text="Shown this once; null when an Idempotency-Key replays the answer.",
    )
    url = serializers.URLField(allow_null=True, help_text="The page: /s/{token}.")

    class Meta:
        ref_name = "ShareCreated"


def share_item(share: DashboardShare) -> dict[str, Any]:
    return {
        "id": share.pk,
        "tokenLast4": share.token_last4,
        "createdAt": share.created_at,
        "createdBy": share.created_by_id,
        "expiresAt": share.expires_at,
        "expired": share.expires_at is not None and share.expires_at <= timezone.now(),
        "variables": share.variables,
        "allowVariables": share.allow_variables,
        "frameAncestors": share.frame_ancestors,
    }


def without_token(body: Any) -> Any:
    """What an Idempotency-Key keeps of the answer: everything but the token."""
    return {**body, "token": None, "url": None}


class DashboardShareListView(AnalyticsView):
    serializer_class = ShareCreateSerializer

    @extend_schema(operation_id="dashboard_shares_list", responses=ShareListSerializer)
    def get(self, request: Request, dashboard_id: str) -> Response:
        """The dashboard's links that are not revoked, newest first (editors only)."""
        dashboard = selectors.dashboard_get(
            user=request.user, dashboard_id=dashboard_id, with_widgets=False
        )
        shares = selectors.share_list(user=request.user, dashboard=dashboard)
        items = [share_item(share) for share in shares]
        return Response({"value": items, "count": len(items)})

    @extend_schema(
        operation_id="dashboard_shares_create",
        request=ShareCreateSerializer,
        responses={201: ShareCreatedSerializer},
    )
    @idempotent(redact=without_token)
    def post(self, request: Request, dashboard_id: str) -> Response:
        """Make a read-only link that works without login; the answer shows its token once."""
        serializer = ShareCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        dashboard = selectors.dashboard_get(
            user=request.user, dashboard_id=dashboard_id, with_widgets=False
        )
        share, token = services.share_create(
            actor=request.user,
            dashboard=dashboard,
            expires_at=data.get("expiresAt"),
            variables=data.get("variables"),
            allow_variables=data.get("allowVariables"),
            frame_ancestors=data.get("frameAncestors"),
        )
        body = {**share_item(share), "token": token, "url": share_url(request, token)}
        return Response(body, status=201, headers={"Cache-Control": "no-store"})


class DashboardShareDetailView(AnalyticsView):
    serializer_class = ShareSerializer

    @extend_schema(
        operation_id="dashboard_shares_revoke",
        responses={204: OpenApiResponse(description="Revoked: the link answers 404 from now.")},
    )
    def delete(self, request: Request, dashboard_id: str, share_id: str) -> Response:
        """Revoke a link at once."""
        dashboard = selectors.dashboard_get(
            user=request.user, dashboard_id=dashboard_id, with_widgets=False
        )
        share = selectors.share_get(user=request.user, dashboard=dashboard, share_id=share_id)
        services.share_revoke(actor=request.user, share=share)
        return Response(status=204)


SharedWidgetSerializer = inline_serializer(
    "SharedWidget",
    {
        "id": serializers.CharField(),
        "type": serializers.CharField(),
        "title": serializers.CharField(allow_blank=True),
        "size": serializers.ChoiceField(choices=SIZES),
        "kind": serializers.ChoiceField(choices=RENDER_KINDS, help_text="How it is drawn."),
        "chart": serializers.CharField(required=False, help_text="Chart.js type, for charts."),
        "hasData": serializers.BooleanField(),
        "unit": serializers.CharField(required=False),
        "markdown": serializers.CharField(
            required=False, allow_blank=True, help_text="Text widgets: their text."
        ),
        "data": WidgetDataField(allow_null=True),
        "error": WidgetErrorSerializer(required=False),
    },
)

SharedDashboardSerializer = inline_serializer(
    "SharedDashboard",
    {
        "name": serializers.CharField(),
        "description": serializers.CharField(allow_blank=True),
        "refreshInterval": serializers.IntegerField(),
        "version": serializers.IntegerField(help_text="Grows at every change of the dashboard."),
        "updatedAt": serializers.DateTimeField(),
        "expiresAt": serializers.DateTimeField(allow_null=True),
        "variables": serializers.DictField(
            child=serializers.CharField(allow_blank=True),
            help_text="Variable values of this read: the link's locked values and the "
            "viewer's `var-NAME` choices the link allows.",
        ),
        "widgets": serializers.ListField(child=SharedWidgetSerializer),
    },
)


class SharedDashboardView(APIView):
    """`GET /api/shared/{token}`: no login; limited per token and per address."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = list(SHARE_THROTTLES)

    @extend_schema(
        operation_id="shared_dashboard_retrieve",
        auth=[],
        parameters=[
            OpenApiParameter("If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER),
        ],
        # 404 SHARE_NOT_FOUND: unknown, revoked or expired, one answer for all three;
        # 400: a `var-` parameter the link does not open; 429: over a limit.
        responses={
            200: SharedDashboardSerializer,
            304: OpenApiResponse(description="Not modified: the ETag sent is current."),
        },
    )
    def get(self, request: Request, token: str) -> Response:
        """A shared dashboard with its widgets' data, read-only, without login.

        `var-NAME=value` sets a variable the link lets viewers set (`allowVariables`); a
        locked variable or any other is a 400."""
        share = selectors.share_resolve(token=token)
        variables = selectors.share_variable_overrides(
            share=share, params=request.query_params.lists()
        )
        shared = shared_dashboard(share, variables)
        headers = {"ETag": shared.etag, "Cache-Control": "private, no-cache"}
        sent = request.headers.get("If-None-Match")
        if sent and (shared.etag in parse_etags(sent) or sent.strip() == "*"):
            return Response(status=304, headers=headers)
        return Response(shared.body, headers=headers)
